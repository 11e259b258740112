/**
 * The run queue daemon's iteration (Dagster's `QueuedRunCoordinatorDaemon.run_iteration`,
 * `_daemon/run_coordinator/queued_run_coordinator_daemon.py`): pick the queued runs that may start under
 * `max_concurrent_runs`, the tag limits and the pools, in Dagster's order, and launch them.
 *
 * Beyond Dagster, which assumes one daemon: choosing and claiming happen under a lock shared by every process on
 * the database ({@link queueLockFor}); a run is claimed by writing PIPELINE_STARTING (status STARTING) before the
 * lock is released, so another daemon's next look counts it as in progress and never sees it as queued. Launches
 * happen after the lock is released, with bounded parallelism.
 */
import { InvariantViolationError } from '@inst/errors';
import type { LaunchRunContext } from '@inst/run-launcher';
import type { RunQueueConfig } from '@inst/settings';
import {
  DagsterEvent,
  DagsterEventType,
  DagsterRunStatus,
  EngineEventData,
  IN_PROGRESS_RUN_STATUSES,
  RunsFilter,
  SerializableErrorInfo,
  type DagsterRun,
} from '@inst/types';
import type { RunQueueInstance } from './ops';
import { runStartingEntry } from './postgres-claim';
import { queueLockFor, runClaimerFor, type QueueLock } from './queue-lock';
import { PoolConcurrencyCounter } from './pool-concurrency';
import { prioritySort, TagConcurrencyLimitsCounter } from './tag-concurrency';

/** Dagster's page size for reading the queue. */
export const QUEUE_PAGE_SIZE = 100;

/** The lock name of the queue's critical section. */
export const RUN_QUEUE_LOCK = 'run_queue';

