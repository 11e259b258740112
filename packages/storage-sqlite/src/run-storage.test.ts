import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptRowError } from '@inst/errors';
import { compressSnapshot, createSnapshotId, serializeValue } from '@inst/serdes';
import { describeRunStorage } from '@inst/storage/testing';
import {
  BASELINE_REVISION,
  createSchemaSql,
  hasColumn,
  hasSecondaryIndex,
  HEAD_REVISION,
  markSecondaryIndexBuilt,
  metadataAtRevision,
  RUN_STORAGE_METADATA,
  SqlRunStorage,
  stampRevision,
  type SqlDriver,
  type SqlExecutor,
} from '@inst/storage-sql';
import {
  BulkActionsFilter,
  BulkActionStatus,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  JobFailureData,
  JobSnapshot,
  LoadableTargetOrigin,
  ManagedGrpcPythonEnvCodeLocationOrigin,
  PartitionBackfill,
  RemoteRepositoryOrigin,
  RUN_TAGS,
  RunFailureReason,
  RunsFilter,
} from '@inst/types';
import { SqliteDriver } from './driver.js';
import { openSqliteLayout } from './layout.js';

/** A run storage over a layout, closing the layout (and removing the temp home) on dispose. */
async function storageOnLayout(home: string, removeHome: boolean): Promise<SqlRunStorage> {
  const layout = await openSqliteLayout(home);
  return new SqlRunStorage({
    driver: layout.runs,
    onDispose: async () => {
      await layout.close();
      if (removeHome) rmSync(home, { recursive: true, force: true });
    },
  });
}

describeRunStorage('SQLite file home', {
  create: () => storageOnLayout(mkdtempSync(join(tmpdir(), 'inst-run-storage-')), true),
});

describeRunStorage('SQLite :memory:', {
  create: () => storageOnLayout(':memory:', false),
});

const origin = new RemoteRepositoryOrigin({
  codeLocationOrigin: new ManagedGrpcPythonEnvCodeLocationOrigin({
    loadableTargetOrigin: new LoadableTargetOrigin({ executablePath: '/usr/bin/python3', moduleName: 'fake', attribute: 'fake' }),
    locationName: 'fake:fake',
  }),
  repositoryName: 'repo',
});

function backfill(backfillId: string, init: { tags?: Record<string, string>; status?: BulkActionStatus; backfillTimestamp?: number } = {}): PartitionBackfill {
  return new PartitionBackfill({
    backfillId,
    partitionSetOrigin: origin.getPartitionSetOrigin('my_job_partition_set'),
    status: init.status ?? BulkActionStatus.REQUESTED,
    partitionNames: ['a'],
    fromFailure: false,
    tags: init.tags ?? {},
    backfillTimestamp: init.backfillTimestamp ?? 1_700_000_000.25,
  });
}

const NAIVE_UTC = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;

