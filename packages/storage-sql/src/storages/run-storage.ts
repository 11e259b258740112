import { randomUUID } from 'node:crypto';
import {
  BackfillNotFoundError,
  DeserializationError,
  InvalidArgumentError,
  InvalidCursorError,
  InvariantViolationError,
  RunAlreadyExistsError,
  RunNotFoundError,
  SnapshotNotFoundError,
} from '@inst/errors';
import { compareCodePoints, compressSnapshot, createSnapshotId, decompressSnapshot, deserializeValue, serializeValue } from '@inst/serdes';
import type { AlembicVersion, JobBucket, MigrationOptions, RunStorage, TagBucket } from '@inst/storage';
import {
  DaemonHeartbeat,
  DagsterEventType,
  EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
  ExecutionPlanSnapshot,
  JobFailureData,
  JobSnapshot,
  PartitionBackfill,
  RUN_TAGS,
  RunFailureReason,
  RunPartitionData,
  BulkActionsFilter,
  type BulkActionStatus,
  type DagsterEvent,
  type DagsterRun,
  type RemoteJobOrigin,
  type RunRecord,
  type RunsFilter,
} from '@inst/types';
import { OwnedDriver, type OwnedDriverOptions } from './owned-driver.js';
import { RUN_REQUIRED_DATA_MIGRATIONS, runDataMigrations, runStartEndMigration, type RunTimes } from '../data-migrations.js';
import { isUniqueViolation, type SqlDriver, type SqlExecutor } from '../driver.js';
import { getRevision, hasColumn, hasIndex, hasSecondaryIndex, hasTable } from '../introspect.js';
import { upgradeSchema } from '../migrate.js';
import { HEAD_REVISION } from '../revisions.js';
import { RUN_STORAGE_METADATA } from '../schema/tables.js';
import { toSqlTimestamp } from '../values.js';
import {
  backfillsFilterConditions,
  backfillTagsMatch,
  checkLimit,
  checkOrderBy,
  chooseTagShape,
  runsFilterConditions,
  runsQuery,
  tagCountQuery,
  tagProbeFilter,
  type RunsQueryOptions,
  type TagShape,
} from './run-queries.js';
import { addRunsBatch, newRunColumns, newRunTagRows } from './run-batch.js';
import { deserializeBody, readRow, rowToRun, rowToRunRecord, runStatusOf, type RunRecordRow, type RunRow } from './run-rows.js';
import { all, forUpdate, get, ident, inList, insertRows, joinSql, run, sql, toNumber, whereSql, type SqlFragment } from './run-sql.js';

/** Options of {@link SqlRunStorage}. */
/** The database: on SQLite the layout's `runs` driver (`history/runs.db`), on Postgres the instance's pool. */
export interface SqlRunStorageOptions extends OwnedDriverOptions {
  /**
   * Start and end time of a run from its events, for the optional `run_start_end_overwritten`
   * data migration of {@link SqlRunStorage.optimize}; without it that migration is skipped.
   */
  readonly runTimes?: (runId: string) => Promise<RunTimes>;
}

/** `snapshots.snapshot_type`. */
const SnapshotType = { PIPELINE: 'PIPELINE', EXECUTION_PLAN: 'EXECUTION_PLAN' } as const;

/** Secondary indexes (data migrations) that change how queries are answered. */
const RUN_PARTITIONS = 'run_partitions';
const RUN_BACKFILL_ID = 'run_backfill_id';
const BACKFILL_JOB_NAME_AND_TAGS = 'backfill_job_name_and_tags';

/** Run events that end a run: they set `runs.end_time`. */
const RUN_END_EVENTS: ReadonlySet<string> = new Set([DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED]);

/** The columns runs are read from; `id` names a corrupt row. */
const RUN_COLUMNS = ['id', 'run_body', 'status'] as const;

function checkTagMap(tags: unknown, what: string): Record<string, string> {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new InvalidArgumentError(`${what} must map tag keys to string values`);
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`${what}: the value of tag ${JSON.stringify(key)} must be a string`);
  }
  return tags as Record<string, string>;
}

/**
 * Dagster's SQL run storage over one database, for SQLite and Postgres alike: runs and their tags,
 * job and execution plan snapshots, daemon heartbeats, backfills, daemon cursors (kvs) and the
 * run storage id — schema- and byte-compatible with Dagster's `SqlRunStorage`. Optional columns,
 * tables and data migrations are probed as Dagster does, so an older Dagster database works
 * before it is upgraded.
 */
export class SqlRunStorage implements RunStorage {
  readonly supportsBucketQueries = true;

