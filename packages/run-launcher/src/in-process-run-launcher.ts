/**
 * A run launcher that executes runs of registered jobs in this process with `@inst/execution`'s `executeRun`
 * (the TypeScript counterpart of Dagster's SyncInMemoryRunLauncher, with an optional background mode).
 */
import { InvariantViolationError, NotSupportedError } from '@inst/errors';
import { DagsterEvent, DagsterEventType, EngineEventData, SerializableErrorInfo, type DagsterRun } from '@inst/types';
import {
  WorkerStatus,
  type CheckRunHealthResult,
  type LaunchRunContext,
  type ResumeRunContext,
  type RunLauncher,
  type RunWorkerInstance,
} from './contracts';
import { JobNotFoundError } from './errors';
import { InMemoryIOManager, type ExecutableJobLike, type ExecuteRunOptions, type ExecutionInstanceOps } from '@inst/execution';
import { executeJob, type ExecutionOutcome } from './execute';
import { InstanceRef } from './instance-ref';

/** A job the launcher can execute: a name and the executor's job model (`defineJob`'s jobs, `@inst/definitions` jobs). */
export type LaunchableJob = { readonly name: string } & ExecutableJobLike;

/** Options of {@link InProcessRunLauncher}. */
export interface InProcessRunLauncherOptions {
  /** Jobs runs may name (more can be added with `registerJob`). */
  jobs?: Iterable<LaunchableJob>;
  /** The instance to report to; normally the instance registers itself instead. */
  instance?: RunWorkerInstance;
  /**
   * Whether `launchRun` resolves only once the run has finished (default true, like Dagster's
   * SyncInMemoryRunLauncher). When false the run executes in the background; `join()` waits for it.
   */
  waitForCompletion?: boolean;
  /** Executor options for every run (`maxConcurrent`, `ioManager`, `computeLogs`, `now`, `sleep`). */
  execution?: Omit<ExecuteRunOptions, 'signal' | 'resume'>;
}

/** Outcomes kept for `checkRunWorkerHealth`, oldest dropped first. */
const MAX_REMEMBERED_OUTCOMES = 1000;

/** Dagster's message for an execution that broke outside step code. */
const FRAMEWORK_ERROR_MESSAGE = 'An exception was thrown during execution that is likely a framework error, rather than an error in user code.';

/** Executes runs in this process by job name; supports termination and worker health checks, not resume. */
export class InProcessRunLauncher implements RunLauncher {
  readonly supportsResumeRun = false;
  readonly supportsCheckRunWorkerHealth = true;
  readonly #jobs = new Map<string, LaunchableJob>();
  readonly #instance: InstanceRef<RunWorkerInstance>;
  readonly #waitForCompletion: boolean;
  readonly #executionOptions: Omit<ExecuteRunOptions, 'signal' | 'resume'>;
  /** Outputs of runs on an instance without a storage directory, kept across runs so re-executions find them. */
  readonly #memoryIO = new InMemoryIOManager();
  readonly #inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  readonly #outcomes = new Map<string, ExecutionOutcome>();

  constructor(options: InProcessRunLauncherOptions = {}) {
    this.#instance = new InstanceRef('InProcessRunLauncher', options.instance);
    this.#waitForCompletion = options.waitForCompletion ?? true;
    this.#executionOptions = options.execution ?? {};
    for (const job of options.jobs ?? []) this.registerJob(job);
  }

  /** Called by the instance that takes this launcher (once). */
  registerInstance(instance: RunWorkerInstance): void {
    this.#instance.register(instance);
  }

  /** Makes a job launchable by its name; a later job of the same name replaces the earlier one. */
  registerJob(job: LaunchableJob): this {
    this.#jobs.set(job.name, job);
    return this;
  }

  /** The registered job of that name, if any. */
  getJob(name: string): LaunchableJob | undefined {
    return this.#jobs.get(name);
  }

