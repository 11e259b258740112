import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { ClientConfig, PoolClient, QueryResult } from 'pg';
import { DisposedError, InvalidArgumentError, InvariantViolationError, StorageError } from '@inst/errors';
import {
  StorageUnavailableError,
  toPostgresPlaceholders,
  toSqlParams,
  WriteOutcomeUnknownError,
  type RunResult,
  type SqlDriver,
  type SqlExecutor,
  type TransactionOptions,
} from '@inst/storage-sql';
import { pgConfigFrom, type PgConnection } from './config.js';
import { isConnectFailure, isConnectionLoss, wrapPgError } from './errors.js';
import { PgListener, type PgListenerOptions } from './listener.js';
import { PG_SESSION_SETUP_SQL, PG_TYPE_PARSERS } from './types.js';

/** Connections in the pool when not configured: pg's own default, and plenty for one instance. */
export const DEFAULT_PG_POOL_SIZE = 10;

/** Options of {@link PgDriver}. */
export interface PgDriverOptions {
  /** Most connections open at once, shared by every storage of the instance. Default {@link DEFAULT_PG_POOL_SIZE}. */
  readonly poolSize?: number;
  /** An idle connection is closed after this long. Default 10 000 ms. */
  readonly idleTimeoutMs?: number;
  /**
   * How long a statement waits for a connection (a new one, or a free one when the pool is
   * exhausted) before failing with a StorageError instead of hanging. Default 30 000 ms.
   */
  readonly connectionTimeoutMs?: number;
  /**
   * How long a statement keeps trying to get a connection while connecting fails for a reason that
   * passes (refused, the server starting up or shutting down, no free connection slot, a timeout),
   * with capped exponential back-off, before failing with a StorageUnavailableError. Nothing has
   * been sent then, so reads and writes alike are retried. Default 15 000 ms; 0 fails at once.
   */
  readonly connectRetryMs?: number;
  /** `application_name` shown in `pg_stat_activity`; otherwise the URL's, `PGAPPNAME`, or `inst`. */
  readonly applicationName?: string;
  /** Errors of idle pooled connections (server restart, terminated backend); the pool drops those connections itself. */
  readonly onError?: (error: Error) => void;
}

type Row = Record<string, unknown>;

/**
 * A connection checked out of the pool. pg-pool only listens for a client's 'error' events while
 * it is idle; one checked out and between statements would crash the process on a dropped
 * connection, so a session listens itself and, if that happened, has pg-pool destroy the client
 * instead of reusing it.
 */
