import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reindex } from '@inst/storage';
import { TestClock, engineEvent, materialization, runEvent } from '@inst/storage/testing';
import { storageFailureReason, type SqlEventLogStorage } from '@inst/storage-sql';
import { AssetKey, DagsterEventType } from '@inst/types';
import { openSqliteEventLogStorage } from './event-log.js';
import { PENDING_INDEX_DIR, sqliteLayoutPaths } from './layout.js';
import { openSqliteStorages } from './storages.js';
import { spawnAckingChild } from './test-support/acking-child.js';
import { bundleChildScript } from './test-support/bundle-child.js';

/*
 * Issue #10 on SQLite: a run's shard commits before index.db, a writer killed between the two
 * commits is repaired on the next open, nothing lost is recreated behind the user's back, and
 * reindex() rebuilds index.db from the shards.
 */

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  id: number;
  run_id: string;
  event: string;
  partition: string | null;
}

/** The shard and index views of a home that must agree. */
async function checkConsistent(storage: SqlEventLogStorage, runIds: readonly string[]): Promise<void> {
  const index = storage.connections.index;
  const indexRows = await index.all<Row>("SELECT id, run_id, event, \"partition\" FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'");
  const shardEvents = new Set<string>();
  let shardCount = 0;
  for (const runId of runIds) {
    const shard = await storage.connections.readRun(runId);
    if (!shard) continue;
    for (const row of await shard.all<Row>("SELECT event FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'")) {
      shardEvents.add(row.event);
      shardCount++;
    }
  }
  // No materialization in index.db without its shard row, and (repaired) none in a shard without its copy.
  expect(indexRows.filter((row) => !shardEvents.has(row.event))).toEqual([]);
  expect(indexRows.length).toBe(shardCount);
  // asset_keys points at index rows that exist.
  const keys = await index.all<{ asset_key: string; last_materialization: string | null }>('SELECT asset_key, last_materialization FROM asset_keys');
  const indexIds = new Set(indexRows.map((row) => row.id));
  for (const key of keys) {
    if (key.last_materialization === null) continue;
    const storageId = (JSON.parse(key.last_materialization) as { storage_id: number }).storage_id;
    expect(indexIds.has(storageId)).toBe(true);
  }
}

describe('SQLite: SIGKILL of a writer at random moments', () => {
  let dir: string;
  let worker: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inst-crash-'));
    worker = join(dir, 'kill-writer.mjs');
    await bundleChildScript(join(here, 'test-support', 'kill-writer.ts'), worker);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('20 kills: every acknowledged write is present, index.db never has a materialization its shard lacks', { timeout: 600_000 }, async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    const runIds: string[] = [];
    for (let round = 0; round < 20; round++) {
      const runId = randomUUID();
      runIds.push(runId);
      const writer = spawnAckingChild(worker, [home, runId]);
      await writer.waitForAcks(1 + Math.floor(Math.random() * 40));
      // A random moment within the next few writes.
      await sleep(Math.random() * 8);
      await writer.kill();
      const acked = writer.acked.map(Number);

      const storage = await openSqliteEventLogStorage(home);
      try {
        const shard = await storage.connections.readRun(runId);
        const stored = shard ? (await shard.all<Row>("SELECT \"partition\" FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'")).map((r) => Number(r.partition)) : [];
        for (const n of acked) expect(stored).toContain(n);
        await checkConsistent(storage, runIds);
      } finally {
        await storage.dispose();
      }
    }
    // Whatever the kills left behind was handled on open.
    const pending = join(sqliteLayoutPaths(home).shardsDir, PENDING_INDEX_DIR);
    expect(existsSync(pending) ? (await import('node:fs')).readdirSync(pending) : []).toEqual([]);
  });
});

