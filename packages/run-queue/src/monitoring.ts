/**
 * The run monitoring daemon's iteration (Dagster's `execute_run_monitoring_iteration`,
 * `_daemon/monitoring/run_monitoring.py`): fail runs stuck in STARTING, cancel runs stuck in CANCELING, enforce
 * `dagster/max_runtime`, and resume (or fail) runs whose worker died. Every run is re-read before it is acted
 * on, and the iteration holds a lock shared by the processes on the database, so two monitoring daemons never
 * fail, cancel or resume the same run twice.
 */
import type { CheckRunHealthResult } from '@inst/run-launcher';
import {
  DagsterEventType,
  DagsterRunStatus,
  EngineEventData,
  IN_PROGRESS_RUN_STATUSES,
  JobFailureData,
  RunFailureReason,
  RunsFilter,
  SerializableErrorInfo,
  type DagsterRun,
  type RunRecord,
} from '@inst/types';
import { concurrencySlotsIteration, type ConcurrencySlotsInstance } from './concurrency-slots';
import type { RunMonitoringInstance } from './ops';
import { queueLockFor, type QueueLock } from './queue-lock';
import type { QueueLogger } from './run-queue';

/** The lock name of the monitoring iteration. */
export const RUN_MONITORING_LOCK = 'run_monitoring';

/** Options of {@link runMonitoringIteration}. */
export interface RunMonitoringIterationOptions {
  /** Epoch seconds; default `Date.now() / 1000`. */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  /** Handed to `resumeRun`. */
  readonly workspace?: unknown;
  readonly lock?: QueueLock;
  readonly logger?: QueueLogger;
}

/** Errors met per run (the iteration goes on after one, as Dagster's does). */
export interface RunMonitoringIterationResult {
  readonly checked: number;
  readonly errors: { runId: string; error: SerializableErrorInfo }[];
  /** Runs whose concurrency slots the slot-freeing pass freed ({@link concurrencySlotsIteration}). */
  readonly freedSlotsOfRuns: string[];
}

function hasSlotStorage(instance: RunMonitoringInstance): instance is RunMonitoringInstance & ConcurrencySlotsInstance {
  const storage = instance.eventLogStorage as Partial<ConcurrencySlotsInstance['eventLogStorage']>;
  return typeof storage.getConcurrencyRunIds === 'function' && typeof storage.freeConcurrencySlotsForRun === 'function';
}

/** Dagster's `str(CheckRunHealthResult)`: `STATUS: 'msg'`. */
export function healthResultText(result: CheckRunHealthResult): string {
  return `${result.status}: '${result.msg ?? ''}'`;
}

async function debugInfo(instance: RunMonitoringInstance, run: DagsterRun, logger?: QueueLogger): Promise<string | null> {
  try {
    return (await instance.runLauncher.getRunWorkerDebugInfo?.(run)) ?? null;
  } catch (error) {
    logger?.error?.(`Failure fetching debug info for failed run worker: ${String(error)}`);
    return null;
  }
}

async function monitorStartingRun(instance: RunMonitoringInstance, record: RunRecord, now: number, logger?: QueueLogger): Promise<void> {
  const run = record.dagsterRun;
  // As Dagster's newest monitor: a NOT_STARTED run counts from its creation, a STARTING one from its latest PIPELINE_STARTING.
  let launchTime: number | null | undefined;
  if (run.status === DagsterRunStatus.NOT_STARTED) launchTime = record.createTimestamp.getTime() / 1000;
  else launchTime = (await instance.getRunStats(run.runId)).launchTime;
  if (launchTime == null) throw new Error("Run in status STARTING doesn't have a launch time.");
  const timeout = instance.runMonitoringStartTimeoutSeconds;
  if (now - launchTime < timeout) return;
  let message = `Run timed out due to taking longer than ${timeout} seconds to start.`;
  const debug = await debugInfo(instance, run, logger);
  if (debug) message += `\n${debug}`;
  logger?.info?.(message);
  await instance.reportRunFailed(run, message, new JobFailureData({ error: null, failureReason: RunFailureReason.START_TIMEOUT }));
}

