import { InstError, InvalidArgumentError, StorageError } from '@inst/errors';
import { StorageUnavailableError } from '../../errors.js';
import type { WatchedEvent } from '@inst/storage';
import { EventLogCursor, type EventLogConnection, type EventLogRecord } from '@inst/types';
import type { InFlightSnapshot, RunChangeProbe } from './connections.js';

/*
 * Watching a run's events. A watcher re-queries the run by cursor whenever it may have new
 * events: at once when a storage in this process stored some (a process-wide notifier keyed by
 * the database identity, so two storages on the same home wake each other), and otherwise on a
 * poll for writers in other processes. With a cheap change probe (SQLite's `data_version`, about a
 * microsecond) the probe is asked every 25 ms, backing off to 250 ms while nothing changes, and the
 * run is re-queried only when it says so; without one the run is re-queried every 250 ms, backing
 * off to 1 s.
 */

/** First poll interval for writes by other processes, when each poll is a query. */
export const WATCH_POLL_MIN_MS = 250;
/** Longest poll interval, when each poll is a query. */
export const WATCH_POLL_MAX_MS = 1000;
/** First interval between change probes. */
export const WATCH_PROBE_MIN_MS = 25;
/** Longest interval between change probes: a write in another process is seen within this much. */
export const WATCH_PROBE_MAX_MS = 250;
/** Records read per query while catching up. */
const PAGE_SIZE = 1000;

const listeners = new Map<string, Map<string, Set<() => void>>>();

/** Calls `listener` whenever a storage of this process on database `identity` stores events of the run. */
export function subscribeToRun(identity: string, runId: string, listener: () => void): () => void {
  let runs = listeners.get(identity);
  if (!runs) listeners.set(identity, (runs = new Map()));
  let set = runs.get(runId);
  if (!set) runs.set(runId, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) runs.delete(runId);
    if (runs.size === 0) listeners.delete(identity);
  };
}

const allRunsListeners = new Map<string, Set<() => void>>();

/** Calls `listener` whenever a storage of this process on database `identity` stores events of any run. */
export function subscribeToAllRuns(identity: string, listener: () => void): () => void {
  let set = allRunsListeners.get(identity);
  if (!set) allRunsListeners.set(identity, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) allRunsListeners.delete(identity);
  };
}

/** Wakes the watchers of a run, and the all-runs watchers, after its events were committed. */
export function notifyRunWritten(identity: string, runId: string): void {
  for (const listener of [...(listeners.get(identity)?.get(runId) ?? [])]) listener();
  for (const listener of [...(allRunsListeners.get(identity) ?? [])]) listener();
}

/** First wait after a failed watch query; doubled per failure (with jitter) up to {@link WATCH_RETRY_MAX_MS}. */
export const WATCH_RETRY_MIN_MS = 50;
/** Longest wait between watch queries while the database keeps failing. */
export const WATCH_RETRY_MAX_MS = 2000;

/** How a watcher rides out a database that fails its queries (an outage, a restart, refused connections). */
export interface WatchRetryOptions {
  /**
   * After failing this long without one successful query (ms), the watch ends with a
   * StorageUnavailableError. Default: never — the watcher keeps retrying until its signal aborts or
   * the storage is disposed.
   */
  readonly giveUpAfterMs?: number;
  /** Told about each failed query (before the retry) and about recovery (`error` undefined). */
  readonly onRetry?: (error: unknown, failingForMs: number) => void;
  /** Whether an error is worth retrying. Default {@link isRetryableWatchError}. */
  readonly isRetryable?: (error: unknown) => boolean;
}

/**
 * The default of {@link WatchRetryOptions.isRetryable}: any StorageError (the database failed the
 * query: connection lost or refused, server restarting, lock timeout) is retried; other errors (a
 * bug, an invalid cursor, a disposed storage, a schema that needs migrating) end the watch.
 */
export function isRetryableWatchError(error: unknown): boolean {
  if (!InstError.isInstance(error)) return false;
  return error.code === 'STORAGE_ERROR' || error instanceof StorageError;
}

