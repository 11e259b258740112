import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MigrationRequiredError } from '@inst/errors';
import { decompressSnapshot, deserializeValue, serializeValue } from '@inst/serdes';
import { createPgDriver, type PgDriver } from '@inst/storage-postgres';
import { createScratchDatabase, loadDagsterDump, pgAvailable, testPgUrl, type DumpVersion, type ScratchDatabase } from '@inst/storage-postgres/testing';
import {
  AssetMaterialization,
  BulkActionsFilter,
  BulkActionStatus,
  DagsterEvent,
  DagsterEventType,
  EventLogEntry,
  EventLogRecord,
  NodeHandle,
  PartitionBackfill,
  RemotePartitionSetOrigin,
  RunsFilter,
  StepHandle,
  StepMaterializationData,
} from '@inst/types';
import type { DagsterRun } from '@inst/types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Instance } from '../src/index';

/*
 * Dagster's own Postgres databases (the back-compat fixtures of dagster-postgres, facts §9) opened
 * by inst as they are: each dump is loaded into a scratch database, a dagster.yaml points at it, and
 * Instance.fromConfig opens it. Before the upgrade what needs a missing column fails with a typed
 * MigrationRequiredError and the rest reads; instance.upgrade() brings it to the head schema with the
 * checks of Dagster's test_back_compat.py; then every stored document reads and re-serializes to
 * its stored bytes, and what inst writes has the shapes Dagster writes.
 */

const available = await pgAvailable();
if (!available) console.warn(`postgres-interop: no PostgreSQL at ${testPgUrl()}; set INST_TEST_PG_URL to run these tests`);

const HEAD = 'd5c0e2416d9e';

/** Fields newer Dagster versions write in run bodies that the (older) fixture runs lack. */
const NEWER_RUN_FIELDS = ['partitions_subset'];

/** How each dump's dagster.yaml names its database: Dagster's three spellings. */
const CONFIG_FORMS: Record<DumpVersion, (url: string, env: Record<string, string>) => string> = {
  // postgres_url from an environment variable
  '1_8_12': (url, env) => {
    env.INST_INTEROP_PG_URL = url;
    return 'storage:\n  postgres:\n    postgres_url:\n      env: INST_INTEROP_PG_URL\n';
  },
  // the postgres_db fields, the database name from an environment variable
  '1_9_3': (url, env) => {
    const parsed = new URL(url);
    env.INST_INTEROP_PG_DB = decodeURIComponent(parsed.pathname.slice(1));
    return [
      'storage:',
      '  postgres:',
      '    postgres_db:',
      `      username: ${decodeURIComponent(parsed.username) || 'postgres'}`,
      ...(parsed.password ? [`      password: ${JSON.stringify(decodeURIComponent(parsed.password))}`] : []),
      `      hostname: ${parsed.hostname}`,
      `      port: ${parsed.port || 5432}`,
      '      db_name:',
      '        env: INST_INTEROP_PG_DB',
      '    pool_size: 3',
      '',
    ].join('\n');
  },
  // a literal postgres_url
  '1_12_3': (url) => `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(url)}\n`,
};

interface Opened {
  readonly scratch: ScratchDatabase;
  readonly dir: string;
  readonly raw: PgDriver;
  instance: Instance;
}

async function openDump(version: DumpVersion): Promise<Opened> {
  const scratch = await createScratchDatabase(`inst_interop_${version}`);
  await loadDagsterDump(scratch.url, version);
  // Sessions default to UTC+8, as on the server behind the fixtures' 2024 rows: inst must still write naive UTC.
  const admin = createPgDriver({ url: scratch.url }, { poolSize: 1 });
  await admin.run(`ALTER DATABASE "${scratch.name}" SET TimeZone = 'Asia/Singapore'`);
  await admin.close();
  const dir = mkdtempSync(join(tmpdir(), `inst-interop-${version}-`));
  const env: Record<string, string> = {};
  writeFileSync(join(dir, 'dagster.yaml'), CONFIG_FORMS[version](scratch.url, env));
  Object.assign(process.env, env);
  try {
    const instance = await Instance.fromConfig(dir);
    // Named apart from the instance's connections (`inst`, `inst-listener`), which a test terminates.
    return { scratch, dir, raw: createPgDriver({ url: scratch.url }, { poolSize: 2, applicationName: 'inst-interop-test' }), instance };
  } finally {
    // The config is read when the instance opens; the variables are not needed after that.
    for (const name of Object.keys(env)) delete process.env[name];
  }
}

