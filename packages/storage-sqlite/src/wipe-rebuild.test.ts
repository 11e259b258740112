import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reindex } from '@inst/storage';
import { TestClock, materialization, runEvent } from '@inst/storage/testing';
import type { SqlEventLogStorage } from '@inst/storage-sql';
import { AssetKey, DagsterEventType } from '@inst/types';
import { sqliteLayoutPaths } from './layout.js';
import { openSqliteStorages, type SqliteStorages } from './storages.js';

/*
 * Issue #10: a wipe survives a rebuild of index.db from the run shards. Asset and partition wipes
 * delete the index's copies, but the shards keep the events (they are the run's log); the wipe is
 * therefore also recorded outside index.db (kvs rows of runs.db), and reindex() — or the rebuild of
 * a lost index.db — leaves wiped events out, while events stored after the wipe come back.
 */

const clock = new TestClock();
/** Wipes are stamped with the wall clock: a few ms apart from the events around them. */
const pause = (ms = 5): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'inst-wipe-rebuild-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function materialized(storage: SqlEventLogStorage, key: string): Promise<(string | null)[]> {
  const result = await storage.fetchMaterializations(new AssetKey(key), 100);
  return result.records.map((r) => r.eventLogEntry.dagsterEvent?.partition ?? null).sort();
}

async function state(storages: SqliteStorages): Promise<unknown> {
  const storage = storages.eventLogStorage;
  return {
    parted: await materialized(storage, 'parted'),
    whole: await materialized(storage, 'whole'),
    keys: (await storage.allAssetKeys()).map((k) => k.toUserString()).sort(),
  };
}

describe('wipes survive a rebuild of the index', () => {
  it('reindex() and a lost index.db rebuilt with rebuildMissingIndex keep partition and asset wipes', { timeout: 120_000 }, async () => {
    const runs = [randomUUID(), randomUUID()];
    const expected = { parted: ['p2', 'p3'], whole: ['after'], keys: ['parted', 'whole'] };
    {
      const storages = await openSqliteStorages(home);
      const storage = storages.eventLogStorage;
      for (const runId of runs) {
        await storage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_START));
        for (const p of ['p1', 'p2']) await storage.storeEvent(materialization(clock, runId, 'parted', { partition: p }));
        await storage.storeEvent(materialization(clock, runId, 'whole', { partition: 'before' }));
      }
      await pause();
      await storage.wipeAssetPartitions(new AssetKey('parted'), ['p1']);
      await storage.wipeAsset(new AssetKey('whole'));
      await pause();
      // Stored after the wipes: these stay.
      await storage.storeEvent(materialization(clock, runs[1]!, 'parted', { partition: 'p3' }));
      await storage.storeEvent(materialization(clock, runs[1]!, 'whole', { partition: 'after' }));
      const before = await state(storages);
      expect(before).toEqual({ ...expected, parted: ['p2', 'p2', 'p3'] });

      await reindex({ runStorage: storages.runStorage, eventLogStorage: storage, scheduleStorage: storages.scheduleStorage });
      expect(await state(storages)).toEqual(before);
      await storages.dispose();
    }
    // index.db lost altogether: the rebuild from the shards still knows the wipes.
    const index = sqliteLayoutPaths(home).index;
    for (const suffix of ['', '-wal', '-shm']) rmSync(index + suffix, { force: true });
    const rebuilt = await openSqliteStorages(home, { layout: { rebuildMissingIndex: true } });
    try {
      expect(await state(rebuilt)).toEqual({ ...expected, parted: ['p2', 'p2', 'p3'] });
    } finally {
      await rebuilt.dispose();
    }
  });
});
