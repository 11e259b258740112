import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock, materialization, runEvent } from '@inst/storage/testing';
import { storageFailureReason } from '@inst/storage-sql';
import { AssetKey, DagsterEventType } from '@inst/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

/*
 * Issue #10: the SQLite rebuild options are set in dagster.yaml / inst.yaml, under storage.sqlite
 * (`rebuild_missing_index`, `allow_missing_shards`): by default a lost index.db or run shard is a
 * typed error naming the file; with the key set, Instance.fromConfig rebuilds or recreates it.
 */

const clock = new TestClock();
let home: string;

function writeConfig(extra: string): void {
  writeFileSync(join(home, 'dagster.yaml'), `storage:\n  sqlite:\n    base_dir: ${home}\n${extra}`);
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'inst-lost-files-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('storage.sqlite rebuild options from dagster.yaml', () => {
  it('rebuild_missing_index: a deleted index.db fails the open by default, and is rebuilt from the shards when set', { timeout: 120_000 }, async () => {
    writeConfig('');
    const runId = randomUUID();
    {
      const instance = await Instance.fromConfig(home);
      await instance.eventLogStorage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_START));
      await instance.eventLogStorage.storeEvent(materialization(clock, runId, 'kept', { partition: 'p1' }));
      await instance.dispose();
    }
    const index = join(home, 'history', 'runs', 'index.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(index + suffix, { force: true });

    const error = await Instance.fromConfig(home).then(
      async (instance) => {
        await instance.dispose();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(storageFailureReason(error)).toBe('file-missing');
    expect((error as { path: string }).path).toBe(index);
    expect(existsSync(index)).toBe(false);

    writeConfig('    rebuild_missing_index: true\n');
    const instance = await Instance.fromConfig(home);
    try {
      const records = await instance.eventLogStorage.fetchMaterializations(new AssetKey('kept'), 10);
      expect(records.records.map((r) => r.eventLogEntry.runId)).toEqual([runId]);
      expect((await instance.eventLogStorage.allAssetKeys()).map((k) => k.toUserString())).toEqual(['kept']);
    } finally {
      await instance.dispose();
    }
  });

  it('allow_missing_shards: a write to a run whose shard was deleted fails by default, and recreates it when set', { timeout: 120_000 }, async () => {
    writeConfig('');
    const runId = randomUUID();
    {
      const instance = await Instance.fromConfig(home);
      await instance.eventLogStorage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_START));
      await instance.dispose();
    }
    const shard = join(home, 'history', 'runs', `${runId}.db`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(shard + suffix, { force: true });
    {
      const instance = await Instance.fromConfig(home);
      try {
        const error = await instance.eventLogStorage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_SUCCESS)).then(() => undefined, (e: unknown) => e);
        expect(storageFailureReason(error)).toBe('file-missing');
        expect(existsSync(shard)).toBe(false);
      } finally {
        await instance.dispose();
      }
    }
    writeConfig('    allow_missing_shards: true\n');
    const instance = await Instance.fromConfig(home);
    try {
      await instance.eventLogStorage.storeEvent(runEvent(clock, runId, DagsterEventType.RUN_SUCCESS));
      expect(existsSync(shard)).toBe(true);
      expect((await instance.eventLogStorage.getRecordsForRun(runId)).records.map((r) => r.eventLogEntry.dagsterEventType)).toEqual([DagsterEventType.RUN_SUCCESS]);
    } finally {
      await instance.dispose();
    }
  });
});
