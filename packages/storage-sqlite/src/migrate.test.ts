import { describe, expect, it } from 'vitest';
import { MigrationFailedError } from '@inst/errors';
import {
  BASELINE_REVISION,
  createSchemaSql,
  EVENT_LOG_METADATA,
  getRevision,
  getSchemaState,
  hasColumn,
  hasIndex,
  hasSecondaryIndex,
  hasTable,
  HEAD_REVISION,
  markSecondaryIndexBuilt,
  metadataAtRevision,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  stampRevision,
  upgradeSchema,
  type SchemaMetadata,
} from '@inst/storage-sql';
import { SqliteDriver } from './driver.js';
import { expectSchemaMatches } from './test-support/schema-assertions.js';

/** A file as Dagster 1.8.12 created it: create_all at that schema, stamped, its data migrations done. */
async function dagsterFile(metadata: SchemaMetadata, revision: string, builtIndexes: readonly string[]): Promise<SqliteDriver> {
  const db = await SqliteDriver.open(':memory:');
  for (const sql of createSchemaSql(metadataAtRevision(metadata, revision), 'sqlite')) await db.run(sql);
  await stampRevision(db, revision);
  for (const name of builtIndexes) await markSecondaryIndexBuilt(db, name);
  return db;
}

/** ALTER TABLE ADD COLUMN appends, so migrated tables have their columns in another order than fresh ones. */
const MIGRATED = { columnOrder: 'any' } as const;

const RUNS_1_8_12_BUILT = ['run_partitions', 'run_repo_label_tags', 'bulk_action_types', 'run_start_end_overwritten'];

async function seedRuns(db: SqliteDriver): Promise<void> {
  for (let i = 1; i <= 5; i++) {
    await db.run('INSERT INTO runs (run_id, pipeline_name, status, run_body) VALUES (?, ?, ?, ?)', [`run-${i}`, 'job', 'SUCCESS', '{}']);
  }
  const tags: [string, string, string][] = [
    ['run-1', 'dagster/backfill', 'bf-a'],
    ['run-2', 'dagster/backfill', 'bf-a'],
    ['run-3', 'dagster/backfill', 'bf-b'],
    ['run-3', 'dagster/backfill', 'bf-b'], // exact duplicate: would break the unique index
    ['run-4', 'owner', 'me'],
  ];
  for (const [runId, key, value] of tags) await db.run('INSERT INTO run_tags (run_id, "key", value) VALUES (?, ?, ?)', [runId, key, value]);
}

