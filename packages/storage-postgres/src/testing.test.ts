import { afterAll, describe, expect, it } from 'vitest';
import { loadDump } from '@inst/fixtures';
import { createPgDriver } from './driver.js';
import {
  createScratchDatabase,
  DAGSTER_DUMP_VERSIONS,
  loadDagsterDump,
  pgAvailable,
  prepareDumpSql,
  testPgUrl,
  type DumpVersion,
  type ScratchDatabase,
} from './testing/index.js';

const created: ScratchDatabase[] = [];

afterAll(async () => {
  await Promise.all(created.map((db) => db.drop()));
});

const EXPECTED: Record<DumpVersion, { runs: number; eventLogs: number; revision: string }> = {
  '1_8_12': { runs: 1, eventLogs: 19, revision: '284a732df317' },
  '1_9_3': { runs: 4, eventLogs: 73, revision: '16e3655b4d9b' },
  '1_12_3': { runs: 10, eventLogs: 79, revision: '7e2f3204cf8e' },
};

describe('test support', () => {
  it('probes the server', async () => {
    expect(await pgAvailable()).toBe(true);
    expect(await pgAvailable('postgresql://postgres@127.0.0.1:1/postgres', 500)).toBe(false);
  });

  it('strips \\restrict lines and ownership from dumps', () => {
    const sql = prepareDumpSql(loadDump('1_12_3').sql);
    expect(sql).not.toMatch(/^\\(un)?restrict/m);
    expect(sql).not.toMatch(/OWNER TO/);
    expect(sql).toMatch(/^COPY public\.runs /m);
  });

  it('creates and drops scratch databases', async () => {
    const db = await createScratchDatabase('Inst-Scratch!');
    expect(db.name).toMatch(/^inst_scratch__[a-z0-9]+_[0-9a-f]{8}$/);
    expect(db.url).toBe(testPgUrl().replace(/\/[^/?]*(\?|$)/, `/${db.name}$1`));
    const driver = createPgDriver({ url: db.url }, { poolSize: 1 });
    expect(await driver.get('SELECT current_database() AS name')).toEqual({ name: db.name });
    // drop() terminates connections still open on it.
    await db.drop();
    await db.drop();
    await driver.close();
    const admin = createPgDriver({ url: testPgUrl() }, { poolSize: 1 });
    try {
      expect(await admin.get('SELECT 1 FROM pg_database WHERE datname = ?', [db.name])).toBeUndefined();
    } finally {
      await admin.close();
    }
  });

  it.each(DAGSTER_DUMP_VERSIONS)("loads Dagster's %s fixture dump", async (version) => {
    const db = await createScratchDatabase(`inst_pg_dump_${version}`);
    created.push(db);
    await loadDagsterDump(db.url, version);
    const driver = createPgDriver({ url: db.url }, { poolSize: 1 });
    try {
      const expected = EXPECTED[version];
      expect(await driver.get('SELECT count(*) AS n FROM runs')).toEqual({ n: expected.runs });
      expect(await driver.get('SELECT count(*) AS n FROM event_logs')).toEqual({ n: expected.eventLogs });
      expect(await driver.get('SELECT version_num FROM alembic_version')).toEqual({ version_num: expected.revision });
      // Sequences were restored too, so new rows get fresh ids.
      const maxId = Math.max(...loadDump(version).table('event_logs').rows.map((r) => Number(r.id)));
      expect(await driver.get("SELECT nextval(pg_get_serial_sequence('event_logs', 'id')) AS id")).toEqual({ id: maxId + 1 });
    } finally {
      await driver.close();
    }
  });
});