/** What a watcher needs from the storage. */
export interface WatchSource {
  readonly identity: string;
  getRecordsForRun(runId: string, cursor: string | null, limit: number): Promise<EventLogConnection>;
  changeProbe?(runId: string): RunChangeProbe;
  readonly retry?: WatchRetryOptions;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** A watch's start: an EventLogCursor string, a storage id, or nothing (from the beginning). */
export function watchStartCursor(after: string | number | null | undefined): string | null {
  if (after === null || after === undefined || after === '') return null;
  if (typeof after === 'number') return EventLogCursor.fromStorageId(after).toString();
  if (EventLogCursor.parse(after).isOffsetCursor()) throw new InvalidArgumentError('Cannot watch with an offset cursor');
  return after;
}

/** One re-query of a watch: what to yield, and when to query again. */
interface WatchStep {
  readonly items: readonly WatchedEvent[];
  /** Query again at once (a full page was read). */
  readonly more: boolean;
  /** Query again soon even without a wake-up (an id hole waits for writers still in flight). */
  readonly soon?: boolean;
}

/** Interval of re-queries while an id hole waits for the transactions that may fill it. */
export const WATCH_HOLE_POLL_MS = 10;

/**
 * The loop every watch runs: `step` re-queries from the watch's cursor whenever it may have new
 * events (woken in this process, or asked by the probe on a backing-off poll), failing queries are
 * retried with capped, jittered exponential back-off (see {@link WatchRetryOptions}), and the
 * watch ends only when `signal` aborts, or with a StorageUnavailableError after
 * `retry.giveUpAfterMs` without a successful query.
 */
async function* watchLoop(
  source: Pick<WatchSource, 'retry'>,
  what: { readonly label: string; readonly ids: Record<string, string> },
  subscribe: (onChange: () => void) => () => void,
  probe: RunChangeProbe | undefined,
  step: () => Promise<WatchStep>,
  signal: AbortSignal,
): AsyncGenerator<WatchedEvent> {
  let dirty = true;
  let soon = false;
  let wake: (() => void) | null = null;
  const unsubscribe = subscribe(() => {
    dirty = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  const [minDelay, maxDelay] = probe ? [WATCH_PROBE_MIN_MS, WATCH_PROBE_MAX_MS] : [WATCH_POLL_MIN_MS, WATCH_POLL_MAX_MS];
  let delay = minDelay;
  const isRetryable = source.retry?.isRetryable ?? isRetryableWatchError;
  const giveUpAfterMs = source.retry?.giveUpAfterMs ?? Number.POSITIVE_INFINITY;
  let failingSince: number | undefined;
  let failures = 0;
  try {
    while (!signal.aborted) {
      if (dirty) {
        dirty = false;
        let result: WatchStep;
        try {
          result = await step();
        } catch (error) {
          if (signal.aborted) return;
          if (!isRetryable(error)) throw error;
          failingSince ??= Date.now();
          const failingFor = Date.now() - failingSince;
          if (failingFor >= giveUpAfterMs) {
            throw new StorageUnavailableError(
              `Watch of ${what.label} gave up after ${Math.round(failingFor)} ms of failing queries (giveUpAfterMs ${giveUpAfterMs}): ${error instanceof Error ? error.message : String(error)}`,
              failingFor,
              { cause: error, ids: what.ids },
            );
          }
          source.retry?.onRetry?.(error, failingFor);
          const ceiling = Math.min(WATCH_RETRY_MAX_MS, WATCH_RETRY_MIN_MS * 2 ** Math.min(failures++, 16));
          await sleep(Math.min(ceiling / 2 + Math.random() * (ceiling / 2), Math.max(0, giveUpAfterMs - failingFor)), signal);
          dirty = true;
          continue;
        }
        if (failingSince !== undefined) {
          source.retry?.onRetry?.(undefined, Date.now() - failingSince);
          failingSince = undefined;
          failures = 0;
        }
        for (const item of result.items) {
          if (signal.aborted) return;
          yield item;
        }
        if (result.items.length > 0) delay = minDelay;
        if (result.more) dirty = true;
        soon = result.soon === true;
        continue;
      }
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(
          () => {
            wake = null;
            resolve(true);
          },
          soon ? WATCH_HOLE_POLL_MS : delay,
        );
        wake = () => {
          clearTimeout(timer);
          wake = null;
          resolve(false);
        };
      });
      if (timedOut && soon) dirty = true;
      else if (timedOut) {
        // A probe that fails (the database is away) counts as a change: the query then retries with back-off.
        if (!probe || (await probe.changed().catch(() => true))) dirty = true;
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Yields every event of the run after `after` once, in order, until `signal` aborts (see
 * {@link watchLoop} for outages).
 */
export function watchRun(source: WatchSource, runId: string, after: string | null, signal: AbortSignal): AsyncGenerator<WatchedEvent> {
  let cursor = after;
  return watchLoop(
    source,
    { label: `run ${runId}`, ids: { runId } },
    (onChange) => subscribeToRun(source.identity, runId, onChange),
    source.changeProbe?.(runId),
    async () => {
      const page = await source.getRecordsForRun(runId, cursor, PAGE_SIZE);
      const items = page.records.map((record) => ({ record, cursor: EventLogCursor.fromStorageId(record.storageId).toString() }));
      if (items.length > 0) cursor = items.at(-1)!.cursor;
      return { items, more: page.hasMore };
    },
    signal,
  );
}

/** One read of the all-runs log for {@link watchAllRuns}. */
export interface AllRunsPage {
  /** The storage ids after the cursor, ascending, of EVERY event type (holes are found among these). */
  readonly ids: readonly number[];
  /** The records among `ids` that the watch wants (its event types), ascending. */
  readonly records: readonly EventLogRecord[];
  /**
   * The write transactions of this read (see `EventLogConnections.inFlight`); `null` when ids
   * always commit in id order (SQLite: one writer at a time), so that a hole in the ids can only
   * be a deleted or rolled-back id. Absent when the read found no rows.
   */
  readonly inFlight: InFlightSnapshot | null;
}

/** What {@link watchAllRuns} needs from the storage. */
export interface AllRunsWatchSource extends Pick<WatchSource, 'identity' | 'retry'> {
  /** Up to `limit` ids after `afterId` (all types), with the records of `types` among them. */
  readAllRunsPage(afterId: number, types: readonly string[], limit: number): Promise<AllRunsPage>;
  changeProbe?(): RunChangeProbe;
}

/**
 * Yields every event of every run after storage id `after` once, in storage-id order, until
 * `signal` aborts (see {@link watchLoop} for outages).
 *
 * Gap-free across concurrent writers (issue #10). Postgres draws `event_logs.id` at INSERT but
 * shows the row at COMMIT, and writers of different runs do not wait on each other, so a read can
 * see id 12 while id 11 is still uncommitted; a cursor moved past 12 would skip 11 for good. So the
 * watcher delivers the ids that follow its cursor without a hole at once, and stops at the first
 * hole. The transaction that drew a missing id started before the read that saw a higher id
 * committed, so it is among that read's candidates (`InFlightSnapshot`: on Postgres the snapshot's
 * in-progress list plus `pg_stat_activity`'s xids read just after it) — or it ended before the
 * candidates were read. Once no candidate is running as of a LATER read's snapshot, every hole up
 * to the first read's highest id is final (a rollback, a deleted event, a sequence jump), the later
 * read holds whatever filled them, and delivery goes on past them. A hole therefore delays delivery
 * by at least one more read ({@link WATCH_HOLE_POLL_MS} ms) and at most the length of the write
 * transactions in flight when it was seen; it never loses an event. inst's writers take their
 * transaction id before they draw storage ids, so that they are candidates of every read that can
 * see a later id; see the storage-postgres README for what writers that do not (Python Dagster's)
 * leave open.
 */
export function watchAllRuns(source: AllRunsWatchSource, after: number, types: readonly string[], signal: AbortSignal): AsyncGenerator<WatchedEvent> {
  let cursor = after;
  /** Holes seen and not yet final: every hole up to `upTo` is final once no candidate is running. */
  let barriers: { candidates: readonly string[]; upTo: number }[] = [];
  return watchLoop(
    source,
    { label: 'all runs', ids: {} },
    (onChange) => subscribeToAllRuns(source.identity, onChange),
    source.changeProbe?.(),
    async () => {
      const page = await source.readAllRunsPage(cursor, types, PAGE_SIZE);
      if (page.ids.length === 0) return { items: [], more: false };
      const snapshot = page.inFlight;
      let finalUpTo = Number.NEGATIVE_INFINITY;
      if (snapshot === null) finalUpTo = Number.POSITIVE_INFINITY;
      else {
        // Judged against THIS read's snapshot, never the one that saw the hole: a writer that ended in between committed before this read, so its rows are in this page.
        barriers = barriers.filter((barrier) => {
          if (barrier.candidates.some((candidate) => snapshot.isRunning(candidate))) return true;
          finalUpTo = Math.max(finalUpTo, barrier.upTo);
          return false;
        });
      }
      const wanted = new Map(page.records.map((record) => [record.storageId, record]));
      const items: WatchedEvent[] = [];
      let blocked = false;
      for (const id of page.ids) {
        if (id !== cursor + 1 && id > finalUpTo) {
          blocked = true;
          break;
        }
        cursor = id;
        const record = wanted.get(id);
        if (record) items.push({ record, cursor: EventLogCursor.fromStorageId(id).toString() });
      }
      if (blocked) {
        const upTo = page.ids.at(-1)!;
        if (!barriers.some((barrier) => barrier.upTo >= upTo)) barriers.push({ candidates: snapshot?.candidates ?? [], upTo });
        return { items, more: false, soon: true };
      }
      return { items, more: page.ids.length >= PAGE_SIZE };
    },
    signal,
  );
}
