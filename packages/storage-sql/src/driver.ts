/**
 * The driver contract both backends implement. SQL is written once with `?` placeholders; the
 * Postgres driver rewrites them to `$1..$n` (`toPostgresPlaceholders` in placeholders.ts).
 */

/** The SQL dialects inst speaks. */
export type SqlDialect = 'sqlite' | 'postgres';

/** What a write statement did. */
export interface RunResult {
  /** Rows inserted, updated or deleted. */
  readonly changes: number;
  /**
   * Id of the inserted row: SQLite's `lastInsertRowid`; on Postgres the `id` of the first returned
   * row, so write `INSERT … RETURNING id` when you need it (SQLite ≥ 3.35 accepts that too).
   */
  readonly lastInsertId?: number;
}

/** Options of {@link SqlExecutor.transaction}. */
export interface TransactionOptions {
  /**
   * Only reads: SQLite opens it with `BEGIN DEFERRED` (no write lock taken), Postgres with
   * `BEGIN READ ONLY`. Default `false`: SQLite `BEGIN IMMEDIATE`, so the write lock is taken up
   * front and a read-then-write transaction can never fail with "database is locked".
   */
  readonly readOnly?: boolean;
}

/** Runs statements: a connection outside a transaction, or one transaction (or savepoint). */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** Every row of a query. */
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row of a query, or `undefined`. */
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** A statement run for its effect. */
  run(sql: string, params?: readonly unknown[]): Promise<RunResult>;
  /**
   * Runs `fn` in one transaction and commits when it resolves, rolls back when it throws.
   * Called on a transaction's executor, it opens a savepoint instead: the savepoint is undone
   * on failure and the surrounding transaction survives (see {@link tryRun}).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** A connection (or pool) owned by a storage. */
export interface SqlDriver extends SqlExecutor {
  /** Closes the connection; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Runs a statement that may hit a unique constraint (an insert racing another writer) under a
 * savepoint, so the surrounding transaction survives: `null` when the row already existed.
 */
export async function tryRun(executor: SqlExecutor, sql: string, params?: readonly unknown[]): Promise<RunResult | null> {
  try {
    return await executor.transaction((tx) => tx.run(sql, params));
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

/** Walks `cause` links, since drivers wrap their errors in a StorageError. */
function* causes(error: unknown): Generator<Record<string, unknown>> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

/**
 * True when the error (or one of its causes) is a unique or primary-key violation:
 * SQLite `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY`, Postgres SQLSTATE `23505`.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = e.code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') return true;
    // Some SQLite builds report the bare extended family; the message names the constraint.
    if (code === 'SQLITE_CONSTRAINT' && typeof e.message === 'string' && /UNIQUE constraint failed/.test(e.message)) return true;
  }
  return false;
}


/** A statement sent through a {@link recordingDriver}. */
export interface RecordedStatement {
  readonly text: string;
  readonly params: readonly unknown[];
}

/**
 * The driver, recording each SELECT it is sent (`all` / `get`, transactions excluded): to look at the
 * statements a storage builds, e.g. to EXPLAIN them in a test.
 */
export function recordingDriver(driver: SqlDriver): { driver: SqlDriver; selects: RecordedStatement[] } {
  const selects: RecordedStatement[] = [];
  const proxy = new Proxy(driver, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== 'all' && prop !== 'get') return value.bind(target);
      return (text: string, params?: readonly unknown[]) => {
        if (/^\s*SELECT/i.test(text)) selects.push({ text, params: params ?? [] });
        return (value as (t: string, p?: readonly unknown[]) => unknown).call(target, text, params);
      };
    },
  });
  return { driver: proxy, selects };
}
