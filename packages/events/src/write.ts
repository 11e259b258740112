import { ConfigError, InstError, warnOnce } from '@inst/errors';
import { DagsterRunStatus, RUN_TAGS, RunFailureReason, type DagsterRun, type EventLogEntry } from '@inst/types';
import type { EventListener, EventsInstanceOps, HandleNewEventOptions } from './ops';

/**
 * Dagster's `DAGSTER_EVENT_BATCH_SIZE` (default 0, which turns batch writing off). Throws ConfigError when it is set
 * to something other than an integer.
 */
export function eventBatchSizeFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.DAGSTER_EVENT_BATCH_SIZE;
  if (raw === undefined) return 0;
  const size = parsePythonInt(raw);
  if (size === undefined) throw new ConfigError([`DAGSTER_EVENT_BATCH_SIZE: expected an integer, got ${JSON.stringify(raw)}`], 'the environment');
  return size;
}

/**
 * False only for an ASSET_FAILED_TO_MATERIALIZE event when the event log storage cannot store those; every other
 * entry (whatever its level) is stored.
 */
export function shouldStoreEvent(ops: Pick<EventsInstanceOps, 'eventLogStorage'>, event: EventLogEntry): boolean {
  return !(event.dagsterEvent?.isAssetFailedToMaterialize && !ops.eventLogStorage.canStoreAssetFailureEvents);
}

/** Writes one entry to the event log if `shouldStoreEvent` allows it; no run-status update, no listeners. */
export async function storeEvent(ops: Pick<EventsInstanceOps, 'eventLogStorage' | 'shouldStoreEvent'>, event: EventLogEntry): Promise<void> {
  if (!ops.shouldStoreEvent(event)) return;
  await ops.eventLogStorage.storeEvent(event);
}

/**
 * Registers a callback that `handleNewEvent` calls with each new event of the run, in order. Returns a function
 * that removes it again (Dagster has no removal; the return value is additive).
 */
export function addEventListener(ops: Pick<EventsInstanceOps, 'eventListeners'>, runId: string, cb: EventListener): () => void {
  const listeners = ops.eventListeners.get(runId);
  if (listeners) listeners.push(cb);
  else ops.eventListeners.set(runId, [cb]);
  return () => {
    const current = ops.eventListeners.get(runId);
    const index = current?.indexOf(cb) ?? -1;
    if (!current || index < 0) return;
    current.splice(index, 1);
    if (current.length === 0) ops.eventListeners.delete(runId);
  };
}

/** A storage that updates run status itself when it stores a run event (Dagster's `handles_run_events_in_store_event`). */
interface MayHandleRunEvents {
  readonly handlesRunEventsInStoreEvent?: boolean;
}

/**
 * The main event write path (Dagster's `handle_new_event`):
 * 1. drops the entry unless `ops.shouldStoreEvent` allows it;
 * 2. with `batchMetadata` and batch writing on (`ops.eventBatchSize > 0`), buffers it under the batch id until the
 *    batch ends (`isEnd`) or the buffer is full, then writes the buffer with `storeEventBatch` (falling back to one
 *    `storeEvent` per entry if the batch write fails); otherwise stores it at once;
 * 3. for each stored run-status event (unless the storage does it itself) moves the run in run storage and, for a
 *    RUN_FAILURE with run retries enabled, tags the run `dagster/will_retry` = `true` | `false`;
 * 4. calls the run's listeners.
 */
