/**
 * Executes a run of a {@link JobDefinition} in this process, writing the events Dagster's execution writes:
 * PIPELINE_START, per step STEP_START / STEP_OUTPUT / ASSET_MATERIALIZATION / STEP_SUCCESS or STEP_FAILURE,
 * plain log entries for the step's log calls, then PIPELINE_SUCCESS, PIPELINE_FAILURE or PIPELINE_CANCELED.
 * The run's status follows from those events (the instance's `handleNewEvent` moves it).
 */
import { InvariantViolationError, RunNotFoundError } from '@inst/errors';
import {
  AssetMaterialization,
  DagsterEvent,
  DagsterEventType,
  DagsterRunStatus,
  ErrorSource,
  EventLogEntry,
  FAILURE_EVENTS,
  JobCanceledData,
  JobFailureData,
  NodeHandle,
  RunFailureReason,
  SerializableErrorInfo,
  StepFailureData,
  StepHandle,
  StepKind,
  StepMaterializationData,
  StepOutputData,
  StepOutputHandle,
  StepSuccessData,
  TypeCheckData,
  type AssetEventInit,
  type DagsterRun,
  type EventSpecificData,
} from '@inst/types';
import type { RunWorkerInstance } from './contracts';
import { formatDuration, pyStrList } from './format';
import type { JobDefinition, JobStep, StepContext, StepLogger } from './job';

