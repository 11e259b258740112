import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { DisposedError, InstError, InvariantViolationError, StorageError } from '@inst/errors';
import { toSqlParams, type RunResult, type SqlDriver, type SqlExecutor, type TransactionOptions } from '@inst/storage-sql';
import { Mutex } from './mutex.js';

type Db = Database.Database;
type Statement = Database.Statement<unknown[], unknown>;

/** How long a connection waits for another process's lock before giving up (SQLite `busy_timeout`). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Pragmas every connection gets after `busy_timeout` and `journal_mode = WAL`: WAL's NORMAL
 * sync (durable across application crashes, fsync only at checkpoints) and foreign keys off, as
 * Dagster runs SQLite (it deletes dependent rows itself).
 */
export const SQLITE_PRAGMAS: readonly string[] = ['synchronous = NORMAL', 'foreign_keys = OFF'];

/**
 * How a write transaction starts: the write lock is taken at BEGIN (waiting up to the busy
 * timeout), so a transaction that reads and then writes never fails half-way with "database is
 * locked" as a deferred one can under WAL.
 */
export const SQLITE_BEGIN_WRITE = 'BEGIN IMMEDIATE';

/** How a read-only transaction starts: no lock until the first read, a stable snapshot after it. */
export const SQLITE_BEGIN_READ = 'BEGIN DEFERRED';

/** Options of {@link SqliteDriver.open}. */
export interface SqliteDriverOptions {
  /** SQLite `busy_timeout` in milliseconds. Default {@link SQLITE_BUSY_TIMEOUT_MS}. */
  readonly busyTimeoutMs?: number;
  /** Prepared statements kept per connection (least recently used dropped first). Default 256. */
  readonly statementCacheSize?: number;
  /** Called each time the connection is (re)opened — after {@link SqliteDriver.suspend}, on next use. */
  readonly onOpen?: (driver: SqliteDriver) => void;
}

/** True for SQLite's "database is busy/locked" errors (or a StorageError caused by one). */
export function isBusyError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const isMemoryPath = (path: string): boolean => path === ':memory:' || path === '';