export async function handleNewEvent(ops: EventsInstanceOps, event: EventLogEntry, options: HandleNewEventOptions = {}): Promise<void> {
  if (!ops.shouldStoreEvent(event)) return;

  const batchMetadata = options.batchMetadata ?? null;
  const batchSize = ops.eventBatchSize;
  let events: EventLogEntry[];
  if (batchMetadata === null || !(batchSize > 0)) {
    events = [event];
  } else {
    // Appending and taking the buffer happen before any await, so concurrent calls never split or repeat a batch.
    const buffer = ops.eventBuffer.get(batchMetadata.id) ?? [];
    buffer.push(event);
    // `>=` rather than Dagster's `==`: a batch size lowered while a batch is open still flushes it.
    if (!batchMetadata.isEnd && buffer.length < batchSize) {
      ops.eventBuffer.set(batchMetadata.id, buffer);
      return;
    }
    ops.eventBuffer.delete(batchMetadata.id);
    events = buffer;
  }

  const storage = ops.eventLogStorage;
  if (events.length === 1) {
    await storage.storeEvent(events[0]!);
  } else {
    try {
      await storage.storeEventBatch(events);
    } catch (error) {
      // As Dagster: a batch that cannot be written as one (e.g. a type storeEventBatch does not take) is written
      // entry by entry, so the events are not lost.
      process.stderr.write(`Exception while storing event batch: ${error instanceof Error ? error.message : String(error)}\n`);
      process.stderr.write('Falling back to storing multiple single-event storage requests...\n');
      for (const entry of events) await storage.storeEvent(entry);
    }
  }

  const storageHandlesRunEvents = (storage as MayHandleRunEvents).handlesRunEventsInStoreEvent === true;
  for (const entry of events) {
    const runId = entry.runId;
    const dagsterEvent = entry.dagsterEvent;
    if (!storageHandlesRunEvents && dagsterEvent?.isJobEvent) {
      await ops.runStorage.handleRunEvent(runId, dagsterEvent, new Date(entry.timestamp * 1000));
      if (dagsterEvent.isRunFailure && ops.runRetriesEnabled) {
        const run = await ops.getRunById(runId);
        if (run) {
          // Only failed runs get the tag; successful runs never carry dagster/will_retry.
          const willRetry = await shouldRetryRun(ops, run, runFailureReasonOf(run));
          await ops.addRunTags(runId, { [RUN_TAGS.WILL_RETRY]: String(willRetry) });
        }
      }
    }
    // A copy: a listener that registers or removes listeners does not change this round.
    const listeners = ops.eventListeners.get(runId);
    if (listeners) for (const listener of [...listeners]) await listener(entry);
  }
}

/**
 * Whether the retry daemon will retry a failed run (Dagster's `auto_reexecution_should_retry_run`): the run failed;
 * a step failure is retried only if `dagster/retry_on_asset_or_op_failure` (else the instance setting) allows it;
 * `dagster/max_retries` (else `runRetriesMaxRetries`) is above 0; and the run group holds at most that many runs.
 */
export async function shouldRetryRun(
  ops: Pick<EventsInstanceOps, 'getRunGroup' | 'runRetriesMaxRetries' | 'runRetriesRetryOnAssetOrOpFailure'>,
  run: DagsterRun,
  runFailureReason: RunFailureReason | null | undefined,
): Promise<boolean> {
  if (run.status !== DagsterRunStatus.FAILURE) return false;

  const retryOnAssetOrOpFailure = booleanTagValue(run.tags[RUN_TAGS.RETRY_ON_ASSET_OR_OP_FAILURE], ops.runRetriesRetryOnAssetOrOpFailure);
  if (runFailureReason === RunFailureReason.STEP_FAILURE && !retryOnAssetOrOpFailure) return false;

  const rawMaxRetries = run.tags[RUN_TAGS.MAX_RETRIES];
  let maxRetries: number;
  if (rawMaxRetries === undefined) {
    maxRetries = ops.runRetriesMaxRetries;
  } else {
    const parsed = parsePythonInt(rawMaxRetries);
    if (parsed === undefined) {
      warnOnce(`Error parsing int from tag ${RUN_TAGS.MAX_RETRIES}, won't retry the run.`);
      return false;
    }
    maxRetries = parsed;
  }
  if (maxRetries <= 0) return false;

  let runGroup: readonly [string, readonly DagsterRun[]] | null | undefined;
  try {
    runGroup = await ops.getRunGroup(run.runId);
  } catch (error) {
    // The run or the root of its group was deleted meanwhile.
    if (InstError.isInstance(error) && error.code === 'RUN_NOT_FOUND') return false;
    throw error;
  }
  // The group holds the original run, so retries launched so far = group size - 1.
  return runGroup != null && runGroup[1].length <= maxRetries;
}

/** The run's `dagster/failure_reason` tag; a value this version does not know reads as UNKNOWN. */
function runFailureReasonOf(run: DagsterRun): RunFailureReason | null {
  const raw = run.tags[RUN_TAGS.RUN_FAILURE_REASON];
  if (!raw) return null;
  return (Object.values(RunFailureReason) as string[]).includes(raw) ? (raw as RunFailureReason) : RunFailureReason.UNKNOWN;
}

/**
 * Dagster's current `get_boolean_tag_value`: `false`, `none`, `0` and the empty string (any case) are false, any
 * other value true, an absent tag the default. (`booleanTagValue` of @inst/types only treats `false` as false.)
 */
function booleanTagValue(value: string | undefined, defaultValue: boolean): boolean {
  if (value === undefined) return defaultValue;
  return !['false', 'none', '0', ''].includes(value.toLowerCase());
}

/** Python's `int(text)` for base-10 text: optional sign, digits with single underscores, surrounding whitespace. */
function parsePythonInt(text: string): number | undefined {
  const match = /^\s*([+-]?\d+(?:_\d+)*)\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]!.replaceAll('_', ''));
  return Number.isSafeInteger(value) ? value : undefined;
}
