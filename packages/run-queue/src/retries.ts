/**
 * Automatic run retries: Dagster's `EventLogConsumerDaemon` (`_daemon/auto_run_reexecution/event_log_consumer.py`)
 * with its one handler, `consume_new_runs_for_automatic_reexecution` (`auto_run_reexecution.py`). The daemon reads
 * PIPELINE_FAILURE and PIPELINE_SUCCESS events after two cursors kept in `kvs` under Dagster's keys, and for each
 * failed run that should retry creates its re-execution (tags `dagster/parent_run_id`, `dagster/root_run_id`,
 * `dagster/retry_number`; the failed run gets `dagster/auto_retry_run_id`) and submits it.
 *
 * Exactly once: the iteration holds a lock shared by the processes on the database, and a run already retried
 * (found by `dagster/auto_retry_run_id`, or as a child carrying `dagster/retry_number` in its group) is never
 * retried again — so a daemon killed between creating the retry and storing its cursors creates nothing twice on
 * restart; it submits the retry if it was left NOT_STARTED.
 */
import { shouldRetryRun } from '@inst/events';
import {
  DagsterEventType,
  DagsterRunMetadataValue,
  DagsterRunStatus,
  EngineEventData,
  ExecutionPlanSnapshot,
  RunFailureReason,
  RunsFilter,
  SerializableErrorInfo,
  type DagsterRun,
  type JobSnapshot,
  type KnownExecutionState,
} from '@inst/types';
import type { RunRetriesInstance } from './ops';
import { queueLockFor, type QueueLock } from './queue-lock';
import type { QueueLogger } from './run-queue';

/** The lock name of the retry iteration. */
export const RUN_RETRIES_LOCK = 'event_log_consumer';

/** Dagster's fetch limit per event type (`DAGSTER_EVENT_LOG_CONSUMER_DAEMON_FETCH_LIMIT`). */
export const EVENT_LOG_CONSUMER_FETCH_LIMIT = 500;

/** The event types the consumer follows, in Dagster's order. */
export const EVENT_LOG_CONSUMER_EVENT_TYPES = [DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_SUCCESS] as const;

/** The kvs key of an event type's cursor: `EVENT_LOG_CONSUMER_CURSOR-PIPELINE_FAILURE`, `…-PIPELINE_SUCCESS`. */
export function eventLogConsumerCursorKey(eventType: DagsterEventType): string {
  return `EVENT_LOG_CONSUMER_CURSOR-${eventType}`;
}

/**
 * Dagster's `get_new_cursor`: past the events just read, and as far as the log's maximum id when fewer than the
 * limit came back (nothing of this type lies between); only to the last id read when the page was full.
 */
export function getNewCursor(persistedCursor: number, overallMaxEventId: number | null, fetchLimit: number, newEventIds: readonly number[]): number {
  if (overallMaxEventId === null) return newEventIds.length ? Math.max(...newEventIds) : persistedCursor;
  if (newEventIds.length === 0) return overallMaxEventId;
  const maxNew = Math.max(...newEventIds);
  if (maxNew <= persistedCursor) throw new Error(`Expected new event ids after cursor ${persistedCursor}, got ${maxNew}`);
  if (newEventIds.length > fetchLimit) throw new Error(`Expected at most ${fetchLimit} events, got ${newEventIds.length}`);
  if (newEventIds.length === fetchLimit) return maxNew;
  return Math.max(overallMaxEventId, maxNew);
}

/** The job and code to re-execute a failed run with (the `remoteJob` and `codeLocation` of `createReexecutedRun`). */
export interface RetryTarget {
  readonly remoteJob: unknown;
  readonly codeLocation: unknown;
}

/**
 * Finds the job of a failed run. Dagster asks the run's code location in the workspace; without one, the default
 * {@link storedSnapshotTarget} re-executes the run's own stored job and execution plan snapshots. A string is the
 * reason the run cannot be retried (written as an ENGINE_EVENT on it).
 */