describe('SQLite: repair, rebuild and lost files', () => {
  let home: string;
  const clock = new TestClock();
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'inst-repair-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** A pid that is not running (a process that has exited). */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.on('exit', resolve));
    return child.pid!;
  }

  it('a marker left by a killed writer gets the run’s index copies repaired on open', { timeout: 120_000 }, async () => {
    const runId = randomUUID();
    {
      const storage = await openSqliteEventLogStorage(home);
      await storage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_START));
      await storage.storeEvent(materialization(clock, runId, 'repaired_asset', { partition: 'p1' }));
      await storage.storeEvent(materialization(clock, runId, 'repaired_asset', { partition: 'p2' }));
      // What a kill between the shard's commit and the index's leaves: the shard has the event, the index not.
      await storage.connections.index.run("DELETE FROM event_logs WHERE run_id = ? AND \"partition\" = 'p2'", [runId]);
      await storage.dispose();
    }
    writeFileSync(join(sqliteLayoutPaths(home).shardsDir, PENDING_INDEX_DIR, `${await deadPid()}-0.json`), JSON.stringify([runId]));
    const storage = await openSqliteEventLogStorage(home);
    try {
      const page = await storage.fetchMaterializations(new AssetKey('repaired_asset'), 10);
      expect(page.records.map((r) => r.eventLogEntry.dagsterEvent?.partition)).toEqual(['p2', 'p1']);
      await checkConsistent(storage, [runId]);
      expect((await storage.repairRunIndex(runId))).toEqual({ added: 0, removed: 0 });
    } finally {
      await storage.dispose();
    }
  });

  it('an index copy whose shard row is missing (older versions committed the index first) is removed by repair', { timeout: 120_000 }, async () => {
    const storage = await openSqliteEventLogStorage(home);
    try {
      const runId = randomUUID();
      await storage.storeEvent(materialization(clock, runId, 'orphan_asset'));
      const shard = (await storage.connections.readRun(runId))!;
      await shard.run("DELETE FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'");
      expect(await storage.repairRunIndex(runId)).toEqual({ added: 0, removed: 1 });
      expect((await storage.fetchMaterializations(new AssetKey('orphan_asset'), 10)).records).toEqual([]);
    } finally {
      await storage.dispose();
    }
  });

  it('a deleted index.db is a typed error naming it; rebuildMissingIndex and reindex() rebuild it from the shards', { timeout: 120_000 }, async () => {
    const own = mkdtempSync(join(tmpdir(), 'inst-rebuild-'));
    try {
      const runs = [randomUUID(), randomUUID()];
      let before: unknown[];
      {
        const storages = await openSqliteStorages(own);
        for (const runId of runs) {
          await storages.eventLogStorage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_START));
          for (let i = 0; i < 3; i++) await storages.eventLogStorage.storeEvent(materialization(clock, runId, `rebuilt_${i}`, { partition: `${runId}-${i}` }));
          await storages.eventLogStorage.storeEvent(engineEvent(clock, runId, 'x'));
          await storages.eventLogStorage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_SUCCESS));
        }
        before = await snapshot(storages.eventLogStorage);
        await storages.dispose();
      }
      const index = sqliteLayoutPaths(own).index;
      for (const suffix of ['', '-wal', '-shm']) rmSync(index + suffix, { force: true });

      const error = await openSqliteStorages(own).then(
        async (s) => {
          await s.dispose();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(storageFailureReason(error)).toBe('file-missing');
      expect((error as { path: string }).path).toBe(index);
      expect(existsSync(index)).toBe(false); // not recreated

      const rebuilt = await openSqliteStorages(own, { layout: { rebuildMissingIndex: true } });
      try {
        expect(await snapshot(rebuilt.eventLogStorage)).toEqual(before);
        // reindex() rebuilds too (here: an index emptied by hand).
        await rebuilt.layout.index.run('DELETE FROM event_logs');
        await rebuilt.layout.index.run('DELETE FROM asset_keys');
        await reindex({ runStorage: rebuilt.runStorage, eventLogStorage: rebuilt.eventLogStorage, scheduleStorage: rebuilt.scheduleStorage });
        expect(await snapshot(rebuilt.eventLogStorage)).toEqual(before);
      } finally {
        await rebuilt.dispose();
      }
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('a deleted run shard is reported on read and write, not recreated, unless allowMissingShards', { timeout: 120_000 }, async () => {
    const runId = randomUUID();
    {
      const storage = await openSqliteEventLogStorage(home);
      await storage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_START));
      await storage.storeEvent(engineEvent(clock, runId, 'one'));
      await storage.dispose();
    }
    const shard = sqliteLayoutPaths(home).shard(runId);
    for (const suffix of ['', '-wal', '-shm']) rmSync(shard + suffix, { force: true });
    const storage = await openSqliteEventLogStorage(home);
    try {
      for (const attempt of [() => storage.getRecordsForRun(runId), () => storage.storeEvent(engineEvent(clock, runId, 'two'))]) {
        const error = await attempt().then(() => undefined, (e: unknown) => e);
        expect(storageFailureReason(error)).toBe('file-missing');
        expect((error as { path: string }).path).toBe(shard);
      }
      expect(existsSync(shard)).toBe(false);
      // The broken run can still be deleted.
      await storage.deleteEvents(runId);
    } finally {
      await storage.dispose();
    }
    const other = randomUUID();
    {
      const first = await openSqliteEventLogStorage(home);
      await first.storeEvent(runEvent(clock, other, DagsterEventType.RUN_START));
      await first.dispose();
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(sqliteLayoutPaths(home).shard(other) + suffix, { force: true });
    const lenient = await openSqliteEventLogStorage(home, { layout: { allowMissingShards: true } });
    try {
      await lenient.storeEvent(engineEvent(clock, other, 'again'));
      expect((await lenient.getRecordsForRun(other)).records.map((r) => r.eventLogEntry.userMessage)).toEqual(['again']);
    } finally {
      await lenient.dispose();
    }
  });
});

/** What index.db answers: materializations per asset, asset records, run status changes. */
async function snapshot(storage: SqlEventLogStorage): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await storage.fetchMaterializations(new AssetKey(`rebuilt_${i}`), 100);
    out.push(page.records.map((r) => [r.eventLogEntry.runId, r.eventLogEntry.dagsterEvent?.partition, r.eventLogEntry.timestamp]));
  }
  out.push((await storage.getAssetRecords()).map((r) => [r.assetEntry.assetKey.toString(), r.assetEntry.lastMaterialization?.dagsterEvent?.partition]).sort());
  out.push((await storage.fetchRunStatusChanges(DagsterEventType.RUN_SUCCESS, 100)).records.map((r) => r.eventLogEntry.runId));
  return out;
}
