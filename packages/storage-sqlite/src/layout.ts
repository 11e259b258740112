import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, DisposedError } from '@inst/errors';
import {
  EVENT_LOG_METADATA,
  hasTable,
  initializeSchema,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  StorageFileMissingError,
  upgradeSchema,
  type SchemaMetadata,
  type UpgradeOptions,
  type UpgradeResult,
} from '@inst/storage-sql';
import { SqliteDriver, type SqliteDriverOptions } from './driver.js';
import { processAlive } from './process-alive.js';
import { createShardFromTemplate } from './shard-template.js';

/** Dagster's run id for events outside any run; its shard is the file `history/runs/.db`. */
export const RUNLESS_RUN_ID = '';

/** The file name of the event-log index shard (`history/runs/index.db`). */
export const INDEX_SHARD_NAME = 'index';

/** Where Dagster keeps each SQLite file under an instance home (facts §2). */
export interface SqliteLayoutPaths {
  /** `<home>/history/runs.db`: the run storage. */
  readonly runs: string;
  /** `<home>/history/runs/`: the event-log shards. */
  readonly shardsDir: string;
  /** `<home>/history/runs/index.db`: the event-log index shard. */
  readonly index: string;
  /** `<home>/schedules/schedules.db`: the schedule storage. */
  readonly schedules: string;
  /** `<home>/history/runs/<runId>.db`: one run's event-log shard. */
  shard(runId: string): string;
}

function checkRunId(runId: string): void {
  if (typeof runId !== 'string' || /[/\\\0]/.test(runId) || runId === INDEX_SHARD_NAME) {
    throw new InvalidArgumentError(`Not a usable run id for an event-log shard: ${JSON.stringify(runId)}`);
  }
}

/** The Dagster file layout under an instance home. */
export function sqliteLayoutPaths(home: string): SqliteLayoutPaths {
  const root = resolve(home);
  const shardsDir = join(root, 'history', 'runs');
  return {
    runs: join(root, 'history', 'runs.db'),
    shardsDir,
    index: join(shardsDir, `${INDEX_SHARD_NAME}.db`),
    schedules: join(root, 'schedules', 'schedules.db'),
    shard(runId: string) {
      checkRunId(runId);
      return join(shardsDir, `${runId}.db`);
    },
  };
}