  readonly #owned: OwnedDriver;
  readonly #runTimes: ((runId: string) => Promise<RunTimes>) | undefined;
  /** Probes that came back true: columns, tables and built data migrations never disappear. */
  readonly #present = new Set<string>();

  constructor(options: SqlRunStorageOptions) {
    this.#owned = new OwnedDriver(options, 'run storage');
    this.#runTimes = options.runTimes;
  }

  /** The driver, unless disposed. */
  get #db(): SqlDriver {
    return this.#owned.driver;
  }

  // ------------------------------------------------------------------ probes

  async #probe(key: string, probe: () => Promise<boolean>): Promise<boolean> {
    if (this.#present.has(key)) return true;
    const present = await probe();
    if (present) this.#present.add(key);
    return present;
  }

  #hasColumn(db: SqlExecutor, table: string, column: string): Promise<boolean> {
    return this.#probe(`column ${table}.${column}`, () => hasColumn(db, table, column));
  }

  #hasTable(db: SqlExecutor, table: string): Promise<boolean> {
    return this.#probe(`table ${table}`, () => hasTable(db, table));
  }

  async hasBuiltIndex(name: string): Promise<boolean> {
    const db = this.#db;
    return this.#probe(`index ${name}`, () => hasSecondaryIndex(db, name));
  }

  /** Dagster's `has_run_stats_index_cols`. */
  async #hasRunTimes(db: SqlExecutor): Promise<boolean> {
    return (await this.#hasColumn(db, 'runs', 'start_time')) && (await this.#hasColumn(db, 'runs', 'end_time'));
  }

  // ------------------------------------------------------------------ runs

  async addRun(dagsterRun: DagsterRun): Promise<DagsterRun> {
    const db = this.#db;
    const now = toSqlTimestamp(new Date());
    await db.transaction(async (tx) => {
      if (dagsterRun.jobSnapshotId && !(await this.#snapshotExists(tx, dagsterRun.jobSnapshotId))) {
        throw new SnapshotNotFoundError(dagsterRun.jobSnapshotId, `Snapshot ${dagsterRun.jobSnapshotId} does not exist in run storage`);
      }
      const columns = newRunColumns(dagsterRun, await this.#tagColumns(tx, dagsterRun.tags), now);
      try {
        await insertRows(tx, 'runs', Object.keys(columns).map(quoted), [Object.values(columns)]);
      } catch (error) {
        if (isUniqueViolation(error)) throw new RunAlreadyExistsError(dagsterRun.runId, { cause: error });
        throw error;
      }
      await insertRows(tx, 'run_tags', ['run_id', '"key"', 'value'], newRunTagRows(dagsterRun));
    });
    return dagsterRun;
  }

  /**
   * Adds many runs in one transaction (beyond Dagster's `RunStorage`; backfills use it): the rows `addRun` writes,
   * all or none. A run id already stored or given twice is a RunAlreadyExistsError, an unknown job snapshot a
   * SnapshotNotFoundError.
   */
  async addRuns(dagsterRuns: readonly DagsterRun[]): Promise<DagsterRun[]> {
    return addRunsBatch(this.#db, { tagColumns: (db, tags) => this.#tagColumns(db, tags), quote: quoted }, dagsterRuns, toSqlTimestamp(new Date()));
  }

  /** The `runs` columns denormalised from a run's tags: partition, partition set and (when the column exists) backfill id. */
  async #tagColumns(db: SqlExecutor, tags: Readonly<Record<string, string>>): Promise<Record<string, string | null>> {
    const columns: Record<string, string | null> = {
      partition: tags[RUN_TAGS.PARTITION_NAME] ?? null,
      partition_set: tags[RUN_TAGS.PARTITION_SET] ?? null,
    };
    if (await this.#hasColumn(db, 'runs', 'backfill_id')) columns.backfill_id = tags[RUN_TAGS.BACKFILL_ID] ?? null;
    return columns;
  }

  /** The run of `runId`, or undefined; `toUpdate` locks its row for the rest of the transaction. */
  async #runById(db: SqlExecutor, runId: string, toUpdate = false): Promise<DagsterRun | undefined> {
    const row = await get<RunRow>(db, sql`SELECT id, run_body, status FROM runs WHERE run_id = ${runId}${toUpdate ? forUpdate(db) : sql``}`);
    return row ? rowToRun(row) : undefined;
  }

  async #requireRun(db: SqlExecutor, runId: string, toUpdate = false): Promise<DagsterRun> {
    const found = await this.#runById(db, runId, toUpdate);
    if (!found) throw new RunNotFoundError(runId, `Run ${runId} was not found in instance.`);
    return found;
  }

  /** Sets each tag's row of a run: updates the key's row, or inserts one. */
  async #writeTagRows(tx: SqlExecutor, runId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    for (const [key, value] of Object.entries(tags)) {
      const updated = await run(tx, sql`UPDATE run_tags SET value = ${value} WHERE run_id = ${runId} AND "key" = ${key}`);
      if (updated.changes === 0) await run(tx, sql`INSERT INTO run_tags (run_id, "key", value) VALUES (${runId}, ${key}, ${value})`);
    }
  }

  /**
   * Rewrites a run's row — body, `status`, the tag columns, `update_timestamp` and the given extra
   * columns — and the rows of `newTags`.
   */
  async #updateRun(
    tx: SqlExecutor,
    updated: DagsterRun,
    newTags: Readonly<Record<string, string>>,
    updateTimestamp: Date,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const columns: Record<string, unknown> = {
      run_body: serializeValue(updated),
      status: updated.status,
      ...(await this.#tagColumns(tx, updated.tags)),
      update_timestamp: toSqlTimestamp(updateTimestamp),
      ...extra,
    };
    const assignments = Object.entries(columns).map(([name, value]) => sql`${ident(quoted(name))} = ${value}`);
    await run(tx, sql`UPDATE runs SET ${joinSql(assignments, ', ')} WHERE run_id = ${updated.runId}`);
    await this.#writeTagRows(tx, updated.runId, newTags);
  }

  async handleRunEvent(runId: string, event: DagsterEvent, updateTimestamp?: Date): Promise<void> {
    const db = this.#db;
    const newStatus = EVENT_TYPE_TO_PIPELINE_RUN_STATUS.get(event.eventType);
    if (newStatus === undefined) return;
    // The time the event happened (the instance passes the entry's), else now.
    const when = updateTimestamp ?? new Date();
    if (Number.isNaN(when.getTime())) throw new InvalidArgumentError('updateTimestamp must be a valid Date');
    const seconds = when.getTime() / 1000;
    await db.transaction(async (tx) => {
      // Events may name runs this storage does not hold (Dagster ignores them).
      const current = await this.#runById(tx, runId, true);
      if (!current) return;
      const extra: Record<string, unknown> = {};
      if (await this.#hasRunTimes(tx)) {
        if (event.eventType === DagsterEventType.RUN_START) extra.start_time = seconds;
        if (RUN_END_EVENTS.has(event.eventType)) extra.end_time = seconds;
      }
      let updated = current.withStatus(newStatus);
      let newTags: Record<string, string> = {};
      const data = event.eventSpecificData;
      if (event.eventType === DagsterEventType.RUN_FAILURE && data instanceof JobFailureData) {
        const reason = data.failureReason;
        if (reason && reason !== RunFailureReason.UNKNOWN) {
          newTags = { [RUN_TAGS.RUN_FAILURE_REASON]: reason };
          updated = updated.withTags({ ...updated.tags, ...newTags });
        }
      }
      await this.#updateRun(tx, updated, newTags, when, extra);
    });
  }

  async addRunTags(runId: string, newTags: Readonly<Record<string, string>>): Promise<void> {
    const db = this.#db;
    const tags = checkTagMap(newTags, 'newTags');
    await db.transaction(async (tx) => {
      const current = await this.#requireRun(tx, runId, true);
      await this.#updateRun(tx, current.withTags({ ...current.tags, ...tags }), tags, new Date());
    });
  }

  async hasRun(runId: string): Promise<boolean> {
    const row = await get(this.#db, sql`SELECT 1 AS found FROM runs WHERE run_id = ${runId}`);
    return row !== undefined;
  }

  async deleteRun(runId: string): Promise<void> {
    // run_tags explicitly: SQLite does not enforce the ON DELETE CASCADE foreign key.
    await this.#db.transaction(async (tx) => {
      await run(tx, sql`DELETE FROM run_tags WHERE run_id = ${runId}`);
      await run(tx, sql`DELETE FROM runs WHERE run_id = ${runId}`);
    });
  }

  async replaceJobOrigin(dagsterRun: DagsterRun, jobOrigin: RemoteJobOrigin): Promise<void> {
    const db = this.#db;
    const label = jobOrigin.repositoryOrigin.getLabel();
    await db.transaction(async (tx) => {
      const current = await this.#requireRun(tx, dagsterRun.runId, true);
      const updated = current.withJobOrigin(jobOrigin).withTags({ ...current.tags, [RUN_TAGS.REPOSITORY_LABEL]: label });
      await run(tx, sql`UPDATE runs SET run_body = ${serializeValue(updated)} WHERE run_id = ${updated.runId}`);
      await this.#writeTagRows(tx, updated.runId, { [RUN_TAGS.REPOSITORY_LABEL]: label });
    });
  }

  async wipe(): Promise<void> {
    const db = this.#db;
    await db.transaction(async (tx) => {
      for (const table of ['runs', 'run_tags', 'snapshots', 'daemon_heartbeats', 'bulk_actions']) await tx.run(`DELETE FROM ${table}`);
      // Dagster leaves backfill_tags behind; they would attach to a later backfill of the same id.
      if (await this.#hasTable(tx, 'backfill_tags')) await tx.run('DELETE FROM backfill_tags');
    });
  }

  // ------------------------------------------------------------------ run queries

  /** The `id` of a cursor run; InvalidCursorError when no run has that id. */
  async #cursorId(db: SqlExecutor, cursor: string | undefined): Promise<number | null> {
    if (cursor === undefined || cursor === null || cursor === '') return null;
    if (typeof cursor !== 'string') throw new InvalidCursorError(String(cursor), 'A runs cursor is a run id');
    const row = await get<{ id: unknown }>(db, sql`SELECT id FROM runs WHERE run_id = ${cursor}`);
    if (!row) throw new InvalidCursorError(cursor, `Cursor ${JSON.stringify(cursor)} names no run in this storage`);
    return toNumber(row.id);
  }

  async #runsQuery(db: SqlExecutor, filters: RunsFilter | undefined, cursor: string | undefined, options: Omit<RunsQueryOptions, 'cursorId'>): Promise<SqlFragment> {
    const conditions = runsFilterConditions(filters, {
      backfillIdBuilt: filters?.excludeSubruns ? await this.hasBuiltIndex(RUN_BACKFILL_ID) : false,
      tagShape: await this.#tagShape(db, filters, options),
    });
    return runsQuery(conditions, { ...options, cursorId: await this.#cursorId(db, cursor) });
  }

  /** How to write a tag-filtered page's tag filter (see `chooseTagShape`). */
  async #tagShape(db: SqlExecutor, filters: RunsFilter | undefined, options: Omit<RunsQueryOptions, 'cursorId'>): Promise<TagShape> {
    const limit = checkLimit(options.limit);
    if (limit === null || options.bucketBy || checkOrderBy(options.orderBy) !== 'id') return 'in';
    const tag = tagProbeFilter(filters);
    if (!tag) return 'in';
    // The probe needs (key, value, run_id); a Dagster schema before 6b7fb194ff9c has (key, value) only.
    if (!(await this.#probe('index idx_run_tags_run_id', () => hasIndex(db, 'run_tags', 'idx_run_tags_run_id')))) return 'in';
    const row = await get<{ matches: unknown; top: unknown }>(db, tagCountQuery(tag[0], tag[1]));
    return row ? chooseTagShape(db.dialect, toNumber(row.matches), toNumber(row.top ?? 0), limit) : 'in';
  }

  async getRuns(filters?: RunsFilter, cursor?: string, limit?: number, bucketBy?: JobBucket | TagBucket, ascending = false): Promise<DagsterRun[]> {
    const db = this.#db;
    const query = await this.#runsQuery(db, filters, cursor, { columns: RUN_COLUMNS, limit, bucketBy, ascending });
    return (await all<RunRow>(db, query)).map(rowToRun);
  }

  async getRunIds(filters?: RunsFilter, cursor?: string, limit?: number): Promise<string[]> {
    const db = this.#db;
    const query = await this.#runsQuery(db, filters, cursor, { columns: ['id', 'run_id'], limit });
    return (await all<{ run_id: string }>(db, query)).map((row) => row.run_id);
  }

  async getRunsCount(filters?: RunsFilter): Promise<number> {
    const db = this.#db;
    const query = await this.#runsQuery(db, filters, undefined, { columns: ['id'] });
    const row = await get<{ count: unknown }>(db, sql`SELECT COUNT(*) AS count FROM (${query}) AS counted`);
    return row ? toNumber(row.count) : 0;
  }

  async getRunRecords(
    filters?: RunsFilter,
    limit?: number,
    orderBy?: string,
    ascending = false,
    cursor?: string,
    bucketBy?: JobBucket | TagBucket,
  ): Promise<RunRecord[]> {
    const db = this.#db;
    const columns = [...RUN_COLUMNS, 'create_timestamp', 'update_timestamp'];
    if (await this.#hasRunTimes(db)) columns.push('start_time', 'end_time');
    const query = await this.#runsQuery(db, filters, cursor, { columns, limit, orderBy, ascending, bucketBy });
    return (await all<RunRecordRow>(db, query)).map(rowToRunRecord);
  }

  async getRunTags(tagKeys: readonly string[], valuePrefix?: string, limit?: number): Promise<[string, Set<string>][]> {
    const db = this.#db;
    if (tagKeys.length === 0) return [];
    const conditions = [sql`"key" IN ${inList(tagKeys)}`];
    // A case-sensitive prefix match on both dialects (SQLite's LIKE ignores ASCII case).
    if (valuePrefix) conditions.push(sql`substr(value, 1, ${[...valuePrefix].length}) = ${valuePrefix}`);
    const max = checkLimit(limit);
    const rows = await all<{ key: string; value: string }>(
      db,
      sql`SELECT DISTINCT "key", value FROM run_tags${whereSql(conditions)} ORDER BY "key", value${max === null ? sql`` : sql` LIMIT ${max}`}`,
    );
    const byKey = new Map<string, Set<string>>();
    for (const row of rows) {
      let values = byKey.get(row.key);
      if (!values) byKey.set(row.key, (values = new Set()));
      values.add(row.value);
    }
    // Keys in code point order, as Python sorts them (a Postgres collation may order otherwise).
    return [...byKey].sort(([a], [b]) => compareCodePoints(a, b));
  }

  async getRunTagKeys(): Promise<string[]> {
    const rows = await all<{ key: string }>(this.#db, sql`SELECT DISTINCT "key" FROM run_tags WHERE "key" IS NOT NULL ORDER BY "key"`);
    return rows.map((row) => row.key).sort(compareCodePoints);
  }

  async getRunGroup(runId: string): Promise<[string, DagsterRun[]]> {
    const db = this.#db;
    return db.transaction(
      async (tx) => {
        const member = await this.#requireRun(tx, runId);
        const rootRunId = member.rootRunId ?? member.runId;
        const root = rootRunId === member.runId ? member : await this.#runById(tx, rootRunId);
        if (!root) throw new RunNotFoundError(rootRunId, `Run id ${rootRunId} set as root run id for run ${runId} was not found in instance.`);
        // The group is kept in tags: every run of it carries dagster/root_run_id = root.
        const rows = await all<RunRow>(
          tx,
          sql`SELECT runs.id, runs.run_body, runs.status FROM run_tags JOIN runs ON runs.run_id = run_tags.run_id
               WHERE run_tags."key" = ${RUN_TAGS.ROOT_RUN_ID} AND run_tags.value = ${rootRunId} ORDER BY runs.id`,
        );
        return [rootRunId, [root, ...rows.map(rowToRun)]];
      },
      { readOnly: true },
    );
  }

  async getRunPartitionData(runsFilter: RunsFilter): Promise<RunPartitionData[]> {
    const db = this.#db;
    // Newest run first, so the first run seen of each partition is its latest.
    const byPartition = new Map<string, RunPartitionData>();
    if ((await this.hasBuiltIndex(RUN_PARTITIONS)) && (await this.#hasRunTimes(db))) {
      const query = await this.#runsQuery(db, runsFilter, undefined, { columns: ['id', 'run_id', 'status', 'start_time', 'end_time', 'partition'] });
      const rows = await all<{ id: unknown; run_id: string; status: unknown; start_time: unknown; end_time: unknown; partition: string | null }>(db, query);
      for (const row of rows) {
        if (!row.partition || byPartition.has(row.partition)) continue;
        const status = readRow('runs', toNumber(row.id), () => runStatusOf(row.status));
        byPartition.set(
          row.partition,
          new RunPartitionData({
            runId: row.run_id,
            partition: row.partition,
            status,
            startTime: row.start_time === null ? null : Number(row.start_time),
            endTime: row.end_time === null ? null : Number(row.end_time),
          }),
        );
      }
    } else {
      // Before run_partitions is built the partition columns may be empty: read the tags of the bodies.
      const query = await this.#runsQuery(db, runsFilter, undefined, { columns: RUN_COLUMNS });
      for (const found of (await all<RunRow>(db, query)).map(rowToRun)) {
        const partition = found.tags[RUN_TAGS.PARTITION_NAME];
        if (!partition || byPartition.has(partition)) continue;
        byPartition.set(partition, new RunPartitionData({ runId: found.runId, partition, status: found.status, startTime: null, endTime: null }));
      }
    }
    return [...byPartition.values()];
  }

  // ------------------------------------------------------------------ snapshots

  async #snapshotExists(db: SqlExecutor, snapshotId: string): Promise<boolean> {
    return (await get(db, sql`SELECT 1 AS found FROM snapshots WHERE snapshot_id = ${snapshotId}`)) !== undefined;
  }

  async #addSnapshot(snapshot: JobSnapshot | ExecutionPlanSnapshot, type: string, snapshotId: string | undefined): Promise<string> {
    const db = this.#db;
    const id = snapshotId ?? createSnapshotId(snapshot);
    const body = compressSnapshot(serializeValue(snapshot));
    // Content-addressed: the same id always holds the same snapshot, so a second add is a no-op.
    await run(
      db,
      sql`INSERT INTO snapshots (snapshot_id, snapshot_body, snapshot_type) VALUES (${id}, ${body}, ${type}) ON CONFLICT (snapshot_id) DO NOTHING`,
    );
    return id;
  }

  /** The snapshot stored under an id; SnapshotNotFoundError when there is none. */
  async #getSnapshot(snapshotId: string): Promise<JobSnapshot | ExecutionPlanSnapshot> {
    const row = await get<{ snapshot_body: Uint8Array }>(this.#db, sql`SELECT snapshot_body FROM snapshots WHERE snapshot_id = ${snapshotId}`);
    if (!row) throw new SnapshotNotFoundError(snapshotId);
    return readRow('snapshots', snapshotId, () => {
      const snapshot = deserializeValue(decompressSnapshot(row.snapshot_body));
      if (snapshot instanceof JobSnapshot || snapshot instanceof ExecutionPlanSnapshot) return snapshot;
      throw new DeserializationError('not a JobSnapshot or an ExecutionPlanSnapshot', '$');
    });
  }

  addSnapshot(snapshot: JobSnapshot | ExecutionPlanSnapshot, snapshotId?: string): Promise<string> {
    if (snapshot instanceof JobSnapshot) return this.#addSnapshot(snapshot, SnapshotType.PIPELINE, snapshotId);
    if (snapshot instanceof ExecutionPlanSnapshot) return this.#addSnapshot(snapshot, SnapshotType.EXECUTION_PLAN, snapshotId);
    return Promise.reject(new InvalidArgumentError('A snapshot is a JobSnapshot or an ExecutionPlanSnapshot'));
  }

  async hasSnapshot(snapshotId: string): Promise<boolean> {
    return this.#snapshotExists(this.#db, snapshotId);
  }

  addJobSnapshot(jobSnapshot: JobSnapshot, snapshotId?: string): Promise<string> {
    return this.#addSnapshot(jobSnapshot, SnapshotType.PIPELINE, snapshotId);
  }

  hasJobSnapshot(jobSnapshotId: string): Promise<boolean> {
    return this.hasSnapshot(jobSnapshotId);
  }

  async getJobSnapshot(jobSnapshotId: string): Promise<JobSnapshot> {
    const snapshot = await this.#getSnapshot(jobSnapshotId);
    if (!(snapshot instanceof JobSnapshot)) throw new SnapshotNotFoundError(jobSnapshotId, `Snapshot ${jobSnapshotId} is not a job snapshot`);
    return snapshot;
  }

  addExecutionPlanSnapshot(executionPlanSnapshot: ExecutionPlanSnapshot, snapshotId?: string): Promise<string> {
    return this.#addSnapshot(executionPlanSnapshot, SnapshotType.EXECUTION_PLAN, snapshotId);
  }

  hasExecutionPlanSnapshot(executionPlanSnapshotId: string): Promise<boolean> {
    return this.hasSnapshot(executionPlanSnapshotId);
  }

  async getExecutionPlanSnapshot(executionPlanSnapshotId: string): Promise<ExecutionPlanSnapshot> {
    const snapshot = await this.#getSnapshot(executionPlanSnapshotId);
    if (!(snapshot instanceof ExecutionPlanSnapshot)) {
      throw new SnapshotNotFoundError(executionPlanSnapshotId, `Snapshot ${executionPlanSnapshotId} is not an execution plan snapshot`);
    }
    return snapshot;
  }

  // ------------------------------------------------------------------ daemon heartbeats

  async addDaemonHeartbeat(daemonHeartbeat: DaemonHeartbeat): Promise<void> {
    const { daemonType, daemonId, timestamp } = daemonHeartbeat;
    await run(
      this.#db,
      sql`INSERT INTO daemon_heartbeats (daemon_type, daemon_id, "timestamp", body)
          VALUES (${daemonType}, ${daemonId}, ${toSqlTimestamp(timestamp)}, ${serializeValue(daemonHeartbeat)})
          ON CONFLICT (daemon_type) DO UPDATE SET daemon_id = excluded.daemon_id, "timestamp" = excluded."timestamp", body = excluded.body`,
    );
  }

  async getDaemonHeartbeats(): Promise<Map<string, DaemonHeartbeat>> {
    const rows = await all<{ id: unknown; body: unknown }>(this.#db, sql`SELECT id, body FROM daemon_heartbeats ORDER BY id`);
    const heartbeats = new Map<string, DaemonHeartbeat>();
    for (const row of rows) {
      const heartbeat = readRow('daemon_heartbeats', toNumber(row.id), () => deserializeBody(row.body, DaemonHeartbeat));
      heartbeats.set(heartbeat.daemonType, heartbeat);
    }
    return heartbeats;
  }

  async wipeDaemonHeartbeats(): Promise<void> {
    await run(this.#db, sql`DELETE FROM daemon_heartbeats`);
  }

  // ------------------------------------------------------------------ backfills

  async #backfillRows(db: SqlExecutor, filters: BulkActionsFilter | undefined, cursor?: string, limit?: number): Promise<PartitionBackfill[]> {
    const { conditions, postFilterTags } = backfillsFilterConditions(filters, {
      jobNameAndTagsBuilt: await this.hasBuiltIndex(BACKFILL_JOB_NAME_AND_TAGS),
    });
    if (cursor !== undefined && cursor !== null && cursor !== '') {
      const row = await get<{ id: unknown }>(db, sql`SELECT id FROM bulk_actions WHERE "key" = ${cursor}`);
      if (!row) throw new InvalidCursorError(String(cursor), `Cursor ${JSON.stringify(cursor)} names no backfill in this storage`);
      conditions.push(sql`bulk_actions.id < ${toNumber(row.id)}`);
    }
    const max = checkLimit(limit);
    // With the run-tags fallback the limit applies after checking the bodies' tags.
    const sqlLimit = postFilterTags === null ? max : null;
    const rows = await all<{ id: unknown; body: unknown }>(
      db,
      sql`SELECT bulk_actions.id, bulk_actions.body FROM bulk_actions${whereSql(conditions)} ORDER BY bulk_actions.id DESC${
        sqlLimit === null ? sql`` : sql` LIMIT ${sqlLimit}`
      }`,
    );
    let backfills = rows.map((row) => readRow('bulk_actions', toNumber(row.id), () => deserializeBody(row.body, PartitionBackfill)));
    if (postFilterTags !== null) backfills = backfills.filter((backfill) => backfillTagsMatch(backfill.tags, postFilterTags));
    return max === null ? backfills : backfills.slice(0, max);
  }

  async getBackfills(filters?: BulkActionsFilter, cursor?: string, limit?: number, status?: BulkActionStatus): Promise<PartitionBackfill[]> {
    const db = this.#db;
    if (status !== undefined && status !== null && filters) {
      throw new InvalidArgumentError('Cannot provide status and filters to get_backfills. Please use filters rather than status.');
    }
    const effective = status !== undefined && status !== null ? new BulkActionsFilter({ statuses: [status] }) : filters;
    return this.#backfillRows(db, effective, cursor, limit);
  }

  async getBackfillsCount(filters?: BulkActionsFilter): Promise<number> {
    const db = this.#db;
    const { conditions, postFilterTags } = backfillsFilterConditions(filters, {
      jobNameAndTagsBuilt: await this.hasBuiltIndex(BACKFILL_JOB_NAME_AND_TAGS),
    });
    if (postFilterTags !== null) return (await this.#backfillRows(db, filters)).length;
    const row = await get<{ count: unknown }>(db, sql`SELECT COUNT(*) AS count FROM bulk_actions${whereSql(conditions)}`);
    return row ? toNumber(row.count) : 0;
  }

  async getBackfill(backfillId: string): Promise<PartitionBackfill | undefined> {
    const row = await get<{ id: unknown; body: unknown }>(this.#db, sql`SELECT id, body FROM bulk_actions WHERE "key" = ${backfillId}`);
    return row ? readRow('bulk_actions', toNumber(row.id), () => deserializeBody(row.body, PartitionBackfill)) : undefined;
  }

  async addBackfill(backfill: PartitionBackfill): Promise<void> {
    const db = this.#db;
    await db.transaction(async (tx) => {
      const columns: Record<string, unknown> = {
        key: backfill.backfillId,
        status: backfill.status,
        timestamp: toSqlTimestamp(backfill.backfillTimestamp),
        body: serializeValue(backfill),
      };
      if (await this.#hasColumn(tx, 'bulk_actions', 'selector_id')) {
        columns.selector_id = backfill.selectorId;
        columns.action_type = backfill.bulkActionType;
      }
      if (await this.#hasColumn(tx, 'bulk_actions', 'job_name')) columns.job_name = backfill.jobName;
      try {
        await insertRows(tx, 'bulk_actions', Object.keys(columns).map(quoted), [Object.values(columns)]);
      } catch (error) {
        if (isUniqueViolation(error)) throw new InvariantViolationError(`Backfill ${backfill.backfillId} already exists`, { cause: error, ids: { backfillId: backfill.backfillId } });
        throw error;
      }
      if (await this.#hasTable(tx, 'backfill_tags')) {
        const tags = Object.entries(backfill.tags);
        await insertRows(tx, 'backfill_tags', ['backfill_id', '"key"', 'value'], tags.map(([key, value]) => [backfill.backfillId, key, value]));
      }
    });
  }

  async updateBackfill(partitionBackfill: PartitionBackfill): Promise<void> {
    const { backfillId } = partitionBackfill;
    const updated = await run(
      this.#db,
      sql`UPDATE bulk_actions SET status = ${partitionBackfill.status}, body = ${serializeValue(partitionBackfill)} WHERE "key" = ${backfillId}`,
    );
    if (updated.changes === 0) throw new BackfillNotFoundError(backfillId);
  }

  // ------------------------------------------------------------------ daemon cursors (kvs)

  async getCursorValues(keys: Iterable<string>): Promise<Map<string, string>> {
    const wanted = [...keys];
    const db = this.#db;
    if (wanted.length === 0) return new Map();
    const rows = await all<{ key: string; value: string }>(db, sql`SELECT "key", value FROM kvs WHERE "key" IN ${inList(wanted)}`);
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  async setCursorValues(pairs: Readonly<Record<string, string>>): Promise<void> {
    const values = checkTagMap(pairs, 'pairs');
    await this.#db.transaction(async (tx) => {
      for (const [key, value] of Object.entries(values)) {
        await run(tx, sql`INSERT INTO kvs ("key", value) VALUES (${key}, ${value}) ON CONFLICT ("key") DO UPDATE SET value = excluded.value`);
      }
    });
  }

  // ------------------------------------------------------------------ instance, migrations, lifecycle

  async getRunStorageId(): Promise<string> {
    const first = sql`SELECT run_storage_id FROM instance_info WHERE run_storage_id IS NOT NULL ORDER BY id LIMIT 1`;
    return this.#db.transaction(async (tx) => {
      const row = await get<{ run_storage_id: string }>(tx, first);
      if (row) return row.run_storage_id;
      await run(tx, sql`INSERT INTO instance_info (run_storage_id) VALUES (${randomUUID()})`);
      // Read back: should another process have raced us (Postgres), everyone agrees on the oldest id.
      return (await get<{ run_storage_id: string }>(tx, first))!.run_storage_id;
    });
  }

  async migrate(options: MigrationOptions = {}): Promise<void> {
    await runDataMigrations(this.#db, RUN_STORAGE_METADATA, {
      migrations: RUN_REQUIRED_DATA_MIGRATIONS,
      chunkSize: 100,
      log: options.printFn ?? (() => {}),
      force: options.forceRebuildAll ?? false,
    });
  }

  async optimize(options: MigrationOptions = {}): Promise<void> {
    const log = options.printFn ?? (() => {});
    if (!this.#runTimes) {
      log('run_start_end_overwritten: skipped, this run storage was given no runTimes (they come from the event log)');
      return;
    }
    await runDataMigrations(this.#db, RUN_STORAGE_METADATA, {
      migrations: [runStartEndMigration(this.#runTimes)],
      chunkSize: 100,
      log,
      force: options.forceRebuildAll ?? false,
    });
  }

  async upgrade(options: MigrationOptions = {}): Promise<void> {
    const log = options.printFn ?? (() => {});
    await upgradeSchema(this.#db, RUN_STORAGE_METADATA, { log, dataMigrations: RUN_REQUIRED_DATA_MIGRATIONS });
    if (options.forceRebuildAll) await this.migrate(options);
  }

  async alembicVersion(): Promise<AlembicVersion> {
    return { current: (await getRevision(this.#db)) ?? undefined, head: HEAD_REVISION };
  }

  async optimizeForWebserver(_statementTimeout: number, _poolRecycle: number, _maxOverflow?: number): Promise<void> {
    // Connection settings belong to whoever owns the driver (a Postgres pool is shared by all
    // storages); SQLite has none to tune.
    void this.#db;
  }

  dispose(): Promise<void> {
    return this.#owned.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** A column name quoted for both dialects (`"key"`, `"partition"` and `"timestamp"` are keywords in some). */
function quoted(name: string): string {
  return `"${name}"`;
}