async function closeDump(opened: Opened | undefined): Promise<void> {
  if (!opened) return;
  await opened.instance.dispose();
  await opened.raw.close();
  await opened.scratch.drop();
  rmSync(opened.dir, { recursive: true, force: true });
}

async function revision(raw: PgDriver): Promise<string | undefined> {
  return (await raw.get<{ version_num: string }>('SELECT version_num FROM alembic_version'))?.version_num;
}

async function hasIndex(raw: PgDriver, name: string): Promise<boolean> {
  return (await raw.get('SELECT 1 AS x FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?', [name])) !== undefined;
}

async function hasColumn(raw: PgDriver, table: string, column: string): Promise<boolean> {
  return (await raw.get('SELECT 1 AS x FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?', [table, column])) !== undefined;
}

async function hasTable(raw: PgDriver, table: string): Promise<boolean> {
  return (await raw.get('SELECT 1 AS x FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?', [table])) !== undefined;
}

/** Every stored document reads through the instance and serializes back to the bytes in its column. */
async function expectEveryDocumentRoundTrips(opened: Opened): Promise<void> {
  const { raw, instance } = opened;

  const runs = await raw.all<{ run_id: string; run_body: string; status: string }>('SELECT run_id, run_body, status FROM runs ORDER BY id');
  expect(runs.length).toBeGreaterThan(0);
  for (const row of runs) {
    expect(serializeValue(deserializeValue(row.run_body)), `runs.run_body of ${row.run_id}`).toBe(row.run_body);
    const run = await instance.getRunById(row.run_id);
    expect(run?.status).toBe(row.status);
    const record = (await instance.getRunRecords(new RunsFilter({ runIds: [row.run_id] })))[0]!;
    expect(record.dagsterRun.runId).toBe(row.run_id);
    if ((deserializeValue(row.run_body) as DagsterRun).status === row.status) expect(serializeValue(run)).toBe(row.run_body);
  }

  const events = await raw.all<{ id: number; run_id: string; event: string }>('SELECT id, run_id, event FROM event_logs ORDER BY id');
  const byId = new Map<number, EventLogEntry>();
  for (const runId of new Set(events.map((e) => e.run_id))) {
    for (const record of (await instance.getRecordsForRun(runId)).records) byId.set(record.storageId, record.eventLogEntry);
  }
  for (const row of events) {
    const entry = byId.get(row.id);
    expect(entry, `event ${row.id} reads`).toBeDefined();
    expect(serializeValue(entry), `event_logs.event ${row.id}`).toBe(row.event);
  }
  expect((await instance.allLogs(runs[0]!.run_id)).length).toBe(events.filter((e) => e.run_id === runs[0]!.run_id).length);

  const snapshots = await raw.all<{ snapshot_id: string; snapshot_body: Buffer; snapshot_type: string }>('SELECT snapshot_id, snapshot_body, snapshot_type FROM snapshots');
  for (const row of snapshots) {
    const json = decompressSnapshot(row.snapshot_body);
    expect(createHash('sha1').update(json).digest('hex')).toBe(row.snapshot_id);
    const snapshot = row.snapshot_type === 'PIPELINE' ? await instance.getJobSnapshot(row.snapshot_id) : await instance.getExecutionPlanSnapshot(row.snapshot_id);
    expect(serializeValue(snapshot), `snapshot ${row.snapshot_id}`).toBe(json);
  }

  for (const row of await raw.all<{ key: string; body: string }>('SELECT "key", body FROM bulk_actions')) {
    expect(serializeValue(await instance.getBackfill(row.key)), `bulk_actions.body ${row.key}`).toBe(row.body);
  }

  const heartbeats = await instance.getDaemonHeartbeats();
  for (const row of await raw.all<{ daemon_type: string; body: string }>('SELECT daemon_type, body FROM daemon_heartbeats')) {
    expect(serializeValue(heartbeats.get(row.daemon_type)), `daemon_heartbeats.body ${row.daemon_type}`).toBe(row.body);
  }

  const assetRows = await raw.all<{ asset_key: string; last_materialization: string | null; asset_details: string | null }>(
    'SELECT asset_key, last_materialization, asset_details FROM asset_keys',
  );
  const assetRecords = await instance.getAssetRecords();
  for (const row of assetRows) {
    const record = assetRecords.find((r) => r.assetEntry.assetKey.toString() === row.asset_key);
    expect(record, `asset ${row.asset_key}`).toBeDefined();
    if (row.last_materialization) expect(serializeValue(record!.assetEntry.lastMaterializationRecord)).toBe(row.last_materialization);
    if (row.asset_details) expect(serializeValue(record!.assetEntry.assetDetails)).toBe(row.asset_details);
  }

  const storageId = await raw.get<{ run_storage_id: string }>('SELECT run_storage_id FROM instance_info');
  expect(await instance.runStorage.getRunStorageId()).toBe(storageId!.run_storage_id);
  const kvs = await raw.all<{ key: string; value: string }>('SELECT "key", value FROM kvs');
  const cursors = await instance.runStorage.getCursorValues(kvs.map((r) => r.key));
  for (const row of kvs) expect(cursors.get(row.key)).toBe(row.value);
}

