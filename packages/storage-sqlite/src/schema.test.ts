import { describe, expect, it } from 'vitest';
import {
  createSchemaSql,
  EVENT_LOG_METADATA,
  getRevision,
  getSchemaState,
  hasSecondaryIndex,
  HEAD_REVISION,
  initializeSchema,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  type SchemaMetadata,
} from '@inst/storage-sql';
import { SqliteDriver } from './driver.js';
import { expectSchemaMatches } from './test-support/schema-assertions.js';

const METADATAS: [string, SchemaMetadata][] = [
  ['runs', RUN_STORAGE_METADATA],
  ['event_log', EVENT_LOG_METADATA],
  ['schedules', SCHEDULE_STORAGE_METADATA],
];

describe.each(METADATAS)('the %s metadata on SQLite', (_name, metadata) => {
  it('creates every table and index (sqlite_master) exactly as the metadata says', async () => {
    await using db = await SqliteDriver.open(':memory:');
    for (const sql of createSchemaSql(metadata, 'sqlite')) await db.run(sql);
    const master = await db.all<{ type: string; name: string }>(
      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex_%' ORDER BY type, name",
    );
    expect(master.filter((r) => r.type === 'table').map((r) => r.name)).toEqual(metadata.tables.map((t) => t.name).sort());
    expect(master.filter((r) => r.type === 'index').map((r) => r.name)).toEqual(
      metadata.indexes.filter((i) => i.until === undefined).map((i) => i.name).sort(),
    );
    await expectSchemaMatches(db, metadata);
  });

  it('ids are rowid aliases without AUTOINCREMENT, as SQLAlchemy creates them', async () => {
    await using db = await SqliteDriver.open(':memory:');
    for (const sql of createSchemaSql(metadata, 'sqlite')) await db.run(sql);
    const sql = (await db.all<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table'")).map((r) => r.sql).join('\n');
    expect(sql).not.toMatch(/AUTOINCREMENT/i);
    expect(await db.get("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")).toBeUndefined();
  });

  it('initializes a fresh file like Dagster: create_all, stamp head, every secondary index built', async () => {
    await using db = await SqliteDriver.open(':memory:');
    expect(await initializeSchema(db, metadata)).toBe('created');
    expect(await getRevision(db)).toBe(HEAD_REVISION);
    for (const name of metadata.secondaryIndexes) expect(await hasSecondaryIndex(db, name), name).toBe(true);
    const state = await getSchemaState(db, metadata);
    expect(state).toMatchObject({ upToDate: true, needsMigration: false, pendingSteps: [], pendingDataMigrations: [] });
    expect(await initializeSchema(db, metadata)).toBe('existing');
  });
});