async function monitorCancelingRun(instance: RunMonitoringInstance, run: DagsterRun, now: number, logger?: QueueLogger): Promise<void> {
  const canceling = await instance.allLogs(run.runId, DagsterEventType.RUN_CANCELING);
  const latest = canceling[canceling.length - 1];
  if (!latest) throw new Error("Run in status CANCELING doesn't have a RUN_CANCELING event");
  const timeout = instance.runMonitoringCancelTimeoutSeconds;
  if (now - latest.timestamp < timeout) return;
  let message = `Run timed out due to taking longer than ${timeout} seconds to cancel.`;
  const debug = await debugInfo(instance, run, logger);
  if (debug) message += `\n${debug}`;
  logger?.info?.(message);
  await instance.reportRunCanceled(run, message);
}

async function monitorStartedRun(instance: RunMonitoringInstance, record: RunRecord, now: number, options: RunMonitoringIterationOptions): Promise<void> {
  const run = record.dagsterRun;
  const launcher = instance.runLauncher;
  if (launcher.supportsCheckRunWorkerHealth && launcher.checkRunWorkerHealth) {
    const health = await launcher.checkRunWorkerHealth(run);
    if (health.status !== 'RUNNING' && health.status !== 'SUCCESS') {
      const attempts = await instance.countResumeRunAttempts(run.runId);
      const recheck = await instance.getRunById(run.runId);
      if (!recheck || recheck.status !== run.status) {
        options.logger?.info?.(`Detected run status changed during monitoring loop: ${run.status} -> ${recheck?.status ?? 'deleted'}, disregarding for now`);
        return;
      }
      const max = instance.runMonitoringMaxResumeRunAttempts;
      if (attempts < max) {
        const message = `Detected run worker status ${healthResultText(health)}. Resuming run ${run.runId} with a new worker.`;
        options.logger?.info?.(message);
        await instance.reportEngineEvent(message, run);
        await instance.resumeRun(run.runId, options.workspace, attempts + 1);
        return;
      }
      const message =
        launcher.supportsResumeRun && max > 0
          ? `Detected run worker status ${healthResultText(health)}. Marking run ${run.runId} as failed, because it has surpassed the configured maximum attempts to resume the run: ${max}.`
          : `Detected run worker status ${healthResultText(health)}. Marking run ${run.runId} as failed.`;
      options.logger?.info?.(message);
      await instance.reportRunFailed(run, message);
      return;
    }
  }
  await checkRunTimeout(instance, record, now, options.logger);
}

/** The run's maximum runtime in seconds: tag `dagster/max_runtime` (or `dagster/max_runtime_seconds`), else `run_monitoring.max_runtime_seconds`; null for none. */
export function maxRuntimeOf(run: DagsterRun, defaultSeconds: number, logger?: QueueLogger): number | null {
  const raw = run.tags['dagster/max_runtime'] ?? run.tags['dagster/max_runtime_seconds'];
  if (raw === undefined || raw === '') return defaultSeconds > 0 ? defaultSeconds : null;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    logger?.warn?.(`Invalid value for tag dagster/max_runtime on run ${run.runId}: ${raw}; no maximum runtime applied`);
    return null;
  }
  return value;
}