/** The structure of a JSON document: keys and class / enum names, leaf values replaced by their type. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(object).sort().map((key) => [key, key === '__class__' || key === '__enum__' ? object[key] : shapeOf(object[key])]));
  }
  return value === null ? null : typeof value;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff`, the naive-UTC text Dagster stores for a unix time (ms precision here). */
function naiveUtc(seconds: number): string {
  return `${new Date(Math.round(seconds * 1000)).toISOString().replace('T', ' ').replace('Z', '')}000`;
}

const nowSeconds = (): number => Math.round(Date.now()) / 1000;

interface RunRow {
  readonly id: number;
  readonly run_id: string;
  readonly run_body: string;
  readonly pipeline_name: string;
  readonly status: string;
  readonly snapshot_id: string | null;
  readonly partition: string | null;
  readonly partition_set: string | null;
  readonly create_timestamp: string;
  readonly update_timestamp: string;
  readonly start_time: number | null;
  readonly end_time: number | null;
  readonly backfill_id?: string | null;
}

interface EventRow {
  readonly id: number;
  readonly run_id: string;
  readonly event: string;
  readonly dagster_event_type: string | null;
  readonly timestamp: string;
  readonly step_key: string | null;
  readonly asset_key: string | null;
  readonly partition: string | null;
}

/** The newest run of the dump that has a code origin (it has a `.dagster/repository` tag). */
async function newestRunWithOrigin(raw: PgDriver): Promise<RunRow> {
  return (await raw.get<RunRow>(
    `SELECT * FROM runs WHERE run_id IN (SELECT run_id FROM run_tags WHERE "key" = '.dagster/repository') ORDER BY id DESC LIMIT 1`,
  ))!;
}

async function newestEvent(raw: PgDriver, type: string): Promise<EventRow> {
  return (await raw.get<EventRow>('SELECT * FROM event_logs WHERE dagster_event_type = ? ORDER BY id DESC LIMIT 1', [type]))!;
}

/** Runs before the upgrade (Dagster's test_add_backfill_id_column adds them on the old schema). */
interface PreUpgradeRuns {
  readonly plain: string;
  readonly inBackfill: string;
  readonly notSubruns: string[];
}

async function addRunsBeforeUpgrade(instance: Instance): Promise<PreUpgradeRuns> {
  const plain = await instance.createRun({ jobName: 'foo' });
  const inBackfill = await instance.createRun({ jobName: 'foo', tags: { 'dagster/backfill': 'backfillid' } });
  const notSubruns = (await instance.getRuns(new RunsFilter({ excludeSubruns: true }))).map((run) => run.runId);
  expect(notSubruns).toContain(plain.runId);
  expect(notSubruns).not.toContain(inBackfill.runId);
  return { plain: plain.runId, inBackfill: inBackfill.runId, notSubruns };
}

