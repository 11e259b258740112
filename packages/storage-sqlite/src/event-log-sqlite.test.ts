import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleChildScript } from './test-support/bundle-child';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, InvariantViolationError } from '@inst/errors';
import { deserializeValue } from '@inst/serdes';
import type { WatchedEvent } from '@inst/storage';
import {
  BASELINE_REVISION,
  createSchemaSql,
  EVENT_LOG_METADATA,
  getRevision,
  hasColumn,
  HEAD_REVISION,
  markSecondaryIndexBuilt,
  metadataAtRevision,
  stampRevision,
  type SqlEventLogStorage,
} from '@inst/storage-sql';
import type {
  EventLogRecord} from '@inst/types';
import {
  AssetCheckEvaluation,
  AssetCheckEvaluationPlanned,
  AssetKey,
  AssetMaterialization,
  DagsterEvent,
  DagsterEventType,
  EventLogEntry,
  StepMaterializationData,
} from '@inst/types';
import { SqliteDriver } from './driver.js';
import { openSqliteEventLogStorage } from './event-log.js';
import { openSqliteLayout, sqliteLayoutPaths } from './layout.js';

const E = DagsterEventType;
const here = dirname(fileURLToPath(import.meta.url));

let now = Date.now() / 1000;
function entry(runId: string, type: DagsterEventType, data: object | null = null, message = ''): EventLogEntry {
  now = Math.max(now + 1e-6, Date.now() / 1000);
  return new EventLogEntry({
    errorInfo: null,
    level: 'debug',
    userMessage: message,
    runId,
    timestamp: now,
    dagsterEvent: new DagsterEvent({ eventTypeValue: type, jobName: 'job', eventSpecificData: data }),
  });
}

function materialization(runId: string, key: string, tags: Record<string, string> | null = null): EventLogEntry {
  return entry(runId, E.ASSET_MATERIALIZATION, new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: new AssetKey(key), tags }) }));
}

async function collect(iterable: AsyncIterable<WatchedEvent>, count: number, seen: WatchedEvent[]): Promise<void> {
  for await (const event of iterable) {
    seen.push(event);
    if (seen.length >= count) return;
  }
}