export type RetryTargetResolver = (run: DagsterRun) => Promise<RetryTarget | string>;

/** Re-execution from the snapshots the failed run was created with (the plan restricted to the steps to run). */
export function storedSnapshotTarget(instance: RunRetriesInstance): RetryTargetResolver {
  return async (run) => {
    if (!run.jobSnapshotId || !run.executionPlanSnapshotId || !instance.getJobSnapshot || !instance.getExecutionPlanSnapshot) {
      return 'Run has no stored job and execution plan snapshots, unable to retry the run.';
    }
    const jobSnapshot = (await instance.getJobSnapshot(run.jobSnapshotId)) as JobSnapshot;
    const parentPlan = (await instance.getExecutionPlanSnapshot(run.executionPlanSnapshotId)) as ExecutionPlanSnapshot;
    const remoteJob = {
      jobSnapshot,
      tags: {},
      assetSelection: run.assetSelection,
      assetCheckSelection: run.assetCheckSelection,
      remoteOrigin: run.remoteJobOrigin,
      pythonOrigin: run.jobCodeOrigin,
    };
    const codeLocation = {
      getExecutionPlan: (_job: unknown, _config: unknown, options: { stepKeysToExecute: readonly string[] | null; knownState: KnownExecutionState | null }) =>
        new ExecutionPlanSnapshot({
          steps: parentPlan.steps,
          artifactsPersisted: parentPlan.artifactsPersisted,
          jobSnapshotId: parentPlan.jobSnapshotId,
          stepKeysToExecute: options.stepKeysToExecute ?? parentPlan.steps.map((step) => (step as { key: string }).key),
          initialKnownState: options.knownState,
          snapshotVersion: parentPlan.snapshotVersion,
          executorName: parentPlan.executorName,
          repositoryLoadData: parentPlan.repositoryLoadData,
        }),
    };
    return { remoteJob, codeLocation };
  };
}

/** Options of {@link runRetriesIteration}. */
export interface RunRetriesIterationOptions {
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  readonly workspace?: unknown;
  readonly lock?: QueueLock;
  /** Events per type per iteration; default 500. */
  readonly fetchLimit?: number;
  /** Default {@link storedSnapshotTarget}. */
  readonly resolveTarget?: RetryTargetResolver;
  readonly logger?: QueueLogger;
  /**
   * Called at points where a crash must not cause a duplicate (Dagster's debug crash flags): `RETRY_CREATED` after
   * the re-execution exists but before anything else, `RETRY_SUBMITTED` after it was submitted, before the cursors
   * are stored. Tests kill the process here.
   */
  readonly onCheckpoint?: (point: 'RETRY_CREATED' | 'RETRY_SUBMITTED', runId: string) => void | Promise<void>;
}

/** What one iteration did. */
export interface RunRetriesIterationResult {
  /** Failed runs read from the event log this iteration. */
  readonly failedRuns: string[];
  /** Retries created, as `[failed run, retry]`. */
  readonly retries: [string, string][];
}

const RETRY_STRATEGIES = new Set(['ALL_STEPS', 'FROM_FAILURE', 'FROM_ASSET_FAILURE']);

function failureReasonOf(run: DagsterRun): RunFailureReason | null {
  const raw = run.tags['dagster/failure_reason'];
  if (!raw) return null;
  return (Object.values(RunFailureReason) as string[]).includes(raw) ? (raw as RunFailureReason) : RunFailureReason.UNKNOWN;
}

function booleanTag(value: string | undefined, defaultValue: boolean): boolean {
  if (value === undefined) return defaultValue;
  return !['false', 'none', '0', ''].includes(value.toLowerCase());
}

