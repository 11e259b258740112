/**
 * Dagster's `QueuedRunCoordinator` (`_core/run_coordinator/queued_run_coordinator.py`): submitting a run puts it
 * in the queue (one PIPELINE_ENQUEUED event, status QUEUED) and returns at once; the run queue daemon
 * (`runQueueIteration` in `@inst/run-queue`) launches queued runs under the `run_queue` limits.
 */
import { InvariantViolationError } from '@inst/errors';
import { DagsterEvent, DagsterEventType, DagsterRunStatus, type DagsterRun } from '@inst/types';
import type { RunCoordinator, RunCoordinatorInstance, SubmitRunContext } from './contracts';
import { InstanceRef } from './instance-ref';

/** One limit of `tag_concurrency_limits` (Dagster's shape: `value` a string or `{applyLimitPerUniqueValue}`). */
export interface TagConcurrencyLimitConfig {
  readonly key: string;
  readonly value?: string | { readonly applyLimitPerUniqueValue?: boolean } | null;
  readonly limit: number;
}

/** The queue settings the coordinator was configured with (the `run_queue` block, camelCased, Dagster's defaults). */
export interface QueuedRunCoordinatorOptions {
  /** Most runs in progress at once; default 10, -1 no limit, 0 launches nothing. */
  readonly maxConcurrentRuns?: number;
  readonly tagConcurrencyLimits?: readonly TagConcurrencyLimitConfig[];
  /** Seconds between two iterations of the queue daemon; default 5. */
  readonly dequeueIntervalSeconds?: number;
  /** Launch dequeued runs in parallel; default false (one at a time). */
  readonly dequeueUseThreads?: boolean;
  /** How many launches at once when `dequeueUseThreads`; default 4 (Dagster: the thread pool default). */
  readonly dequeueNumWorkers?: number;
  readonly maxUserCodeFailureRetries?: number;
  readonly userCodeFailureRetryDelay?: number;
  /** The instance, when not registered by one. */
  readonly instance?: QueuedRunCoordinatorInstance;
}

/** What the queued coordinator reaches of its instance: a coordinator's, plus the event helpers it writes with. */
export interface QueuedRunCoordinatorInstance extends RunCoordinatorInstance {
  reportDagsterEvent(dagsterEvent: DagsterEvent, runId: string, logLevel?: string | number): Promise<unknown>;
  reportRunCanceling(run: DagsterRun, message?: string): Promise<unknown>;
  reportRunCanceled(run: DagsterRun, message?: string): Promise<unknown>;
}

/** Called after a run was enqueued in this process (the run queue's wake-up uses it). */
export type EnqueueListener = (run: DagsterRun) => void;

/** Listeners of every queued coordinator of this process, so a daemon here wakes on a submit here. */
const enqueueListeners = new Set<EnqueueListener>();

/** Subscribes to enqueues by any QueuedRunCoordinator of this process; returns the unsubscribe function. */
export function onRunEnqueued(listener: EnqueueListener): () => void {
  enqueueListeners.add(listener);
  return () => void enqueueListeners.delete(listener);
}

/** Submits runs to the queue; the `QUEUED_RUN_COORDINATOR` daemon launches them. Dagster's default coordinator. */
export class QueuedRunCoordinator implements RunCoordinator {
  readonly requiredDaemonType = 'QUEUED_RUN_COORDINATOR';
  readonly maxConcurrentRuns: number;
  readonly tagConcurrencyLimits: readonly TagConcurrencyLimitConfig[];
  readonly dequeueIntervalSeconds: number;
  readonly dequeueUseThreads: boolean;
  readonly dequeueNumWorkers: number | undefined;
  readonly maxUserCodeFailureRetries: number;
  readonly userCodeFailureRetryDelay: number;
  readonly #instance: InstanceRef<QueuedRunCoordinatorInstance>;

  constructor(options: QueuedRunCoordinatorOptions = {}) {
    const max = options.maxConcurrentRuns ?? 10;
    if (!Number.isInteger(max) || max < -1) {
      throw new InvariantViolationError(
        'max_concurrent_runs must be an integer; negative values other than -1 (which disables the limit) are disallowed.',
      );
    }
    this.maxConcurrentRuns = max;
    this.tagConcurrencyLimits = options.tagConcurrencyLimits ?? [];
    this.dequeueIntervalSeconds = options.dequeueIntervalSeconds ?? 5;
    this.dequeueUseThreads = options.dequeueUseThreads ?? false;
    this.dequeueNumWorkers = options.dequeueNumWorkers;
    this.maxUserCodeFailureRetries = options.maxUserCodeFailureRetries ?? 0;
    this.userCodeFailureRetryDelay = options.userCodeFailureRetryDelay ?? 60;
    this.#instance = new InstanceRef('QueuedRunCoordinator', options.instance);
  }

  /** Called by the instance that takes this coordinator (once). */
  registerInstance(instance: QueuedRunCoordinatorInstance): void {
    this.#instance.register(instance);
  }

  /**
   * Enqueues a NOT_STARTED run: writes PIPELINE_ENQUEUED (status QUEUED) and returns the run as stored. A run in any
   * other status is left as it is (Dagster logs "skipping enqueue").
   */
  async submitRun(context: SubmitRunContext): Promise<DagsterRun> {
    const instance = this.#instance.get();
    const run = context.dagsterRun;
    if (run.status === DagsterRunStatus.NOT_STARTED) {
      await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_ENQUEUED, jobName: run.jobName }), run.runId);
    }
    const stored = await instance.getRunById(run.runId);
    if (!stored) throw new InvariantViolationError(`Failed to reload run ${run.runId}`, { ids: { runId: run.runId } });
    if (run.status === DagsterRunStatus.NOT_STARTED) for (const listener of enqueueListeners) listener(stored);
    return stored;
  }

  /** A queued run is canceled in place (CANCELING then CANCELED); any other run is terminated through the launcher. */
  async cancelRun(runId: string): Promise<boolean> {
    const instance = this.#instance.get();
    const run = await instance.getRunById(runId);
    if (!run) return false;
    if (run.status === DagsterRunStatus.QUEUED) {
      await instance.reportRunCanceling(run, 'Canceling run from the queue.');
      await instance.reportRunCanceled(run);
      return true;
    }
    return instance.runLauncher.terminate(runId);
  }

  /** Nothing to free. */
  dispose(): void {}
}