describe('SQLite event log: run shards and the index', () => {
  let home: string;
  let storage: SqlEventLogStorage;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-event-log-sqlite-'));
    storage = await openSqliteEventLogStorage(home);
  });
  afterEach(async () => {
    await storage.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('writes each run into history/runs/<run_id>.db and mirrors asset and run-status events into index.db with its own ids', async () => {
    const paths = sqliteLayoutPaths(home);
    for (let i = 0; i < 3; i++) await storage.storeEvent(entry('run-a', E.ENGINE_EVENT));
    await storage.storeEvent(materialization('run-a', 'asset', { 'dagster/data_version': 'v1', 'dagster/code_version': 'c1' }));
    await storage.storeEvent(entry('run-a', E.RUN_SUCCESS));
    await storage.storeEvent(materialization('', 'runless'));
    expect(existsSync(paths.shard('run-a'))).toBe(true);
    expect(existsSync(join(paths.shardsDir, '.db'))).toBe(true);

    const shard = await storage.connections.forRun('run-a');
    const index = storage.connections.index;
    expect(await shard.all('SELECT id, dagster_event_type FROM event_logs ORDER BY id')).toEqual([
      { id: 1, dagster_event_type: E.ENGINE_EVENT },
      { id: 2, dagster_event_type: E.ENGINE_EVENT },
      { id: 3, dagster_event_type: E.ENGINE_EVENT },
      { id: 4, dagster_event_type: E.ASSET_MATERIALIZATION },
      { id: 5, dagster_event_type: E.RUN_SUCCESS },
    ]);
    expect(await index.all('SELECT id, run_id, dagster_event_type, asset_key FROM event_logs ORDER BY id')).toEqual([
      { id: 1, run_id: 'run-a', dagster_event_type: E.ASSET_MATERIALIZATION, asset_key: '["asset"]' },
      { id: 2, run_id: 'run-a', dagster_event_type: E.RUN_SUCCESS, asset_key: null },
      { id: 3, run_id: '', dagster_event_type: E.ASSET_MATERIALIZATION, asset_key: '["runless"]' },
    ]);
    // asset_keys and asset_event_tags point at the index ids; only the data version tag is indexed.
    const [row] = await index.all<{ last_materialization: string; last_run_id: string }>('SELECT last_materialization, last_run_id FROM asset_keys WHERE asset_key = ?', [
      '["asset"]',
    ]);
    expect((deserializeValue(row!.last_materialization) as EventLogRecord).storageId).toBe(1);
    expect(row!.last_run_id).toBe('run-a');
    expect(await index.all('SELECT event_id, "key", "value" FROM asset_event_tags')).toEqual([{ event_id: 1, key: 'dagster/data_version', value: 'v1' }]);
    // Records of the run use shard ids; cross-run records the index ids.
    expect((await storage.getRecordsForRun('run-a', null, E.ASSET_MATERIALIZATION)).records[0]!.storageId).toBe(4);
    expect((await storage.fetchMaterializations(new AssetKey('asset'), 10)).records[0]!.storageId).toBe(1);
    expect(await storage.getMaximumRecordId()).toBe(3);
  });

  it('reads an unknown run without creating its shard', async () => {
    expect(await storage.getLogsForRun('never-written')).toEqual([]);
    expect(await storage.getStepStatsForRun('never-written')).toEqual([]);
    expect(existsSync(sqliteLayoutPaths(home).shard('never-written'))).toBe(false);
  });

  it('a failing batch leaves no row in the shard or the index', async () => {
    const check = { assetKey: new AssetKey('checked'), checkName: 'c' };
    await storage.storeEvent(entry('run-b', E.ASSET_CHECK_EVALUATION_PLANNED, new AssetCheckEvaluationPlanned(check)));
    await storage.storeEvent(entry('run-b', E.ASSET_CHECK_EVALUATION_PLANNED, new AssetCheckEvaluationPlanned(check)));
    const shard = await storage.connections.forRun('run-b');
    const index = storage.connections.index;
    const counts = async () => ({
      shard: await shard.all('SELECT COUNT(*) AS n FROM event_logs'),
      index: await index.all('SELECT (SELECT COUNT(*) FROM event_logs) AS events, (SELECT COUNT(*) FROM asset_keys) AS keys, (SELECT COUNT(*) FROM asset_event_tags) AS tags'),
      checks: await index.all('SELECT execution_status FROM asset_check_executions ORDER BY id'),
    });
    const before = await counts();
    const batch = [
      materialization('run-b', 'a', { 'dagster/data_version': '1' }),
      entry('run-b', E.RUN_SUCCESS),
      entry('run-b', E.ASSET_CHECK_EVALUATION, new AssetCheckEvaluation({ ...check, passed: true })),
    ];
    await expect(storage.storeEventBatch(batch)).rejects.toBeInstanceOf(InvariantViolationError);
    expect(await counts()).toEqual(before);
    expect(before.checks).toEqual([{ execution_status: 'PLANNED' }, { execution_status: 'PLANNED' }]);
  });

  it('deleteEvents empties the shard and the run’s index rows; wipe removes every shard file', async () => {
    const paths = sqliteLayoutPaths(home);
    await storage.storeEvent(materialization('run-c', 'a', { 'dagster/data_version': '1' }));
    await storage.storeEvent(entry('run-d', E.RUN_SUCCESS));
    await storage.deleteEvents('run-c');
    expect(existsSync(paths.shard('run-c'))).toBe(true);
    expect(await storage.getLogsForRun('run-c')).toEqual([]);
    expect(await storage.connections.index.all('SELECT run_id FROM event_logs')).toEqual([{ run_id: 'run-d' }]);
    expect(await storage.connections.index.all('SELECT * FROM asset_event_tags')).toEqual([]);
    await storage.wipe();
    expect(existsSync(paths.shard('run-c'))).toBe(false);
    expect(existsSync(paths.shard('run-d'))).toBe(false);
    expect(existsSync(paths.index)).toBe(true);
    expect(await storage.connections.index.all('SELECT * FROM event_logs')).toEqual([]);
    expect(await storage.getLogsForRun('run-d')).toEqual([]);
  });

  it('two storages on one home in this process wake each other’s watchers at once', async () => {
    const other = await openSqliteEventLogStorage(home);
    try {
      expect(other.connections.identity).toBe(storage.connections.identity);
      const controller = new AbortController();
      const seen: WatchedEvent[] = [];
      // With timers faked no poll ever fires: the watcher can only see the events if the writes wake it.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const watching = collect(storage.watch('run-e', { signal: controller.signal }), 3, seen);
        for (const message of ['a', 'b', 'c']) await other.storeEvent(entry('run-e', E.ENGINE_EVENT, null, message));
        await watching;
      } finally {
        vi.useRealTimers();
      }
      controller.abort();
      expect(seen.map((e) => e.record.eventLogEntry.userMessage)).toEqual(['a', 'b', 'c']);
    } finally {
      await other.dispose();
    }
  });
});