describe.skipIf(!available)('Dagster Postgres databases opened by inst', () => {
  describe.each(['1_8_12', '1_9_3', '1_12_3'] as const)('dump %s', (version) => {
    let opened: Opened;
    let fromRevision: string | undefined;
    let preUpgrade: PreUpgradeRuns;

    beforeAll(async () => {
      opened = await openDump(version);
      fromRevision = await revision(opened.raw);
    });

    afterAll(async () => {
      await closeDump(opened);
    });

    it('opens as it is, not upgraded, and reads what needs no migration', async () => {
      const { raw, instance } = opened;
      expect(fromRevision).toBe({ '1_8_12': '284a732df317', '1_9_3': '16e3655b4d9b', '1_12_3': '7e2f3204cf8e' }[version]);
      const runs = await instance.getRuns();
      const ids = (await raw.all<{ run_id: string }>('SELECT run_id FROM runs ORDER BY id DESC')).map((r) => r.run_id);
      expect(runs.map((run) => run.runId)).toEqual(ids);
      const origin = await newestRunWithOrigin(raw);
      expect((await instance.getRunById(origin.run_id))?.jobName).toBe(origin.pipeline_name);
      const logs = await instance.allLogs(origin.run_id);
      expect(logs.length).toBe(Number((await raw.get<{ n: number }>('SELECT count(*) AS n FROM event_logs WHERE run_id = ?', [origin.run_id]))!.n));
      await expectEveryDocumentRoundTrips(opened);
      // Opening changed nothing.
      expect(await revision(raw)).toBe(fromRevision);
    });

    if (version === '1_8_12') {
      it('before the upgrade: a query that needs runs.backfill_id fails with MigrationRequiredError naming the command', async () => {
        const { raw, instance } = opened;
        expect(await hasColumn(raw, 'runs', 'backfill_id')).toBe(false);
        expect(await hasIndex(raw, 'idx_runs_by_backfill_id')).toBe(false);
        expect(await hasTable(raw, 'backfill_tags')).toBe(false);
        expect(await hasColumn(raw, 'bulk_actions', 'job_name')).toBe(false);
        const error = await instance.getRunRecords(undefined, undefined, 'backfill_id').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(MigrationRequiredError);
        expect((error as MigrationRequiredError).code).toBe('MIGRATION_REQUIRED');
        expect((error as MigrationRequiredError).message).toContain('`inst instance migrate`');
        expect((error as MigrationRequiredError).currentRevision).toBe('284a732df317');
        expect((error as MigrationRequiredError).headRevision).toBe(HEAD);
        // exclude_subruns works through the dagster/backfill tag on the old schema.
        preUpgrade = await addRunsBeforeUpgrade(instance);
      });
    }

    if (version === '1_9_3') {
      it('before the upgrade: idx_run_tags, not idx_run_tags_run_id', async () => {
        expect(await hasIndex(opened.raw, 'idx_run_tags')).toBe(true);
        expect(await hasIndex(opened.raw, 'idx_run_tags_run_id')).toBe(false);
      });
    }

    it('instance.upgrade() brings it to the head schema with the checks of Dagster’s back-compat tests', async () => {
      const { raw, instance } = opened;
      const messages: string[] = [];
      await instance.upgrade((message: string) => messages.push(message));
      expect(messages.length).toBeGreaterThan(0);
      expect(await revision(raw)).toBe(HEAD);

      // test_add_backfill_id_column / test_add_runs_by_backfill_id_idx
      expect(await hasColumn(raw, 'runs', 'backfill_id')).toBe(true);
      expect(await hasIndex(raw, 'idx_runs_by_backfill_id')).toBe(true);
      expect(await instance.runStorage.hasBuiltIndex('run_backfill_id')).toBe(true);
      const tagged = await raw.all<{ run_id: string; backfill_id: string | null; tag: string | null }>(
        `SELECT runs.run_id, runs.backfill_id, t.value AS tag FROM runs LEFT JOIN run_tags t ON t.run_id = runs.run_id AND t."key" = 'dagster/backfill'`,
      );
      for (const row of tagged) expect(row.backfill_id).toBe(row.tag);
      if (preUpgrade) {
        expect(tagged.find((r) => r.run_id === preUpgrade.inBackfill)?.backfill_id).toBe('backfillid');
        expect(tagged.find((r) => r.run_id === preUpgrade.plain)?.backfill_id).toBeNull();
        const notSubruns = (await instance.getRuns(new RunsFilter({ excludeSubruns: true }))).map((run) => run.runId);
        expect(notSubruns).toEqual(preUpgrade.notSubruns);
      }

      // test_add_run_tags_run_id_idx
      expect(await hasIndex(raw, 'idx_run_tags')).toBe(false);
      expect(await hasIndex(raw, 'idx_run_tags_run_id')).toBe(true);

      // d5c0e2416d9e: the run tag statistics
      expect(await raw.get("SELECT 1 AS x FROM pg_statistic_ext WHERE stxname = 'run_tags_key_value_stats'")).toBeDefined();

      // test_add_backfill_tags / test_add_bulk_actions_job_name_column
      expect(await hasTable(raw, 'backfill_tags')).toBe(true);
      expect(await hasColumn(raw, 'bulk_actions', 'job_name')).toBe(true);
      expect(await instance.runStorage.hasBuiltIndex('backfill_job_name_and_tags')).toBe(true);
      const origin = await instance.getRunById((await newestRunWithOrigin(raw)).run_id);
      const jobName = `${version}_job`;
      const backfillId = `inst_${version}_backfill`;
      await instance.addBackfill(
        new PartitionBackfill({
          backfillId,
          status: BulkActionStatus.REQUESTED,
          fromFailure: false,
          tags: { team: 'data', 'dagster/partition_set': 'nightly' },
          backfillTimestamp: nowSeconds(),
          partitionSetOrigin: new RemotePartitionSetOrigin({ repositoryOrigin: origin!.remoteJobOrigin!.repositoryOrigin, partitionSetName: `${jobName}_partition_set` }),
          partitionNames: ['2024-01-01', '2024-01-02'],
        }),
      );
      expect(await raw.all('SELECT "key", value FROM backfill_tags WHERE backfill_id = ? ORDER BY "key"', [backfillId])).toEqual([
        { key: 'dagster/partition_set', value: 'nightly' },
        { key: 'team', value: 'data' },
      ]);
      expect((await raw.get<{ job_name: string }>('SELECT job_name FROM bulk_actions WHERE "key" = ?', [backfillId]))?.job_name).toBe(jobName);
      expect((await instance.getBackfills(new BulkActionsFilter({ tags: { team: 'data' } }))).map((b) => b.backfillId)).toEqual([backfillId]);
      expect((await instance.getBackfills(new BulkActionsFilter({ tags: { team: 'other' } }))).length).toBe(0);
      expect((await instance.getBackfills(new BulkActionsFilter({ jobName }))).map((b) => b.backfillId)).toEqual([backfillId]);

      // backfill_end_timestamp: a terminal backfill ends when its latest run did.
      expect(await instance.runStorage.hasBuiltIndex('backfill_end_timestamp')).toBe(true);
      if (version === '1_12_3') {
        const latest = await raw.get<{ end_time: number }>("SELECT max(end_time) AS end_time FROM runs WHERE backfill_id = 'before_end_timestamp_migration'");
        expect((await instance.getBackfill('before_end_timestamp_migration'))?.backfillEndTimestamp).toBe(latest!.end_time);
        expect((await instance.getBackfill('in_progress_backfill'))?.backfillEndTimestamp).toBeNull();
        const noRuns = await instance.getBackfill('no_runs_backfill');
        expect(noRuns?.backfillEndTimestamp).toBe(noRuns?.backfillTimestamp);
      }

      // Every data migration Dagster's upgrade runs is marked built, in the one secondary_indexes table
      // (asset_key_table belongs to reindex_events, not to the upgrade, as in Dagster).
      const built = (await raw.all<{ name: string }>('SELECT name FROM secondary_indexes WHERE migration_completed IS NOT NULL')).map((r) => r.name);
      for (const name of [
        'run_partitions',
        'run_repo_label_tags',
        'bulk_action_types',
        'run_backfill_id',
        'backfill_job_name_and_tags',
        'backfill_end_timestamp',
        'asset_key_index_columns',
        'schedule_jobs_selector_id',
      ]) {
        expect(built, name).toContain(name);
      }

      // A second upgrade has nothing left to do.
      await instance.upgrade();
      expect(await revision(raw)).toBe(HEAD);
    });

    it('after the upgrade every run, event, snapshot, backfill, heartbeat and asset record reads and re-serializes to its stored bytes', async () => {
      await expectEveryDocumentRoundTrips(opened);
    });

    it('what inst writes has the shapes Dagster writes, next to the newest rows of the dump', async () => {
      const { raw, instance } = opened;
      const fixtureRunRow = await newestRunWithOrigin(raw);
      const fixtureRun = (await instance.getRunById(fixtureRunRow.run_id))!;
      const fixtureMaterialization = await newestEvent(raw, 'ASSET_MATERIALIZATION');
      const fixtureEntry = deserializeValue(fixtureMaterialization.event) as EventLogEntry;
      const assetKey = fixtureEntry.dagsterEvent!.assetKey!;
      const stepKey = fixtureMaterialization.step_key!;

      const notifications: string[] = [];
      const listener = raw.createListener();
      await listener.start();
      listener.subscribe((runId, storageId) => notifications.push(`${runId}_${storageId}`));

      try {
        const run = await instance.createRun({
          jobName: fixtureRun.jobName,
          runConfig: {},
          tags: { owner: 'inst', 'dagster/partition': '2024-01-01', 'dagster/partition_set': 'nightly' },
          remoteJobOrigin: fixtureRun.remoteJobOrigin,
          jobCodeOrigin: fixtureRun.jobCodeOrigin,
          jobSnapshot: fixtureRun.jobSnapshotId ? await instance.getJobSnapshot(fixtureRun.jobSnapshotId) : null,
          executionPlanSnapshot: fixtureRun.executionPlanSnapshotId ? await instance.getExecutionPlanSnapshot(fixtureRun.executionPlanSnapshotId) : null,
          assetSelection: fixtureRun.assetSelection,
          stepKeysToExecute: fixtureRun.stepKeysToExecute,
        });

        // runs: the body is a PipelineRun like Dagster's, the columns are extracted as Dagster does.
        const runRow = (await raw.get<RunRow & { mode: string | null }>('SELECT * FROM runs WHERE run_id = ?', [run.runId]))!;
        expect(JSON.parse(runRow.run_body).__class__).toBe('PipelineRun');
        // The fixture's fields, plus those Dagster added to DagsterRun after these dumps were written.
        expect(Object.keys(JSON.parse(runRow.run_body)).sort()).toEqual([...Object.keys(JSON.parse(fixtureRunRow.run_body)), ...NEWER_RUN_FIELDS].sort());
        expect(shapeOf(JSON.parse(runRow.run_body).external_pipeline_origin)).toEqual(shapeOf(JSON.parse(fixtureRunRow.run_body).external_pipeline_origin));
        expect(runRow).toMatchObject({
          pipeline_name: fixtureRun.jobName,
          status: 'NOT_STARTED',
          snapshot_id: fixtureRunRow.snapshot_id,
          partition: '2024-01-01',
          partition_set: 'nightly',
          start_time: null,
          end_time: null,
          backfill_id: null,
        });
        expect(runRow.id).toBeGreaterThan(fixtureRunRow.id);
        const created = Date.parse(`${runRow.create_timestamp.replace(' ', 'T')}Z`);
        expect(Math.abs(created - Date.now())).toBeLessThan(60_000); // naive UTC, whatever the session's zone
        expect(runRow.update_timestamp).toBe(runRow.create_timestamp);

        // run_tags: the run's tags plus `.dagster/repository`, as the fixture's run has it.
        const tagRows = await raw.all<{ key: string; value: string }>('SELECT "key", value FROM run_tags WHERE run_id = ? ORDER BY "key"', [run.runId]);
        const fixtureRepository = await raw.get<{ value: string }>(`SELECT value FROM run_tags WHERE run_id = ? AND "key" = '.dagster/repository'`, [fixtureRunRow.run_id]);
        expect(tagRows).toEqual([
          { key: '.dagster/repository', value: fixtureRepository!.value },
          { key: 'dagster/partition', value: '2024-01-01' },
          { key: 'dagster/partition_set', value: 'nightly' },
          { key: 'owner', value: 'inst' },
        ]);

        // Events through handleNewEvent, as a run worker reports them.
        const nodeHandle = new NodeHandle({ name: stepKey, parent: null });
        const event = (type: DagsterEventType, data: object | null, message: string, step: boolean): EventLogEntry =>
          new EventLogEntry({
            errorInfo: null,
            level: 10,
            userMessage: message,
            runId: run.runId,
            timestamp: nowSeconds(),
            stepKey: step ? stepKey : null,
            jobName: run.jobName,
            dagsterEvent: new DagsterEvent({
              eventTypeValue: type,
              jobName: run.jobName,
              nodeHandle: step ? nodeHandle : null,
              stepHandle: step ? new StepHandle({ nodeHandle }) : null,
              stepKindValue: step ? 'COMPUTE' : null,
              loggingTags: step ? { job_name: run.jobName, op_name: stepKey, resource_fn_name: 'None', resource_name: 'None', run_id: run.runId, step_key: stepKey } : {},
              eventSpecificData: data,
              message,
              pid: process.pid,
            }),
          });
        const dataVersion = createHash('sha256').update(run.runId).digest('hex');
        const materialization = event(
          DagsterEventType.ASSET_MATERIALIZATION,
          new StepMaterializationData({
            materialization: new AssetMaterialization({
              assetKey,
              description: null,
              partition: null,
              // The fixture's metadata, so that its entries are written as Dagster wrote them there.
              metadata: fixtureEntry.assetMaterialization!.metadata,
              tags: { 'dagster/code_version': run.runId, 'dagster/data_version': dataVersion },
            }),
            assetLineage: [],
          }),
          `Materialized value ${stepKey}.`,
          true,
        );
        const runStart = event(DagsterEventType.RUN_START, null, `Started execution of run for "${run.jobName}".`, false);
        await instance.handleNewEvent(runStart);
        await instance.handleNewEvent(event(DagsterEventType.STEP_START, null, `Started execution of step "${stepKey}".`, true));
        await instance.handleNewEvent(materialization);
        const runSuccess = event(DagsterEventType.RUN_SUCCESS, null, `Finished execution of run for "${run.jobName}".`, false);
        await instance.handleNewEvent(runSuccess);

        // event_logs: Dagster's columns; the materialization body shaped as the fixture's.
        const rows = await raw.all<EventRow>('SELECT * FROM event_logs WHERE run_id = ? ORDER BY id', [run.runId]);
        const written = rows.filter((r) => r.dagster_event_type !== 'ASSET_MATERIALIZATION_PLANNED');
        expect(written.map((r) => [r.dagster_event_type, r.step_key, r.asset_key, r.partition])).toEqual([
          ['PIPELINE_START', null, null, null],
          ['STEP_START', stepKey, null, null],
          ['ASSET_MATERIALIZATION', stepKey, fixtureMaterialization.asset_key, null],
          ['PIPELINE_SUCCESS', null, null, null],
        ]);
        for (const row of rows) {
          const entry = deserializeValue(row.event) as EventLogEntry;
          expect(JSON.parse(row.event).__class__).toBe('EventLogEntry');
          expect(row.timestamp).toBe(naiveUtc(entry.timestamp));
        }
        const materializationRow = written[2]!;
        expect(shapeOf(JSON.parse(materializationRow.event))).toEqual(shapeOf(JSON.parse(fixtureMaterialization.event)));
        expect(serializeValue(materialization)).toBe(materializationRow.event);
        // createRun announced the selected asset's materialization, as Dagster does.
        const plannedRows = rows.filter((r) => r.dagster_event_type === 'ASSET_MATERIALIZATION_PLANNED');
        expect(plannedRows.length).toBe(1);
        const fixturePlanned = (await raw.get<EventRow>("SELECT * FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION_PLANNED' AND run_id <> ? ORDER BY id DESC LIMIT 1", [run.runId]))!;
        expect([plannedRows[0]!.step_key, plannedRows[0]!.asset_key, plannedRows[0]!.partition]).toEqual([fixturePlanned.step_key, fixturePlanned.asset_key, fixturePlanned.partition]);
        expect(shapeOf(JSON.parse(plannedRows[0]!.event))).toEqual(shapeOf(JSON.parse(fixturePlanned.event)));

        // The run's status, start and end come from its run events.
        const finished = (await raw.get<RunRow>('SELECT * FROM runs WHERE run_id = ?', [run.runId]))!;
        expect(finished.status).toBe('SUCCESS');
        expect(finished.start_time).toBe(runStart.timestamp);
        expect(finished.end_time).toBe(runSuccess.timestamp);
        expect(finished.update_timestamp).toBe(naiveUtc(runSuccess.timestamp));

        // asset_keys: the latest materialization as an EventLogRecord with its storage id; tags only for the data version.
        const assetRow = (await raw.get<{ last_materialization: string; last_run_id: string; last_materialization_timestamp: string }>(
          'SELECT last_materialization, last_run_id, last_materialization_timestamp FROM asset_keys WHERE asset_key = ?',
          [assetKey.toString()],
        ))!;
        expect(assetRow.last_materialization).toBe(serializeValue(new EventLogRecord({ storageId: materializationRow.id, eventLogEntry: materialization })));
        expect(assetRow.last_run_id).toBe(run.runId);
        expect(assetRow.last_materialization_timestamp).toBe(naiveUtc(materialization.timestamp));
        expect(await raw.all('SELECT event_id, asset_key, "key", value, event_timestamp FROM asset_event_tags WHERE event_id = ?', [materializationRow.id])).toEqual([
          { event_id: materializationRow.id, asset_key: assetKey.toString(), key: 'dagster/data_version', value: dataVersion, event_timestamp: naiveUtc(materialization.timestamp) },
        ]);
        expect((await instance.getLatestMaterializationEvent(assetKey))?.runId).toBe(run.runId);

        // Every stored event was announced on run_events, as Python watchers expect.
        const expected = rows.map((r) => `${run.runId}_${r.id}`);
        const deadline = Date.now() + 5000;
        while (expected.some((p) => !notifications.includes(p)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(notifications.filter((p) => p.startsWith(run.runId))).toEqual(expected);

        // And everything still round-trips, inst's rows included.
        await expectEveryDocumentRoundTrips(opened);
      } finally {
        await listener.close();
      }
    });

    if (version === '1_12_3') {
      it("survives pg_terminate_backend of the instance's pool and LISTEN connections mid-run: no committed event lost, the watcher keeps its place", async () => {
        const { raw, instance } = opened;
        const run = await instance.createRun({ jobName: 'foo', tags: { owner: 'inst' } });
        const step = (n: number): EventLogEntry =>
          new EventLogEntry({
            errorInfo: null,
            level: 20,
            userMessage: `event ${n}`,
            runId: run.runId,
            timestamp: nowSeconds(),
            stepKey: 'bar',
            jobName: 'foo',
            dagsterEvent: new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: 'foo', message: `event ${n}` }),
          });
        /** Another process writing the run, as Python Dagster does: the row, then NOTIFY in the same transaction. */
        const pythonWrite = async (n: number): Promise<void> => {
          await raw.transaction(async (tx) => {
            const { lastInsertId } = await tx.run(
              `INSERT INTO event_logs (run_id, event, dagster_event_type, "timestamp", step_key) VALUES (?, ?, 'ENGINE_EVENT', ?, 'bar') RETURNING id`,
              [run.runId, serializeValue(step(n)), naiveUtc(nowSeconds())],
            );
            await tx.run("SELECT pg_notify('run_events', ?)", [`${run.runId}_${lastInsertId!}`]);
          });
        };
        const terminate = async (): Promise<number> =>
          (
            await raw.all<{ ok: boolean }>(
              "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name IN ('inst', 'inst-listener')",
            )
          ).filter((r) => r.ok).length;
        const listening = async (): Promise<boolean> =>
          (await raw.get("SELECT 1 AS x FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'inst-listener'")) !== undefined;

        const controller = new AbortController();
        const seen: number[] = [];
        const watching = (async () => {
          for await (const { record } of instance.watchRunEvents(run.runId, { signal: controller.signal })) seen.push(record.storageId);
        })();
        const until = async (predicate: () => boolean | Promise<boolean>, what: string): Promise<void> => {
          const deadline = Date.now() + 10_000;
          while (!(await predicate())) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        };
        try {
          let n = 0;
          for (let i = 0; i < 3; i++) await instance.handleNewEvent(step(n++));
          for (let i = 0; i < 3; i++) await pythonWrite(n++);
          const committedIds = async (): Promise<number[]> =>
            (await raw.all<{ id: number }>('SELECT id FROM event_logs WHERE run_id = ? ORDER BY id', [run.runId])).map((r) => r.id);
          expect((await committedIds()).length).toBe(6);
          await until(() => seen.length === 6, 'the first events');
          await until(listening, 'the LISTEN connection');

          // The losses are reported as process warnings (the default of an instance given no logger), not thrown at anyone.
          const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
          expect(await terminate()).toBeGreaterThanOrEqual(2);
          for (let i = 0; i < 3; i++) await instance.handleNewEvent(step(n++));
          for (let i = 0; i < 3; i++) await pythonWrite(n++);
          await until(listening, 'LISTEN again');
          for (let i = 0; i < 3; i++) await pythonWrite(n++);

          const committed = await committedIds();
          expect(committed.length).toBe(15);
          await until(() => seen.length >= committed.length, 'every committed event');
          await new Promise((resolve) => setTimeout(resolve, 100));
          expect(seen).toEqual(committed);
          expect((await instance.allLogs(run.runId)).length).toBe(committed.length);
          expect(warn.mock.calls.some(([message]) => String(message).startsWith('Postgres connection: terminating connection'))).toBe(true);
          warn.mockRestore();
        } finally {
          controller.abort();
          await watching;
        }
      });
    }
  });
});
