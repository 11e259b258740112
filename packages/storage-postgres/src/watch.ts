import { notifyRunWritten, type RunChangeProbe } from '@inst/storage-sql';
import type { PgListener } from './listener.js';

/** Default for {@link RunEventsWakerOptions.safetyPollMs}. */
export const DEFAULT_WATCH_SAFETY_POLL_MS = 2000;

/** After a failed first LISTEN, how long before a watcher's poll tries again. */
const START_RETRY_MS = 1000;

/** A watched run whose watcher has not polled for this long is no longer woken on reconnect (its next poll still re-queries). */
const WATCHED_TTL_MS = 30_000;

/** Stands for "every run" among the watched run ids (never a run id: those are UUIDs or ''). */
const ALL_RUNS_KEY = '*';

/** Options of {@link RunEventsWaker}. */
export interface RunEventsWakerOptions {
  /** The event log's identity: watchers of this process subscribe to wake-ups under it. */
  readonly identity: string;
  /** Makes the LISTEN connection (once, when the first watcher starts). */
  readonly createListener: () => PgListener;
  /**
   * While LISTEN is up, a watcher still re-queries this often (ms) in case a notification was
   * missed — a writer that does not NOTIFY, a proxy that drops them. Default 2000. While LISTEN
   * is down, watchers re-query on every poll of the storage's watch loop (≤ 1 s).
   */
  readonly safetyPollMs?: number;
  /** Losses of the LISTEN connection and failed (re)connects. */
  readonly onError?: (error: unknown) => void;
}

/**
 * LISTEN-driven wake-ups for the watchers of one Postgres event log storage. The first watcher
 * starts one {@link PgListener}; each `run_events` notification (`<run_id>_<storage_id>`, sent by
 * inst and by Python Dagster alike) wakes the watchers of that run in this process, which then
 * re-query from their cursor — a notification is only a hint, never the event itself. Whenever
 * the listener (re)starts listening, every watched run is woken, since notifications sent while
 * it was down are lost. Watchers poll as a safety net: every time while LISTEN is down, and every
 * {@link RunEventsWakerOptions.safetyPollMs} while it is up.
 *
 * Plugged into the storage as the event log connections' `changeProbe`, which the watch loop
 * creates when a watch starts and asks on each poll.
 */
export class RunEventsWaker {
  readonly #identity: string;
  readonly #createListener: () => PgListener;
  readonly #safetyPollMs: number;
  readonly #onError: (error: unknown) => void;
  #listener: PgListener | undefined;
  #starting: Promise<void> | undefined;
  #lastStartFailure = Number.NEGATIVE_INFINITY;
  /** Bumped each time the listener starts listening (first start and every reconnect). */
  #epoch = 0;
  /** Watched run ids, with when their watcher last polled. */
  readonly #watched = new Map<string, number>();
  #closed = false;

  constructor(options: RunEventsWakerOptions) {
    this.#identity = options.identity;
    this.#createListener = options.createListener;
    this.#safetyPollMs = Math.max(0, options.safetyPollMs ?? DEFAULT_WATCH_SAFETY_POLL_MS);
    this.#onError = options.onError ?? (() => {});
  }

  /** Whether the LISTEN connection is up now. */
  get listening(): boolean {
    return this.#listener?.listening === true;
  }

  /** The listener, once a watcher has started one. */
  get listener(): PgListener | undefined {
    return this.#listener;
  }

  /** The change probe of one watcher of `runId`: starts LISTENing if nothing does yet. */
  probe(runId: string): RunChangeProbe {
    this.#touch(runId);
    this.#ensureListening();
    let epoch = this.#epoch;
    let lastRequery = Date.now();
    return {
      changed: () => {
        this.#touch(runId);
        this.#ensureListening();
        const now = Date.now();
        if (!this.listening || epoch !== this.#epoch || now - lastRequery >= this.#safetyPollMs) {
          epoch = this.#epoch;
          lastRequery = now;
          return Promise.resolve(true);
        }
        return Promise.resolve(false);
      },
    };
  }

  /** The change probe of one all-runs watcher (any run's notification wakes it; see `subscribeToAllRuns`). */
  probeAll(): RunChangeProbe {
    return this.probe(ALL_RUNS_KEY);
  }

  #touch(runId: string): void {
    this.#watched.set(runId, Date.now());
  }

  #ensureListening(): void {
    if (this.#closed || this.#starting || Date.now() - this.#lastStartFailure < START_RETRY_MS) return;
    if (!this.#listener) {
      const listener = this.#createListener();
      listener.subscribe(
        (runId) => notifyRunWritten(this.#identity, runId),
        () => this.#startedListening(),
      );
      this.#listener = listener;
    }
    this.#starting = this.#listener.start().then(
      () => this.#startedListening(),
      (error: unknown) => {
        // Watchers keep polling meanwhile; the next poll after START_RETRY_MS tries again.
        this.#starting = undefined;
        this.#lastStartFailure = Date.now();
        if (!this.#closed) this.#onError(error);
      },
    );
  }

  /** LISTEN is (again) in place: what was sent before is unknown, so every watched run re-queries. */
  #startedListening(): void {
    if (this.#closed) return;
    this.#epoch++;
    const now = Date.now();
    for (const [runId, seen] of [...this.#watched]) {
      if (now - seen > WATCHED_TTL_MS) this.#watched.delete(runId);
      else notifyRunWritten(this.#identity, runId);
    }
  }

  /** Closes the listener. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watched.clear();
    await this.#listener?.close();
  }
}