/** A logger; defaults to nothing. */
export interface QueueLogger {
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/** Options of {@link runQueueIteration}. */
export interface RunQueueIterationOptions {
  /** Epoch seconds; default `Date.now() / 1000`. Timestamps of PIPELINE_STARTING and of location pauses. */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  /** Launches at once; default `dequeue_num_workers` (4 if unset) with `dequeue_use_threads`, else 1. */
  readonly launchConcurrency?: number;
  /** The workspace handed to the launcher. */
  readonly workspace?: unknown;
  /** The cross-process lock; default {@link queueLockFor}(instance). */
  readonly lock?: QueueLock;
  /**
   * Claim the chosen runs with batched writes instead of one `reportDagsterEvent` per run: on Postgres one
   * transaction that locks the rows still QUEUED, stores their PIPELINE_STARTING events with `storeEventBatch` and
   * sets their status with one UPDATE (`PostgresRunClaimer`); elsewhere the events in one `storeEventBatch`
   * per 250 runs, then each run's status. Same stored rows; the instance's `handleNewEvent` (and so its in-process
   * listeners and a subclass's override of it) is bypassed. Default false; the daemon host turns it on.
   */
  readonly batchClaims?: boolean;
  /** At most this many runs claimed per iteration (the rest wait for the next one, here or in another daemon); default no cap. */
  readonly maxClaims?: number;
  /** Rows per read of the queue; default 100 (Dagster's). */
  readonly pageSize?: number;
  readonly logger?: QueueLogger;
}

/** What one iteration did. */
export interface RunQueueIterationResult {
  /** Runs launched without error, in launch order. */
  readonly launched: string[];
  /** Runs claimed (moved to STARTING) by this iteration, launched or failed. */
  readonly claimed: string[];
  /** Runs whose launch failed (marked failed or put back in the queue), and runs whose claim write failed. */
  readonly failed: string[];
}

/** Per instance: code locations whose dequeues are paused until a time (Dagster keeps this in memory too). */
const pausedLocations = new WeakMap<object, Map<string, number>>();

function locationOf(run: DagsterRun): string | undefined {
  const origin = run.remoteJobOrigin as unknown as { repositoryOrigin?: { codeLocationOrigin?: { locationName?: string } } } | null;
  return origin?.repositoryOrigin?.codeLocationOrigin?.locationName;
}

/** The instance's run queue settings; fails as Dagster does when the coordinator is not a QueuedRunCoordinator. */
export function runQueueConfigOf(instance: RunQueueInstance): RunQueueConfig {
  const config = instance.getConcurrencyConfig().runQueueConfig;
  if (!config) throw new InvariantViolationError('The run queue daemon needs the instance to use a QueuedRunCoordinator (run_coordinator / run_queue)');
  return config;
}

/**
 * The queued runs to launch now, in launch order (Dagster's `_get_runs_to_dequeue`): nothing when
 * `max_concurrent_runs` is reached (so 0 launches nothing, -1 has no limit); otherwise the queue in creation
 * order, read a page at a time, each time sorted by `dagster/priority` (higher first, FIFO among equals) and
 * filtered by the tag limits counted from the in-progress runs, then cut to the free slots.
 */
export async function getRunsToDequeue(
  instance: RunQueueInstance,
  options: { now?: () => number; pageSize?: number; logger?: QueueLogger } = {},
): Promise<DagsterRun[]> {
  const concurrency = instance.getConcurrencyConfig();
  const config = runQueueConfigOf(instance);
  const now = options.now ?? (() => Date.now() / 1000);
  const pageSize = options.pageSize ?? QUEUE_PAGE_SIZE;
  const inProgressRecords = await instance.getRunRecords(new RunsFilter({ statuses: [...IN_PROGRESS_RUN_STATUSES] }));
  const inProgress = inProgressRecords.map((record) => record.dagsterRun);
  let maxRunsToLaunch = Number.POSITIVE_INFINITY;
  if (config.maxConcurrentRuns !== -1) {
    maxRunsToLaunch = config.maxConcurrentRuns - inProgress.length;
    if (maxRunsToLaunch <= 0) {
      options.logger?.info?.(`${inProgress.length} runs are currently in progress. Maximum is ${config.maxConcurrentRuns}, won't launch more.`);
      return [];
    }
  }
  const paused = new Set<string>();
  for (const [location, until] of pausedLocations.get(instance) ?? []) if (until > now()) paused.add(location);

  let batch: DagsterRun[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await instance.getRuns(new RunsFilter({ statuses: [DagsterRunStatus.QUEUED] }), cursor, pageSize, undefined, true);
    batch = prioritySort([...batch, ...page]);
    const tags = new TagConcurrencyLimitsCounter(config.tagConcurrencyLimits, inProgress);
    let pools: PoolConcurrencyCounter | undefined;
    if (config.shouldBlockOpConcurrencyLimitedRuns) {
      try {
        pools = await PoolConcurrencyCounter.create(instance.eventLogStorage, batch, inProgressRecords, {
          granularity: concurrency.poolConfig.poolGranularity,
          slotBuffer: config.opConcurrencySlotBuffer,
          now: now(),
        });
      } catch (error) {
        // As Dagster: without the counter, no run is held back for pool slots.
        options.logger?.error?.(`Failed to initialize op concurrency counter: ${String(error)}`);
        pools = undefined;
      }
    }
    const kept: DagsterRun[] = [];
    for (const run of batch) {
      if (tags.isBlocked(run)) continue;
      // Counted before the pool and location checks, as Dagster does.
      tags.update(run);
      if (pools?.isBlocked(run)) {
        options.logger?.info?.(`Run ${run.runId} is blocked by global concurrency limits: ${JSON.stringify(pools.debugInfo(run))}`);
        continue;
      }
      pools?.update(run);
      const location = locationOf(run);
      if (location !== undefined && paused.has(location)) continue;
      kept.push(run);
    }
    batch = Number.isFinite(maxRunsToLaunch) ? kept.slice(0, maxRunsToLaunch) : kept;
    if (page.length < pageSize) break;
    cursor = page[page.length - 1]!.runId;
  }
  return batch;
}

async function mapBounded<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * Like {@link mapBounded}, but every item is tried and every call has settled when it resolves: the errors come
 * back by item instead of the first one rejecting while the other calls are still writing.
 */
async function mapBoundedSettled<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<Map<T, unknown>> {
  const errors = new Map<T, unknown>();
  await mapBounded(items, concurrency, async (item) => {
    try {
      await fn(item);
    } catch (error) {
      errors.set(item, error);
    }
  });
  return errors;
}

/**
 * One iteration of the run queue daemon. Under the queue lock: choose the runs ({@link getRunsToDequeue}),
 * re-read them (a run no longer QUEUED is skipped) and claim each by writing PIPELINE_STARTING. Then, without the
 * lock, launch each claimed run through `instance.runLauncher.launchRun` (no extra events on success), at most
 * `launchConcurrency` at once. A launch that throws is handled as Dagster does: a run the worker already moved on
 * is left alone; a code location that cannot be reached is paused and the run re-enqueued while
 * `max_user_code_failure_retries` allows; otherwise an ENGINE_EVENT with the error and RUN_FAILURE.
 */
export async function runQueueIteration(instance: RunQueueInstance, options: RunQueueIterationOptions = {}): Promise<RunQueueIterationResult> {
  const config = runQueueConfigOf(instance);
  const now = options.now ?? (() => Date.now() / 1000);
  const lock = options.lock ?? queueLockFor(instance);
  const concurrency = Math.max(1, options.launchConcurrency ?? (config.dequeueUseThreads ? (config.dequeueNumWorkers ?? 4) : 1));
  const { claimed, claimErrors } = await lock.withLock(
    RUN_QUEUE_LOCK,
    async (): Promise<{ claimed: DagsterRun[]; claimErrors: Map<DagsterRun, unknown> }> => {
      const none = { claimed: [], claimErrors: new Map<DagsterRun, unknown>() };
      if (options.signal?.aborted) return none;
      const selected = await getRunsToDequeue(instance, { now, ...(options.pageSize ? { pageSize: options.pageSize } : {}), ...(options.logger ? { logger: options.logger } : {}) });
      const chosen = options.maxClaims === undefined ? selected : selected.slice(0, Math.max(0, options.maxClaims));
      if (chosen.length === 0) return none;
      const claimer = options.batchClaims ? runClaimerFor(instance) : undefined;
      // The claimer's locking read is the re-read: only the runs still QUEUED are claimed.
      if (claimer) return { claimed: await claimer.claim(chosen, now(), instance.eventLogStorage), claimErrors: new Map<DagsterRun, unknown>() };
      // One read of all chosen runs: a run canceled (or launched elsewhere) since the queue was read is skipped.
      const fresh = new Map<string, DagsterRun>();
      for (let i = 0; i < chosen.length; i += 500) {
        const ids = chosen.slice(i, i + 500).map((run) => run.runId);
        for (const run of await instance.getRuns(new RunsFilter({ runIds: ids }))) fresh.set(run.runId, run);
      }
      const toClaim: DagsterRun[] = [];
      for (const run of chosen) {
        const current = fresh.get(run.runId);
        if (current?.status !== DagsterRunStatus.QUEUED) {
          options.logger?.info?.(`Run ${run.runId} is now ${current?.status ?? 'deleted'} instead of QUEUED, skipping`);
          continue;
        }
        toClaim.push(current);
      }
      if (options.batchClaims && instance.runStorage) {
        await claimInBatches(instance as RunQueueInstance & { runStorage: BatchClaimRunStorage }, toClaim, now());
        return { claimed: toClaim, claimErrors: new Map<DagsterRun, unknown>() };
      }
      // Claims are independent writes: a few at once keeps a Postgres pool busy. Every one has settled before
      // the unlock (a claim still writing after it would let another daemon see its run as QUEUED), and a claim
      // that failed does not abandon the others: those runs are STARTING and must be launched.
      const claimErrors = await mapBoundedSettled(toClaim, 8, async (run) => {
        const starting = new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_STARTING, jobName: run.jobName });
        await instance.reportDagsterEvent(starting, run.runId, undefined, undefined, now());
      });
      return { claimed: toClaim.filter((run) => !claimErrors.has(run)), claimErrors };
    },
    options.signal ? { signal: options.signal } : {},
  );

  const outcome = new Map<string, boolean>();
  await mapBounded(claimed, concurrency, async (run) => {
    outcome.set(run.runId, await launchClaimedRun(instance, run, config, now, options));
  });
  const launched = claimed.filter((run) => outcome.get(run.runId) === true).map((run) => run.runId);
  const failed = claimed.filter((run) => outcome.get(run.runId) === false).map((run) => run.runId);
  // A run whose claim write failed is left as the storage has it: still QUEUED (the next iteration takes it) or
  // STARTING without a launch (run monitoring's start timeout fails it). It counts as failed here.
  for (const [run, error] of claimErrors) {
    options.logger?.error?.(`Failed to claim run ${run.runId}: ${error instanceof Error ? error.message : String(error)}`);
    failed.push(run.runId);
  }
  if (launched.length > 0) options.logger?.info?.(`Launched ${launched.length} runs.`);
  return { launched, claimed: claimed.map((run) => run.runId), failed };
}