/** Dagster's `should_retry`: the run's `dagster/will_retry` tag, computed (and written) when an older writer left none. */
export async function shouldRetry(instance: RunRetriesInstance, run: DagsterRun): Promise<boolean> {
  const tag = run.tags['dagster/will_retry'];
  const reason = failureReasonOf(run);
  let retry: boolean;
  if (tag === undefined) {
    if (run.status !== DagsterRunStatus.FAILURE) return false;
    retry = await shouldRetryRun(instance as never, run, reason);
    await instance.addRunTags(run.runId, { 'dagster/will_retry': String(retry) });
  } else {
    retry = booleanTag(tag, false);
  }
  if (retry) return true;
  const retryOnFailure = booleanTag(run.tags['dagster/retry_on_asset_or_op_failure'], instance.runRetriesRetryOnAssetOrOpFailure);
  if (reason === RunFailureReason.STEP_FAILURE && !retryOnFailure) {
    await instance.reportEngineEvent(
      'Not retrying run since it failed due to an asset or op failure and run retries are configured with retry_on_asset_or_op_failure set to false.',
      run,
    );
  }
  return false;
}

async function existingRetry(instance: RunRetriesInstance, run: DagsterRun, group: readonly DagsterRun[]): Promise<DagsterRun | null> {
  const named = run.tags['dagster/auto_retry_run_id'];
  if (named !== undefined) return (await instance.getRunById(named)) ?? null;
  const child = group.find((candidate) => candidate.parentRunId === run.runId);
  return child && child.tags['dagster/retry_number'] !== undefined ? child : null;
}

async function strategyOf(instance: RunRetriesInstance, run: DagsterRun): Promise<'ALL_STEPS' | 'FROM_FAILURE' | 'FROM_ASSET_FAILURE'> {
  const raw = run.tags['dagster/retry_strategy'];
  if (raw === undefined) return 'FROM_FAILURE';
  if (!RETRY_STRATEGIES.has(raw)) {
    await instance.reportEngineEvent(`Error parsing retry strategy from tag 'dagster/retry_strategy: ${raw}'`, run);
    return 'FROM_FAILURE';
  }
  return raw as 'ALL_STEPS' | 'FROM_FAILURE' | 'FROM_ASSET_FAILURE';
}

/** Dagster's `retry_run`: creates and submits the re-execution of a failed run, unless one exists already. Returns its id. */
export async function retryRun(instance: RunRetriesInstance, failedRun: DagsterRun, options: RunRetriesIterationOptions = {}): Promise<string | null> {
  if (!failedRun.remoteJobOrigin) {
    await instance.reportEngineEvent('Run does not have an external job origin, unable to retry the run.', failedRun);
    return null;
  }
  const target = await (options.resolveTarget ?? storedSnapshotTarget(instance))(failedRun);
  if (typeof target === 'string') {
    await instance.reportEngineEvent(target, failedRun);
    return null;
  }
  let group: DagsterRun[];
  try {
    const found = await instance.getRunGroup(failedRun.runId);
    if (!found) throw new Error('no run group');
    group = [...found[1]];
  } catch {
    await instance.reportEngineEvent(
      `Could not find run group for ${failedRun.runId}. This is most likely because the root run was deleted`,
      failedRun,
    );
    return null;
  }
  const existing = await existingRetry(instance, failedRun, group);
  if (existing) {
    if (failedRun.tags['dagster/auto_retry_run_id'] === undefined) {
      await instance.addRunTags(failedRun.runId, { 'dagster/auto_retry_run_id': existing.runId });
    }
    if (existing.status === DagsterRunStatus.NOT_STARTED) await instance.submitRun(existing.runId, options.workspace);
    return null;
  }
  const newRun = await instance.createReexecutedRun({
    parentRun: failedRun,
    codeLocation: target.codeLocation,
    remoteJob: target.remoteJob,
    strategy: await strategyOf(instance, failedRun),
    extraTags: { 'dagster/retry_number': String(group.length) },
    useParentRunTags: true,
  });
  await options.onCheckpoint?.('RETRY_CREATED', newRun.runId);
  await instance.addRunTags(failedRun.runId, { 'dagster/auto_retry_run_id': newRun.runId });
  await instance.reportEngineEvent('Retrying the run', failedRun, new EngineEventData({ metadata: { 'new run': new DagsterRunMetadataValue({ runId: newRun.runId }) } }));
  await instance.reportEngineEvent(
    'Launched as an automatic retry',
    newRun,
    new EngineEventData({ metadata: { 'failed run': new DagsterRunMetadataValue({ runId: failedRun.runId }) } }),
  );
  await instance.submitRun(newRun.runId, options.workspace);
  await options.onCheckpoint?.('RETRY_SUBMITTED', newRun.runId);
  return newRun.runId;
}

