import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BASELINE_REVISION,
  createSchemaSql,
  EVENT_LOG_METADATA,
  getRevision,
  hasColumn,
  hasSecondaryIndex,
  HEAD_REVISION,
  metadataAtRevision,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  stampRevision,
} from '@inst/storage-sql';
import { SqliteDriver } from './driver.js';
import { openSqliteLayout, RUNLESS_RUN_ID, sqliteLayoutPaths } from './layout.js';
import { expectSchemaMatches } from './test-support/schema-assertions.js';

describe('openSqliteLayout on disk', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'inst-layout-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('creates the files where Dagster puts them, each a full WAL database stamped at head', async () => {
    await using layout = await openSqliteLayout(home);
    expect(existsSync(join(home, 'history', 'runs.db'))).toBe(true);
    expect(existsSync(join(home, 'history', 'runs', 'index.db'))).toBe(true);
    expect(existsSync(join(home, 'schedules', 'schedules.db'))).toBe(true);
    expect(existsSync(join(home, 'history', 'runs.db-wal'))).toBe(true);

    await expectSchemaMatches(layout.runs, RUN_STORAGE_METADATA);
    await expectSchemaMatches(layout.index, EVENT_LOG_METADATA);
    await expectSchemaMatches(layout.schedules, SCHEDULE_STORAGE_METADATA);
    for (const db of [layout.runs, layout.index, layout.schedules]) {
      expect(await getRevision(db)).toBe(HEAD_REVISION);
      expect(await db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    }
    expect(await hasSecondaryIndex(layout.runs, 'run_backfill_id')).toBe(true);
    expect(await hasSecondaryIndex(layout.schedules, 'schedule_jobs_selector_id')).toBe(true);

    // Shards appear lazily: one per run, `.db` for runless events.
    expect(layout.shardIds()).toEqual([]);
    const shard = await layout.shard('0b9b8ad2-2c7b-4c43-a4b5-0e2d0c3a5f4e');
    await shard.run('INSERT INTO event_logs (run_id, event) VALUES (?, ?)', ['0b9b8ad2-2c7b-4c43-a4b5-0e2d0c3a5f4e', '{}']);
    await layout.shard(RUNLESS_RUN_ID);
    expect(existsSync(join(home, 'history', 'runs', '0b9b8ad2-2c7b-4c43-a4b5-0e2d0c3a5f4e.db'))).toBe(true);
    expect(existsSync(join(home, 'history', 'runs', '.db'))).toBe(true);
    expect(layout.shardIds()).toEqual(['', '0b9b8ad2-2c7b-4c43-a4b5-0e2d0c3a5f4e']);
    await expectSchemaMatches(shard, EVENT_LOG_METADATA);
    expect(await layout.shard('0b9b8ad2-2c7b-4c43-a4b5-0e2d0c3a5f4e')).toBe(shard);
  });

  it('reopens an existing home with its data, leaves an existing Dagster file as it is until upgrade()', async () => {
    // A 1.8.12 runs.db made by Dagster.
    const paths = sqliteLayoutPaths(home);
    mkdirSync(join(home, 'history'), { recursive: true });
    {
      await using old = await SqliteDriver.open(paths.runs);
      for (const sql of createSchemaSql(metadataAtRevision(RUN_STORAGE_METADATA, BASELINE_REVISION), 'sqlite')) await old.run(sql);
      await stampRevision(old, BASELINE_REVISION);
      await old.run('INSERT INTO runs (run_id) VALUES (?)', ['r1']);
    }
    {
      await using layout = await openSqliteLayout(home);
      expect(await getRevision(layout.runs)).toBe(BASELINE_REVISION);
      expect(await hasColumn(layout.runs, 'runs', 'backfill_id')).toBe(false);
      expect(await layout.runs.all('SELECT run_id FROM runs')).toEqual([{ run_id: 'r1' }]);
      const shard = await layout.shard('r1');
      await shard.run('INSERT INTO event_logs (run_id, event) VALUES (?, ?)', ['r1', '{}']);
    }
    await using again = await openSqliteLayout(home);
    expect(await (await again.shard('r1')).get('SELECT COUNT(*) AS n FROM event_logs')).toEqual({ n: 1 });

    // The explicit upgrade brings the Dagster file to head and leaves current ones as they are.
    const result = await again.upgrade();
    expect(result.runs).toMatchObject({ fromRevision: BASELINE_REVISION, toRevision: HEAD_REVISION });
    expect(result.index.appliedSteps).toEqual([]);
    expect([...result.shards.keys()]).toEqual(['r1']);
    expect(await hasColumn(again.runs, 'runs', 'backfill_id')).toBe(true);
    expect(await again.runs.all('SELECT run_id FROM runs')).toEqual([{ run_id: 'r1' }]);
  });

  it('keeps at most maxOpenShards files open; closed shards reopen on use', async () => {
    await using layout = await openSqliteLayout(home, { maxOpenShards: 3 });
    const shards = [];
    for (let i = 0; i < 10; i++) {
      const shard = await layout.shard(`run-${i}`);
      await shard.run('INSERT INTO event_logs (run_id, event) VALUES (?, ?)', [`run-${i}`, `{"i": ${i}}`]);
      shards.push(shard);
      expect(layout.openShardCount).toBeLessThanOrEqual(3);
    }
    // Using an evicted shard directly reopens it and evicts another.
    expect(shards[0]!.isOpen).toBe(false);
    expect(await shards[0]!.get('SELECT event FROM event_logs')).toEqual({ event: '{"i": 0}' });
    expect(layout.openShardCount).toBeLessThanOrEqual(3);
    expect(layout.shardIds()).toHaveLength(10);
  });

  it('dropShard closes the shard and deletes its file and WAL sidecars', async () => {
    await using layout = await openSqliteLayout(home);
    const shard = await layout.shard('doomed');
    await shard.run('INSERT INTO event_logs (run_id, event) VALUES (?, ?)', ['doomed', '{}']);
    await layout.dropShard('doomed');
    expect(readdirSync(join(home, 'history', 'runs')).filter((f) => f.startsWith('doomed'))).toEqual([]);
    expect(layout.shardIds()).toEqual([]);
    await expect(shard.get('SELECT 1')).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('rejects run ids that would escape the shard folder or hit index.db', async () => {
    await using layout = await openSqliteLayout(home);
    await expect(layout.shard('../escape')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(layout.shard('index')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('close is idempotent', async () => {
    const layout = await openSqliteLayout(home);
    await layout.close();
    await layout.close();
    await expect(layout.shard('x')).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});

describe('openSqliteLayout in memory', () => {
  it('runs everything on in-memory databases through the same code, shards included', async () => {
    await using layout = await openSqliteLayout(':memory:');
    expect(layout.inMemory).toBe(true);
    expect(layout.paths).toBeNull();
    await expectSchemaMatches(layout.runs, RUN_STORAGE_METADATA);
    const a = await layout.shard('a');
    const b = await layout.shard('b');
    await a.run('INSERT INTO event_logs (run_id, event) VALUES (?, ?)', ['a', '{}']);
    expect(await b.get('SELECT COUNT(*) AS n FROM event_logs')).toEqual({ n: 0 });
    expect(await a.get('SELECT COUNT(*) AS n FROM event_logs')).toEqual({ n: 1 });
    expect(layout.shardIds().sort()).toEqual(['a', 'b']);
    await layout.dropShard('a');
    expect(layout.shardIds()).toEqual(['b']);
  });
});
