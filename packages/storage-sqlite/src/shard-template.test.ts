import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_LOG_METADATA, HEAD_REVISION, initializeSchema } from '@inst/storage-sql';
import { SqliteDriver } from './driver.js';
import { openSqliteEventLogStorage } from './event-log.js';
import { openSqliteLayout, sqliteLayoutPaths } from './layout.js';
import { spawnAckingChild } from './test-support/acking-child.js';
import { bundleChildScript } from './test-support/bundle-child.js';
import { expectSchemaMatches } from './test-support/schema-assertions.js';

/*
 * Issues #13/#14: new run shards are copies of a prebuilt template, and shards evicted from the LRU keep their
 * WAL. What a Dagster process reads must not change, and no acknowledged write may be lost.
 */

const here = dirname(fileURLToPath(import.meta.url));

/** What makes two event-log files the same to Dagster: schema, stamp, secondary-index rows, WAL mode, page size. */
function fileFacts(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return {
      schema: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all(),
      alembic: db.prepare('SELECT version_num FROM alembic_version').all(),
      secondaryIndexes: db.prepare('SELECT name FROM secondary_indexes ORDER BY name').all(),
      journalMode: db.pragma('journal_mode', { simple: true }),
      pageSize: db.pragma('page_size', { simple: true }),
      userVersion: db.pragma('user_version', { simple: true }),
      integrity: db.pragma('integrity_check', { simple: true }),
      walInHeader: [...readFileSync(path).subarray(18, 20)],
    };
  } finally {
    db.close();
  }
}

describe('run shards from the template', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'inst-shard-template-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('is the file the DDL makes: same schema, alembic stamp, secondary-index rows, WAL mode', async () => {
    const runId = 'templated';
    const layout = await openSqliteLayout(home);
    await expectSchemaMatches(await layout.shard(runId), EVENT_LOG_METADATA);
    await layout.close();
    const ddlPath = join(home, 'ddl.db');
    const ddl = await SqliteDriver.open(ddlPath);
    await initializeSchema(ddl, EVENT_LOG_METADATA);
    await ddl.close();

    const templated = fileFacts(sqliteLayoutPaths(home).shard(runId));
    expect(templated).toEqual(fileFacts(ddlPath));
    expect(templated).toMatchObject({ alembic: [{ version_num: HEAD_REVISION }], journalMode: 'wal', integrity: 'ok', walInHeader: [2, 2] });
  });

  it('an evicted shard keeps its WAL, reopens with every event, and a plain reader sees them', async () => {
    const paths = sqliteLayoutPaths(home);
    const layout = await openSqliteLayout(home, { maxOpenShards: 1 });
    const a = await layout.shard('a');
    await a.run("INSERT INTO event_logs (run_id, event, dagster_event_type) VALUES ('a', '{}', 'ENGINE_EVENT')");
    await layout.shard('b'); // evicts a
    expect(a.isOpen).toBe(false);
    expect(existsSync(`${paths.shard('a')}-wal`)).toBe(true);
    // Another connection (as Dagster would open it) sees the committed row before any checkpoint.
    const reader = new Database(paths.shard('a'), { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM event_logs').get()).toEqual({ n: 1 });
    reader.close();
    await a.run("INSERT INTO event_logs (run_id, event, dagster_event_type) VALUES ('a', '{}', 'ENGINE_EVENT')");
    expect(await a.get('SELECT count(*) AS n FROM event_logs')).toEqual({ n: 2 });
    await layout.close();
    expect(fileFacts(paths.shard('a'))).toMatchObject({ integrity: 'ok' });
  });

  it('a WAL left by a deleted shard is not applied to the new shard of that run', async () => {
    const paths = sqliteLayoutPaths(home);
    let layout = await openSqliteLayout(home, { maxOpenShards: 1 });
    const old = await layout.shard('reused');
    for (let i = 0; i < 20; i++) await old.run("INSERT INTO event_logs (run_id, event, dagster_event_type) VALUES ('reused', 'old', 'ENGINE_EVENT')");
    await layout.shard('other'); // evicts 'reused' with its WAL
    expect(existsSync(`${paths.shard('reused')}-wal`)).toBe(true);
    await layout.close();
    rmSync(paths.shard('reused')); // the database file alone is deleted
    layout = await openSqliteLayout(home);
    const fresh = await layout.shard('reused');
    expect(await fresh.get('SELECT count(*) AS n FROM event_logs')).toEqual({ n: 0 });
    await layout.close();
    expect(fileFacts(paths.shard('reused'))).toMatchObject({ integrity: 'ok' });
  });

  it('SIGKILL of a writer that creates and evicts shards all the time: every acknowledged write is there', { timeout: 600_000 }, async () => {
    const worker = join(home, 'churn-writer.mjs');
    await bundleChildScript(join(here, 'test-support', 'shard-churn-writer.ts'), worker);
    const dataHome = join(home, 'home');
    for (let round = 0; round < 5; round++) {
      const prefix = `round${round}`;
      const writer = spawnAckingChild(worker, [dataHome, prefix, '30']);
      await writer.waitForAcks(20 + Math.floor(Math.random() * 100));
      await writer.kill();
      const acked = Math.max(...writer.acked.map(Number));
      const storage = await openSqliteEventLogStorage(dataHome);
      try {
        const stored = new Set<number>();
        for (let r = 0; r < 30; r++) {
          const shard = await storage.connections.readRun(`${prefix}-${r}`);
          if (!shard) continue;
          for (const row of await shard.all<{ event: string }>('SELECT event FROM event_logs')) {
            stored.add(Number(/churn (\d+)/.exec(row.event)![1]));
          }
        }
        const missing = Array.from({ length: acked + 1 }, (_, n) => n).filter((n) => !stored.has(n));
        expect(missing).toEqual([]);
      } finally {
        await storage.dispose();
      }
    }
  });
});
