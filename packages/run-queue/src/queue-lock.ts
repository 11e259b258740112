/**
 * Mutual exclusion between daemon processes that share one database. Dagster runs one queue daemon and trusts it
 * to be alone; here every iteration that reads limits and claims runs does so holding a lock that every process
 * on the same database respects:
 *
 * - Postgres: a session advisory lock (`pg_advisory_lock`) on a connection of the lock's own. A process that dies
 *   loses its session and with it the lock, so a killed daemon never blocks the others.
 * - SQLite on disk: a write transaction (`BEGIN IMMEDIATE`) on a small lock database beside the instance's files;
 *   the operating system drops it with the process.
 * - Otherwise (in-memory instances): a lock inside this process.
 *
 * The lock only orders the critical sections; what they write goes through the instance as usual, and is
 * committed before the lock is released.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { loadBetterSqlite3 } from './drivers';
import { DedicatedPgConnection } from './pg-connection';
import { PostgresRunClaimer } from './postgres-claim';

/** A named lock shared by every process on one database. */
export interface QueueLock {
  /** Runs `fn` while holding the lock `name`; waits for it (polling, never blocking the event loop). */
  withLock<T>(name: string, fn: () => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
  /** Closes the lock's connection, if any. Safe to call twice. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Serializes callers inside this process, per name. */
export class InProcessQueueLock implements QueueLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((done) => (release = done));
    const tail = previous.then(() => mine);
    this.#tails.set(name, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    }
  }

  async close(): Promise<void> {}
}

/** The advisory lock key of a name: the first 8 bytes of its SHA-1, as a signed 64-bit integer. */
export function advisoryLockKey(name: string): string {
  return createHash('sha1').update(`inst:${name}`).digest().readBigInt64BE(0).toString();
}

/** How long one wait for an advisory lock lasts before the abort signal is looked at (ms). */
const LOCK_WAIT_MS = 500;
/** Postgres's `lock_not_available`: a lock wait ended by `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Postgres session advisory locks on one dedicated connection. */
export class PostgresQueueLock implements QueueLock {
  readonly #connection: DedicatedPgConnection;
  readonly #local = new InProcessQueueLock();
  #closed = false;

  constructor(url: string) {
    this.#connection = new DedicatedPgConnection(url, 'inst-run-queue-lock', `SET lock_timeout = ${LOCK_WAIT_MS}`);
  }

  async withLock<T>(name: string, fn: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    if (this.#closed) throw new Error('PostgresQueueLock is closed');
    // One session holds a lock once; callers of this process take turns on it first.
    return this.#local.withLock(name, async () => {
      const client = await this.#connection.get();
      const key = advisoryLockKey(name);
      // Wait in Postgres's lock queue, which grants in arrival order: daemons take turns instead of the one that
      // just unlocked winning again. The wait is cut every LOCK_WAIT_MS (lock_timeout, 55P03) so that an abort
      // (daemon shutdown) is noticed while waiting.
      for (;;) {
        try {
          await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
          if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
        }
      }
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#connection.close();
  }
}

/**
 * Ends the lock's transaction. A COMMIT that finds the file busy is tried again: a failed COMMIT leaves the
 * transaction open, which would hold the lock from every other process for good.
 */
async function release(db: Database.Database): Promise<void> {
  for (let wait = 1; db.inTransaction; wait = Math.min(wait * 2, 50)) {
    try {
      db.exec('COMMIT');
    } catch (error) {
      if (!String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) throw error;
      await sleep(wait);
    }
  }
}

/** Write transactions on a lock database file, one per name (a table row is not needed: the transaction is the lock). */
export class SqliteFileQueueLock implements QueueLock {
  readonly #directory: string;
  readonly #local = new InProcessQueueLock();
  readonly #databases = new Map<string, Database.Database>();

  /** `directory` holds one `run-queue-<name>.lock.db` per lock name. */
  constructor(directory: string) {
    this.#directory = directory;
  }

