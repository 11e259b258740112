/**
 * `executeRun`: the one executor every launcher uses (Dagster's `execute_plan` / `ActiveExecution` /
 * `execute_step`). Steps run in dependency order, independent steps at once (up to `maxConcurrent`), failed
 * steps retry by their retry policy, pooled steps claim op-concurrency slots, outputs go through an IO manager,
 * stdout/stderr are captured to compute logs, and the run ends SUCCESS, FAILURE or CANCELED — all written as
 * the events Dagster writes for the same things.
 */
import { InvariantViolationError, RunNotFoundError } from '@inst/errors';
import {
  AssetCheckEvaluation,
  AssetCheckSeverity,
  AssetKey,
  AssetMaterialization,
  AssetObservation,
  AssetObservationData,
  ComputeLogsCaptureData,
  DagsterEventType,
  DagsterRunStatus,
  EngineEventData,
  ErrorSource,
  EventLogEntry,
  HandledOutputData,
  JobCanceledData,
  JobFailureData,
  LoadedInputData,
  PoolMetadataValue,
  RUN_TAGS,
  RunFailureReason,
  SerializableErrorInfo,
  StepFailureData,
  StepInputData,
  StepMaterializationData,
  StepOutputData,
  StepOutputHandle,
  StepRetryData,
  StepSuccessData,
  TypeCheckData,
  UserFailureData,
  type AssetEventInit,
  type DagsterEvent,
  type AssetCheckKey,
  type DagsterRun,
  type MetadataValue,
  type RawMetadataValue,
} from '@inst/types';
import type { JobDefinition } from '@inst/definitions';
import { runWithCapture } from './compute-logs/capture';
import { createComputeLogFileKey, type ComputeLogCapture, type ComputeLogManager } from './compute-logs/manager';
import { executableJobFromDefinitions, isDefinitionsJob } from './definitions';
import { EventFactory, LogLevel, RunEventWriter, type EventStep } from './events';
import { formatDuration, pyStrList } from './format';
import { DEFAULT_IO_MANAGER_KEY, defaultIOManager, type IOManager, type OutputContext } from './io/io-manager';
import {
  calculateRetryDelay,
  Failure,
  Output,
  resolveJob,
  RetryRequested,
  type AssetCheckResult,
  type ExecutableJob,
  type ResolvedStep,
  type StepExecutionContext,
  type StepLogger,
  type StepOutputRef,
} from './model';
import type { ExecutionInstanceOps } from './ops';
import { PoolClaims } from './pools';

/** Something the executor can run: its own job model, an `@inst/definitions` job, or an object that converts itself. */
export type ExecutableJobLike = ExecutableJob | JobDefinition | { toExecutableJob(): ExecutableJob };

/** Options of {@link executeRun}. */
export interface ExecuteRunOptions {
  /** Aborting it cancels the run: no new step starts, running steps see their signal abort, the run ends CANCELED. */
  readonly signal?: AbortSignal;
  /** How many steps may run at once; default the run config's `execution.config.max_concurrent`, else unbounded (0 = unbounded). */
  readonly maxConcurrent?: number | null;
  /** Where outputs go; default the filesystem IO manager under the instance's storage directory, else in memory. */
  readonly ioManager?: IOManager;
  /** Where stdout/stderr are captured; default the instance's `computeLogManager`; null captures nothing. */
  readonly computeLogs?: ComputeLogManager | null;
  /** Skip the steps that already succeeded in this run's event log (a resumed run worker). */
  readonly resume?: boolean;
  /** The clock (epoch seconds); default `Date.now() / 1000`. */
  readonly now?: () => number;
  /** Waits (retry delays, pool back-off); default a timer. Resolves early when `signal` aborts. */
  readonly sleep?: (seconds: number, signal: AbortSignal) => Promise<void>;
  /** Random numbers in [0, 1) for retry jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** The message Dagster logs when a canceled run is asked to start. */
export const CANCELED_BEFORE_START = 'Not starting execution since the run was canceled before execution could start';

function defaultSleep(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, seconds * 1000));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The steps a run executes: its `stepKeysToExecute` when it lists some; otherwise, for an `@inst/definitions` job and
 * a run with an asset (or check) selection, the steps of the selected assets and checks — Dagster subsets the job by
 * the selection, and a check runs with its asset unless `assetCheckSelection` names the checks; otherwise every step.
 */
function selectedStepKeys(job: ExecutableJobLike, run: DagsterRun): ReadonlySet<string> | null {
  if (run.stepKeysToExecute?.length) return new Set(run.stepKeysToExecute);
  if (!isDefinitionsJob(job) || (run.assetSelection === null && run.assetCheckSelection === null)) return null;
  const assets = new Set([...(run.assetSelection ?? [])].map((key) => key.toDbString()));
  const checkId = (key: AssetCheckKey): string => `${key.assetKey.toDbString()}:${key.name}`;
  const checks = run.assetCheckSelection === null ? null : new Set([...run.assetCheckSelection].map(checkId));
  const selected = job.nodes.filter((node) => {
    if (node.asset) return assets.has(node.asset.key.toDbString());
    if (node.assetCheck) return checks ? checks.has(checkId(node.assetCheck.key)) : assets.has(node.assetCheck.key.assetKey.toDbString());
    return false;
  });
  return new Set(selected.map((node) => node.stepKey));
}