  /** Executes the run's job (looked up by the run's job name), waiting for it unless in background mode. */
  async launchRun(context: LaunchRunContext): Promise<void> {
    const { runId, jobName } = context.dagsterRun;
    const job = this.#jobs.get(jobName);
    if (!job) throw new JobNotFoundError(jobName, runId);
    const host = this.#instance.get();
    if (this.#inFlight.has(runId)) throw new InvariantViolationError(`Run ${runId} is already executing in this launcher`, { ids: { runId } });

    const controller = new AbortController();
    const execution = executeJob(host, job, runId, controller.signal, {
      ...this.#executionOptions,
      ioManager: this.#executionOptions.ioManager ?? (typeof (host as Partial<ExecutionInstanceOps>).storageDirectory === 'function' ? undefined : this.#memoryIO),
    });
    const done = execution.then(
      (outcome) => this.#remember(runId, outcome),
      (error: unknown) => {
        this.#remember(runId, 'FAILURE');
        throw error;
      },
    );
    const tracked = done.then(
      () => undefined,
      () => undefined,
    ).finally(() => this.#inFlight.delete(runId));
    this.#inFlight.set(runId, { controller, done: tracked });

    if (this.#waitForCompletion) {
      // The caller (the instance's launchRun) records a launch error on the run.
      await done;
      return;
    }
    done.catch((error: unknown) => this.#reportBackgroundFailure(host, runId, error));
  }

  /** Asks a run executing here to stop: emits RUN_CANCELING, then the run ends CANCELED after its current step. */
  async terminate(runId: string): Promise<boolean> {
    const flight = this.#inFlight.get(runId);
    if (!flight) return false;
    const host = this.#instance.get();
    const run = await host.getRunById(runId);
    if (!run || run.isFinished || flight.controller.signal.aborted) return false;
    const canceling = new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_CANCELING, jobName: run.jobName, message: 'Sending run termination request.' });
    await host.reportDagsterEvent(canceling, runId);
    flight.controller.abort();
    return true;
  }

  /** Not supported: an in-process worker cannot outlive its process to be resumed. */
  async resumeRun(_context: ResumeRunContext): Promise<void> {
    throw new NotSupportedError('This run launcher does not support resuming runs. If using run monitoring, set max_resume_run_attempts to 0.');
  }

  /** RUNNING while the run executes here, then SUCCESS or FAILED; NOT_FOUND for runs this launcher never ran. */
  async checkRunWorkerHealth(run: DagsterRun): Promise<CheckRunHealthResult> {
    if (this.#inFlight.has(run.runId)) return { status: WorkerStatus.RUNNING };
    const outcome = this.#outcomes.get(run.runId);
    if (outcome === 'SUCCESS') return { status: WorkerStatus.SUCCESS };
    if (outcome !== undefined) return { status: WorkerStatus.FAILED, msg: `Run execution ended ${outcome}` };
    return { status: WorkerStatus.NOT_FOUND, msg: `Run ${run.runId} was not executed by this launcher` };
  }

  /** Waits for runs executing here to finish, up to `timeoutMs` (default 30s, as Dagster's join). */
  async join(timeoutMs = 30_000): Promise<void> {
    const all = Promise.all([...this.#inFlight.values()].map((flight) => flight.done));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([all, timeout]);
    clearTimeout(timer);
  }

  /** Waits (up to 30s) for runs still executing here. */
  async dispose(): Promise<void> {
    await this.join();
  }

  #remember(runId: string, outcome: ExecutionOutcome): void {
    this.#outcomes.delete(runId);
    this.#outcomes.set(runId, outcome);
    if (this.#outcomes.size > MAX_REMEMBERED_OUTCOMES) {
      const oldest = this.#outcomes.keys().next().value;
      if (oldest !== undefined) this.#outcomes.delete(oldest);
    }
  }

  /** A background run that broke has no caller to throw to: record the error and fail the run, as Dagster's worker does. */
  async #reportBackgroundFailure(host: RunWorkerInstance, runId: string, error: unknown): Promise<void> {
    try {
      const run = await host.getRunById(runId);
      if (!run) return;
      await host.reportEngineEvent(FRAMEWORK_ERROR_MESSAGE, run, EngineEventData.engineError(SerializableErrorInfo.fromError(error)));
      if (!run.isFinished) await host.reportRunFailed(run);
    } catch {
      // Nothing is left to report to; the outcome is remembered as FAILURE for health checks.
    }
  }
}
