import { NotSupportedError, RunNotFoundError } from '@inst/errors';
import type { EventHandlerFn, WatchAllRunsOptions, WatchedEvent, WatchOptions } from '@inst/storage';
import { DagsterEventType, EventLogCursor, type EventLogRecord } from '@inst/types';
import type { EventsInstanceOps } from './ops';

/**
 * Calls `cb(entry, cursor)` for each new event of the run after `cursor` until `endWatchEventLogs` (the event log
 * storage's callback watch).
 */
export function watchEventLogs(ops: Pick<EventsInstanceOps, 'eventLogStorage'>, runId: string, cursor: string | null | undefined, cb: EventHandlerFn): void {
  ops.eventLogStorage.watch(runId, cursor, cb);
}

/** Stops a callback registered with `watchEventLogs`. */
export function endWatchEventLogs(ops: Pick<EventsInstanceOps, 'eventLogStorage'>, runId: string, cb: EventHandlerFn): void {
  ops.eventLogStorage.endWatch(runId, cb);
}

/** Options of {@link watchRunEvents}. */
export interface WatchRunEventsOptions extends WatchOptions {
  /** End after the run's RUN_SUCCESS, RUN_FAILURE or RUN_CANCELED event (at once, after the stored events, if it has ended). */
  untilRunEnds?: boolean;
  /**
   * Wait for a run that is not stored yet to appear (its events are yielded once they are stored). Without it, a
   * run id that is not in run storage fails at once with a RunNotFoundError instead of waiting forever. The
   * runless events (run id `''`) have no run and are always watched.
   */
  waitForRun?: boolean;
}

const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED]);

/** Page size when reading the stored events of a run that has already ended. */
const DRAIN_PAGE_SIZE = 1000;

/**
 * The run's events after `after` (a cursor string or a storage id; from the start when absent) as they are stored,
 * each once and in order, with the cursor to resume after it. Ends quietly when `signal` aborts, or with
 * `untilRunEnds` after the run's terminal event. A run that is not stored fails with a RunNotFoundError unless
 * `waitForRun` is set. Built on the event log storage's `watch`.
 */
export async function* watchRunEvents(
  ops: Pick<EventsInstanceOps, 'eventLogStorage' | 'getRunById'>,
  runId: string,
  options: WatchRunEventsOptions = {},
): AsyncGenerator<WatchedEvent, void, undefined> {
  const { after, signal, untilRunEnds = false, waitForRun = false } = options;
  if (signal?.aborted) return;
  // Parsed first, so a bad cursor fails before anything is read. Storage ids only grow within a run, so anything
  // at or below the last one yielded is a repeat.
  let lastStorageId = storageIdOf(after);

  // Our own controller: it follows the caller's signal, and stops the storage's watch when we end first.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (untilRunEnds || !waitForRun) {
      const run = runId === '' ? undefined : await ops.getRunById(runId);
      if (!run && runId !== '' && !waitForRun) throw new RunNotFoundError(runId, `Run ${runId} not found: nothing to watch (pass waitForRun: true to wait for it to be stored)`);
      // An ended run's terminal event may lie before the cursor: read what is stored and stop, rather than wait.
      if (untilRunEnds && run?.isFinished) {
        yield* storedEventsAfter(ops, runId, after, controller.signal);
        return;
      }
    }
    const giveUp = options.giveUpAfterMs === undefined ? {} : { giveUpAfterMs: options.giveUpAfterMs };
    for await (const watched of ops.eventLogStorage.watch(runId, { after, signal: controller.signal, ...giveUp })) {
      if (controller.signal.aborted) return;
      if (watched.record.storageId <= lastStorageId) continue;
      lastStorageId = watched.record.storageId;
      yield watched;
      if (untilRunEnds && isTerminal(watched.record)) return;
    }
  } catch (error) {
    // A storage may end its watch with an AbortError; for us an abort is the normal end.
    if (!controller.signal.aborted) throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

/**
 * The events of every run after `after` (a storage id or its cursor; from the start when absent), of
 * `eventTypes` only when given, each once and in storage-id order, as they are stored — also while
 * several processes write different runs at once (on Postgres the storage waits at a hole in the ids
 * until the writers that may fill it have ended). Ends quietly when `signal` aborts. Built on the
 * event log storage's `watchAllRuns`; a storage without one fails with a NotSupportedError. The ids
 * are those of `getLogsForAllRunsByLogId` (on run-sharded SQLite: index ids, asset and run-status
 * events only).
 */
export async function* watchAllRunEvents(ops: Pick<EventsInstanceOps, 'eventLogStorage'>, options: WatchAllRunsOptions = {}): AsyncGenerator<WatchedEvent, void, undefined> {
  const storage = ops.eventLogStorage;
  if (!storage.watchAllRuns) throw new NotSupportedError('This event log storage cannot watch all runs (it has no watchAllRuns)');
  if (options.signal?.aborted) return;
  let lastStorageId = storageIdOf(options.after);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const watched of storage.watchAllRuns({ ...options, signal: controller.signal })) {
      if (controller.signal.aborted) return;
      if (watched.record.storageId <= lastStorageId) continue;
      lastStorageId = watched.record.storageId;
      yield watched;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

/**
 * The callback form of {@link watchAllRunEvents}: calls `cb` for each event of every run after the cursor, once
 * each, in storage-id order (a `cb` that returns a promise is awaited before the next event). Settles when the
 * watch ends: resolves on the signal or `dispose()`, rejects with the watch's error (e.g. after `giveUpAfterMs`) or
 * with what `cb` threw.
 */
export async function watchAllRunEventsWith(
  ops: Pick<EventsInstanceOps, 'eventLogStorage'>,
  cb: (watched: WatchedEvent) => void | Promise<void>,
  options: WatchAllRunsOptions = {},
): Promise<void> {
  for await (const watched of watchAllRunEvents(ops, options)) await cb(watched);
}

async function* storedEventsAfter(
  ops: Pick<EventsInstanceOps, 'eventLogStorage'>,
  runId: string,
  after: WatchOptions['after'],
  signal: AbortSignal,
): AsyncGenerator<WatchedEvent, void, undefined> {
  let cursor = typeof after === 'number' ? EventLogCursor.fromStorageId(after).toString() : (after ?? null);
  for (;;) {
    const page = await ops.eventLogStorage.getRecordsForRun(runId, cursor, undefined, DRAIN_PAGE_SIZE, true);
    for (const record of page.records) {
      if (signal.aborted) return;
      yield { record, cursor: EventLogCursor.fromStorageId(record.storageId).toString() };
    }
    if (!page.hasMore || page.records.length === 0) return;
    cursor = page.cursor;
  }
}

function isTerminal(record: EventLogRecord): boolean {
  const type = record.eventLogEntry.dagsterEvent?.eventType;
  return type !== undefined && TERMINAL_EVENT_TYPES.has(type);
}

/** The storage id a cursor points at; -Infinity when there is none or it is an offset cursor. */
function storageIdOf(after: WatchOptions['after']): number {
  if (after === null || after === undefined) return -Infinity;
  if (typeof after === 'number') return after;
  const cursor = EventLogCursor.parse(after);
  return cursor.isIdCursor() ? cursor.storageId() : -Infinity;
}
