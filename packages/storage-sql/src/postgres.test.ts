import { describe, expect, it } from 'vitest';
import { loadDump, type DumpVersion } from '@inst/fixtures';
import { MigrationFailedError } from '@inst/errors';
import type { SqlExecutor } from './driver.js';
import {
  getRevision,
  hasColumn,
  hasSecondaryIndex,
  hasStatistics,
  hasTable,
  listColumns,
  listIndexes,
  listTables,
} from './introspect.js';
import { getSchemaState, initializeSchema, upgradeSchema } from './migrate.js';
import { HEAD_REVISION } from './revisions.js';
import { columnTypeSql } from './schema/render.js';
import { ALL_METADATA, EVENT_LOG_METADATA, RUN_STORAGE_METADATA, SCHEDULE_STORAGE_METADATA } from './schema/tables.js';
import { loadPgDump, postgresAvailable, withScratchDatabase } from './test-support/postgres.js';

/*
 * Against a real Postgres (skipped when none answers): our DDL, and the upgrade of each Dagster
 * fixture dump to head. Each test gets its own scratch database.
 */

const available = await postgresAvailable();

/** Documented fresh-vs-migrated differences of old databases (see schema/fixtures.test.ts). */
const INTEGER_IN_MIGRATED = new Set(['event_logs.id', 'runs.id', 'run_tags.id', 'asset_keys.id', 'secondary_indexes.id', 'snapshots.id', 'asset_event_tags.event_id']);
const RENAMED_IN_MIGRATED: Record<string, string> = { idx_bulk_actions: 'idx_bulk_actions_key' };

/**
 * The database has every table, column and index of the head schema — in any column order, and
 * for a `legacy` database (created long before 1.8 and migrated since) modulo the documented
 * differences.
 */
async function expectHeadSchema(db: SqlExecutor, legacy: boolean): Promise<void> {
  expect(await listTables(db)).toEqual(ALL_METADATA.tables.map((t) => t.name).sort());
  for (const table of ALL_METADATA.tables) {
    const actual = (await listColumns(db, table.name))
      .map((c) => [c.name, c.type, c.nullable, c.default?.startsWith('nextval(') ? null : c.default])
      .sort();
    const expected = table.columns
      .map((c) => {
        const integer = legacy && INTEGER_IN_MIGRATED.has(`${table.name}.${c.name}`);
        const type = integer ? 'INTEGER' : columnTypeSql(c, 'postgres').replace('BIGSERIAL', 'BIGINT');
        const dflt = c.default === 'current_timestamp' ? 'CURRENT_TIMESTAMP' : c.default === 'false' ? 'false' : null;
        return [c.name, type, c.nullable !== false && c.type !== 'id', dflt];
      })
      .sort();
    expect(actual, table.name).toEqual(expected);

    const indexes = (await listIndexes(db, table.name)).map((i) => [i.name, i.columns, i.unique, i.where?.replace(/[()]/g, '') ?? null]);
    const expectedIndexes = ALL_METADATA.indexes
      .filter((i) => i.table === table.name && i.until === undefined)
      .map((i) => {
        const renamed = legacy ? RENAMED_IN_MIGRATED[i.name] : undefined;
        return [renamed ?? i.name, [...i.columns], renamed ? true : i.unique === true, i.postgresWhere ?? null];
      })
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(indexes, table.name).toEqual(expectedIndexes);
  }
  expect(await hasStatistics(db, 'run_tags_key_value_stats')).toBe(true);
}