class Session {
  #broken: Error | undefined;
  #released = false;
  readonly #onError = (error: Error): void => {
    this.#broken ??= error;
  };

  constructor(readonly client: PoolClient) {
    client.on('error', this.#onError);
  }

  async query(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    try {
      const values = toSqlParams(params, 'postgres');
      const result = await this.client.query<Row>(values.length >= PREPARE_MIN_PARAMS && PREPARABLE.test(sql) ? preparedQuery(sql, values) : { text: toPostgresPlaceholders(sql), values });
      // A parameterless text with several statements runs as one simple query: the last result counts.
      return Array.isArray(result) ? (result.at(-1) as QueryResult<Row>) : result;
    } catch (error) {
      // pg-pool also checks the client itself; this makes sure a dropped connection is never reused.
      if (isConnectionLoss(error)) this.#broken ??= error instanceof Error ? error : new Error(String(error));
      throw wrapPgError(error, sql);
    }
  }

  /** Runs ROLLBACK / ROLLBACK TO; if even that fails the connection's state is unknown, so it is not reused. */
  async rollback(sql: string): Promise<void> {
    try {
      await this.query(sql);
    } catch (error) {
      this.#broken ??= error instanceof Error ? error : new Error(String(error));
    }
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.client.removeListener('error', this.#onError);
    this.client.release(this.#broken);
  }
}

/**
 * Statements that only read, so running one again after its connection was lost is safe: they
 * start with SELECT / WITH / SHOW / VALUES / TABLE and name nothing that writes, locks, or
 * notifies.
 */
const READ_START = /^\s*(?:SELECT|WITH|SHOW|VALUES|TABLE)\b/i;
const NOT_A_READ = /\b(?:INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP|nextval|setval|pg_notify|pg_advisory\w*|pg_terminate_backend|pg_cancel_backend)\b|\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b|\bINTO\b/i;

/** Whether `sql` is a plain read (see {@link READ_START}). */
export function isRetryableRead(sql: string): boolean {
  return READ_START.test(sql) && !NOT_A_READ.test(sql);
}

function toRunResult(result: QueryResult<Row>): RunResult {
  const id = result.rows[0]?.id;
  const changes = result.rowCount ?? 0;
  return id === undefined || id === null ? { changes } : { changes, lastInsertId: Number(id) };
}

/**
 * INSERTs with at least this many parameters (the multi-row INSERTs of event batches) are named prepared
 * statements: each pooled connection parses and plans one once, then only binds it — for a 500-row INSERT that is
 * most of the server's work. (PgBouncer in transaction mode keeps them from 1.21 on, with `max_prepared_statements`.)
 */
export const PREPARE_MIN_PARAMS = 500;

/**
 * Only INSERTs are prepared: their result columns are spelt out (`RETURNING id, run_id`), so a migration that
 * adds a column cannot make a cached plan fail with "cached plan must not change result type", as `SELECT *` could.
 */
const PREPARABLE = /^(?![\s\S]*RETURNING\s+\*)[\s\S]*\bINSERT\s+INTO\b/i;

/** Name and `$n` text of each big statement, by its `?` text (few shapes: one per batch size in use). */
const preparedStatements = new Map<string, { readonly name: string; readonly text: string }>();
const PREPARED_CACHE_SIZE = 64;

function preparedQuery(sql: string, values: unknown[]): { name: string; text: string; values: unknown[] } {
  let statement = preparedStatements.get(sql);
  if (!statement) {
    const text = toPostgresPlaceholders(sql);
    statement = { name: `inst_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text };
    if (preparedStatements.size >= PREPARED_CACHE_SIZE) preparedStatements.delete(preparedStatements.keys().next().value!);
    preparedStatements.set(sql, statement);
  }
  return { name: statement.name, text: statement.text, values };
}

/** One-at-a-time access to a transaction scope (statements and savepoints on one connection). */
class Lock {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  async acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}

/** Scopes whose lock the current async chain holds through an open savepoint. */
const heldScopes = new AsyncLocalStorage<readonly PgTransaction[]>();

/**
 * The executor of one transaction (depth 1) or savepoint (depth > 1), all on the session's one
 * connection. Statements and savepoints on a scope run one at a time, and while a savepoint is
 * open its parent scope waits — otherwise a parent statement would land inside the savepoint.
 */
class PgTransaction implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  readonly #lock = new Lock();
  active = true;

  constructor(
    private readonly session: Session,
    private readonly depth: number,
  ) {}

  #check(): void {
    if (!this.active) throw new InvariantViolationError('This transaction has already ended; use it only inside its callback');
    if (heldScopes.getStore()?.includes(this)) {
      throw new InvariantViolationError(
        'Called a transaction executor inside one of its own savepoints (this would deadlock); use the executor passed to the callback',
      );
    }
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    this.#check();
    await this.#lock.acquire();
    try {
      this.#check();
      return await fn();
    } finally {
      this.#lock.release();
    }
  }

  async all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#locked(async () => (await this.session.query(sql, params)).rows as T[]);
  }

  async get<T = Row>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.#locked(async () => (await this.session.query(sql, params)).rows[0] as T | undefined);
  }

  async run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    return this.#locked(async () => toRunResult(await this.session.query(sql, params)));
  }

  /** A savepoint: undone alone on failure, the surrounding transaction survives. `readOnly` is the outer transaction's. */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, _options?: TransactionOptions): Promise<T> {
    return this.#locked(async () => {
      const name = `inst_sp_${this.depth}`;
      await this.session.query(`SAVEPOINT ${name}`);
      const child = new PgTransaction(this.session, this.depth + 1);
      try {
        const result = await heldScopes.run([...(heldScopes.getStore() ?? []), this], () => fn(child));
        child.active = false;
        await this.session.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        child.active = false;
        await this.session.rollback(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`);
        throw error;
      }
    });
  }
}

/**
 * inst's Postgres driver: one `pg.Pool` per instance, shared by its run, event-log and schedule
 * storages. SQL uses `?` placeholders (rewritten to `$n`, cached); every connection runs in UTC
 * so naive timestamps are written and read as UTC whatever the server's TimeZone; int8/numeric
 * come back as numbers, timestamps as Dagster's naive-UTC text, bytea as Buffer; errors are
 * StorageErrors with pg's error as `cause`.
 *
 * Statements outside a transaction each borrow a pooled connection; {@link PgDriver.transaction}
 * holds one connection from `BEGIN` to `COMMIT`/`ROLLBACK`, and nests as savepoints.
 */
