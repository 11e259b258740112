import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteLayoutPaths, SQLITE_BUSY_TIMEOUT_MS, SQLITE_PRAGMAS, type SqliteLayoutPaths } from '@inst/storage-sqlite';
import { createSchemaSql, EVENT_LOG_METADATA, HEAD_REVISION, RUN_STORAGE_METADATA, toSqlTimestamp, type SchemaMetadata } from '@inst/storage-sql';
import type { EventRow, JobSnapshots } from '../data';
import type { RawAssetKeyRow, RawRun, RawStore } from './types';

type Db = Database.Database;
type Stmt = Database.Statement<unknown[], unknown>;

const EVENT_COLUMNS = 'run_id, event, dagster_event_type, "timestamp", step_key, asset_key, "partition"';
const INSERT_EVENT = `INSERT INTO event_logs (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
const UPSERT_PLANNED_ASSET =
  'INSERT INTO asset_keys (asset_key, last_run_id, last_materialization_timestamp) VALUES (?, ?, ?) ' +
  'ON CONFLICT (asset_key) DO UPDATE SET last_run_id = excluded.last_run_id, last_materialization_timestamp = excluded.last_materialization_timestamp';

/** Opens a file with the pragmas inst uses (WAL, busy timeout, synchronous=NORMAL, foreign keys off). */
function openDb(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  for (const pragma of SQLITE_PRAGMAS) db.pragma(pragma);
  return db;
}

/** Creates Dagster's schema in an empty file as Dagster does (tables, indexes, alembic stamp, built secondary indexes). */
function createSchema(db: Db, metadata: SchemaMetadata): void {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(metadata.tables[0]!.name);
  if (hasTable) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const sql of createSchemaSql(metadata, 'sqlite')) db.exec(sql);
    db.prepare('INSERT INTO alembic_version (version_num) VALUES (?)').run(HEAD_REVISION);
    const mark = db.prepare('INSERT INTO secondary_indexes (name, migration_completed) VALUES (?, ?)');
    const when = toSqlTimestamp(new Date());
    for (const name of metadata.secondaryIndexes) mark.run(name, when);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** A connection with its prepared statements. */
class Conn {
  readonly #stmts = new Map<string, Stmt>();
  constructor(readonly db: Db) {}
  stmt(sql: string): Stmt {
    let stmt = this.#stmts.get(sql);
    if (!stmt) this.#stmts.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }
  close(): void {
    this.#stmts.clear();
    this.db.close();
  }
}

/**
 * better-sqlite3 on Dagster's SQLite layout (`history/runs.db`, `history/runs/index.db`, one
 * `history/runs/<run_id>.db` per run), either a fresh one of its own or the files of an instance home.
 * Like inst, it keeps at most 64 run shards open.
 */
export class RawSqliteStore implements RawStore {
  readonly dialect = 'sqlite' as const;
  readonly paths: SqliteLayoutPaths;
  readonly runs: Conn;
  readonly index: Conn;
  readonly #shards = new Map<string, Conn>();

  constructor(home: string) {
    this.paths = sqliteLayoutPaths(home);
    const fresh = !existsSync(this.paths.runs);
    this.runs = new Conn(openDb(this.paths.runs));
    this.index = new Conn(openDb(this.paths.index));
    if (fresh) {
      createSchema(this.runs.db, RUN_STORAGE_METADATA);
      createSchema(this.index.db, EVENT_LOG_METADATA);
    }
  }

  /** A run's shard, created (with the schema) when missing. */
  shard(runId: string): Conn {
    let conn = this.#shards.get(runId);
    if (conn) {
      this.#shards.delete(runId);
      this.#shards.set(runId, conn);
      return conn;
    }
    const db = openDb(this.paths.shard(runId));
    createSchema(db, EVENT_LOG_METADATA);
    conn = new Conn(db);
    this.#shards.set(runId, conn);
    if (this.#shards.size > 64) {
      const [oldest, old] = this.#shards.entries().next().value!;
      this.#shards.delete(oldest);
      old.close();
    }
    return conn;
  }

  insertEvent(row: EventRow): Promise<number> {
    const result = this.shard(row[0]).stmt(`${INSERT_EVENT} RETURNING id`).get(...row) as { id: number };
    return Promise.resolve(result.id);
  }

  insertEventBatch(rows: readonly EventRow[]): Promise<void> {
    const conn = this.shard(rows[0]![0]);
    const insert = conn.stmt(INSERT_EVENT);
    conn.db.transaction(() => {
      for (const row of rows) insert.run(...row);
    }).immediate();
    return Promise.resolve();
  }

  insertAssetEventBatch(rows: readonly EventRow[]): Promise<void> {
    const shard = this.shard(rows[0]![0]);
    const shardInsert = shard.stmt(INSERT_EVENT);
    const indexInsert = this.index.stmt(INSERT_EVENT);
    const upsert = this.index.stmt(UPSERT_PLANNED_ASSET);
    shard.db.transaction(() => {
      for (const row of rows) shardInsert.run(...row);
      this.index.db.transaction(() => {
        for (const row of rows) {
          indexInsert.run(...row);
          upsert.run(row[5], row[0], row[3]);
        }
      }).immediate();
    }).immediate();
    return Promise.resolve();
  }

  addSnapshots(jobs: readonly JobSnapshots[]): Promise<void> {
    const insert = this.runs.stmt('INSERT OR IGNORE INTO snapshots (snapshot_id, snapshot_body, snapshot_type) VALUES (?, ?, ?)');
    for (const job of jobs) {
      insert.run(job.jobSnapshotId, job.jobSnapshotBody, 'PIPELINE');
      insert.run(job.executionPlanSnapshotId, job.executionPlanSnapshotBody, 'EXECUTION_PLAN');
    }
    return Promise.resolve();
  }

  #insertRun(run: RawRun): void {
    this.runs
      .stmt(
        'INSERT INTO runs (run_id, pipeline_name, status, run_body, snapshot_id, "partition", partition_set, backfill_id, create_timestamp, update_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(run.runId, run.jobName, run.status, run.body, run.snapshotId, run.partition, run.partitionSet, run.backfillId, run.timestamp, run.timestamp);
    const tag = this.runs.stmt('INSERT INTO run_tags (run_id, "key", value) VALUES (?, ?, ?)');
    for (const [key, value] of run.tags) tag.run(run.runId, key, value);
  }

  createRun(run: RawRun): Promise<void> {
    const exists = this.runs.stmt('SELECT 1 FROM snapshots WHERE snapshot_id = ?');
    this.runs.db.transaction(() => {
      if (run.snapshotId && !exists.get(run.snapshotId)) throw new Error(`snapshot ${run.snapshotId} missing`);
      this.#insertRun(run);
    }).immediate();
    return Promise.resolve();
  }

  submitRun(runId: string, startingRow: EventRow, updatedBody: string, status: string, timestamp: string): Promise<void> {
    const shard = this.shard(runId);
    shard.stmt(`${INSERT_EVENT} RETURNING id`).get(...startingRow);
    // Run-status events are copied into the index shard, as inst (and Dagster) do.
    this.index.stmt(`${INSERT_EVENT} RETURNING id`).get(...startingRow);
    this.runs.stmt('UPDATE runs SET run_body = ?, status = ?, update_timestamp = ? WHERE run_id = ?').run(updatedBody, status, timestamp, runId);
    return Promise.resolve();
  }

  runsByTag(key: string, value: string, limit: number): Promise<number> {
    const rows = this.runs
      .stmt(
        'SELECT runs.id, runs.run_body, runs.status FROM runs WHERE runs.run_id IN (SELECT run_tags.run_id FROM run_tags WHERE run_tags."key" = ? AND run_tags.value = ?) ORDER BY runs.id DESC LIMIT ?',
      )
      .all(key, value, limit) as { run_body: string }[];
    for (const row of rows) JSON.parse(row.run_body);
    return Promise.resolve(rows.length);
  }

  eventsAfter(runId: string, afterId: number, limit: number): Promise<{ id: number; event: string }[]> {
    return Promise.resolve(
      this.shard(runId).stmt('SELECT id, event FROM event_logs WHERE run_id = ? AND id > ? ORDER BY id ASC LIMIT ?').all(runId, afterId, limit) as {
        id: number;
        event: string;
      }[],
    );
  }

  cursorRange(runId: string, page: number): Promise<{ min: number; max: number }> {
    const shard = this.shard(runId);
    const first = shard.stmt('SELECT MIN(id) AS id FROM event_logs WHERE run_id = ?').get(runId) as { id: number };
    const last = shard.stmt('SELECT id FROM event_logs WHERE run_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?').get(runId, page) as { id: number } | undefined;
    return Promise.resolve({ min: first.id - 1, max: last?.id ?? first.id - 1 });
  }

  async recordsForRun(runId: string, afterId: number, limit: number): Promise<{ count: number; lastId: number }> {
    const rows = await this.eventsAfter(runId, afterId, limit);
    for (const row of rows) JSON.parse(row.event);
    return { count: rows.length, lastId: rows.at(-1)?.id ?? afterId };
  }

  materializations(assetKey: string, limit: number): Promise<number> {
    const rows = this.index
      .stmt('SELECT id, event FROM event_logs WHERE dagster_event_type = ? AND asset_key = ? ORDER BY id DESC LIMIT ?')
      .all('ASSET_MATERIALIZATION', assetKey, limit) as { event: string }[];
    for (const row of rows) JSON.parse(row.event);
    return Promise.resolve(rows.length);
  }

  latestMaterializations(assetKeys: readonly string[]): Promise<number> {
    const rows = this.index
      .stmt(`SELECT id, asset_key, last_materialization FROM asset_keys WHERE asset_key IN (${assetKeys.map(() => '?').join(', ')})`)
      .all(...assetKeys) as { last_materialization: string | null }[];
    for (const row of rows) if (row.last_materialization) JSON.parse(row.last_materialization);
    return Promise.resolve(rows.length);
  }

  bulkRuns(runs: readonly RawRun[]): Promise<void> {
    this.runs.db.transaction(() => {
      for (const run of runs) this.#insertRun(run);
    })();
    return Promise.resolve();
  }

  bulkRunEvents(runId: string, rows: readonly EventRow[]): Promise<void> {
    const conn = this.shard(runId);
    const insert = conn.stmt(INSERT_EVENT);
    conn.db.transaction(() => {
      for (const row of rows) insert.run(...row);
    })();
    return Promise.resolve();
  }

  bulkAssetEvents(rows: readonly EventRow[], idsOf: readonly number[]): Promise<number[]> {
    const insert = this.index.stmt(INSERT_EVENT);
    const wanted = new Set(idsOf);
    const ids: number[] = [];
    this.index.db.transaction(() => {
      rows.forEach((row, i) => {
        const result = insert.run(...row);
        if (wanted.has(i)) ids.push(Number(result.lastInsertRowid));
      });
    })();
    return Promise.resolve(ids);
  }

  bulkAssetKeys(rows: readonly RawAssetKeyRow[]): Promise<void> {
    const insert = this.index.stmt(
      'INSERT INTO asset_keys (asset_key, last_materialization, last_run_id, last_materialization_timestamp) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (asset_key) DO UPDATE SET last_materialization = excluded.last_materialization, last_run_id = excluded.last_run_id, last_materialization_timestamp = excluded.last_materialization_timestamp',
    );
    this.index.db.transaction(() => {
      for (const row of rows) insert.run(row.assetKey, row.lastMaterialization, row.lastRunId, row.timestamp);
    })();
    return Promise.resolve();
  }

  analyze(): Promise<void> {
    for (const conn of [this.runs, this.index, ...this.#shards.values()]) conn.db.exec('ANALYZE');
    return Promise.resolve();
  }

  /** `PRAGMA data_version` of a run's shard (changes when another connection commits to it). */
  dataVersion(runId: string): number {
    return this.shard(runId).db.pragma('data_version', { simple: true }) as number;
  }

  close(): Promise<void> {
    for (const conn of [this.runs, this.index, ...this.#shards.values()]) conn.close();
    this.#shards.clear();
    return Promise.resolve();
  }
}