async function checkRunTimeout(instance: RunMonitoringInstance, record: RunRecord, now: number, logger?: QueueLogger): Promise<void> {
  const run = record.dagsterRun;
  const max = maxRuntimeOf(run, instance.runMonitoringMaxRuntimeSeconds, logger);
  if (max === null || record.startTime == null || now - record.startTime <= max) return;
  logger?.info?.(`Run ${run.runId} has exceeded maximum runtime of ${max} seconds: terminating run.`);
  await instance.reportRunCanceling(run, `Canceling due to exceeding maximum runtime of ${Math.trunc(max)} seconds.`);
  try {
    if (await instance.runLauncher.terminate(run.runId)) {
      await instance.reportRunFailed(run, `Exceeded maximum runtime of ${Math.trunc(max)} seconds.`);
    }
  } catch (error) {
    await instance.reportEngineEvent(
      'Exception while attempting to terminate run. Run will still be marked as failed.',
      run,
      new EngineEventData({ error: SerializableErrorInfo.fromError(error) }),
    );
  }
  const reloaded = await instance.getRunById(run.runId);
  if (reloaded && !reloaded.isFinished) {
    await instance.reportRunFailed(
      reloaded,
      'This job is being forcibly marked as failed. The computational resources created by the run may not have been fully cleaned up.',
    );
  }
}

/**
 * One iteration of the MONITORING daemon over the runs in NOT_STARTED, STARTING, STARTED and CANCELING: STARTING
 * longer than `start_timeout_seconds` since its latest PIPELINE_STARTING, or NOT_STARTED that long since it was
 * created (Dagster's newest monitor) → RUN_FAILURE (failure reason START_TIMEOUT);
 * CANCELING longer than `cancel_timeout_seconds` since its latest PIPELINE_CANCELING → RUN_CANCELED; STARTED with
 * a dead worker (when the launcher can check) → resumed while attempts remain, else failed; STARTED past its
 * maximum runtime → canceling, terminated, failed. A timeout of 0 turns that check off.
 */
export async function runMonitoringIteration(instance: RunMonitoringInstance, options: RunMonitoringIterationOptions = {}): Promise<RunMonitoringIterationResult> {
  const nowFn = options.now ?? (() => Date.now() / 1000);
  const lock = options.lock ?? queueLockFor(instance);
  return lock.withLock(
    RUN_MONITORING_LOCK,
    async () => {
      const errors: { runId: string; error: SerializableErrorInfo }[] = [];
      const records = await instance.getRunRecords(new RunsFilter({ statuses: [...IN_PROGRESS_RUN_STATUSES, DagsterRunStatus.NOT_STARTED] }));
      if (records.length > 0) options.logger?.info?.(`Collected ${records.length} runs for monitoring`);
      for (const record of records) {
        if (options.signal?.aborted) break;
        const run = record.dagsterRun;
        try {
          const now = nowFn();
          if (run.status === DagsterRunStatus.STARTING || run.status === DagsterRunStatus.NOT_STARTED) {
            if (instance.runMonitoringStartTimeoutSeconds > 0) await monitorStartingRun(instance, record, now, options.logger);
          } else if (run.status === DagsterRunStatus.STARTED) {
            await monitorStartedRun(instance, record, now, options);
          } else if (run.status === DagsterRunStatus.CANCELING) {
            if (instance.runMonitoringCancelTimeoutSeconds > 0) await monitorCancelingRun(instance, run, now, options.logger);
          }
        } catch (error) {
          const info = SerializableErrorInfo.fromError(error);
          options.logger?.error?.(`Hit error while monitoring run ${run.runId}: ${info.message}`);
          errors.push({ runId: run.runId, error: info });
        }
      }
      // Then, as Dagster's MONITORING daemon does each iteration, the slot-freeing pass (off unless
      // free_slots_after_run_end_seconds is set).
      let freedSlotsOfRuns: string[] = [];
      if (!options.signal?.aborted && hasSlotStorage(instance)) {
        try {
          freedSlotsOfRuns = await concurrencySlotsIteration(instance, { now: nowFn, ...(options.logger ? { logger: options.logger } : {}) });
        } catch (error) {
          options.logger?.error?.(`Hit error while freeing concurrency slots: ${String(error)}`);
        }
      }
      return { checked: records.length, errors, freedSlotsOfRuns };
    },
    options.signal ? { signal: options.signal } : {},
  );
}