export class PgDriver implements SqlDriver, AsyncDisposable {
  /** Always `'postgres'`. */
  readonly dialect = 'postgres' as const;
  /** The pool; for what the driver contract does not cover (COPY, pool statistics). */
  readonly pool: pg.Pool;
  /** The connection settings without pool options, e.g. for a {@link PgListener} on the same database. */
  readonly connectionConfig: ClientConfig;
  readonly #connectRetryMs: number;
  #closing: Promise<void> | undefined;

  /** A driver over a new pool; `connection` is a pg client config (e.g. from `pgConfigFromUrl`). Connects lazily. */
  constructor(connection: ClientConfig, options: PgDriverOptions = {}) {
    const poolSize = options.poolSize ?? DEFAULT_PG_POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new InvalidArgumentError(`poolSize must be a positive integer, got ${poolSize}`);
    this.#connectRetryMs = Math.max(0, options.connectRetryMs ?? 15_000);
    this.connectionConfig = {
      fallback_application_name: 'inst',
      ...connection,
      ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
    };
    this.pool = new pg.Pool({
      ...this.connectionConfig,
      max: poolSize,
      idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 30_000,
      // Idle connections do not keep a CLI process alive after it forgot to close the instance.
      allowExitOnIdle: true,
      keepAlive: true,
      types: PG_TYPE_PARSERS,
      // Awaited by pg-pool before the connection is handed out; a failure fails that checkout.
      onConnect: async (client) => {
        await client.query(PG_SESSION_SETUP_SQL);
      },
    });
    // Without a listener an idle connection's error (server restart, pg_terminate_backend) would crash the process.
    const onError = options.onError;
    this.pool.on('error', (error) => onError?.(error));
  }

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * A pooled connection. A connect that fails for a passing reason (see {@link isConnectFailure}) is
   * tried again with capped, jittered back-off for up to `connectRetryMs`; nothing was sent yet, so
   * this is safe for writes too.
   */
  async #checkout(): Promise<Session> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      if (this.#closing) throw new DisposedError('Postgres driver');
      try {
        return new Session(await this.pool.connect());
      } catch (error) {
        const triedFor = Date.now() - started;
        if (this.#closing) throw new DisposedError('Postgres driver', { cause: error });
        if (!isConnectFailure(error)) throw wrapPgError(error, '(connecting)');
        if (triedFor >= this.#connectRetryMs) {
          const message = error instanceof Error ? error.message : String(error);
          throw new StorageUnavailableError(`Postgres: could not connect for ${triedFor} ms: ${message}`, triedFor, { cause: error });
        }
        const ceiling = Math.min(1000, 25 * 2 ** Math.min(attempt, 10));
        const delay = Math.min(ceiling / 2 + Math.random() * (ceiling / 2), this.#connectRetryMs - triedFor);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * How many times a statement that found its connection lost is tried: every pooled connection
   * may have been dropped at once (a server restart), and each failed try discards one.
   */
  get #maxAttempts(): number {
    return (this.pool.options.max ?? DEFAULT_PG_POOL_SIZE) + 1;
  }

  /**
   * Runs `fn` on a pooled connection. With `retryOnConnectionLoss` (plain reads only) a failure
   * because the connection was lost — terminated by the server while it sat in the pool, say — is
   * retried on another connection (the lost one is discarded).
   */
  async #withSession<T>(fn: (session: Session) => Promise<T>, retryOnConnectionLoss = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.#checkout();
      try {
        return await fn(session);
      } catch (error) {
        if (!retryOnConnectionLoss || attempt >= this.#maxAttempts || this.#closing || !isConnectionLoss(error)) throw error;
      } finally {
        session.release();
      }
    }
  }

  /**
   * Every row of a query, on a pooled connection. A plain read (SELECT without anything that
   * writes or locks) whose connection turns out to be lost is run again on another one.
   */
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#statement(sql, params, (result) => result.rows as T[]);
  }

