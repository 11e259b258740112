import { InstError, InvalidArgumentError, StorageError } from '@inst/errors';
import { StorageUnavailableError } from '../../errors.js';
import type { WatchedEvent } from '@inst/storage';
import { EventLogCursor, type EventLogConnection } from '@inst/types';
import type { RunChangeProbe } from './connections.js';

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

/** Wakes the watchers of a run after its events were committed. */
export function notifyRunWritten(identity: string, runId: string): void {
  for (const listener of [...(listeners.get(identity)?.get(runId) ?? [])]) listener();
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

/**
 * Yields every event of the run after `after` once, in order, until `signal` aborts. A failing
 * query (see {@link WatchRetryOptions}) is retried from the same cursor with capped, jittered
 * exponential back-off, so an outage of any length only delays delivery; the watch ends with a
 * StorageUnavailableError only after `retry.giveUpAfterMs` without a successful query.
 */
export async function* watchRun(source: WatchSource, runId: string, after: string | null, signal: AbortSignal): AsyncGenerator<WatchedEvent> {
  let cursor = after;
  let dirty = true;
  let wake: (() => void) | null = null;
  const onChange = () => {
    dirty = true;
    wake?.();
  };
  const unsubscribe = subscribeToRun(source.identity, runId, onChange);
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  const probe = source.changeProbe?.(runId);
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
        let page: EventLogConnection;
        try {
          page = await source.getRecordsForRun(runId, cursor, PAGE_SIZE);
        } catch (error) {
          if (signal.aborted) return;
          if (!isRetryable(error)) throw error;
          failingSince ??= Date.now();
          const failingFor = Date.now() - failingSince;
          if (failingFor >= giveUpAfterMs) {
            throw new StorageUnavailableError(
              `Watch of run ${runId} gave up after ${Math.round(failingFor)} ms of failing queries (giveUpAfterMs ${giveUpAfterMs}): ${error instanceof Error ? error.message : String(error)}`,
              failingFor,
              { cause: error, ids: { runId } },
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
        for (const record of page.records) {
          if (signal.aborted) return;
          cursor = EventLogCursor.fromStorageId(record.storageId).toString();
          yield { record, cursor };
        }
        if (page.records.length > 0) delay = minDelay;
        if (page.hasMore) dirty = true;
        continue;
      }
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          wake = null;
          resolve(true);
        }, delay);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          resolve(false);
        };
      });
      if (timedOut) {
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
