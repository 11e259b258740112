/**
 * Wake-up on change for the queue daemon: a queued run should not wait for the next `dequeue_interval_seconds`.
 * {@link waitForQueueChange} resolves as soon as a run is enqueued by this process (the QueuedRunCoordinator tells
 * its listeners), or another process wrote an event that can change what the queue may launch (an enqueue, or a
 * run ending and freeing a slot), or the timeout passes. Across processes it watches the event log: on Postgres a
 * `LISTEN run_events` (every stored event is announced there, by inst and by Python Dagster) triggers a look; on
 * SQLite a cheap look at the newest such event id every `pollMs`.
 */
import { onRunEnqueued } from '@inst/run-launcher';
import { DagsterEventType } from '@inst/types';
import type pg from 'pg';
import { loadPg } from './drivers';
import type { RunQueueEventLogStorage } from './ops';
import type { LockableInstance } from './queue-lock';

/** Events after which the queue may have new work. */
export const QUEUE_WAKE_EVENT_TYPES: readonly DagsterEventType[] = [
  DagsterEventType.RUN_ENQUEUED,
  DagsterEventType.RUN_SUCCESS,
  DagsterEventType.RUN_FAILURE,
  DagsterEventType.RUN_CANCELED,
];

/** What the waker reads of an instance. */
export interface WakeableInstance extends LockableInstance {
  readonly eventLogStorage: Pick<RunQueueEventLogStorage, 'getLogsForAllRunsByLogId' | 'getMaximumRecordId'>;
}

/** A long-lived watcher of one instance; make one per daemon and close it on shutdown. */
export class QueueWaker {
  readonly #instance: WakeableInstance;
  readonly #pollMs: number;
  #lastSeen: number | undefined;
  #client: pg.Client | undefined;
  #listening: Promise<void> | undefined;
  #pending = false;
  readonly #waiters = new Set<() => void>();
  readonly #unsubscribe: () => void;

  constructor(instance: WakeableInstance, options: { pollMs?: number } = {}) {
    this.#instance = instance;
    this.#pollMs = options.pollMs ?? 100;
    this.#unsubscribe = onRunEnqueued(() => this.#wake());
    const storage = instance.settings?.storageConfig as { kind?: string; url?: string } | undefined;
    if (storage?.kind === 'postgres' && storage.url) this.#listening = this.#listen(storage.url).catch(() => undefined);
  }

  async #listen(url: string): Promise<void> {
    const { Client } = await loadPg();
    const client = new Client({ connectionString: url, application_name: 'inst-run-queue-wake' });
    client.on('error', () => {
      if (this.#client === client) this.#client = undefined;
    });
    await client.connect();
    client.on('notification', () => void this.#check());
    await client.query('LISTEN run_events');
    this.#client = client;
  }

  #wake(): void {
    this.#pending = true;
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Whether an event of {@link QUEUE_WAKE_EVENT_TYPES} was stored since the last look. */
  async #check(): Promise<boolean> {
    const storage = this.#instance.eventLogStorage;
    if (this.#lastSeen === undefined) {
      this.#lastSeen = (await storage.getMaximumRecordId()) ?? 0;
      return false;
    }
    const found = await storage.getLogsForAllRunsByLogId(this.#lastSeen, QUEUE_WAKE_EVENT_TYPES, 1000);
    if (found.size === 0) return false;
    this.#lastSeen = Math.max(this.#lastSeen, ...found.keys());
    this.#wake();
    return true;
  }

  /** Resolves `true` on a change (possibly one that happened since the last call), `false` after `timeoutMs`. */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    await this.#listening;
    if (this.#lastSeen === undefined) await this.#check();
    if (this.#pending) {
      this.#pending = false;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      let poll: ReturnType<typeof setInterval> | undefined;
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        this.#waiters.delete(onWake);
        signal?.removeEventListener('abort', onAbort);
        if (changed) this.#pending = false;
        resolve(changed);
      };
      const onWake = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      this.#waiters.add(onWake);
      signal?.addEventListener('abort', onAbort, { once: true });
      // Without LISTEN (SQLite, or while reconnecting), look at the log on a short interval.
      if (!this.#client) poll = setInterval(() => void this.#check().catch(() => undefined), this.#pollMs);
    });
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    for (const waiter of [...this.#waiters]) waiter();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
