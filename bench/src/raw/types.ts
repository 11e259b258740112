import type { EventRow, JobSnapshots } from '../data';

/** A run as the raw side writes it: the `runs` columns inst writes, and the tag rows. */
export interface RawRun {
  readonly runId: string;
  readonly jobName: string;
  readonly status: string;
  /** `runs.run_body`, serialized with the real serdes beforehand. */
  readonly body: string;
  readonly snapshotId: string | null;
  readonly partition: string | null;
  readonly partitionSet: string | null;
  readonly backfillId: string | null;
  readonly tags: readonly (readonly [string, string])[];
  /** Naive-UTC column text. */
  readonly timestamp: string;
}

/** An `asset_keys` row as inst keeps it after a materialization. */
export interface RawAssetKeyRow {
  readonly assetKey: string;
  readonly lastMaterialization: string;
  readonly lastRunId: string;
  readonly timestamp: string;
}

/**
 * The raw driver side: better-sqlite3 or pg prepared statements on Dagster's schema (created with
 * `createSchemaSql`), writing the same rows inst writes and reading with the same SQL. Payloads come
 * serialized beforehand; reads `JSON.parse` each payload (the least any reader does), where inst deserializes
 * into records with its serdes.
 */
export interface RawStore {
  readonly dialect: 'sqlite' | 'postgres';

  // ---- section 1: events
  /** One autocommit `INSERT … RETURNING id` into the run's events. */
  insertEvent(row: EventRow): Promise<number>;
  /** Rows of one run in one transaction. */
  insertEventBatch(rows: readonly EventRow[]): Promise<void>;
  /**
   * Asset events (planned materializations of distinct assets) of one run in one transaction: their rows, on
   * SQLite their copies in the index shard, and the `asset_keys` upserts.
   */
  insertAssetEventBatch(rows: readonly EventRow[]): Promise<void>;

  // ---- section 2: runs
  /** Stores the snapshots that are missing (inst stores them once, at the first run). */
  addSnapshots(jobs: readonly JobSnapshots[]): Promise<void>;
  /** One transaction: the job snapshot's existence check, the `runs` row, its `run_tags` rows. */
  createRun(run: RawRun): Promise<void>;
  /** The writes of a submission: the RUN_STARTING row (and its index copy on SQLite), the `runs` update. */
  submitRun(runId: string, startingRow: EventRow, updatedBody: string, status: string, timestamp: string): Promise<void>;

  /** A run's rows after a storage id, as stored (for watching). */
  eventsAfter(runId: string, afterId: number, limit: number): Promise<{ id: number; event: string }[]>;

  /** Storage ids to start a page of `page` of the run's events after: from before its first to `page` before its last. */
  cursorRange(runId: string, page: number): Promise<{ min: number; max: number }>;

  // ---- section 3: reads (each returns the number of rows it read, parsed)
  runsByTag(key: string, value: string, limit: number): Promise<number>;
  /** A page of a run's events after a storage id; the last id read, or `afterId` when none. */
  recordsForRun(runId: string, afterId: number, limit: number): Promise<{ count: number; lastId: number }>;
  materializations(assetKey: string, limit: number): Promise<number>;
  latestMaterializations(assetKeys: readonly string[]): Promise<number>;

  // ---- section 3: loading
  bulkRuns(runs: readonly RawRun[]): Promise<void>;
  /** Rows of one run's events (the run's shard on SQLite, which must exist). */
  bulkRunEvents(runId: string, rows: readonly EventRow[]): Promise<void>;
  /**
   * Materialization rows where cross-run asset queries read them (the index shard on SQLite); the storage ids
   * of the rows at `idsOf` positions.
   */
  bulkAssetEvents(rows: readonly EventRow[], idsOf: readonly number[]): Promise<number[]>;
  bulkAssetKeys(rows: readonly RawAssetKeyRow[]): Promise<void>;

  /** Runs `ANALYZE` (loading in bulk leaves planner statistics stale). */
  analyze(): Promise<void>;
  close(): Promise<void>;
}