/** Run ids with a shard file in `shardsDir`: `*.db` except `index.db`. */
function listShardIds(shardsDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(shardsDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.db') && name !== `${INDEX_SHARD_NAME}.db`)
    .map((name) => name.slice(0, -'.db'.length))
    .sort();
}

/** What {@link SqliteLayout.upgrade} did to each file. */
export interface SqliteLayoutUpgradeResult {
  readonly runs: UpgradeResult;
  readonly index: UpgradeResult;
  readonly schedules: UpgradeResult;
  /** Per run shard, by run id. */
  readonly shards: ReadonlyMap<string, UpgradeResult>;
}

/** Options of {@link openSqliteLayout}. */
export interface SqliteLayoutOptions extends Omit<SqliteDriverOptions, 'onOpen'> {
  /**
   * Run shards whose files stay open at once; the least recently used idle ones are closed
   * beyond that (and reopen on their next use), so thousands of runs do not exhaust file
   * descriptors. Default 64. Ignored in memory.
   */
  readonly maxOpenShards?: number;
  /**
   * When `history/runs/index.db` is missing from a home that has runs: `false` (default) fails the
   * open with a StorageFileMissingError naming the file; `true` creates it and the event log
   * storage rebuilds it from the run shards (`rebuildIndex`). Nothing is recreated silently.
   */
  readonly rebuildMissingIndex?: boolean;
  /**
   * When a run's shard is missing although the index has events of that run (the file was
   * deleted): `false` (default) fails reads and writes of that run with a StorageFileMissingError
   * naming the file; `true` lets a write create a new, empty shard (its ids start again at 1).
   */
  readonly allowMissingShards?: boolean;
}

/** A marker of a write whose shards may have committed without the index (see {@link SqliteLayout.markIndexedWrite}). */
export interface PendingIndexWrite {
  readonly file: string;
  readonly pid: number;
  readonly runIds: readonly string[];
}

/** The folder, under `history/runs/`, of the markers of writes whose index commit is pending. */
export const PENDING_INDEX_DIR = '.index-pending';

let markCounter = 0;

/**
 * Opens a driver and initializes its file as Dagster does — `create_all`, WAL, stamp head, every
 * secondary index built — unless it already has the metadata's tables (a Dagster file is left as
 * it is; upgrading it is an explicit `upgradeSchema` call).
 */
async function openInitialized(path: string, metadata: SchemaMetadata, options: SqliteDriverOptions, probe: string): Promise<SqliteDriver> {
  const driver = await SqliteDriver.open(path, options);
  try {
    // A cheap read first; initializeSchema re-checks under BEGIN IMMEDIATE, so concurrent
    // first opens by several processes create the schema once and the others find it.
    if (!(await hasTable(driver, probe))) await initializeSchema(driver, metadata);
    return driver;
  } catch (error) {
    await driver.close();
    throw error;
  }
}

/**
 * Dagster's SQLite files under an instance home — or all in memory for `:memory:`:
 * `history/runs.db` (run storage), `history/runs/index.db` and one `history/runs/<run_id>.db`
 * per run (event log, created lazily; `.db` for runless events), `schedules/schedules.db`.
 */
export class SqliteLayout implements AsyncDisposable {
  /** The instance home, or `null` in memory. */
  readonly home: string | null;
  /** File paths, or `null` in memory. */
  readonly paths: SqliteLayoutPaths | null;
  /** Run storage: runs, run_tags, snapshots, daemon_heartbeats, bulk_actions, backfill_tags, instance_info, kvs. */
  readonly runs: SqliteDriver;
  /** The event-log index shard: asset keys and tags, dynamic partitions, concurrency, checks, copies of asset and run-status events. */
  readonly index: SqliteDriver;
  /** Schedule storage: jobs, instigators, job_ticks, asset_daemon_asset_evaluations. */
  readonly schedules: SqliteDriver;

  readonly #options: SqliteDriverOptions;
  readonly #maxOpen: number;
  readonly #allowMissingShards: boolean;
  #pendingDirMade = false;
  /** Whether `index.db` was missing from a home with runs and has been created empty (to be rebuilt from the shards). */
  readonly indexRecreated: boolean;
  readonly #shards = new Map<string, SqliteDriver>();
  readonly #opening = new Map<string, Promise<SqliteDriver>>();
  /** Run ids whose shard has an open file handle, least recently used first. */
  readonly #openOrder = new Map<string, true>();
  #closed = false;

  private constructor(
    home: string | null,
    drivers: { runs: SqliteDriver; index: SqliteDriver; schedules: SqliteDriver },
    options: SqliteLayoutOptions,
    indexRecreated = false,
  ) {
    this.indexRecreated = indexRecreated;
    this.home = home;
    this.paths = home === null ? null : sqliteLayoutPaths(home);
    this.runs = drivers.runs;
    this.index = drivers.index;
    this.schedules = drivers.schedules;
    const { maxOpenShards, rebuildMissingIndex: _rebuild, allowMissingShards, ...driverOptions } = options;
    this.#allowMissingShards = allowMissingShards ?? false;
    this.#options = driverOptions;
    this.#maxOpen = Math.max(1, Math.trunc(maxOpenShards ?? 64));
  }

  /** Opens (creating what is missing) the layout under `home`, or an in-memory one for `':memory:'`. */
  static async open(home: string, options: SqliteLayoutOptions = {}): Promise<SqliteLayout> {
    const { maxOpenShards: _unused, rebuildMissingIndex, allowMissingShards: _allow, ...driverOptions } = options;
    if (home === ':memory:') {
      const [runs, index, schedules] = await Promise.all([
        openInitialized(':memory:', RUN_STORAGE_METADATA, driverOptions, 'runs'),
        openInitialized(':memory:', EVENT_LOG_METADATA, driverOptions, 'event_logs'),
        openInitialized(':memory:', SCHEDULE_STORAGE_METADATA, driverOptions, 'jobs'),
      ]);
      return new SqliteLayout(null, { runs, index, schedules }, options);
    }
    const paths = sqliteLayoutPaths(home);
    mkdirSync(paths.shardsDir, { recursive: true });
    mkdirSync(join(resolve(home), 'schedules'), { recursive: true });
    const opened: SqliteDriver[] = [];
    try {
      const runs = await openInitialized(paths.runs, RUN_STORAGE_METADATA, driverOptions, 'runs');
      opened.push(runs);
      let indexRecreated = false;
      // Shards first, then the index: every process creates index.db before any shard, so a shard
      // seen before index.db is found missing means it was deleted — not that another process is
      // initializing the home right now. (A runs.db with runs but no shard has no events to lose:
      // its index is created, as Dagster does.)
      const hasRuns = listShardIds(paths.shardsDir).length > 0;
      if (hasRuns && !existsSync(paths.index)) {
        if (!rebuildMissingIndex) {
          throw new StorageFileMissingError(
            `The event log index ${paths.index} is missing from an instance home that has runs. ` +
              'It was not recreated: open with the rebuildMissingIndex option (storage.sqlite.rebuild_missing_index: true in dagster.yaml) to rebuild it from the run shards.',
            paths.index,
          );
        }
        indexRecreated = true;
      }
      const index = await openInitialized(paths.index, EVENT_LOG_METADATA, driverOptions, 'event_logs');
      opened.push(index);
      const schedules = await openInitialized(paths.schedules, SCHEDULE_STORAGE_METADATA, driverOptions, 'jobs');
      return new SqliteLayout(resolve(home), { runs, index, schedules }, options, indexRecreated);
    } catch (error) {
      await Promise.all(opened.map((d) => d.close()));
      throw error;
    }
  }

  /** Whether every database lives in memory. */
  get inMemory(): boolean {
    return this.home === null;
  }

  /** The event-log shard of a run (`RUNLESS_RUN_ID` for runless events), created on first use. */
  async shard(runId: string): Promise<SqliteDriver> {
    if (this.#closed) throw new DisposedError('SQLite layout');
    checkRunId(runId);
    const existing = this.#shards.get(runId);
    if (existing && !existing.isClosed) {
      this.#touch(runId, existing);
      return existing;
    }
    let pending = this.#opening.get(runId);
    if (!pending) {
      pending = this.#openShard(runId).finally(() => this.#opening.delete(runId));
      this.#opening.set(runId, pending);
    }
    const driver = await pending;
    this.#touch(runId, driver);
    return driver;
  }

  /**
   * Throws a StorageFileMissingError when the run's shard file is missing although the index has
   * events of the run (the shard was deleted), unless `allowMissingShards`.
   */
  async assertShardNotLost(runId: string): Promise<void> {
    if (this.paths === null || this.#allowMissingShards) return;
    const path = this.paths.shard(runId);
    if (existsSync(path)) return;
    const known = await this.index.get('SELECT 1 AS found FROM event_logs WHERE run_id = ? LIMIT 1', [runId]);
    if (known !== undefined) {
      throw new StorageFileMissingError(
        `The event log shard ${path} of run ${runId} is missing, though the index has events of that run. ` +
          'It was not recreated (its storage ids would start again at 1): restore the file, or open with allowMissingShards (storage.sqlite.allow_missing_shards: true in dagster.yaml).',
        path,
        { ids: { runId } },
      );
    }
  }

  /**
   * Leaves a marker naming `runIds` until the returned function is called: around a write that
   * commits run shards and then the index, so that a process killed between the two commits is
   * found by the next open ({@link SqliteLayout.pendingIndexWrites}). A no-op in memory.
   */
  markIndexedWrite(runIds: readonly string[]): () => void {
    if (this.paths === null) return () => {};
    const dir = join(this.paths.shardsDir, PENDING_INDEX_DIR);
    if (!this.#pendingDirMade) {
      mkdirSync(dir, { recursive: true });
      this.#pendingDirMade = true;
    }
    const file = join(dir, `${process.pid}-${markCounter++}.json`);
    writeFileSync(file, JSON.stringify(runIds));
    return () => rmSync(file, { force: true });
  }

  /** Markers left by processes that are gone (killed between a shard commit and the index commit). */
  pendingIndexWrites(): PendingIndexWrite[] {
    if (this.paths === null) return [];
    const dir = join(this.paths.shardsDir, PENDING_INDEX_DIR);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const pending: PendingIndexWrite[] = [];
    for (const name of names) {
      const pid = Number.parseInt(name, 10);
      if (!Number.isSafeInteger(pid) || processAlive(pid)) continue;
      const file = join(dir, name);
      let runIds: string[] = [];
      try {
        const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (Array.isArray(parsed)) runIds = parsed.filter((id): id is string => typeof id === 'string');
      } catch {
        // Killed while writing the marker itself: nothing was committed yet.
      }
      pending.push({ file, pid, runIds });
    }
    return pending;
  }

  async #openShard(runId: string): Promise<SqliteDriver> {
    await this.assertShardNotLost(runId);
    const path = this.paths === null ? ':memory:' : this.paths.shard(runId);
    // A copy of the prebuilt shard instead of the DDL (openInitialized then finds its tables). Should the
    // template fail (no writable temp dir, say), openInitialized runs the DDL as before, and reports what fails there.
    if (path !== ':memory:' && !existsSync(path)) await createShardFromTemplate(path).catch(() => false);
    const driver = await openInitialized(
      path,
      EVENT_LOG_METADATA,
      { ...this.#options, onOpen: (opened) => this.#touch(runId, opened) },
      'event_logs',
    );
    if (this.#closed) {
      await driver.close();
      throw new DisposedError('SQLite layout');
    }
    this.#shards.set(runId, driver);
    return driver;
  }

  /** Marks a shard most recently used and closes the handles of the least recently used idle ones beyond the limit. */
  #touch(runId: string, driver: SqliteDriver | undefined): void {
    if (this.home === null || driver === undefined) return;
    this.#openOrder.delete(runId);
    this.#openOrder.set(runId, true);
    if (this.#openOrder.size <= this.#maxOpen) return;
    for (const candidate of [...this.#openOrder.keys()]) {
      if (this.#openOrder.size <= this.#maxOpen) break;
      if (candidate === runId) continue;
      const other = this.#shards.get(candidate);
      // A busy shard stays open; the limit is caught up with on a later touch.
      if (!other || other.isClosed || !other.isOpen || other.suspend()) this.#openOrder.delete(candidate);
    }
  }

  /** Run ids that have a shard: `*.db` under `history/runs/` except `index.db` (`''` for runless events). */
  shardIds(): string[] {
    if (this.#closed) throw new DisposedError('SQLite layout');
    if (this.paths === null) return [...this.#shards.keys()];
    return listShardIds(this.paths.shardsDir);
  }

  /** Number of shard files open right now (for tests and diagnostics). */
  get openShardCount(): number {
    let n = 0;
    for (const driver of this.#shards.values()) if (driver.isOpen) n++;
    return n;
  }

  /** Closes a run's shard and deletes its file with the WAL sidecars (used when a run is deleted). */
  async dropShard(runId: string): Promise<void> {
    checkRunId(runId);
    const pending = this.#opening.get(runId);
    if (pending) await pending.catch(() => undefined);
    const driver = this.#shards.get(runId);
    this.#shards.delete(runId);
    this.#openOrder.delete(runId);
    if (driver) await driver.close();
    if (this.paths !== null) {
      const file = this.paths.shard(runId);
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
    }
  }

  /**
   * Brings every file up to the head schema with `upgradeSchema` (runs.db, index.db,
   * schedules.db, then each run shard): the explicit upgrade that opening never does.
   * Each file's steps are transactional; a failure stops at that file.
   */
  async upgrade(options: UpgradeOptions = {}): Promise<SqliteLayoutUpgradeResult> {
    if (this.#closed) throw new DisposedError('SQLite layout');
    const runs = await upgradeSchema(this.runs, RUN_STORAGE_METADATA, options);
    const index = await upgradeSchema(this.index, EVENT_LOG_METADATA, options);
    const schedules = await upgradeSchema(this.schedules, SCHEDULE_STORAGE_METADATA, options);
    const shards = new Map<string, UpgradeResult>();
    for (const runId of this.shardIds()) shards.set(runId, await upgradeSchema(await this.shard(runId), EVENT_LOG_METADATA, options));
    return { runs, index, schedules, shards };
  }

  /** Closes every connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#opening.values()]);
    const drivers = [this.runs, this.index, this.schedules, ...this.#shards.values()];
    this.#shards.clear();
    this.#openOrder.clear();
    await Promise.all(drivers.map((d) => d.close()));
  }

  /** {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Opens Dagster's SQLite files under an instance home (creating what is missing), or keeps them
 * all in memory for `':memory:'`. See {@link SqliteLayout.open}.
 */
export function openSqliteLayout(home: string, options?: SqliteLayoutOptions): Promise<SqliteLayout> {
  return SqliteLayout.open(home, options);
}