// Statements run once (DDL, pragmas) are not worth a cache slot.
const UNCACHED = /^\s*(CREATE|DROP|ALTER|PRAGMA|ANALYZE|VACUUM|REINDEX)\b/i;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function wrapError(error: unknown, sql: string): unknown {
  if (InstError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const snippet = sql.length > 160 ? `${sql.slice(0, 160)}…` : sql;
  return new StorageError(`SQLite: ${message} [${snippet.replace(/\s+/g, ' ').trim()}]`, { cause: error });
}

/** Opens a connection with inst's settings; retries switching to WAL while another process holds the file. */
function openDatabase(path: string, busyTimeoutMs: number): Db {
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    if (!isMemoryPath(path)) {
      // journal_mode=WAL needs a moment of exclusive access to a new file; concurrent first opens
      // can report busy, so retry as Dagster's _initdb does.
      const deadline = Date.now() + busyTimeoutMs;
      for (;;) {
        try {
          if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal') break;
          if (String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase() === 'wal') break;
        } catch (error) {
          if (!isBusyError(error) || Date.now() > deadline) throw error;
        }
        sleepSync(20);
      }
    }
    for (const pragma of SQLITE_PRAGMAS) db.pragma(pragma);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** One better-sqlite3 connection with its statement cache; closed and reopened on demand. */
class Connection {
  #db: Db | null = null;
  readonly #cache = new Map<string, Statement>();
  closed = false;

  constructor(
    readonly path: string,
    private readonly busyTimeoutMs: number,
    private readonly cacheSize: number,
    private readonly onOpen: () => void,
  ) {}

  get isOpen(): boolean {
    return this.#db !== null;
  }

  get inMemory(): boolean {
    return isMemoryPath(this.path);
  }

  db(): Db {
    if (this.closed) throw new DisposedError('SQLite driver');
    if (this.#db) return this.#db;
    this.#db = openDatabase(this.path, this.busyTimeoutMs);
    this.onOpen();
    return this.#db;
  }

  inTransaction(): boolean {
    return this.#db?.inTransaction ?? false;
  }

  statement(sql: string): Statement {
    const db = this.db();
    const cached = this.#cache.get(sql);
    if (cached) {
      this.#cache.delete(sql);
      this.#cache.set(sql, cached);
      return cached;
    }
    const stmt = db.prepare<unknown[], unknown>(sql);
    if (!UNCACHED.test(sql)) {
      this.#cache.set(sql, stmt);
      if (this.#cache.size > this.cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
    }
    return stmt;
  }

  all<T>(sql: string, params: readonly unknown[] | undefined): T[] {
    try {
      const stmt = this.statement(sql);
      const args = toSqlParams(params, 'sqlite');
      if (!stmt.reader) {
        stmt.run(...args);
        return [];
      }
      return stmt.all(...args) as T[];
    } catch (error) {
      throw wrapError(error, sql);
    }
  }

  get<T>(sql: string, params: readonly unknown[] | undefined): T | undefined {
    try {
      const stmt = this.statement(sql);
      const args = toSqlParams(params, 'sqlite');
      if (!stmt.reader) {
        stmt.run(...args);
        return undefined;
      }
      return stmt.get(...args) as T | undefined;
    } catch (error) {
      throw wrapError(error, sql);
    }
  }

  run(sql: string, params: readonly unknown[] | undefined): RunResult {
    try {
      const stmt = this.statement(sql);
      const args = toSqlParams(params, 'sqlite');
      if (stmt.reader) {
        // INSERT … RETURNING: better-sqlite3 only lets readers be read.
        const rows = stmt.all(...args) as Record<string, unknown>[];
        const id = rows[0]?.id;
        return { changes: rows.length, ...(id === undefined || id === null ? {} : { lastInsertId: Number(id) }) };
      }
      const result = stmt.run(...args);
      return { changes: result.changes, lastInsertId: Number(result.lastInsertRowid) };
    } catch (error) {
      throw wrapError(error, sql);
    }
  }

  exec(sql: string): void {
    this.run(sql, undefined);
  }

  /** Whether {@link suspend} would close the handle now. */
  get suspendable(): boolean {
    return !this.closed && !this.inMemory && this.#db !== null && !this.#db.inTransaction;
  }

  /**
   * Closes the handle but stays usable: the next statement reopens it. In-memory databases never
   * suspend. The WAL stays as it is: closing the last connection to a WAL database would
   * checkpoint it (two fsyncs) and delete the WAL, so that the next write starts a new one (one
   * more fsync, of its header). A read-only connection opened for the moment keeps this close from
   * being the last one, and a read-only connection never checkpoints on its own close. Every
   * committed transaction is in the WAL either way; a later checkpoint (`wal_autocheckpoint`, or
   * a last close) moves it into the database file.
   */
  suspend(): boolean {
    if (!this.suspendable || this.#db === null) return false;
    this.#cache.clear();
    let keeper: Db | null = null;
    try {
      keeper = new Database(this.path, { readonly: true, fileMustExist: true, timeout: this.busyTimeoutMs });
      // A WAL reader keeps its shared lock on the file after a read (data_version: one that needs no schema),
      // which makes the close below not the last.
      keeper.pragma('data_version');
    } catch {
      // Then this close checkpoints, as any last close does.
      keeper?.close();
      keeper = null;
    }
    this.#db.close();
    this.#db = null;
    keeper?.close();
    return true;
  }

  close(): void {
    this.#cache.clear();
    this.#db?.close();
    this.#db = null;
    this.closed = true;
  }
}

/** A scope whose mutex the current async chain holds for an open transaction. */
interface HeldScope {
  readonly scope: Scope;
  open: boolean;
}

/** Lets a call detect that it would wait for a transaction its own caller holds (a deadlock). */
const heldScopes = new AsyncLocalStorage<readonly HeldScope[]>();

/**
 * The connection outside any transaction (depth 0), or one transaction / savepoint. Each scope
 * has a mutex: statements and nested transactions on it run one at a time, and while a
 * transaction is open on a scope, other callers of that scope wait for it to end.
 */
class Scope implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  readonly mutex = new Mutex();
  active = true;

  constructor(
    readonly conn: Connection,
    readonly depth: number,
  ) {}

  /** Throws instead of deadlocking when the caller holds this scope through a transaction. */
  assertNotHeld(): void {
    const held = heldScopes.getStore();
    if (held?.some((h) => h.open && h.scope === this)) {
      throw new InvariantViolationError(
        this.depth === 0
          ? 'Called the SQLite driver inside one of its own transactions (this would deadlock); use the transaction executor passed to the callback'
          : 'Called a transaction executor inside one of its own savepoints (this would deadlock); use the executor passed to the callback',
      );
    }
  }

  #check(): void {
    if (this.conn.closed) throw new DisposedError('SQLite driver');
    if (!this.active) throw new InvariantViolationError('This transaction has already ended; use it only inside its callback');
    this.assertNotHeld();
  }

  async #locked<T>(fn: () => T): Promise<T> {
    this.#check();
    await this.mutex.lock();
    try {
      this.#check();
      return fn();
    } finally {
      this.mutex.unlock();
    }
  }

  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#locked(() => this.conn.all<T>(sql, params));
  }

  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.#locked(() => this.conn.get<T>(sql, params));
  }

  run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    return this.#locked(() => this.conn.run(sql, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.#check();
    await this.mutex.lock();
    const savepoint = `inst_sp_${this.depth}`;
    const child = new Scope(this.conn, this.depth + 1);
    const held: HeldScope = { scope: this, open: true };
    try {
      this.#check();
      this.conn.exec(this.depth > 0 ? `SAVEPOINT ${savepoint}` : options.readOnly ? SQLITE_BEGIN_READ : SQLITE_BEGIN_WRITE);
    } catch (error) {
      this.mutex.unlock();
      throw error;
    }
    try {
      const result = await heldScopes.run([...(heldScopes.getStore() ?? []), held], () => fn(child));
      child.active = false;
      held.open = false;
      this.conn.exec(this.depth > 0 ? `RELEASE ${savepoint}` : 'COMMIT');
      return result;
    } catch (error) {
      child.active = false;
      held.open = false;
      this.#rollback(savepoint);
      throw error;
    } finally {
      this.mutex.unlock();
    }
  }

  #rollback(savepoint: string): void {
    // SQLite may have rolled back already (e.g. after SQLITE_FULL); then there is nothing to undo.
    if (!this.conn.isOpen || !this.conn.inTransaction()) return;
    try {
      if (this.depth > 0) {
        this.conn.exec(`ROLLBACK TO ${savepoint}`);
        this.conn.exec(`RELEASE ${savepoint}`);
      } else {
        this.conn.exec('ROLLBACK');
      }
    } catch {
      // The original error is the one worth reporting.
    }
  }
}