/**
 * One iteration of the EVENT_LOG_CONSUMER daemon: reads the new PIPELINE_FAILURE / PIPELINE_SUCCESS events after
 * the kvs cursors (a missing cursor starts at the log's current end: history is never retried), retries the
 * failed runs that should retry, then stores the new cursors. A retry that throws gets an ENGINE_EVENT "Failed to
 * retry run" and `dagster/will_retry=false`, as in Dagster.
 */
export async function runRetriesIteration(instance: RunRetriesInstance, options: RunRetriesIterationOptions = {}): Promise<RunRetriesIterationResult> {
  const lock = options.lock ?? queueLockFor(instance);
  const limit = options.fetchLimit ?? EVENT_LOG_CONSUMER_FETCH_LIMIT;
  return lock.withLock(
    RUN_RETRIES_LOCK,
    async () => {
      const keys = EVENT_LOG_CONSUMER_EVENT_TYPES.map(eventLogConsumerCursorKey);
      const overallMax = await instance.eventLogStorage.getMaximumRecordId();
      const persisted = await instance.daemonCursorStorage.getCursorValues(keys);
      const newCursors: Record<string, string> = {};
      const runIdsByType = new Map<DagsterEventType, Set<string>>();
      for (const eventType of EVENT_LOG_CONSUMER_EVENT_TYPES) {
        const key = eventLogConsumerCursorKey(eventType);
        const raw = persisted.get(key);
        let cursor: number;
        if (raw === undefined) {
          options.logger?.warn?.(`No cursor for event type ${eventType}, ignoring older events`);
          cursor = overallMax ?? 0;
        } else {
          cursor = Number(raw);
          if (!Number.isSafeInteger(cursor)) throw new Error(`Cursor ${key} is not an integer: ${raw}`);
        }
        const events = await instance.eventLogStorage.getLogsForAllRunsByLogId(cursor, eventType, limit);
        const runIds = new Set<string>();
        for (const entry of events.values()) runIds.add(entry.runId);
        runIdsByType.set(eventType, runIds);
        newCursors[key] = String(getNewCursor(cursor, overallMax, limit, [...events.keys()]));
      }

      const failedRuns: string[] = [];
      const retries: [string, string][] = [];
      const failedIds = [...(runIdsByType.get(DagsterEventType.RUN_FAILURE) ?? [])];
      if (failedIds.length > 0 && instance.runRetriesEnabled) {
        const records = await instance.getRunRecords(new RunsFilter({ runIds: failedIds }));
        for (const record of records) {
          if (options.signal?.aborted) break;
          const run = record.dagsterRun;
          failedRuns.push(run.runId);
          try {
            if (!(await shouldRetry(instance, run))) continue;
            const retryId = await retryRun(instance, run, options);
            if (retryId) retries.push([run.runId, retryId]);
          } catch (error) {
            options.logger?.error?.(`Failed to retry run ${run.runId}: ${String(error)}`);
            await instance.reportEngineEvent('Failed to retry run', run, new EngineEventData({ error: SerializableErrorInfo.fromError(error) }));
            await instance.addRunTags(run.runId, { 'dagster/will_retry': 'false' });
          }
        }
      }
      // After the handlers, as Dagster: a crash before this line re-reads the same events, which retryRun tolerates.
      await instance.daemonCursorStorage.setCursorValues(newCursors);
      return { failedRuns, retries };
    },
    options.signal ? { signal: options.signal } : {},
  );
}
