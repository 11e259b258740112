import pg from 'pg';
import type { ClientConfig, Notification } from 'pg';
import { DisposedError } from '@inst/errors';
import { wrapPgError } from './errors.js';
import { parseRunEventPayload, RUN_EVENTS_CHANNEL } from './notify.js';

/** Options of {@link PgListener}. */
export interface PgListenerOptions {
  /** Channel to LISTEN on. Default `run_events` ({@link RUN_EVENTS_CHANNEL}). */
  readonly channel?: string;
  /** First reconnect delay; doubled per failed attempt, with jitter. Default 50 ms. */
  readonly minBackoffMs?: number;
  /** Longest reconnect delay. Default 1000 ms: a watcher should not stay deaf for long. */
  readonly maxBackoffMs?: number;
  /** Connection losses, failed reconnects and exceptions thrown by subscribers. */
  readonly onError?: (error: unknown) => void;
}

/** Called for each `<run_id>_<storage_id>` notification. */
export type RunEventHandler = (runId: string, storageId: number) => void;

interface Subscriber {
  readonly onEvent: RunEventHandler;
  readonly onReconnect: (() => void) | undefined;
}

const noop = (): void => {};

/**
 * `LISTEN run_events` on a dedicated connection (LISTEN needs one session for its lifetime, so
 * not a pooled one). pg does not reconnect by itself: when the connection drops (server restart,
 * `pg_terminate_backend`, network) this reconnects with capped, jittered exponential back-off,
 * LISTENs again, and calls every subscriber's `onReconnect` — notifications sent meanwhile are
 * lost, so a watcher must re-query from its cursor. A notification is only ever a hint.
 */
export class PgListener implements AsyncDisposable {
  /** The channel LISTENed on. */
  readonly channel: string;
  readonly #config: ClientConfig;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #subscribers = new Set<Subscriber>();
  /** The connection that is LISTENing now. */
  #client: pg.Client | null = null;
  /** A connection being opened (so close() can abort it). */
  #connecting: pg.Client | null = null;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #reconnects = 0;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** A listener for the database of `connection` (see {@link PgDriver.createListener}); call {@link PgListener.start}. */
  constructor(connection: ClientConfig, options: PgListenerOptions = {}) {
    // Named apart from the pool's connections (unless an application_name is configured) to be told apart in pg_stat_activity.
    this.#config = { ...connection, fallback_application_name: 'inst-listener', keepAlive: true };
    this.channel = options.channel ?? RUN_EVENTS_CHANNEL;
    this.#minBackoffMs = Math.max(1, options.minBackoffMs ?? 50);
    this.#maxBackoffMs = Math.max(this.#minBackoffMs, options.maxBackoffMs ?? 1000);
    const onError = options.onError;
    this.#onError = (error) => {
      try {
        onError?.(error);
      } catch {
        // An error reporter that throws must not break the listener.
      }
    };
  }

  /** Whether the connection is up and LISTENing now. */
  get listening(): boolean {
    return this.#client !== null;
  }

  /** How many times the connection was re-established after a loss. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /**
   * Connects and LISTENs; resolves once notifications are being received. Rejects (and may be
   * called again) when the first connection fails; losses after that are handled by reconnecting.
   */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new DisposedError('Postgres listener'));
    this.#starting ??= this.#open().catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  /**
   * Calls `onEvent(runId, storageId)` for every notification, and `onReconnect()` after each
   * reconnect. Returns the function that unsubscribes.
   */
  subscribe(onEvent: RunEventHandler, onReconnect?: () => void): () => void {
    const subscriber: Subscriber = { onEvent, onReconnect };
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  async #open(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => this.#dispatch(client, message));
    this.#connecting = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch (error) {
      client.on('error', noop);
      void client.end().catch(noop);
      throw this.#closing ? new DisposedError('Postgres listener') : wrapPgError(error, `LISTEN ${this.channel}`);
    } finally {
      this.#connecting = null;
    }
    if (this.#closing) {
      client.on('error', noop);
      await client.end().catch(noop);
      throw new DisposedError('Postgres listener');
    }
    this.#client = client;
  }

  #dispatch(client: pg.Client, message: Notification): void {
    if (client !== this.#client || message.channel !== this.channel) return;
    const event = parseRunEventPayload(message.payload ?? '');
    if (!event) return;
    for (const subscriber of [...this.#subscribers]) {
      try {
        subscriber.onEvent(event.runId, event.storageId);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** The LISTENing connection failed or ended: drop it and reconnect (once per connection). */
  #lost(client: pg.Client, error?: Error): void {
    if (client !== this.#client) return;
    this.#client = null;
    client.on('error', noop); // a dead client may still report errors while it shuts down
    void client.end().catch(noop);
    if (this.#closing) return;
    this.#onError(error ?? new Error(`Postgres listener: connection for LISTEN ${this.channel} ended`));
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const ceiling = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(this.#attempt, 20));
    this.#attempt++;
    // Full range jitter in [ceiling/2, ceiling]: processes that lost the server together do not reconnect in lockstep.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#reconnect();
    }, delay);
  }

  async #reconnect(): Promise<void> {
    try {
      await this.#open();
    } catch (error) {
      if (this.#closing) return;
      this.#onError(error);
      this.#scheduleReconnect();
      return;
    }
    this.#attempt = 0;
    this.#reconnects++;
    for (const subscriber of [...this.#subscribers]) {
      try {
        subscriber.onReconnect?.();
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Stops reconnecting and closes the connection. Safe to call twice. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const clients = [this.#client, this.#connecting].filter((c): c is pg.Client => c !== null);
    this.#client = null;
    this.#subscribers.clear();
    this.#closing = Promise.all(
      clients.map((client) => {
        client.on('error', noop);
        return client.end().catch(noop);
      }),
    ).then(noop);
    return this.#closing;
  }

  /** {@link PgListener.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