/**
 * inst's SQLite driver over better-sqlite3: WAL, a busy timeout, `synchronous=NORMAL`, foreign
 * keys off, write transactions with `BEGIN IMMEDIATE`, nested transactions as savepoints, a
 * statement cache, and an async mutex so the awaits inside a transaction never interleave with
 * other calls on the same connection. `:memory:` works through the same code.
 */
export class SqliteDriver implements SqlDriver, AsyncDisposable {
  /** Always `'sqlite'`. */
  readonly dialect = 'sqlite' as const;
  readonly #conn: Connection;
  readonly #root: Scope;

  private constructor(path: string, options: SqliteDriverOptions) {
    const cacheSize = Math.max(0, Math.trunc(options.statementCacheSize ?? 256));
    const onOpen = options.onOpen;
    this.#conn = new Connection(path, options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS, cacheSize, () => onOpen?.(this));
    this.#root = new Scope(this.#conn, 0);
  }

  /** Opens (creating when missing) the database file, or a private in-memory database for `:memory:`. */
  static async open(path: string, options: SqliteDriverOptions = {}): Promise<SqliteDriver> {
    const driver = new SqliteDriver(path, options);
    try {
      driver.#conn.db();
    } catch (error) {
      throw wrapError(error, `open ${path}`);
    }
    return driver;
  }

  /** The file path, or `:memory:`. */
  get path(): string {
    return this.#conn.path;
  }

  /** Whether this is a private in-memory database. */
  get inMemory(): boolean {
    return this.#conn.inMemory;
  }

  /** Whether a file handle is open now (false after {@link suspend} until the next statement, and after {@link close}). */
  get isOpen(): boolean {
    return this.#conn.isOpen;
  }

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.#conn.closed;
  }

  /** Every row of a query (waits while a transaction holds the connection). */
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#root.all<T>(sql, params);
  }

  /** The first row of a query, or `undefined`. */
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.#root.get<T>(sql, params);
  }

  /** A statement run for its effect, in autocommit mode. */
  run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    return this.#root.run(sql, params);
  }

  /**
   * One transaction: `BEGIN IMMEDIATE` (`BEGIN DEFERRED` when `readOnly`), committed when `fn`
   * resolves, rolled back when it throws. Use only `tx` inside `fn`; `tx.transaction` is a savepoint.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#root.transaction(fn, options);
  }

  /**
   * Releases the file handle if the connection is idle (no statement or transaction running),
   * keeping the driver usable: the next call reopens it. Used to cap open run shards.
   * Returns whether it closed the handle.
   */
  suspend(): boolean {
    if (!this.#root.mutex.tryLock()) return false;
    try {
      return this.#conn.suspend();
    } finally {
      this.#root.mutex.unlock();
    }
  }

  /** Waits for running work, then closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#conn.closed) return;
    this.#root.assertNotHeld();
    await this.#root.mutex.lock();
    try {
      this.#conn.close();
    } finally {
      this.#root.mutex.unlock();
    }
  }

  /** {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