/** The run storage writes of a batched claim. */
export interface BatchClaimRunStorage {
  handleRunEvent(runId: string, event: DagsterEvent, updateTimestamp?: Date): Promise<void>;
}

/**
 * The claim of many runs with fewer round trips: their PIPELINE_STARTING events stored in batches (one
 * transaction each), then each run's status moved. The same rows as through `reportDagsterEvent`, but the
 * instance's `handleNewEvent` (and its in-process listeners) is not called, so it is opt-in.
 */
async function claimInBatches(instance: RunQueueInstance & { runStorage: BatchClaimRunStorage }, runs: readonly DagsterRun[], timestamp: number): Promise<void> {
  const entries = runs.map((run) => runStartingEntry(run, timestamp));
  for (let i = 0; i < entries.length; i += 250) await instance.eventLogStorage.storeEventBatch(entries.slice(i, i + 250));
  const when = new Date(timestamp * 1000);
  await mapBounded(entries, 8, (entry) => instance.runStorage.handleRunEvent(entry.runId, entry.dagsterEvent!, when));
}

const USER_CODE_ERROR_CODES = new Set(['USER_CODE_UNREACHABLE', 'CODE_LOCATION_LOAD_ERROR']);

async function launchClaimedRun(
  instance: RunQueueInstance,
  queued: DagsterRun,
  config: RunQueueConfig,
  now: () => number,
  options: RunQueueIterationOptions,
): Promise<boolean> {
  // The run as stored after its claim (Dagster re-reads it); batched claims hand over the claimed copy.
  const run = options.batchClaims ? (queued.status === DagsterRunStatus.STARTING ? queued : queued.withStatus(DagsterRunStatus.STARTING)) : ((await instance.getRunById(queued.runId)) ?? queued);
  try {
    const context: LaunchRunContext = { dagsterRun: run, workspace: options.workspace };
    await instance.runLauncher.launchRun(context);
    return true;
  } catch (error) {
    options.logger?.error?.(`Caught on error dequeing run ${run.runId}: ${String(error)}`);
    const current = await instance.getRunById(run.runId);
    if (!current) return false;
    if (current.status !== DagsterRunStatus.QUEUED && current.status !== DagsterRunStatus.STARTING) {
      options.logger?.info?.(`Run ${run.runId} failed while being dequeued, but has already advanced to ${current.status} - moving on.`);
      return false;
    }
    const info = SerializableErrorInfo.fromError(error);
    const code = (error as { code?: unknown }).code;
    const location = locationOf(current);
    if (config.maxUserCodeFailureRetries > 0 && typeof code === 'string' && USER_CODE_ERROR_CODES.has(code)) {
      if (location !== undefined) {
        let paused = pausedLocations.get(instance);
        if (!paused) pausedLocations.set(instance, (paused = new Map()));
        paused.set(location, now() + config.userCodeFailureRetryDelay);
      }
      const enqueued = await instance.allLogs(current.runId, DagsterEventType.RUN_ENQUEUED);
      const retriesSoFar = Math.max(0, enqueued.length - 1);
      if (retriesSoFar >= config.maxUserCodeFailureRetries) {
        await instance.reportEngineEvent(
          `Run dequeue failed to reach the user code server after ${config.maxUserCodeFailureRetries} attempts, failing run`,
          current,
          EngineEventData.engineError(info),
        );
        await instance.reportRunFailed(current);
      } else {
        const remaining = config.maxUserCodeFailureRetries - retriesSoFar;
        await instance.reportEngineEvent(
          `Run dequeue failed to reach the user code server, re-submitting the run into the queue (${remaining} ${remaining === 1 ? 'retry' : 'retries'} remaining)`,
          current,
          EngineEventData.engineError(info),
        );
        await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_ENQUEUED, jobName: current.jobName }), current.runId);
      }
      return false;
    }
    await instance.reportEngineEvent(
      'Caught an unrecoverable error while dequeuing the run. Marking the run as failed and dropping it from the queue',
      current,
      EngineEventData.engineError(info),
    );
    await instance.reportRunFailed(current);
    return false;
  }
}