function toJob(job: ExecutableJobLike): ExecutableJob {
  if (isDefinitionsJob(job)) return executableJobFromDefinitions(job);
  return 'toExecutableJob' in job && typeof job.toExecutableJob === 'function' ? job.toExecutableJob() : (job as ExecutableJob);
}

/** `runConfig.ops.<op>.config` (or the legacy `solids`), as Dagster hands an op its config. */
function opConfig(runConfig: Readonly<Record<string, unknown>>, opName: string): unknown {
  for (const section of ['ops', 'solids']) {
    const ops = runConfig[section];
    if (ops && typeof ops === 'object') {
      const op = (ops as Record<string, unknown>)[opName];
      if (op && typeof op === 'object' && 'config' in op) return (op as { config: unknown }).config;
    }
  }
  return undefined;
}

/** `execution.config.max_concurrent` (also under `multiprocess`); `in_process` runs one step at a time. */
function maxConcurrentFromRunConfig(runConfig: Readonly<Record<string, unknown>>): number | null {
  const execution = runConfig.execution as Record<string, unknown> | undefined;
  if (!execution || typeof execution !== 'object') return null;
  if ('in_process' in execution) return 1;
  const config = (execution.config ?? (execution.multiprocess as Record<string, unknown> | undefined)?.config) as Record<string, unknown> | undefined;
  const value = config?.max_concurrent;
  return typeof value === 'number' && value > 0 ? value : null;
}

function intTag(tags: Readonly<Record<string, string>>, key: string): number {
  const value = Number.parseInt(tags[key] ?? '0', 10);
  return Number.isFinite(value) ? value : 0;
}

/** A Dagster error record wrapping the user's error as its cause. */
function wrappedError(module: string, clsName: string, message: string, cause: unknown): SerializableErrorInfo {
  return new SerializableErrorInfo({
    message: `${module}.${clsName}: ${message}\n`,
    stack: [],
    clsName,
    cause: SerializableErrorInfo.fromError(cause),
  });
}

/** Where step code failed, for the error Dagster wraps it in. */
type Phase = { kind: 'compute' } | { kind: 'load'; inputName: string } | { kind: 'handle'; outputName: string };

/** An error of the framework's (not of user code): not retried, FRAMEWORK_ERROR. */
class StepFrameworkError extends Error {
  constructor(
    message: string,
    readonly clsName: string,
  ) {
    super(message);
    this.name = clsName;
  }
}

class PhaseError extends Error {
  constructor(
    readonly phase: Phase,
    readonly original: unknown,
  ) {
    super('step error');
  }
}

async function inPhase<T>(phase: Phase, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof StepFrameworkError) throw error;
    throw new PhaseError(phase, error);
  }
}

interface RunResult {
  readonly failedSteps: string[];
  readonly firstFailure: DagsterEvent | undefined;
  readonly canceled: boolean;
}

/** One execution of a run's plan. */
class RunExecution {
  readonly #events: EventFactory;
  readonly #job: ReturnType<typeof resolveJob>;
  readonly #toExecute: Set<string>;
  readonly #pending = new Map<string, Set<string>>();
  #executable: string[] = [];
  readonly #waitingToRetry = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #success = new Set<string>();
  readonly #failed = new Set<string>();
  readonly #skipped = new Set<string>();
  readonly #abandoned = new Set<string>();
  readonly #skippedDeps = new Map<string, string[]>();
  readonly #produced = new Set<string>();
  readonly #attempts = new Map<string, number>();
  readonly #messagedClaims = new Map<string, number>();
  readonly #producingRuns = new Map<string, Promise<string | null>>();
  readonly #claims: PoolClaims;
  readonly #signal: AbortSignal;
  readonly #maxConcurrent: number | null;
  readonly #io: IOManager;
  readonly #computeLogs: ComputeLogManager | null;
  readonly #now: () => number;
  readonly #sleep: (seconds: number, signal: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #partitionKey: string | null;
  readonly failedSteps: string[] = [];
  firstFailure: DagsterEvent | undefined;
  #woken = false;
  #wake: () => void = () => {};

  constructor(
    private readonly ops: ExecutionInstanceOps,
    private readonly run: DagsterRun,
    job: ReturnType<typeof resolveJob>,
    private readonly writer: RunEventWriter,
    options: ExecuteRunOptions,
    selected: ReadonlySet<string> | null,
  ) {
    this.#events = new EventFactory(run);
    this.#job = job;
    this.#toExecute = new Set(job.steps.map((step) => step.key).filter((key) => !selected || selected.has(key)));
    for (const key of this.#toExecute) {
      const step = job.byKey.get(key)!;
      this.#pending.set(key, new Set([...step.deps].filter((dep) => this.#toExecute.has(dep))));
    }
    this.#signal = options.signal ?? new AbortController().signal;
    const fromRunConfig = maxConcurrentFromRunConfig(run.runConfig);
    const max = options.maxConcurrent ?? fromRunConfig ?? job.maxConcurrent;
    this.#maxConcurrent = max && max > 0 ? max : null;
    this.#io = options.ioManager ?? defaultIOManager(ops.storageDirectory ? ops.storageDirectory() : null);
    this.#computeLogs = options.computeLogs === undefined ? (ops.computeLogManager ?? null) : options.computeLogs;
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#partitionKey = run.tags[RUN_TAGS.PARTITION_NAME] ?? null;
    this.#claims = new PoolClaims(ops.eventLogStorage, ops.getConcurrencyConfig?.(), run.runId, intTag(run.tags, RUN_TAGS.PRIORITY), this.#now);
  }