  async #database(name: string): Promise<Database.Database> {
    let db = this.#databases.get(name);
    if (!db) {
      const BetterSqlite3 = await loadBetterSqlite3();
      mkdirSync(this.#directory, { recursive: true });
      db = new BetterSqlite3(join(this.#directory, `.inst-${name.replace(/[^a-zA-Z0-9_-]/g, '_')}.lock.db`));
      // Never wait inside SQLite (that would block the event loop): poll instead.
      db.pragma('busy_timeout = 0');
      this.#databases.set(name, db);
    }
    return db;
  }

  async withLock<T>(name: string, fn: () => Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
    return this.#local.withLock(name, async () => {
      const db = await this.#database(name);
      // Still in the transaction of a COMMIT that failed: the lock is already held.
      for (let wait = 1; !db.inTransaction; wait = Math.min(wait * 2, 50)) {
        try {
          db.exec('BEGIN IMMEDIATE');
          break;
        } catch (error) {
          if (!String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) throw error;
          if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
          await sleep(wait);
        }
      }
      try {
        return await fn();
      } finally {
        await release(db);
      }
    });
  }

  async close(): Promise<void> {
    for (const db of this.#databases.values()) db.close();
    this.#databases.clear();
  }
}

/** What {@link queueLockFor} reads of an instance to find its database. */
export interface LockableInstance {
  readonly isEphemeral?: boolean;
  readonly settings?: { readonly storageConfig?: unknown };
  getRef?(): { readonly home: string };
}

const locks = new WeakMap<object, QueueLock>();
const claimers = new WeakMap<object, PostgresRunClaimer>();

/** The Postgres database of the instance's run storage, if it has one. */
function postgresRunStorageUrl(instance: LockableInstance): string | undefined {
  if (instance.isEphemeral) return undefined;
  const storage = instance.settings?.storageConfig as { kind?: string; url?: string; sqliteStorages?: { runStorage?: unknown } } | undefined;
  if (storage?.kind !== 'postgres' || !storage.url || storage.sqliteStorages?.runStorage !== undefined) return undefined;
  return storage.url;
}

/**
 * The set-based claimer of the instance's Postgres run storage (made once per instance, closed by
 * {@link closeQueueLock}); undefined for other storages.
 */
export function runClaimerFor(instance: LockableInstance): PostgresRunClaimer | undefined {
  let claimer = claimers.get(instance);
  if (!claimer) {
    const url = postgresRunStorageUrl(instance);
    if (url === undefined) return undefined;
    claimer = new PostgresRunClaimer(url);
    claimers.set(instance, claimer);
  }
  return claimer;
}

/**
 * The lock every process on the instance's database shares, made once per instance: Postgres storage → advisory
 * locks; SQLite storage in a home → a lock file under `<home>/history`; an in-memory instance → a lock in this
 * process. Close it with {@link closeQueueLock} when the instance is disposed.
 */
export function queueLockFor(instance: LockableInstance): QueueLock {
  let lock = locks.get(instance);
  if (!lock) {
    lock = makeLock(instance);
    locks.set(instance, lock);
  }
  return lock;
}

/** Closes and forgets the lock {@link queueLockFor} and the claimer {@link runClaimerFor} made for the instance. */
export async function closeQueueLock(instance: object): Promise<void> {
  const lock = locks.get(instance);
  const claimer = claimers.get(instance);
  locks.delete(instance);
  claimers.delete(instance);
  await lock?.close();
  await claimer?.close();
}

function makeLock(instance: LockableInstance): QueueLock {
  if (instance.isEphemeral) return new InProcessQueueLock();
  const storage = instance.settings?.storageConfig as { kind?: string; url?: string; baseDir?: string } | undefined;
  if (storage?.kind === 'postgres' && storage.url) return new PostgresQueueLock(storage.url);
  let home: string | undefined;
  try {
    home = instance.getRef?.().home;
  } catch {
    home = undefined;
  }
  if (!home) return new InProcessQueueLock();
  if (storage?.kind === 'sqlite' && storage.baseDir) return new SqliteFileQueueLock(join(resolve(home, storage.baseDir), 'history'));
  if (storage?.kind === 'default' || storage?.kind === 'legacy' || storage === undefined) return new SqliteFileQueueLock(join(home, 'history'));
  return new SqliteFileQueueLock(join(dirname(join(home, 'x')), 'history'));
}