describe('upgradeSchema on SQLite', () => {
  it('brings a 1.8.12 runs.db to head: columns, tables, indexes, stamp, run_backfill_id', async () => {
    await using db = await dagsterFile(RUN_STORAGE_METADATA, BASELINE_REVISION, RUNS_1_8_12_BUILT);
    await seedRuns(db);

    const before = await getSchemaState(db, RUN_STORAGE_METADATA);
    expect(before.revision).toBe(BASELINE_REVISION);
    expect(before.needsMigration).toBe(true);
    expect(before.pendingSteps.map((s) => s.revision)).toEqual(['63d7a8ec641a', '1aca709bba64', '16e3655b4d9b', '6b7fb194ff9c']);
    expect(before.pendingDataMigrations).toEqual(['run_backfill_id', 'backfill_job_name_and_tags', 'backfill_end_timestamp']);

    const logged: string[] = [];
    const result = await upgradeSchema(db, RUN_STORAGE_METADATA, { log: (m) => logged.push(m), chunkSize: 2 });
    expect(result).toMatchObject({
      fromRevision: BASELINE_REVISION,
      toRevision: HEAD_REVISION,
      created: false,
      appliedSteps: ['63d7a8ec641a', '1aca709bba64', '16e3655b4d9b', '6b7fb194ff9c', '7e2f3204cf8e', 'd5c0e2416d9e'],
      dataMigrations: ['run_backfill_id'],
    });
    expect(logged.length).toBeGreaterThan(0);

    await expectSchemaMatches(db, RUN_STORAGE_METADATA, MIGRATED);
    expect(await getRevision(db)).toBe(HEAD_REVISION);
    expect(await db.all('SELECT run_id, backfill_id FROM runs ORDER BY id')).toEqual([
      { run_id: 'run-1', backfill_id: 'bf-a' },
      { run_id: 'run-2', backfill_id: 'bf-a' },
      { run_id: 'run-3', backfill_id: 'bf-b' },
      { run_id: 'run-4', backfill_id: null },
      { run_id: 'run-5', backfill_id: null },
    ]);
    expect(await db.get('SELECT COUNT(*) AS n FROM run_tags')).toEqual({ n: 4 });
    expect(await hasSecondaryIndex(db, 'run_backfill_id')).toBe(true);

    const after = await getSchemaState(db, RUN_STORAGE_METADATA);
    expect(after).toMatchObject({ upToDate: true, pendingSteps: [], needsMigration: false });
    // The serdes-based data migrations are still to come from another package.
    expect(after.pendingDataMigrations).toEqual(['backfill_job_name_and_tags', 'backfill_end_timestamp']);

    // Idempotent.
    expect(await upgradeSchema(db, RUN_STORAGE_METADATA)).toMatchObject({ appliedSteps: [], createdTables: [], dataMigrations: [] });
  });

  it('rolls back exactly the failing step: schema and revision stay as the previous step left them', async () => {
    await using db = await dagsterFile(RUN_STORAGE_METADATA, BASELINE_REVISION, RUNS_1_8_12_BUILT);
    await seedRuns(db);
    // A failure injected into the stamp of 16e3655b4d9b, after its DDL ran inside the same transaction.
    await db.run(
      "CREATE TRIGGER fail_16e3 BEFORE UPDATE ON alembic_version WHEN NEW.version_num = '16e3655b4d9b' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );

    const error = await upgradeSchema(db, RUN_STORAGE_METADATA).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect(error).toMatchObject({ code: 'MIGRATION_FAILED', step: '16e3655b4d9b' });
    expect(String((error as Error).message)).toMatch(/injected failure/);

    // Earlier steps committed; the failing one left nothing behind.
    expect(await getRevision(db)).toBe('1aca709bba64');
    expect(await hasColumn(db, 'runs', 'backfill_id')).toBe(true);
    expect(await hasIndex(db, 'runs', 'idx_runs_by_backfill_id')).toBe(true);
    expect(await hasColumn(db, 'bulk_actions', 'job_name')).toBe(false);
    expect(await hasTable(db, 'backfill_tags')).toBe(false);
    expect(await hasIndex(db, 'run_tags', 'idx_run_tags')).toBe(true);
    expect(await hasSecondaryIndex(db, 'run_backfill_id')).toBe(false);

    await db.run('DROP TRIGGER fail_16e3');
    await upgradeSchema(db, RUN_STORAGE_METADATA);
    await expectSchemaMatches(db, RUN_STORAGE_METADATA, MIGRATED);
    expect(await getRevision(db)).toBe(HEAD_REVISION);
  });

  it('upgrades an event-log shard (using_default_limit) and a schedules file (stamp only)', async () => {
    await using events = await dagsterFile(EVENT_LOG_METADATA, BASELINE_REVISION, ['asset_key_table', 'asset_key_index_columns']);
    await events.run('INSERT INTO concurrency_limits (concurrency_key, "limit") VALUES (?, ?)', ['pool', 3]);
    expect((await getSchemaState(events, EVENT_LOG_METADATA)).pendingSteps.map((s) => s.revision)).toEqual(['7e2f3204cf8e']);
    await upgradeSchema(events, EVENT_LOG_METADATA);
    await expectSchemaMatches(events, EVENT_LOG_METADATA, MIGRATED);
    expect(await events.get('SELECT "limit", using_default_limit FROM concurrency_limits')).toEqual({ limit: 3, using_default_limit: 0 });
    expect(await getRevision(events)).toBe(HEAD_REVISION);
    // backfill_tags belongs to the run storage: not created in event-log files.
    expect(await hasTable(events, 'backfill_tags')).toBe(false);

    await using schedules = await dagsterFile(SCHEDULE_STORAGE_METADATA, BASELINE_REVISION, ['schedule_jobs_selector_id']);
    const state = await getSchemaState(schedules, SCHEDULE_STORAGE_METADATA);
    expect(state).toMatchObject({ needsMigration: false, upToDate: false, pendingSteps: [] });
    const result = await upgradeSchema(schedules, SCHEDULE_STORAGE_METADATA);
    expect(result.toRevision).toBe(HEAD_REVISION);
    await expectSchemaMatches(schedules, SCHEDULE_STORAGE_METADATA);
  });

  it('treats a fresh Dagster file at head (idx_run_tags, no idx_run_tags_run_id) as usable, and upgrades its index', async () => {
    // What Dagster's create_all + stamp head gives: schema.py still declares idx_run_tags.
    await using db = await dagsterFile(RUN_STORAGE_METADATA, '7e2f3204cf8e', []);
    await db.run('DROP INDEX idx_run_tags_run_id');
    await db.run('CREATE INDEX idx_run_tags ON run_tags ("key", value)');
    const state = await getSchemaState(db, RUN_STORAGE_METADATA);
    expect(state.needsMigration).toBe(false);
    expect(state.pendingSteps).toEqual([expect.objectContaining({ revision: '6b7fb194ff9c', blocking: false })]);
    await upgradeSchema(db, RUN_STORAGE_METADATA);
    await expectSchemaMatches(db, RUN_STORAGE_METADATA);
    expect(await getRevision(db)).toBe(HEAD_REVISION);
  });

  it('creates an empty database fresh, and leaves a newer unknown revision alone', async () => {
    await using db = await SqliteDriver.open(':memory:');
    expect(await upgradeSchema(db, RUN_STORAGE_METADATA)).toMatchObject({ created: true, toRevision: HEAD_REVISION });
    await expectSchemaMatches(db, RUN_STORAGE_METADATA);
    await stampRevision(db, '09e0cfebad78');
    expect(await upgradeSchema(db, RUN_STORAGE_METADATA)).toMatchObject({ appliedSteps: [], toRevision: '09e0cfebad78' });
  });

  it('refuses a database older than the 1.8.12 baseline (missing baseline columns)', async () => {
    await using db = await dagsterFile(RUN_STORAGE_METADATA, BASELINE_REVISION, []);
    await db.run('ALTER TABLE runs DROP COLUMN end_time');
    expect((await getSchemaState(db, RUN_STORAGE_METADATA)).missingColumns).toEqual(['runs.end_time']);
    await expect(upgradeSchema(db, RUN_STORAGE_METADATA)).rejects.toMatchObject({ code: 'MIGRATION_FAILED', step: 'baseline' });
  });
});