  /** The first row of a query, or `undefined`; retried as {@link PgDriver.all} is. */
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.#statement(sql, params, (result) => result.rows[0] as T | undefined);
  }

  /**
   * One statement in autocommit: a plain read is retried on another connection when its own was lost;
   * anything else (a write, `INSERT … RETURNING` included) lost after it was sent is a
   * WriteOutcomeUnknownError, never repeated.
   */
  #statement<T>(sql: string, params: readonly unknown[] | undefined, pick: (result: QueryResult<Row>) => T): Promise<T> {
    const read = isRetryableRead(sql);
    return this.#withSession(async (s) => {
      try {
        return pick(await s.query(sql, params));
      } catch (error) {
        if (!read && isConnectionLoss(error)) throw outcomeUnknown(error, sql);
        throw error;
      }
    }, read);
  }

  /**
   * A statement for its effect: rows affected, and the `id` of the first returned row (`INSERT … RETURNING id`).
   * A plain read is retried as {@link PgDriver.all} is. Anything else whose connection is lost after
   * it was sent may or may not have been applied: it fails with a WriteOutcomeUnknownError and is
   * never repeated.
   */
  run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    return this.#statement(sql, params, toRunResult);
  }

  /**
   * `BEGIN` (`BEGIN READ ONLY` for `readOnly`) … `COMMIT` on one pooled connection; `ROLLBACK` when
   * `fn` throws. When the `BEGIN` itself finds the connection lost (nothing has run yet), the
   * transaction starts again on another connection.
   */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const session = await this.#checkout();
      try {
        await session.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      } catch (error) {
        session.release();
        if (attempt >= this.#maxAttempts || this.#closing || !isConnectionLoss(error)) throw error;
        continue;
      }
      try {
        return await this.#inTransaction(session, fn);
      } catch (error) {
        // Lost before COMMIT was sent: the server rolled the transaction back, so nothing of it
        // was applied and it is run again (fn must act only through its executor). A loss during
        // COMMIT is a WriteOutcomeUnknownError, never retried.
        if (!(error instanceof LostBeforeCommit)) throw error;
        if (this.#closing || attempt >= this.#maxAttempts + 5 || Date.now() - started > this.#connectRetryMs) throw error.cause;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2)));
      } finally {
        session.release();
      }
    }
  }

  async #inTransaction<T>(session: Session, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const tx = new PgTransaction(session, 1);
    try {
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        if (isConnectionLoss(error)) throw new LostBeforeCommit(error);
        throw error;
      }
      tx.active = false;
      let commit: QueryResult<Row>;
      try {
        commit = await session.query('COMMIT');
      } catch (error) {
        if (isConnectionLoss(error)) throw outcomeUnknown(error, 'COMMIT');
        throw error;
      }
      // COMMIT of a transaction an earlier (swallowed) error aborted rolls back and says so.
      if (commit.command === 'ROLLBACK') {
        throw new StorageError('Postgres: the transaction was aborted by an earlier error and has been rolled back');
      }
      return result;
    } catch (error) {
      tx.active = false;
      await session.rollback('ROLLBACK');
      throw error;
    }
  }

  /** A {@link PgListener} on this driver's database (a dedicated connection, outside the pool); call `start()` on it. */
  createListener(options?: PgListenerOptions): PgListener {
    return new PgListener(this.connectionConfig, options);
  }

  /** Ends the pool once running transactions have released their connections. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.pool.end();
    return this.#closing;
  }

  /** {@link PgDriver.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A transaction whose connection was lost before its COMMIT was sent (so it was rolled back). */
class LostBeforeCommit extends Error {
  constructor(override readonly cause: unknown) {
    super('connection lost before COMMIT');
  }
}

function outcomeUnknown(error: unknown, sql: string): WriteOutcomeUnknownError {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  const message = error instanceof Error ? error.message : String(error);
  return new WriteOutcomeUnknownError(
    `Postgres: the connection was lost after this write was sent, so it may or may not have been applied; it was not repeated (${message}) [${oneLine.length > 160 ? `${oneLine.slice(0, 160)}…` : oneLine}]`,
    { cause: error },
  );
}

/**
 * A {@link PgDriver} for a `postgres_url` (`{ url }`) or the `postgres_db` fields. The pool
 * connects lazily: a wrong host or password surfaces on the first statement.
 */
export function createPgDriver(connection: PgConnection, options?: PgDriverOptions): PgDriver {
  return new PgDriver(pgConfigFrom(connection), options);
}