async function counts(db: SqlExecutor): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['runs', 'run_tags', 'event_logs', 'snapshots', 'bulk_actions', 'asset_keys', 'kvs']) {
    const row = await db.get<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`);
    out[table] = Number(row?.n);
  }
  return out;
}

/** `legacy`: 1.9.3 and 1.12.3 are one database created in 2021 and migrated since; 1.8.12 was created fresh. */
const FIXTURES: { version: DumpVersion; revision: string; legacy: boolean; pending: string[] }[] = [
  {
    version: '1_8_12',
    revision: '284a732df317',
    legacy: false,
    pending: ['63d7a8ec641a', '1aca709bba64', '16e3655b4d9b', '6b7fb194ff9c', '7e2f3204cf8e', 'd5c0e2416d9e'],
  },
  { version: '1_9_3', revision: '16e3655b4d9b', legacy: true, pending: ['6b7fb194ff9c', '7e2f3204cf8e', 'd5c0e2416d9e'] },
  { version: '1_12_3', revision: '7e2f3204cf8e', legacy: true, pending: ['d5c0e2416d9e'] },
];

describe.skipIf(!available)('Postgres', () => {
  it('creates the whole schema fresh: every table, column, index and the statistics; stamped; indexes built', async () => {
    await withScratchDatabase(async (db) => {
      const result = await upgradeSchema(db, ALL_METADATA);
      expect(result).toMatchObject({ created: true, toRevision: HEAD_REVISION });
      await expectHeadSchema(db, false);
      for (const name of ALL_METADATA.secondaryIndexes) expect(await hasSecondaryIndex(db, name), name).toBe(true);
      expect(await getSchemaState(db, ALL_METADATA)).toMatchObject({ upToDate: true, pendingSteps: [], pendingDataMigrations: [] });
    });
  });

  it('creates the three metadatas one after another into one database, as three storages would', async () => {
    await withScratchDatabase(async (db) => {
      expect(await initializeSchema(db, RUN_STORAGE_METADATA)).toBe('created');
      expect(await initializeSchema(db, EVENT_LOG_METADATA)).toBe('created');
      expect(await initializeSchema(db, SCHEDULE_STORAGE_METADATA)).toBe('created');
      expect(await initializeSchema(db, EVENT_LOG_METADATA)).toBe('existing');
      await expectHeadSchema(db, false);
      expect(await db.all('SELECT version_num FROM alembic_version')).toEqual([{ version_num: HEAD_REVISION }]);
    });
  });

  describe.each(FIXTURES)('the Dagster $version dump', ({ version, revision, legacy, pending }) => {
    it(`upgrades from ${revision} to head, keeping every row`, async () => {
      await withScratchDatabase(async (db, url) => {
        loadPgDump(url, loadDump(version).path);
        const before = await getSchemaState(db, ALL_METADATA);
        expect(before.revision).toBe(revision);
        expect(before.missingTables).toEqual([]);
        expect(before.missingColumns).toEqual([]);
        expect(before.pendingSteps.map((s) => s.revision)).toEqual(pending);
        const rowsBefore = await counts(db);
        const backfillIds = await db.all('SELECT run_id, backfill_id FROM runs ORDER BY id').catch(() => null);

        const result = await upgradeSchema(db, ALL_METADATA);
        expect(result.toRevision).toBe(HEAD_REVISION);
        await expectHeadSchema(db, legacy);
        expect(await counts(db)).toEqual(rowsBefore);
        expect(await hasSecondaryIndex(db, 'run_backfill_id')).toBe(true);
        if (backfillIds) expect(await db.all('SELECT run_id, backfill_id FROM runs ORDER BY id')).toEqual(backfillIds);
        const after = await getSchemaState(db, ALL_METADATA);
        expect(after).toMatchObject({ upToDate: true, needsMigration: false, pendingSteps: [] });

        // Running it again changes nothing.
        expect(await upgradeSchema(db, ALL_METADATA)).toMatchObject({ appliedSteps: [], createdTables: [], dataMigrations: [] });
      });
    });
  });

  it('rolls back a failing step with its stamp (transactional DDL), leaving the previous steps applied', async () => {
    await withScratchDatabase(async (db, url) => {
      loadPgDump(url, loadDump('1_8_12').path);
      await db.run(`CREATE FUNCTION inst_fail_16e3() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.version_num = '16e3655b4d9b' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
      await db.run('CREATE TRIGGER inst_fail_16e3 BEFORE UPDATE ON alembic_version FOR EACH ROW EXECUTE FUNCTION inst_fail_16e3()');

      const error = await upgradeSchema(db, ALL_METADATA).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationFailedError);
      expect(error).toMatchObject({ step: '16e3655b4d9b' });
      expect(await getRevision(db)).toBe('1aca709bba64');
      expect(await hasColumn(db, 'runs', 'backfill_id')).toBe(true);
      expect(await hasColumn(db, 'bulk_actions', 'job_name')).toBe(false);
      expect(await hasTable(db, 'backfill_tags')).toBe(false);

      await db.run('DROP TRIGGER inst_fail_16e3 ON alembic_version');
      await upgradeSchema(db, ALL_METADATA);
      await expectHeadSchema(db, false);
    });
  });
});