describe('SqlRunStorage on SQLite: what lands in the tables', () => {
  it('writes runs, tags, snapshots, heartbeats and backfills as Dagster does', async () => {
    await using layout = await openSqliteLayout(':memory:');
    await using storage = new SqlRunStorage({ driver: layout.runs });
    const db = layout.runs;

    const snapshot = new JobSnapshot({ name: 'my_job', modeDefSnaps: [], graphDefName: 'my_job' });
    const snapshotId = await storage.addJobSnapshot(snapshot);
    const snapshotRow = await db.get<{ snapshot_body: Buffer; snapshot_type: string }>('SELECT snapshot_body, snapshot_type FROM snapshots WHERE snapshot_id = ?', [
      snapshotId,
    ]);
    expect(snapshotId).toBe(createSnapshotId(snapshot));
    expect(snapshotRow!.snapshot_type).toBe('PIPELINE');
    expect(Buffer.compare(snapshotRow!.snapshot_body, compressSnapshot(serializeValue(snapshot)))).toBe(0);

    const run = new DagsterRun({
      runId: 'run-1',
      jobName: 'my_job',
      jobSnapshotId: snapshotId,
      remoteJobOrigin: origin.getJobOrigin('my_job'),
      tags: { [RUN_TAGS.PARTITION_NAME]: 'p1', [RUN_TAGS.PARTITION_SET]: 'my_job_partition_set', [RUN_TAGS.BACKFILL_ID]: 'bf' },
    });
    await storage.addRun(run);
    const row = await db.get<Record<string, unknown>>('SELECT * FROM runs WHERE run_id = ?', ['run-1']);
    expect(row).toMatchObject({
      run_id: 'run-1',
      snapshot_id: snapshotId,
      pipeline_name: 'my_job',
      mode: null,
      status: 'NOT_STARTED',
      run_body: serializeValue(run),
      partition: 'p1',
      partition_set: 'my_job_partition_set',
      start_time: null,
      end_time: null,
      backfill_id: 'bf',
    });
    expect(row!.create_timestamp).toMatch(NAIVE_UTC);
    expect(row!.update_timestamp).toBe(row!.create_timestamp);
    expect(await db.all('SELECT run_id, "key", value FROM run_tags ORDER BY id')).toEqual([
      { run_id: 'run-1', key: RUN_TAGS.REPOSITORY_LABEL, value: 'repo@fake:fake' },
      { run_id: 'run-1', key: RUN_TAGS.PARTITION_NAME, value: 'p1' },
      { run_id: 'run-1', key: RUN_TAGS.PARTITION_SET, value: 'my_job_partition_set' },
      { run_id: 'run-1', key: RUN_TAGS.BACKFILL_ID, value: 'bf' },
    ]);

    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    await storage.handleRunEvent('run-1', new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'my_job' }), when);
    expect(await db.get('SELECT status, update_timestamp, start_time, end_time, run_body FROM runs WHERE run_id = ?', ['run-1'])).toEqual({
      status: 'STARTED',
      update_timestamp: '2024-01-02 03:04:05.678000',
      start_time: when.getTime() / 1000,
      end_time: null,
      run_body: serializeValue(run.withStatus(DagsterRunStatus.STARTED)),
    });

    await storage.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: 1_731_665_100.0053, daemonType: 'SCHEDULER', daemonId: 'd1', errors: [] }));
    expect(await db.get('SELECT daemon_type, daemon_id, "timestamp", body FROM daemon_heartbeats')).toEqual({
      daemon_type: 'SCHEDULER',
      daemon_id: 'd1',
      timestamp: '2024-11-15 10:05:00.005300',
      body: '{"__class__": "DaemonHeartbeat", "daemon_id": "d1", "daemon_type": "SCHEDULER", "errors": [], "timestamp": 1731665100.0053}',
    });

    const bf = backfill('bf', { tags: { user: 'me' } });
    await storage.addBackfill(bf);
    expect(await db.get('SELECT "key", status, "timestamp", body, action_type, selector_id, job_name FROM bulk_actions')).toEqual({
      key: 'bf',
      status: 'REQUESTED',
      timestamp: '2023-11-14 22:13:20.250000',
      body: serializeValue(bf),
      action_type: 'PARTITION_BACKFILL',
      selector_id: bf.selectorId,
      job_name: 'my_job',
    });
    expect(await db.all('SELECT backfill_id, "key", value FROM backfill_tags')).toEqual([{ backfill_id: 'bf', key: 'user', value: 'me' }]);

    await storage.setCursorValues({ cursor: 'c1' });
    expect(await db.all('SELECT "key", value FROM kvs')).toEqual([{ key: 'cursor', value: 'c1' }]);
    const storageId = await storage.getRunStorageId();
    expect(await db.all('SELECT run_storage_id FROM instance_info')).toEqual([{ run_storage_id: storageId }]);
    expect(await storage.alembicVersion()).toEqual({ current: HEAD_REVISION, head: HEAD_REVISION });
  });

  it('reads a run Dagster wrote, applying the status column over the body', async () => {
    await using layout = await openSqliteLayout(':memory:');
    await using storage = new SqlRunStorage({ driver: layout.runs });
    // Facts §4.4, verbatim from the 1.12.3 fixture (with a field newer than inst's reader).
    const body =
      '{"__class__": "PipelineRun", "asset_check_selection": null, "asset_selection": null, "execution_plan_snapshot_id": null, "external_pipeline_origin": null, "has_repository_load_data": false, "mode": null, "parent_run_id": null, "partitions_subset": null, "pipeline_code_origin": null, "pipeline_name": "foo", "pipeline_snapshot_id": null, "root_run_id": null, "run_config": {}, "run_id": "b2082f26-e096-4355-bdbe-478b33fd35c7", "run_op_concurrency": null, "solid_selection": null, "solids_to_execute": null, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}, "step_keys_to_execute": null, "tags": {"dagster/backfill": "in_progress_backfill"}}';
    await layout.runs.run(
      "INSERT INTO runs (run_id, pipeline_name, status, run_body, create_timestamp, update_timestamp) VALUES (?, 'foo', 'CANCELED', ?, '2025-11-15 21:46:57', '2025-11-15 21:46:57.123456')",
      ['b2082f26-e096-4355-bdbe-478b33fd35c7', body],
    );
    const [record] = await storage.getRunRecords();
    expect(record!.dagsterRun.status).toBe(DagsterRunStatus.CANCELED);
    expect(record!.dagsterRun.tags).toEqual({ 'dagster/backfill': 'in_progress_backfill' });
    expect(record!.createTimestamp.toISOString()).toBe('2025-11-15T21:46:57.000Z');
    expect(record!.updateTimestamp.toISOString()).toBe('2025-11-15T21:46:57.123Z');
  });

  it('names the table and row of a row that does not read', async () => {
    await using layout = await openSqliteLayout(':memory:');
    await using storage = new SqlRunStorage({ driver: layout.runs });
    const db = layout.runs;
    await storage.addRun(new DagsterRun({ runId: 'good', jobName: 'job' }));
    const { lastInsertId } = await db.run("INSERT INTO runs (run_id, pipeline_name, status, run_body) VALUES ('bad', 'job', 'NOT_STARTED', '{not json')");
    await expect(storage.getRuns()).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'runs', rowId: lastInsertId });
    await expect(storage.getRunGroup('bad')).rejects.toBeInstanceOf(CorruptRowError);
    await db.run("UPDATE runs SET run_body = ?, status = 'NO_SUCH_STATUS' WHERE run_id = 'bad'", [serializeValue(new DagsterRun({ runId: 'bad', jobName: 'job' }))]);
    await expect(storage.getRunRecords()).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'runs' });

    await db.run("INSERT INTO daemon_heartbeats (daemon_type, \"timestamp\", body) VALUES ('SENSOR', '2024-01-01 00:00:00', '[]')");
    await expect(storage.getDaemonHeartbeats()).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'daemon_heartbeats' });
    await db.run("INSERT INTO snapshots (snapshot_id, snapshot_body, snapshot_type) VALUES ('snap', X'00ff', 'PIPELINE')");
    await expect(storage.getJobSnapshot('snap')).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'snapshots', rowId: 'snap' });
    await db.run("INSERT INTO bulk_actions (\"key\", status, \"timestamp\", body) VALUES ('bf', 'REQUESTED', '2024-01-01 00:00:00', 'null')");
    await expect(storage.getBackfills()).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'bulk_actions' });
    await expect(storage.getBackfill('bf')).rejects.toBeInstanceOf(CorruptRowError);
  });
});