describe('SQLite event log: a writer in another process', () => {
  let dir: string;
  let worker: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inst-event-log-process-'));
    worker = join(dir, 'writer.mjs');
    await bundleChildScript(join(here, 'event-log-test-writer.ts'), worker);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('wakes a watcher, which sees every event once, in order', async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    const storage = await openSqliteEventLogStorage(home);
    try {
      const count = 40;
      const controller = new AbortController();
      const seen: WatchedEvent[] = [];
      const watching = collect(storage.watch('shared-run', { signal: controller.signal }), count, seen);
      const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const proc = spawn(process.execPath, [worker, home, 'shared-run', String(count), '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        proc.on('error', reject);
        proc.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      expect(JSON.parse(child.stdout.trim())).toEqual({ errors: [] });
      const timeout = setTimeout(() => controller.abort(), 10_000);
      await watching;
      clearTimeout(timeout);
      controller.abort();
      expect(seen.map((e) => e.record.eventLogEntry.userMessage)).toEqual(Array.from({ length: count }, (_, i) => String(i)));
      const ids = seen.map((e) => e.record.storageId);
      expect(new Set(ids).size).toBe(count);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    } finally {
      await storage.dispose();
    }
  });
});

describe('SQLite event log on a Dagster 1.8.12 home', () => {
  let home: string;
  beforeEach(async () => {
    // index.db and one run shard as Dagster 1.8.12 left them: that schema, stamped, the asset
    // key table built but not the asset_keys index columns.
    home = mkdtempSync(join(tmpdir(), 'inst-event-log-old-'));
    const paths = sqliteLayoutPaths(home);
    mkdirSync(paths.shardsDir, { recursive: true });
    for (const file of [paths.index, paths.shard('old-run')]) {
      const db = await SqliteDriver.open(file);
      for (const sql of createSchemaSql(metadataAtRevision(EVENT_LOG_METADATA, BASELINE_REVISION), 'sqlite')) await db.run(sql);
      await stampRevision(db, BASELINE_REVISION);
      await markSecondaryIndexBuilt(db, 'asset_key_table');
      await db.close();
    }
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('works before upgrade (probing), then upgrade brings the index and every shard to head', async () => {
    const layout = await openSqliteLayout(home);
    const storage = await openSqliteEventLogStorage(layout);
    try {
      expect(await hasColumn(layout.index, 'concurrency_limits', 'using_default_limit')).toBe(false);
      expect(await storage.hasSecondaryIndex('asset_key_index_columns')).toBe(false);
      // Without the existence index, wiped assets are found by reading their details.
      await storage.storeEvent(materialization('old-run', 'kept'));
      await storage.storeEvent(materialization('old-run', 'wiped'));
      await new Promise((resolve) => setTimeout(resolve, 3));
      await storage.wipeAsset(new AssetKey('wiped'));
      expect((await storage.allAssetKeys()).map((k) => k.toString())).toEqual(['["kept"]']);
      expect(await storage.hasAssetKey(new AssetKey('wiped'))).toBe(false);
      // Pools without the using_default_limit column.
      await storage.setConcurrencySlots('pool', 2);
      expect(await storage.getPoolLimits()).toEqual([expect.objectContaining({ name: 'pool', limit: 2, fromDefault: false })]);

      await storage.upgrade();
      for (const db of [layout.index, await layout.shard('old-run')]) {
        expect(await getRevision(db)).toBe(HEAD_REVISION);
        expect(await hasColumn(db, 'concurrency_limits', 'using_default_limit')).toBe(true);
      }
      await storage.reindexAssets();
      expect(await storage.hasSecondaryIndex('asset_key_index_columns')).toBe(true);
      expect((await storage.allAssetKeys()).map((k) => k.toString())).toEqual(['["kept"]']);
      await storage.storeEvent(materialization('old-run', 'wiped'));
      expect((await storage.allAssetKeys()).map((k) => k.toString())).toEqual(['["kept"]', '["wiped"]']);
      expect(await storage.getPoolLimits()).toEqual([expect.objectContaining({ name: 'pool', limit: 2, fromDefault: false })]);
    } finally {
      await storage.dispose();
      await layout.close();
    }
  });

  it('an index without asset_event_tags stores asset events and refuses tag queries', async () => {
    const layout = await openSqliteLayout(home);
    await layout.index.run('DROP TABLE asset_event_tags');
    const storage = await openSqliteEventLogStorage(layout);
    try {
      await storage.storeEvent(materialization('old-run', 'a', { 'dagster/data_version': '1' }));
      expect((await storage.fetchMaterializations(new AssetKey('a'), 10)).records).toHaveLength(1);
      await expect(storage.getEventTagsForAsset(new AssetKey('a'))).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await storage.getUpdatedDataVersionPartitions(new AssetKey('a'), ['p'], 0)).toEqual(new Set());
    } finally {
      await storage.dispose();
      await layout.close();
    }
  });
});
