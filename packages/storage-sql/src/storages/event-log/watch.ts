import { InvalidArgumentError } from '@inst/errors';
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

/** What a watcher needs from the storage. */
export interface WatchSource {
  readonly identity: string;
  getRecordsForRun(runId: string, cursor: string | null, limit: number): Promise<EventLogConnection>;
  changeProbe?(runId: string): RunChangeProbe;
}

/** A watch's start: an EventLogCursor string, a storage id, or nothing (from the beginning). */
export function watchStartCursor(after: string | number | null | undefined): string | null {
  if (after === null || after === undefined || after === '') return null;
  if (typeof after === 'number') return EventLogCursor.fromStorageId(after).toString();
  if (EventLogCursor.parse(after).isOffsetCursor()) throw new InvalidArgumentError('Cannot watch with an offset cursor');
  return after;
}

/**
 * Yields every event of the run after `after` once, in order, until `signal` aborts.
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
  try {
    while (!signal.aborted) {
      if (dirty) {
        dirty = false;
        const page = await source.getRecordsForRun(runId, cursor, PAGE_SIZE);
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
        if (!probe || (await probe.changed())) dirty = true;
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}