/** Executes like `inner` but fails any statement matching `failOn` (to break a write half-way). */
function failingDriver(inner: SqlDriver, failOn: RegExp): SqlDriver {
  const wrap = (executor: SqlExecutor): SqlExecutor => ({
    dialect: executor.dialect,
    all: (sql, params) => executor.all(sql, params),
    get: (sql, params) => executor.get(sql, params),
    run: (sql, params) => (failOn.test(sql) ? Promise.reject(new Error(`injected failure: ${sql}`)) : executor.run(sql, params)),
    transaction: (fn, options) => executor.transaction((tx) => fn(wrap(tx)), options),
  });
  return { ...wrap(inner), close: () => inner.close() };
}

describe('SqlRunStorage on SQLite: nothing half-written', () => {
  it('a run whose tags fail to write is not added', async () => {
    await using layout = await openSqliteLayout(':memory:');
    await using storage = new SqlRunStorage({ driver: failingDriver(layout.runs, /INSERT INTO run_tags/) });
    await expect(storage.addRun(new DagsterRun({ runId: 'r', jobName: 'job', tags: { a: 'b' } }))).rejects.toThrow(/injected failure/);
    expect(await storage.hasRun('r')).toBe(false);
    expect(await layout.runs.get('SELECT COUNT(*) AS n FROM runs')).toEqual({ n: 0 });
  });

  it('a failure event whose reason tag fails to write leaves the run as it was', async () => {
    await using layout = await openSqliteLayout(':memory:');
    await new SqlRunStorage({ driver: layout.runs }).addRun(new DagsterRun({ runId: 'r', jobName: 'job', status: DagsterRunStatus.STARTED }));
    await using storage = new SqlRunStorage({ driver: failingDriver(layout.runs, /INSERT INTO run_tags/) });
    const failure = new DagsterEvent({
      eventTypeValue: DagsterEventType.RUN_FAILURE,
      jobName: 'job',
      eventSpecificData: new JobFailureData({ error: null, failureReason: RunFailureReason.STEP_FAILURE }),
    });
    await expect(storage.handleRunEvent('r', failure)).rejects.toThrow(/injected failure/);
    const [record] = await storage.getRunRecords();
    expect(record!.dagsterRun.status).toBe(DagsterRunStatus.STARTED);
    expect(record!.dagsterRun.tags).toEqual({});
    expect(record!.endTime).toBeNull();
  });

  it('a backfill whose tags fail to write is not added', async () => {
    await using layout = await openSqliteLayout(':memory:');
    await using storage = new SqlRunStorage({ driver: failingDriver(layout.runs, /INSERT INTO backfill_tags/) });
    await expect(storage.addBackfill(backfill('bf', { tags: { a: 'b' } }))).rejects.toThrow(/injected failure/);
    expect(await storage.getBackfills()).toEqual([]);
  });

  it('a wipe that fails half-way deletes nothing', async () => {
    await using layout = await openSqliteLayout(':memory:');
    await new SqlRunStorage({ driver: layout.runs }).addRun(new DagsterRun({ runId: 'r', jobName: 'job', tags: { a: 'b' } }));
    await using storage = new SqlRunStorage({ driver: failingDriver(layout.runs, /DELETE FROM snapshots/) });
    await expect(storage.wipe()).rejects.toThrow(/injected failure/);
    expect(await storage.getRunIds()).toEqual(['r']);
    expect(await storage.getRunTagKeys()).toEqual(['a']);
  });
});