/** Python's logging levels, which event log entries store. */
export const LogLevel = Object.freeze({ DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const);

/** How an execution ended. */
export type ExecutionOutcome = 'SUCCESS' | 'FAILURE' | 'CANCELED';

/** The message Dagster logs when a canceled run is asked to start. */
const CANCELED_BEFORE_START = 'Not starting execution since the run was canceled before execution could start';

/**
 * Writes a run's entries in order through `handleNewEvent`. Step code may log without awaiting, so writes are
 * chained; the first failed write is kept and thrown by {@link RunEventWriter.flush}, as a framework error.
 */
class RunEventWriter {
  #chain: Promise<void> = Promise.resolve();
  #error: { error: unknown } | undefined;

  constructor(
    private readonly host: RunWorkerInstance,
    private readonly run: DagsterRun,
  ) {}

  /** Queues an entry; resolves once it is written (never rejects: see flush). */
  write(level: number, message: string, stepKey: string | null, dagsterEvent: DagsterEvent | null): Promise<void> {
    const entry = new EventLogEntry({
      errorInfo: null,
      level,
      userMessage: message,
      runId: this.run.runId,
      timestamp: Date.now() / 1000,
      stepKey,
      jobName: this.run.jobName,
      dagsterEvent,
    });
    this.#chain = this.#chain.then(async () => {
      if (this.#error) return;
      try {
        await this.host.handleNewEvent(entry);
      } catch (error) {
        this.#error = { error };
      }
    });
    return this.#chain;
  }

  /** Writes a DagsterEvent at Dagster's level for it: ERROR for failures, DEBUG otherwise. */
  event(event: DagsterEvent): Promise<void> {
    const level = FAILURE_EVENTS.has(event.eventType) ? LogLevel.ERROR : LogLevel.DEBUG;
    return this.write(level, event.message ?? '', event.stepKey, event);
  }

  /** Waits for every queued write; throws the first write error. */
  async flush(): Promise<void> {
    await this.#chain;
    if (this.#error) throw this.#error.error;
  }
}

/** Builds the events of one run (Dagster's `DagsterEvent.from_job` / `from_step`). */
class EventFactory {
  constructor(private readonly run: DagsterRun) {}

  job(type: DagsterEventType, message: string, data: EventSpecificData | null = null): DagsterEvent {
    return new DagsterEvent({ eventTypeValue: type, jobName: this.run.jobName, message, eventSpecificData: data, pid: process.pid });
  }

  step(stepKey: string, type: DagsterEventType, message: string, data: EventSpecificData | null = null): DagsterEvent {
    const nodeHandle = new NodeHandle({ name: stepKey });
    return new DagsterEvent({
      eventTypeValue: type,
      jobName: this.run.jobName,
      stepHandle: new StepHandle({ nodeHandle }),
      nodeHandle,
      stepKindValue: StepKind.COMPUTE,
      // Dagster's step event tags: its logging metadata without the run tags, every value str()-ed.
      loggingTags: {
        job_name: this.run.jobName,
        op_name: stepKey,
        resource_fn_name: 'None',
        resource_name: 'None',
        run_id: this.run.runId,
        step_key: stepKey,
      },
      eventSpecificData: data,
      message,
      pid: process.pid,
    });
  }
}

/** `runConfig.ops.<key>.config` (or the legacy `solids`), as Dagster hands an op its config. */
function stepConfig(runConfig: Readonly<Record<string, unknown>>, stepKey: string): unknown {
  for (const section of ['ops', 'solids']) {
    const ops = runConfig[section];
    if (ops && typeof ops === 'object') {
      const op = (ops as Record<string, unknown>)[stepKey];
      if (op && typeof op === 'object' && 'config' in op) return (op as { config: unknown }).config;
    }
  }
  return undefined;
}

type StepResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Executes the run `runId` of `job`. The run must be NOT_STARTED or STARTING (a CANCELED run is refused with
 * an ENGINE_EVENT). Step failures fail the run (PIPELINE_FAILURE, reason STEP_FAILURE); an error of the
 * execution itself fails it with reason RUN_EXCEPTION; an aborted `signal` cancels it after the current step.
 * Throws only when the run cannot start or its failure cannot be recorded.
 */
export async function executeJob(host: RunWorkerInstance, job: JobDefinition, runId: string, signal: AbortSignal): Promise<ExecutionOutcome> {
  const run = await host.getRunById(runId);
  if (!run) throw new RunNotFoundError(runId);
  if (run.status === DagsterRunStatus.CANCELED) {
    await host.reportEngineEvent(CANCELED_BEFORE_START, run);
    throw new InvariantViolationError(CANCELED_BEFORE_START, { ids: { runId } });
  }
  if (run.status !== DagsterRunStatus.NOT_STARTED && run.status !== DagsterRunStatus.STARTING) {
    throw new InvariantViolationError(`Run ${run.jobName} (${runId}) in state ${run.status}, expected NOT_STARTED or STARTING`, { ids: { runId } });
  }

  const writer = new RunEventWriter(host, run);
  const events = new EventFactory(run);
  try {
    await writer.event(events.job(DagsterEventType.RUN_START, `Started execution of run for "${run.jobName}".`));
    const { failedSteps, firstFailure, canceled } = await executeSteps(writer, events, job, run, signal);
    if (canceled) {
      await writer.event(events.job(DagsterEventType.RUN_CANCELED, `Execution of run for "${run.jobName}" canceled.`, new JobCanceledData({ error: null })));
    } else if (failedSteps.length > 0) {
      const failure = new JobFailureData({
        error: firstFailure?.stepFailureData.error ?? null,
        failureReason: RunFailureReason.STEP_FAILURE,
        firstStepFailureEvent: firstFailure,
      });
      const message = `Execution of run for "${run.jobName}" failed. Steps failed: ${pyStrList(failedSteps)}.`;
      await writer.event(events.job(DagsterEventType.RUN_FAILURE, message, failure));
    } else {
      await writer.event(events.job(DagsterEventType.RUN_SUCCESS, `Finished execution of run for "${run.jobName}".`));
    }
    await writer.flush();
    return canceled ? 'CANCELED' : failedSteps.length > 0 ? 'FAILURE' : 'SUCCESS';
  } catch (error) {
    // The execution itself broke (not step code): record the run as failed, as Dagster's execution does.
    const failure = new JobFailureData({ error: SerializableErrorInfo.fromError(error), failureReason: RunFailureReason.RUN_EXCEPTION });
    const event = events.job(DagsterEventType.RUN_FAILURE, `Execution of run for "${run.jobName}" failed. An exception was thrown during execution.`, failure);
    try {
      await host.handleNewEvent(
        new EventLogEntry({ errorInfo: null, level: LogLevel.ERROR, userMessage: event.message ?? '', runId, timestamp: Date.now() / 1000, jobName: run.jobName, dagsterEvent: event }),
      );
    } catch {
      throw error;
    }
    return 'FAILURE';
  }
}

async function executeSteps(
  writer: RunEventWriter,
  events: EventFactory,
  job: JobDefinition,
  run: DagsterRun,
  signal: AbortSignal,
): Promise<{ failedSteps: string[]; firstFailure: DagsterEvent | undefined; canceled: boolean }> {
  const selection = run.stepKeysToExecute ? new Set(run.stepKeysToExecute) : undefined;
  const outputs = new Map<string, unknown>();
  const failed = new Set<string>();
  const notExecuted = new Set<string>();
  const failedSteps: string[] = [];
  let firstFailure: DagsterEvent | undefined;

  for (const step of job.steps) {
    if (selection && !selection.has(step.key)) continue;
    if (signal.aborted) return { failedSteps, firstFailure, canceled: true };

    const deps = step.deps ?? [];
    const failedDeps = deps.filter((dep) => failed.has(dep));
    const abandonedDeps = deps.filter((dep) => notExecuted.has(dep));
    if (failedDeps.length > 0 || abandonedDeps.length > 0) {
      // Dagster abandons such a step: an ERROR log entry and no step events.
      const failStr = failedDeps.length > 0 ? ` failed: ${pyStrList(failedDeps)}` : '';
      const abandonStr = abandonedDeps.length > 0 ? ` were not executed: ${pyStrList(abandonedDeps)}` : '';
      await writer.write(LogLevel.ERROR, `Dependencies for step ${step.key}${failStr}${abandonStr}. Not executing.`, step.key, null);
      notExecuted.add(step.key);
      continue;
    }

    const inputs: Record<string, unknown> = {};
    for (const dep of deps) inputs[dep] = outputs.get(dep);
    const failure = await executeStep(writer, events, step, run, inputs, signal, outputs);
    if (failure) {
      failed.add(step.key);
      failedSteps.push(step.key);
      firstFailure ??= failure;
    }
  }
  return { failedSteps, firstFailure, canceled: signal.aborted };
}

/** Runs one step; returns its STEP_FAILURE event when it failed. */
async function executeStep(
  writer: RunEventWriter,
  events: EventFactory,
  step: JobStep,
  run: DagsterRun,
  inputs: Record<string, unknown>,
  signal: AbortSignal,
  outputs: Map<string, unknown>,
): Promise<DagsterEvent | undefined> {
  const key = step.key;
  const logAt = (level: number) => (message: string) => writer.write(level, String(message), key, null);
  const log: StepLogger = {
    debug: logAt(LogLevel.DEBUG),
    info: logAt(LogLevel.INFO),
    warning: logAt(LogLevel.WARNING),
    error: logAt(LogLevel.ERROR),
    critical: logAt(LogLevel.CRITICAL),
  };
  const context: StepContext = {
    run,
    runId: run.runId,
    jobName: run.jobName,
    stepKey: key,
    runConfig: run.runConfig,
    config: stepConfig(run.runConfig, key),
    inputs: Object.freeze(inputs),
    log,
    signal,
    reportAssetMaterialization: (materialization: AssetMaterialization | AssetEventInit) => {
      const value = materialization instanceof AssetMaterialization ? materialization : new AssetMaterialization(materialization);
      const message = value.description ? value.description : `Materialized value${value.label ? ` ${value.label}` : ''}.`;
      return writer.event(events.step(key, DagsterEventType.ASSET_MATERIALIZATION, message, new StepMaterializationData({ materialization: value })));
    },
  };

  await writer.event(events.step(key, DagsterEventType.STEP_START, `Started execution of step "${key}".`));
  const started = performance.now();
  let result: StepResult;
  try {
    result = { ok: true, value: await step.fn(context) };
  } catch (error) {
    result = { ok: false, error };
  }
  const durationMs = performance.now() - started;
  // Entries the step logged go first; a failed write here is the execution's error, not the step's.
  await writer.flush();

  if (!result.ok) {
    const data = new StepFailureData({ error: SerializableErrorInfo.fromError(result.error), errorSource: ErrorSource.USER_CODE_ERROR });
    const failure = events.step(key, DagsterEventType.STEP_FAILURE, `Execution of step "${key}" failed.`, data);
    await writer.event(failure);
    return failure;
  }
  if (result.value !== undefined) {
    outputs.set(key, result.value);
    const data = new StepOutputData({
      stepOutputHandle: new StepOutputHandle({ stepKey: key, outputName: 'result' }),
      typeCheckData: new TypeCheckData({ success: true, label: 'result', description: null, metadata: {} }),
      version: null,
      metadata: {},
    });
    await writer.event(events.step(key, DagsterEventType.STEP_OUTPUT, 'Yielded output "result" of type "Any". (Type check passed).', data));
  }
  const success = new StepSuccessData({ durationMs });
  await writer.event(events.step(key, DagsterEventType.STEP_SUCCESS, `Finished execution of step "${key}" in ${formatDuration(durationMs)}.`, success));
  return undefined;
}