  /** Steps already done in this run's log (resume): successes keep their outputs, attempts are counted. */
  async restoreFromLog(): Promise<void> {
    const entries = await this.ops.allLogs(this.run.runId, [DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_OUTPUT, DagsterEventType.STEP_UP_FOR_RETRY]);
    const outputs: string[] = [];
    for (const entry of entries) {
      const event = entry.dagsterEvent;
      const key = event?.stepKey;
      if (!event || !key || !this.#toExecute.has(key)) continue;
      if (event.eventType === DagsterEventType.STEP_SUCCESS) {
        this.#success.add(key);
        this.#pending.delete(key);
      } else if (event.eventType === DagsterEventType.STEP_UP_FOR_RETRY) {
        this.#attempts.set(key, (this.#attempts.get(key) ?? 0) + 1);
      } else {
        outputs.push(`${key}\u0000${(event.eventSpecificData as StepOutputData).stepOutputHandle.outputName}`);
      }
    }
    for (const output of outputs) if (this.#success.has(output.split('\u0000')[0]!)) this.#produced.add(output);
  }

  async execute(): Promise<RunResult> {
    // Dagster's in-process executor brackets the steps with two engine events naming the process.
    const stepKeys = [...this.#toExecute];
    const inProcess = () => new EngineEventData({ metadata: { pid: String(process.pid), step_keys: pyStrList(stepKeys) } });
    await this.writer.event(this.#events.job(DagsterEventType.ENGINE_EVENT, `Executing steps in process (pid: ${process.pid})`, inProcess()));
    const started = performance.now();
    const runCapture = await this.#openCapture([]);
    try {
      await runWithCapture(runCapture, () => this.#loop());
    } finally {
      await this.#claims.releasePending();
      await this.#closeCapture(runCapture, null);
    }
    await this.writer.event(
      this.#events.job(DagsterEventType.ENGINE_EVENT, `Finished steps in process (pid: ${process.pid}) in ${formatDuration(performance.now() - started)}`, inProcess()),
    );
    return { failedSteps: this.failedSteps, firstFailure: this.firstFailure, canceled: this.#signal.aborted };
  }

  // ------------------------------------------------------------------ the plan's state machine

  #resolved(key: string): boolean {
    return this.#success.has(key) || this.#failed.has(key) || this.#skipped.has(key) || this.#abandoned.has(key);
  }

  #shouldSkip(step: ResolvedStep): boolean {
    const missing: string[] = [];
    for (const input of step.inputs) {
      if (!input.from) continue;
      const { stepKey, outputName } = input.from;
      if (!this.#toExecute.has(stepKey)) continue;
      if ((this.#success.has(stepKey) || this.#skipped.has(stepKey)) && !this.#produced.has(`${stepKey}\u0000${outputName}`)) missing.push(`${stepKey}.${outputName}`);
    }
    if (missing.length > 0) this.#skippedDeps.set(step.key, missing);
    return missing.length > 0;
  }

  /** Moves pending steps whose deps are resolved to executable / skip / abandon, and due retries to executable. */
  #update(): { skip: string[]; abandon: string[] } {
    const skip: string[] = [];
    const abandon: string[] = [];
    for (const [key, deps] of this.#pending) {
      if (![...deps].every((dep) => this.#resolved(dep))) continue;
      const step = this.#job.byKey.get(key)!;
      if (this.#shouldSkip(step)) skip.push(key);
      else if ([...deps].some((dep) => this.#failed.has(dep) || this.#abandoned.has(dep))) abandon.push(key);
      else this.#executable.push(key);
      this.#pending.delete(key);
    }
    const now = this.#now();
    for (const [key, at] of this.#waitingToRetry) {
      if (now >= at) {
        this.#executable.push(key);
        this.#waitingToRetry.delete(key);
      }
    }
    return { skip, abandon };
  }

  /** Dagster's `plan_events_iterator`: skipped steps (STEP_SKIPPED) and abandoned ones (an ERROR log). */
  async #processPlanEvents(): Promise<void> {
    for (;;) {
      const { skip, abandon } = this.#update();
      if (skip.length === 0 && abandon.length === 0) return;
      for (const key of skip) {
        const step = this.#stepRef(key);
        await this.writer.write(LogLevel.INFO, `Skipping step ${key} due to skipped dependencies: ${pyStrList(this.#skippedDeps.get(key) ?? [])}.`, key, null);
        await this.writer.event(this.#events.step(step, DagsterEventType.STEP_SKIPPED, `Skipped execution of step "${key}".`));
        this.#skipped.add(key);
      }
      for (const key of abandon) {
        const step = this.#job.byKey.get(key)!;
        const deps = step.inputs.flatMap((input) => (input.from ? [input.from.stepKey] : [])).filter((dep) => this.#toExecute.has(dep));
        const failedDeps = deps.filter((dep) => this.#failed.has(dep));
        const abandonedDeps = deps.filter((dep) => this.#abandoned.has(dep));
        const failStr = failedDeps.length > 0 ? ` failed: ${pyStrList(failedDeps)}` : '';
        const abandonStr = abandonedDeps.length > 0 ? ` were not executed: ${pyStrList(abandonedDeps)}` : '';
        await this.writer.write(LogLevel.ERROR, `Dependencies for step ${key}${failStr}${abandonStr}. Not executing.`, key, null);
        this.#abandoned.add(key);
      }
    }
  }

  #isComplete(): boolean {
    return (
      this.#pending.size === 0 &&
      this.#inFlight.size === 0 &&
      this.#executable.length === 0 &&
      this.#waitingToRetry.size === 0 &&
      this.#claims.pendingClaimSteps().length === 0
    );
  }

  #stepRef(key: string): EventStep {
    const step = this.#job.byKey.get(key)!;
    return { key, opName: step.opName };
  }

  async #loop(): Promise<void> {
    for (;;) {
      this.#woken = false;
      if (this.writer.failed) {
        await Promise.allSettled(this.#inFlight.values());
        return;
      }
      if (this.#signal.aborted) {
        // Cancellation: nothing new starts; running steps see their signal and are waited for.
        await Promise.allSettled(this.#inFlight.values());
        return;
      }
      await this.#processPlanEvents();
      await this.#launchReady();
      await this.#concurrencyEvents();
      if (this.#isComplete()) return;

      const now = this.#now();
      const times = [...this.#waitingToRetry.values(), ...this.#claims.nextCheckTimes()];
      const timeout = times.length > 0 ? Math.max(0, Math.min(...times) - now) : null;
      if (this.#inFlight.size === 0 && timeout === null && this.#executable.length === 0) {
        throw new InvariantViolationError(`Execution finished without completing the execution plan. Steps pending processing: ${[...this.#pending.keys()].join(', ')}`);
      }
      await this.#waitForChange(timeout);
    }
  }

  /** Waits until a step finishes, the run is canceled, or `timeout` seconds pass. */
  async #waitForChange(timeout: number | null): Promise<void> {
    if (this.#woken) return;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    this.#signal.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        stop.signal.addEventListener('abort', () => resolve(), { once: true });
        if (timeout !== null) void this.#sleep(timeout, stop.signal).then(resolve, resolve);
      });
    } finally {
      this.#wake = () => {};
      stop.abort();
      this.#signal.removeEventListener('abort', onAbort);
    }
  }

  /** Starts ready steps in priority order, within `maxConcurrent` and their pools' slots. */
  async #launchReady(): Promise<void> {
    const ready = this.#executable
      .map((key, index) => ({ key, index, priority: intTag(this.#job.byKey.get(key)!.tags, RUN_TAGS.PRIORITY) }))
      .sort((a, b) => b.priority - a.priority || a.index - b.index);
    for (const { key, priority } of ready) {
      if (this.#signal.aborted) return;
      if (this.#maxConcurrent !== null && this.#inFlight.size >= this.#maxConcurrent) return;
      const step = this.#job.byKey.get(key)!;
      const pool = step.pool ?? step.tags[RUN_TAGS.GLOBAL_CONCURRENCY] ?? null;
      if (pool && !(await this.#claims.claim(pool, key, priority))) continue;
      this.#executable = this.#executable.filter((k) => k !== key);
      const flight: Promise<void> = this.#runStep(step).finally(() => {
        // A retry of this step may already be in flight under the same key: only this attempt leaves.
        if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
        this.#woken = true;
        this.#wake();
      });
      this.#inFlight.set(key, flight);
    }
  }

  /** Dagster's `concurrency_event_iterator`: an ENGINE_EVENT for a step blocked by its pool, again every 5 minutes. */
  async #concurrencyEvents(): Promise<void> {
    for (const key of this.#claims.pendingClaimSteps()) {
      const last = this.#messagedClaims.get(key);
      const now = this.#now();
      if (last !== undefined && now - last <= 300) continue;
      const step = this.#job.byKey.get(key)!;
      const pool = step.pool ?? step.tags[RUN_TAGS.GLOBAL_CONCURRENCY]!;
      this.#messagedClaims.set(key, now);
      const message = last === undefined ? `Step blocked by limit for pool ${pool}` : `Step still blocked by limit for pool ${pool}`;
      await this.writer.event(
        this.#events.step(this.#stepRef(key), DagsterEventType.ENGINE_EVENT, message, new EngineEventData({ metadata: { pool: new PoolMetadataValue({ pool }) } })),
      );
    }
  }

  // ------------------------------------------------------------------ compute logs

  async #openCapture(stepKeys: string[]): Promise<ComputeLogCapture | null> {
    const manager = this.#computeLogs;
    if (!manager) return null;
    try {
      const logKey = manager.buildLogKeyForRun(this.run.runId, createComputeLogFileKey());
      const capture = await manager.openCapture(logKey);
      const { context } = capture;
      await this.writer.event(
        this.#events.job(
          DagsterEventType.LOGS_CAPTURED,
          `Started capturing logs in process (pid: ${process.pid}).`,
          new ComputeLogsCaptureData({
            fileKey: logKey.at(-1)!,
            stepKeys,
            externalUrl: context.externalUrl,
            externalStdoutUrl: context.externalStdoutUrl,
            externalStderrUrl: context.externalStderrUrl,
          }),
        ),
      );
      return capture;
    } catch (error) {
      await this.writer.event(this.#events.job(DagsterEventType.ENGINE_EVENT, 'Exception while setting up compute log capture', EngineEventData.engineError(SerializableErrorInfo.fromError(error))));
      return null;
    }
  }

  async #closeCapture(capture: ComputeLogCapture | null, step: EventStep | null): Promise<void> {
    if (!capture) return;
    try {
      await capture.close();
    } catch (error) {
      const data = EngineEventData.engineError(SerializableErrorInfo.fromError(error));
      const message = 'Exception while cleaning up compute log capture';
      await this.writer.event(step ? this.#events.step(step, DagsterEventType.ENGINE_EVENT, message, data) : this.#events.job(DagsterEventType.ENGINE_EVENT, message, data));
    }
  }

  // ------------------------------------------------------------------ one step

  /** The run whose stored output an input of a step outside this run's selection loads: the nearest ancestor that produced it. */
  #producingRun(ref: StepOutputRef): Promise<string | null> {
    const cacheKey = `${ref.stepKey}\u0000${ref.outputName}`;
    let found = this.#producingRuns.get(cacheKey);
    if (!found) {
      found = (async () => {
        let runId = this.run.parentRunId;
        for (let depth = 0; runId && depth < 1000; depth++) {
          const outputs = await this.ops.allLogs(runId, DagsterEventType.STEP_OUTPUT);
          if (outputs.some((entry) => entry.stepKey === ref.stepKey && (entry.dagsterEvent?.eventSpecificData as StepOutputData | undefined)?.stepOutputHandle.outputName === ref.outputName)) {
            return runId;
          }
          runId = (await this.ops.getRunById(runId))?.parentRunId ?? null;
        }
        return null;
      })();
      this.#producingRuns.set(cacheKey, found);
    }
    return found;
  }

  async #runStep(step: ResolvedStep): Promise<void> {
    const ref: EventStep = { key: step.key, opName: step.opName };
    const attempt = this.#attempts.get(step.key) ?? 0;
    const capture = await this.#openCapture([step.key]);
    const stepSignal = this.#signal;
    try {
      await runWithCapture(capture, () => this.#attempt(step, ref, attempt, stepSignal));
    } finally {
      await this.#claims.free(step.key);
      await this.#closeCapture(capture, ref);
    }
  }

  async #attempt(step: ResolvedStep, ref: EventStep, attempt: number, signal: AbortSignal): Promise<void> {
    const events = this.#events;
    const writer = this.writer;
    if (attempt > 0) {
      await writer.event(events.step(ref, DagsterEventType.STEP_RESTARTED, `Started re-execution (attempt # ${attempt + 1}) of step "${step.key}".`));
    } else {
      await writer.event(events.step(ref, DagsterEventType.STEP_START, `Started execution of step "${step.key}".`));
    }
    const started = performance.now();
    try {
      // Inputs: each loaded through the IO manager from the run that produced it (LOADED_INPUT), then checked (STEP_INPUT).
      const inputs: Record<string, unknown> = {};
      for (const input of step.inputs) {
        if (input.dagsterType === 'Nothing') continue;
        const from = input.from;
        const upstreamOutput = from ? this.#job.byKey.get(from.stepKey)!.outputs.find((output) => output.name === from.outputName)! : null;
        inputs[input.name] = await inPhase({ kind: 'load', inputName: input.name }, async () => {
          if (!from) {
            // An asset of another job: loaded by its key (the IO manager's asset layout does not depend on the run).
            return this.#io.loadInput({
              runId: this.run.runId,
              stepKey: step.key,
              inputName: input.name,
              upstreamOutput: { runId: this.run.runId, stepKey: '', outputName: 'result', assetKey: input.assetKey, partitionKey: this.#partitionKey },
            });
          }
          const producedIn = this.#toExecute.has(from.stepKey) ? this.run.runId : await this.#producingRun(from);
          // An asset outside the run's asset selection that no ancestor produced loads by its key, as from a subset job.
          if (producedIn === null && !upstreamOutput?.assetKey) {
            throw new Error(`No run in the parent chain of run ${this.run.runId} produced output "${from.outputName}" of step "${from.stepKey}"`);
          }
          return this.#io.loadInput({
            runId: this.run.runId,
            stepKey: step.key,
            inputName: input.name,
            upstreamOutput: {
              runId: producedIn ?? this.run.runId,
              stepKey: from.stepKey,
              outputName: from.outputName,
              assetKey: upstreamOutput?.assetKey ?? null,
              partitionKey: upstreamOutput?.isAssetPartitioned === false ? null : this.#partitionKey,
            },
          });
        });
        const fromClause = from ? `, from output "${from.outputName}" of step "${from.stepKey}"` : '';
        await writer.event(
          events.step(
            ref,
            DagsterEventType.LOADED_INPUT,
            `Loaded input "${input.name}" using input manager "${DEFAULT_IO_MANAGER_KEY}"${fromClause}`,
            new LoadedInputData({ inputName: input.name, managerKey: DEFAULT_IO_MANAGER_KEY, upstreamOutputName: from?.outputName ?? null, upstreamStepKey: from?.stepKey ?? null, metadata: {} }),
          ),
        );
      }
      for (const input of step.inputs) {
        if (input.dagsterType === 'Nothing') continue;
        await writer.event(
          events.step(
            ref,
            DagsterEventType.STEP_INPUT,
            `Got input "${input.name}" of type "${input.dagsterType}". (Type check passed).`,
            new StepInputData({ inputName: input.name, typeCheckData: new TypeCheckData({ success: true, label: input.name, metadata: {} }) }),
          ),
        );
      }

      const context = this.#context(step, ref, attempt, signal, inputs);
      const returned = await inPhase({ kind: 'compute' }, () => step.compute(context, context.inputs));
      await this.#storeOutputs(step, ref, returned);
      await writer.event(
        events.step(ref, DagsterEventType.STEP_SUCCESS, `Finished execution of step "${step.key}" in ${formatDuration(performance.now() - started)}.`, new StepSuccessData({ durationMs: performance.now() - started })),
      );
      this.#success.add(step.key);
    } catch (error) {
      await this.#stepError(step, ref, attempt, signal, error);
    }
  }

  #context(step: ResolvedStep, ref: EventStep, attempt: number, signal: AbortSignal, inputs: Record<string, unknown>): StepExecutionContext {
    const writer = this.writer;
    const events = this.#events;
    const logAt = (level: number) => (message: string) => writer.write(level, String(message), step.key, null);
    const log: StepLogger = { debug: logAt(LogLevel.DEBUG), info: logAt(LogLevel.INFO), warning: logAt(LogLevel.WARNING), error: logAt(LogLevel.ERROR), critical: logAt(LogLevel.CRITICAL) };
    return {
      run: this.run,
      runId: this.run.runId,
      jobName: this.run.jobName,
      stepKey: step.key,
      opName: step.opName,
      runConfig: this.run.runConfig,
      config: opConfig(this.run.runConfig, step.opName),
      partitionKey: this.#partitionKey,
      retryNumber: attempt,
      inputs: Object.freeze(inputs),
      log,
      signal,
      reportAssetMaterialization: (materialization: AssetMaterialization | AssetEventInit) => {
        const value = materialization instanceof AssetMaterialization ? materialization : new AssetMaterialization(materialization);
        return writer.event(events.step(ref, DagsterEventType.ASSET_MATERIALIZATION, materializationMessage(value), new StepMaterializationData({ materialization: value })));
      },
      instance: this.ops,
      reportAssetObservation: (observation: AssetObservation | AssetEventInit) => {
        const value = observation instanceof AssetObservation ? observation : new AssetObservation(observation);
        return writer.event(events.step(ref, DagsterEventType.ASSET_OBSERVATION, null, new AssetObservationData({ assetObservation: value })));
      },
    };
  }

  /** STEP_OUTPUT, ASSET_MATERIALIZATION and HANDLED_OUTPUT per output (ASSET_CHECK_EVALUATION first for a check). */
  async #storeOutputs(step: ResolvedStep, ref: EventStep, returned: unknown): Promise<void> {
    const values = new Map<string, unknown>();
    if (step.outputs.length === 1) {
      const only = step.outputs[0]!;
      if (returned !== undefined || only.isRequired) values.set(only.name, returned === undefined ? null : returned);
    } else if (returned !== undefined && returned !== null) {
      if (typeof returned !== 'object') throw new StepFrameworkError(`Compute for op "${step.opName}" with several outputs must return an object keyed by output name`, 'DagsterInvariantViolationError');
      for (const [name, value] of Object.entries(returned)) {
        if (!step.outputs.some((output) => output.name === name)) {
          throw new StepFrameworkError(`Core compute for op "${step.opName}" returned an output "${name}" that does not exist. The available outputs are ${pyStrList(step.outputs.map((o) => o.name))}`, 'DagsterInvariantViolationError');
        }
        if (value !== undefined) values.set(name, value);
      }
    }
    const failedBlocking: string[] = [];
    for (const output of step.outputs) {
      if (!values.has(output.name)) {
        if (output.isRequired) {
          throw new StepFrameworkError(`Core compute for op "${step.opName}" did not return an output for non-optional output "${output.name}"`, 'DagsterStepOutputNotFoundError');
        }
        continue;
      }
      let value = values.get(output.name);
      let metadata: Readonly<Record<string, RawMetadataValue>> = {};
      if (value instanceof Output) {
        metadata = value.metadata;
        value = value.value;
      }
      const handle = new StepOutputHandle({ stepKey: step.key, outputName: output.name });
      const outputEvent = () =>
        this.writer.event(
          this.#events.step(
            ref,
            DagsterEventType.STEP_OUTPUT,
            `Yielded output "${output.name}" of type "${output.dagsterType ?? 'Any'}". (Type check passed).`,
            new StepOutputData({ stepOutputHandle: handle, typeCheckData: new TypeCheckData({ success: true, label: output.name, metadata: {} }), metadata }),
          ),
        );
      const handledEvent = (ioMetadata: Readonly<Record<string, MetadataValue>>) =>
        this.writer.event(
          this.#events.step(
            ref,
            DagsterEventType.HANDLED_OUTPUT,
            `Handled output "${output.name}" using IO manager "${DEFAULT_IO_MANAGER_KEY}"`,
            new HandledOutputData({ outputName: output.name, managerKey: DEFAULT_IO_MANAGER_KEY, metadata: ioMetadata }),
          ),
        );

      if (output.assetCheck) {
        const result = value as AssetCheckResult | null;
        if (!result || typeof result !== 'object' || typeof result.passed !== 'boolean') {
          throw new StepFrameworkError(`Asset check output "${output.name}" of op "${step.opName}" must return { passed: boolean }`, 'DagsterInvariantViolationError');
        }
        const evaluation = new AssetCheckEvaluation({
          assetKey: new AssetKey([...output.assetCheck.assetKey]),
          checkName: output.assetCheck.name,
          passed: result.passed,
          metadata: result.metadata ?? {},
          severity: result.severity === 'WARN' ? AssetCheckSeverity.WARN : AssetCheckSeverity.ERROR,
          description: result.description ?? null,
          blocking: output.assetCheck.blocking ?? false,
        });
        await this.writer.event(this.#events.step(ref, DagsterEventType.ASSET_CHECK_EVALUATION, null, evaluation));
        if (output.assetCheck.blocking && !result.passed && evaluation.severity === AssetCheckSeverity.ERROR) failedBlocking.push(output.assetCheck.name);
        await outputEvent();
        await handledEvent({});
        this.#produced.add(`${step.key}\u0000${output.name}`);
        continue;
      }

      await outputEvent();
      const outputContext: OutputContext = {
        runId: this.run.runId,
        stepKey: step.key,
        outputName: output.name,
        assetKey: output.assetKey ?? null,
        partitionKey: output.isAssetPartitioned === false ? null : this.#partitionKey,
      };
      const ioMetadata = (await inPhase({ kind: 'handle', outputName: output.name }, () => this.#io.handleOutput(outputContext, value))) ?? {};
      if (output.assetKey) {
        const tags: Record<string, string> = {};
        const backfill = this.run.tags[RUN_TAGS.BACKFILL_ID];
        if (backfill) tags[RUN_TAGS.BACKFILL_ID] = backfill;
        const partition = output.isAssetPartitioned === false ? null : this.#partitionKey;
        const materialization = new AssetMaterialization({ assetKey: [...output.assetKey], partition, metadata: { ...metadata, ...ioMetadata }, tags });
        await this.writer.event(this.#events.step(ref, DagsterEventType.ASSET_MATERIALIZATION, materializationMessage(materialization), new StepMaterializationData({ materialization })));
      }
      await handledEvent(ioMetadata);
      this.#produced.add(`${step.key}\u0000${output.name}`);
    }
    if (failedBlocking.length > 0) {
      throw new StepFrameworkError(`Blocking check${failedBlocking.length > 1 ? 's' : ''} ${failedBlocking.map((name) => `'${name}'`).join(', ')} did not pass`, 'DagsterAssetCheckFailedError');
    }
  }

  /** A failed attempt: a retry (STEP_UP_FOR_RETRY) when a policy or RetryRequested allows one, else STEP_FAILURE. */
  async #stepError(step: ResolvedStep, ref: EventStep, attempt: number, signal: AbortSignal, error: unknown): Promise<void> {
    const phase = error instanceof PhaseError ? error.phase : null;
    const original = error instanceof PhaseError ? error.original : error;

    if (signal.aborted && phase !== null) {
      const info = new SerializableErrorInfo({
        message: 'dagster._core.errors.DagsterExecutionInterruptedError: Execution was interrupted (the run was canceled).\n',
        stack: [],
        clsName: 'DagsterExecutionInterruptedError',
        cause: SerializableErrorInfo.fromError(original),
      });
      await this.#fail(ref, new StepFailureData({ error: info, errorSource: ErrorSource.INTERRUPT }));
      return;
    }

    // Dagster's op_execution_error_boundary: a user RetryRequested escalates; a policy turns other user errors into one.
    let retry: { maxRetries: number; secondsToWait: number | null; clsName: string; cause: unknown } | null = null;
    if (phase !== null && original instanceof RetryRequested) {
      retry = { maxRetries: original.maxRetries, secondsToWait: original.secondsToWait, clsName: 'RetryRequested', cause: original.cause };
    } else if (phase !== null && step.retryPolicy && !(original instanceof Failure && !original.allowRetries)) {
      retry = {
        maxRetries: step.retryPolicy.maxRetries ?? 1,
        secondsToWait: calculateRetryDelay(step.retryPolicy, attempt + 1, this.#random),
        clsName: 'RetryRequestedFromPolicy',
        cause: original,
      };
    }

    if (retry) {
      const retryInfo = new SerializableErrorInfo({
        message: `dagster._core.definitions.events.${retry.clsName}\n`,
        stack: [],
        clsName: retry.clsName,
        cause: retry.cause === undefined ? null : SerializableErrorInfo.fromError(retry.cause),
      });
      if (attempt >= retry.maxRetries) {
        const failErr = new SerializableErrorInfo({ message: `Exceeded max_retries of ${retry.maxRetries}\n`, stack: [], clsName: retry.clsName, cause: retryInfo.cause });
        await this.#fail(ref, new StepFailureData({ error: failErr, userFailureData: userFailure(retry.cause), errorSource: failErr.cause ? ErrorSource.USER_CODE_ERROR : null }));
        return;
      }
      const seconds = retry.secondsToWait;
      const waitStr = seconds ? ` in ${seconds} seconds` : '';
      await this.writer.event(
        this.#events.step(ref, DagsterEventType.STEP_UP_FOR_RETRY, `Execution of step "${step.key}" failed and has requested a retry${waitStr}.`, new StepRetryData({ error: retryInfo, secondsToWait: seconds })),
      );
      this.#attempts.set(step.key, attempt + 1);
      if (seconds) this.#waitingToRetry.set(step.key, this.#now() + seconds);
      else this.#executable.push(step.key);
      return;
    }

    if (original instanceof StepFrameworkError) {
      const info = new SerializableErrorInfo({ message: `dagster._core.errors.${original.clsName}: ${original.message}\n`, stack: [], clsName: original.clsName });
      await this.#fail(ref, new StepFailureData({ error: info, errorSource: ErrorSource.FRAMEWORK_ERROR }));
      return;
    }
    if (original instanceof Failure) {
      await this.#fail(ref, new StepFailureData({ error: SerializableErrorInfo.fromError(original), userFailureData: userFailure(original), errorSource: ErrorSource.FRAMEWORK_ERROR }));
      return;
    }
    const info =
      phase?.kind === 'load'
        ? wrappedError('dagster._core.errors', 'DagsterExecutionLoadInputError', `Error occurred while loading input "${phase.inputName}" of step "${step.key}":`, original)
        : phase?.kind === 'handle'
          ? wrappedError('dagster._core.errors', 'DagsterExecutionHandleOutputError', `Error occurred while handling output "${phase.outputName}" of step "${step.key}":`, original)
          : wrappedError('dagster._core.errors', 'DagsterExecutionStepExecutionError', `Error occurred while executing op "${step.opName}":`, original);
    await this.#fail(ref, new StepFailureData({ error: info, errorSource: ErrorSource.USER_CODE_ERROR }));
  }

  async #fail(ref: EventStep, data: StepFailureData): Promise<void> {
    const event = this.#events.step(ref, DagsterEventType.STEP_FAILURE, `Execution of step "${ref.key}" failed.`, data);
    await this.writer.event(event);
    this.#failed.add(ref.key);
    this.failedSteps.push(ref.key);
    this.firstFailure ??= event;
  }
}

function userFailure(error: unknown): UserFailureData | null {
  return error instanceof Failure ? new UserFailureData({ label: 'intentional-failure', description: error.description, metadata: error.metadata }) : null;
}

function materializationMessage(materialization: AssetMaterialization): string {
  return materialization.description ? materialization.description : `Materialized value${materialization.label ? ` ${materialization.label}` : ''}.`;
}

/**
 * Executes a run of `job`: PIPELINE_START, the steps' events, then PIPELINE_SUCCESS, PIPELINE_FAILURE (reason
 * STEP_FAILURE, or RUN_EXCEPTION when the execution itself broke) or PIPELINE_CANCELED. The run must be
 * NOT_STARTED or STARTING (or STARTED with `resume`); a CANCELED run is refused with an ENGINE_EVENT. Only the
 * run's `stepKeysToExecute` run when it lists some; their inputs from other steps load from the nearest parent
 * run that produced them. Returns the run as stored afterwards.
 */
export async function executeRun(ops: ExecutionInstanceOps, run: DagsterRun | string, job: ExecutableJobLike, options: ExecuteRunOptions = {}): Promise<DagsterRun> {
  const runId = typeof run === 'string' ? run : run.runId;
  const current = (await ops.getRunById(runId)) ?? (typeof run === 'string' ? null : run);
  if (!current) throw new RunNotFoundError(runId);
  const now = options.now ?? (() => Date.now() / 1000);
  const writer = new RunEventWriter(ops, current, now);
  const events = new EventFactory(current);

  if (current.status === DagsterRunStatus.CANCELED) {
    await writer.write(LogLevel.INFO, CANCELED_BEFORE_START, null, events.job(DagsterEventType.ENGINE_EVENT, CANCELED_BEFORE_START, new EngineEventData()));
    await writer.flush();
    throw new InvariantViolationError(CANCELED_BEFORE_START, { ids: { runId } });
  }
  const resuming = options.resume === true && current.status === DagsterRunStatus.STARTED;
  if (!resuming && current.status !== DagsterRunStatus.NOT_STARTED && current.status !== DagsterRunStatus.STARTING) {
    throw new InvariantViolationError(`Run ${current.jobName} (${runId}) in state ${current.status}, expected NOT_STARTED or STARTING`, { ids: { runId } });
  }
  const resolved = resolveJob(toJob(job));

  try {
    if (!resuming) await writer.event(events.job(DagsterEventType.RUN_START, `Started execution of run for "${current.jobName}".`));
    const execution = new RunExecution(ops, current, resolved, writer, options, selectedStepKeys(job, current));
    if (options.resume) await execution.restoreFromLog();
    const { failedSteps, firstFailure, canceled } = await execution.execute();
    await writer.flush();
    if (canceled) {
      await writer.event(events.job(DagsterEventType.RUN_CANCELED, `Execution of run for "${current.jobName}" canceled.`, new JobCanceledData({ error: null })));
    } else if (failedSteps.length > 0) {
      const failure = new JobFailureData({
        error: (firstFailure?.eventSpecificData as StepFailureData | undefined)?.error ?? null,
        failureReason: RunFailureReason.STEP_FAILURE,
        firstStepFailureEvent: firstFailure,
      });
      await writer.event(events.job(DagsterEventType.RUN_FAILURE, `Execution of run for "${current.jobName}" failed. Steps failed: ${pyStrList(failedSteps)}.`, failure));
    } else {
      await writer.event(events.job(DagsterEventType.RUN_SUCCESS, `Finished execution of run for "${current.jobName}".`));
    }
    await writer.flush();
  } catch (error) {
    // The execution itself broke (not step code): record the run as failed, as Dagster's execution does.
    const failure = new JobFailureData({ error: SerializableErrorInfo.fromError(error), failureReason: RunFailureReason.RUN_EXCEPTION });
    const event = events.job(DagsterEventType.RUN_FAILURE, `Execution of run for "${current.jobName}" failed. An exception was thrown during execution.`, failure);
    try {
      await ops.handleNewEvent(new EventLogEntry({ errorInfo: null, level: LogLevel.ERROR, userMessage: event.message ?? '', runId, timestamp: now(), jobName: current.jobName, dagsterEvent: event }));
    } catch {
      throw error;
    }
  }
  return (await ops.getRunById(runId)) ?? current;
}