/** runs.db as Dagster 1.8.12 created it: that schema, stamped, its own data migrations done. */
async function dagster1812RunsDb(): Promise<SqliteDriver> {
  const db = await SqliteDriver.open(':memory:');
  for (const statement of createSchemaSql(metadataAtRevision(RUN_STORAGE_METADATA, BASELINE_REVISION), 'sqlite')) await db.run(statement);
  await stampRevision(db, BASELINE_REVISION);
  for (const name of ['run_partitions', 'run_repo_label_tags', 'bulk_action_types', 'run_start_end_overwritten']) await markSecondaryIndexBuilt(db, name);
  return db;
}

describe('SqlRunStorage on a Dagster 1.8.12 runs.db', () => {
  it('works before the upgrade (probing columns and data migrations) and after it', async () => {
    const db = await dagster1812RunsDb();
    await using storage = new SqlRunStorage({ driver: db, ownsDriver: true });
    expect(await hasColumn(db, 'runs', 'backfill_id')).toBe(false);

    // Before: no backfill_id column, no backfill_tags table, no bulk_actions.job_name.
    await storage.addBackfill(backfill('bf_done', { tags: { team: 'a' }, status: BulkActionStatus.COMPLETED_SUCCESS, backfillTimestamp: 1_700_000_000 }));
    await storage.addBackfill(backfill('bf_empty', { status: BulkActionStatus.FAILED, backfillTimestamp: 1_700_000_100 }));
    await storage.addBackfill(backfill('bf_running', { tags: { team: 'b' }, backfillTimestamp: 1_700_000_200 }));
    const runs = [
      new DagsterRun({ runId: 'r1', jobName: 'my_job', tags: { [RUN_TAGS.BACKFILL_ID]: 'bf_done', team: 'a' } }),
      new DagsterRun({ runId: 'r2', jobName: 'my_job', tags: { [RUN_TAGS.BACKFILL_ID]: 'bf_done', team: 'a', extra: 'x' } }),
      new DagsterRun({ runId: 'r3', jobName: 'other_job' }),
    ];
    for (const run of runs) await storage.addRun(run);
    await storage.handleRunEvent('r1', new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_SUCCESS, jobName: 'my_job' }), new Date(1_700_000_050_000));
    await storage.handleRunEvent('r2', new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_FAILURE, jobName: 'my_job' }), new Date(1_700_000_060_500));

    const queries = async (): Promise<unknown> => ({
      subruns: await storage.getRunIds(new RunsFilter({ excludeSubruns: true })),
      byTeam: (await storage.getBackfills(new BulkActionsFilter({ tags: { team: 'a' } }))).map((b) => b.backfillId),
      byExtra: (await storage.getBackfills(new BulkActionsFilter({ tags: { extra: 'x' } }))).map((b) => b.backfillId),
      byJob: (await storage.getBackfills(new BulkActionsFilter({ jobName: 'my_job' }))).map((b) => b.backfillId),
      countByTeam: await storage.getBackfillsCount(new BulkActionsFilter({ tags: { team: 'a' } })),
    });
    // Answered through run tags: only backfills that launched runs are found by tag or job.
    expect(await queries()).toEqual({ subruns: ['r3'], byTeam: ['bf_done'], byExtra: [], byJob: ['bf_done'], countByTeam: 1 });

    const logged: string[] = [];
    await storage.upgrade({ printFn: (m) => logged.push(m) });
    expect(await storage.alembicVersion()).toEqual({ current: HEAD_REVISION, head: HEAD_REVISION });
    for (const name of ['run_backfill_id', 'backfill_job_name_and_tags', 'backfill_end_timestamp']) {
      expect(await hasSecondaryIndex(db, name), name).toBe(true);
      expect(await storage.hasBuiltIndex(name)).toBe(true);
    }
    expect(await db.all('SELECT run_id, backfill_id FROM runs ORDER BY id')).toEqual([
      { run_id: 'r1', backfill_id: 'bf_done' },
      { run_id: 'r2', backfill_id: 'bf_done' },
      { run_id: 'r3', backfill_id: null },
    ]);
    expect(await db.all('SELECT backfill_id, "key", value FROM backfill_tags ORDER BY backfill_id')).toEqual([
      { backfill_id: 'bf_done', key: 'team', value: 'a' },
      { backfill_id: 'bf_running', key: 'team', value: 'b' },
    ]);
    expect(await db.all('SELECT "key", job_name FROM bulk_actions ORDER BY id')).toEqual([
      { key: 'bf_done', job_name: 'my_job' },
      { key: 'bf_empty', job_name: 'my_job' },
      { key: 'bf_running', job_name: 'my_job' },
    ]);
    // Finished backfills get the latest end time of their runs, or their start when they ran none.
    expect((await storage.getBackfill('bf_done'))!.backfillEndTimestamp).toBe(1_700_000_060.5);
    expect((await storage.getBackfill('bf_empty'))!.backfillEndTimestamp).toBe(1_700_000_100);
    expect((await storage.getBackfill('bf_running'))!.backfillEndTimestamp).toBeNull();
    expect(logged.some((m) => m.includes('backfill_end_timestamp'))).toBe(true);

    // After: the same answers from the new columns and tables, and backfills found by their own tags.
    expect(await queries()).toEqual({ subruns: ['r3'], byTeam: ['bf_done'], byExtra: [], byJob: ['bf_running', 'bf_empty', 'bf_done'], countByTeam: 1 });
    expect((await storage.getBackfills(new BulkActionsFilter({ tags: { team: 'b' } }))).map((b) => b.backfillId)).toEqual(['bf_running']);
    await storage.addRun(new DagsterRun({ runId: 'r4', jobName: 'my_job', tags: { [RUN_TAGS.BACKFILL_ID]: 'bf_running' } }));
    expect(await db.get('SELECT backfill_id FROM runs WHERE run_id = ?', ['r4'])).toEqual({ backfill_id: 'bf_running' });
  });

  it('migrate({ forceRebuildAll }) runs the data migrations again without duplicating rows', async () => {
    const db = await dagster1812RunsDb();
    await using storage = new SqlRunStorage({ driver: db, ownsDriver: true });
    await storage.upgrade();
    await storage.addBackfill(backfill('bf', { tags: { a: '1', b: '2' } }));
    await storage.migrate({ forceRebuildAll: true });
    expect(await db.all('SELECT "key", value FROM backfill_tags ORDER BY "key"')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
  });

  it('run_repo_label_tags and bulk_action_types fill what old Dagster versions left out', async () => {
    const db = await dagster1812RunsDb();
    await db.run("DELETE FROM secondary_indexes WHERE name IN ('run_repo_label_tags', 'bulk_action_types', 'run_partitions')");
    await using storage = new SqlRunStorage({ driver: db, ownsDriver: true });
    const run = new DagsterRun({
      runId: 'old',
      jobName: 'my_job',
      remoteJobOrigin: origin.getJobOrigin('my_job'),
      tags: { [RUN_TAGS.PARTITION_NAME]: 'p', [RUN_TAGS.PARTITION_SET]: 'ps' },
    });
    // As an old Dagster wrote it: no repository tag row, no partition columns, an untyped backfill.
    await db.run("INSERT INTO runs (run_id, pipeline_name, status, run_body) VALUES ('old', 'my_job', 'SUCCESS', ?)", [serializeValue(run)]);
    await db.run("INSERT INTO run_tags (run_id, \"key\", value) VALUES ('old', ?, 'p'), ('old', ?, 'ps')", [RUN_TAGS.PARTITION_NAME, RUN_TAGS.PARTITION_SET]);
    const bf = backfill('bf');
    await db.run("INSERT INTO bulk_actions (\"key\", status, \"timestamp\", body) VALUES ('bf', 'REQUESTED', '2024-01-01 00:00:00', ?)", [serializeValue(bf)]);

    await storage.migrate();
    expect(await db.get('SELECT "partition", partition_set FROM runs')).toEqual({ partition: 'p', partition_set: 'ps' });
    expect(await storage.getRunTags([RUN_TAGS.REPOSITORY_LABEL])).toEqual([[RUN_TAGS.REPOSITORY_LABEL, new Set(['repo@fake:fake'])]]);
    expect(await db.get('SELECT action_type, selector_id FROM bulk_actions')).toEqual({ action_type: 'PARTITION_BACKFILL', selector_id: bf.selectorId });
    for (const name of ['run_partitions', 'run_repo_label_tags', 'bulk_action_types']) expect(await storage.hasBuiltIndex(name)).toBe(true);
  });

  it('optimize() rewrites run times from the event log when given runTimes, and is skipped without', async () => {
    const db = await dagster1812RunsDb();
    await db.run("DELETE FROM secondary_indexes WHERE name = 'run_start_end_overwritten'");
    const seen: string[] = [];
    await using storage = new SqlRunStorage({
      driver: db,
      ownsDriver: true,
      runTimes: async (runId) => {
        seen.push(runId);
        return { startTime: 10.5, endTime: 20.25 };
      },
    });
    for (const [runId, status] of [['queued', DagsterRunStatus.NOT_STARTED], ['done', DagsterRunStatus.SUCCESS]] as const) {
      await storage.addRun(new DagsterRun({ runId, jobName: 'job', status }));
    }
    await storage.optimize();
    expect(seen).toEqual(['done']);
    expect(await db.all('SELECT run_id, start_time, end_time FROM runs ORDER BY id')).toEqual([
      { run_id: 'queued', start_time: null, end_time: null },
      { run_id: 'done', start_time: 10.5, end_time: 20.25 },
    ]);
    expect(await storage.hasBuiltIndex('run_start_end_overwritten')).toBe(true);

    const other = await dagster1812RunsDb();
    await other.run("DELETE FROM secondary_indexes WHERE name = 'run_start_end_overwritten'");
    await using withoutTimes = new SqlRunStorage({ driver: other, ownsDriver: true });
    const logged: string[] = [];
    await withoutTimes.optimize({ printFn: (m) => logged.push(m) });
    expect(await withoutTimes.hasBuiltIndex('run_start_end_overwritten')).toBe(false);
    expect(logged).toHaveLength(1);
  });
});

describe('SqlRunStorage on a file home', () => {
  it('two storages on one home see each other’s writes (as two processes would)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'inst-run-storage-'));
    try {
      await using a = await storageOnLayout(home, false);
      await using b = await storageOnLayout(home, false);
      const runId = randomUUID();
      await a.addRun(new DagsterRun({ runId, jobName: 'job' }));
      await b.addRunTags(runId, { who: 'b' });
      expect((await a.getRuns())[0]!.tags).toEqual({ who: 'b' });
      expect(await a.getRunStorageId()).toBe(await b.getRunStorageId());
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
