import {
  AssetCheckExecutionRecord,
  AssetCheckExecutionRecordStatus,
  AssetCheckKey,
  AssetKey,
  AssetRecordsFilter,
  DagsterEventType,
  EventLogCursor,
  type EventLogEntry,
} from '@inst/types';
import { describe, expect, it, vi } from 'vitest';
import { createFakeOps, materialize, observe, plan } from './fake-ops.test-support';
import {
  allAssetKeys,
  fetchFailedMaterializations,
  fetchMaterializations,
  fetchObservations,
  fetchPlannedMaterializations,
  getAssetKeys,
  getAssetRecords,
  getEventTagsForAsset,
  getFreshnessStateRecords,
  getLatestAssetCheckEvaluationRecord,
  getLatestDataVersionRecord,
  getLatestMaterializationCodeVersions,
  getLatestMaterializationEvent,
  getLatestMaterializationEvents,
  getLatestPlannedMaterializationInfo,
  getLatestStorageIdByPartition,
  getMaterializedPartitions,
  hasAssetKey,
} from './queries';
import { FreshnessState, FreshnessStateRecord, FreshnessStateRecordBody } from './records';

const A = new AssetKey(['warehouse', 'orders']);
const B = new AssetKey(['warehouse', 'users']);
const C = new AssetKey(['raw']);

describe('fetching asset events', () => {
  it('pages through materializations newest first, and ascending from a cursor', async () => {
    const ops = createFakeOps();
    const ids = [await materialize(ops, A), await materialize(ops, B), await materialize(ops, A), await materialize(ops, A)];
    const first = await fetchMaterializations(ops, A, 2);
    expect(first.records.map((r) => r.storageId)).toEqual([ids[3], ids[2]]);
    expect(first.hasMore).toBe(true);
    const second = await fetchMaterializations(ops, A, 2, first.cursor);
    expect(second.records.map((r) => r.storageId)).toEqual([ids[0]]);
    expect(second.hasMore).toBe(false);
    const ascending = await fetchMaterializations(ops, new AssetRecordsFilter({ assetKey: A }), 10, null, true);
    expect(ascending.records.map((r) => r.storageId)).toEqual([ids[0], ids[2], ids[3]]);
  });

  it('fetches observations and failed materializations of their own type', async () => {
    const ops = createFakeOps();
    await materialize(ops, A);
    const observed = await observe(ops, A);
    expect((await fetchObservations(ops, A, 5)).records.map((r) => r.storageId)).toEqual([observed]);
    expect((await fetchFailedMaterializations(ops, A, 5)).records).toEqual([]);
    expect(ops.log.calls.filter((c) => c.startsWith('fetch'))).toEqual(['fetchObservations', 'fetchFailedMaterializations']);
  });

  it('pages planned materializations with Dagster cursors, has_more = len == limit, and warns once', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const ops = createFakeOps();
      const p1 = await plan(ops, A, 'r1', 'p1');
      const p2 = await plan(ops, A, 'r2', 'p2');
      await plan(ops, B, 'r3');
      const page = await fetchPlannedMaterializations(ops, A, 2);
      expect(page.records.map((r) => r.storageId)).toEqual([p2, p1]);
      expect(page.cursor).toBe(EventLogCursor.fromStorageId(p1).toString());
      expect(page.hasMore).toBe(true);
      // A bare key still honours the cursor (Dagster drops it there), so paging ends.
      const next = await fetchPlannedMaterializations(ops, A, 2, page.cursor);
      expect(next.records).toEqual([]);
      expect(next.cursor).toBe(page.cursor);
      expect(next.hasMore).toBe(false);
      const none = await fetchPlannedMaterializations(ops, new AssetRecordsFilter({ assetKey: C }), 2);
      expect(none.cursor).toBe(EventLogCursor.fromStorageId(-1).toString());
      expect(warn.mock.calls.filter(([message]) => String(message).includes('fetchPlannedMaterializations'))).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('asset keys and records', () => {
  it('lists keys by prefix with a cursor and limit, and knows wiped assets', async () => {
    const ops = createFakeOps();
    for (const key of [B, C, A]) await materialize(ops, key);
    expect((await allAssetKeys(ops)).map((k) => k.toUserString())).toEqual(['raw', 'warehouse/orders', 'warehouse/users']);
    expect((await getAssetKeys(ops, ['warehouse'])).map((k) => k.toUserString())).toEqual(['warehouse/orders', 'warehouse/users']);
    expect((await getAssetKeys(ops, null, 1, A.toString())).map((k) => k.toUserString())).toEqual(['warehouse/users']);
    await ops.eventLogStorage.wipeAsset(C);
    expect(await hasAssetKey(ops, C)).toBe(true);
    expect(await hasAssetKey(ops, new AssetKey(['nope']))).toBe(false);
  });

  it('reads asset records and the latest materialization per key', async () => {
    const ops = createFakeOps();
    await materialize(ops, A, { runId: 'r1' });
    const latest = await materialize(ops, A, { runId: 'r2' });
    const records = await getAssetRecords(ops, [A]);
    expect(records.map((r) => [r.assetEntry.assetKey.toUserString(), r.assetEntry.lastMaterializationStorageId, r.assetEntry.lastRunId])).toEqual([
      ['warehouse/orders', latest, 'r2'],
    ]);
    expect((await getLatestMaterializationEvent(ops, A))?.runId).toBe('r2');
    expect(await getLatestMaterializationEvent(ops, B)).toBeNull();
    const byKey = await getLatestMaterializationEvents(ops, new Set([A, B]));
    expect([...byKey.keys()]).toEqual([A, B]);
    expect(byKey.get(A)?.runId).toBe('r2');
    expect(byKey.get(B)).toBeNull();
  });
});

describe('versions', () => {
  it('reads code versions from the dagster/code_version tag of the latest materialization', async () => {
    const ops = createFakeOps();
    await materialize(ops, A, { tags: { 'dagster/code_version': 'v1' } });
    await materialize(ops, A, { tags: { 'dagster/code_version': 'v2', 'dagster/data_version': 'd2' } });
    await materialize(ops, B);
    function* keys() {
      yield A;
      yield B;
      yield C;
    }
    const versions = await getLatestMaterializationCodeVersions(ops, keys());
    expect([...versions.entries()].map(([k, v]) => [k.toUserString(), v])).toEqual([
      ['warehouse/orders', 'v2'],
      ['warehouse/users', null],
      ['raw', null],
    ]);
  });

  it('goes through ops.getLatestMaterializationEvents, even when it answers with keys of its own', async () => {
    const ops = createFakeOps();
    await materialize(ops, A, { tags: { 'dagster/code_version': 'from-storage' } });
    const real = (await getLatestMaterializationEvents(ops, [A])).get(A) as EventLogEntry;
    const overriding = createFakeOps({ overrides: { getLatestMaterializationEvents: async () => new Map([[new AssetKey(['warehouse', 'orders']), real]]) } });
    expect((await getLatestMaterializationCodeVersions(overriding, [A])).get(A)).toBe('from-storage');
  });

  it('finds the latest data version record by source-ness, partition and cursors', async () => {
    const ops = createFakeOps();
    const obs = await observe(ops, A, { tags: { 'dagster/data_version': 'o1' } });
    expect((await getLatestDataVersionRecord(ops, A))?.storageId).toBe(obs); // no materialization: falls back to observations
    expect(await getLatestDataVersionRecord(ops, A, false)).toBeNull();
    const m1 = await materialize(ops, A, { partition: 'p1' });
    const m2 = await materialize(ops, A, { partition: 'p2' });
    expect((await getLatestDataVersionRecord(ops, A))?.storageId).toBe(m2);
    expect((await getLatestDataVersionRecord(ops, A, true))?.storageId).toBe(obs);
    expect((await getLatestDataVersionRecord(ops, A, false, 'p1'))?.storageId).toBe(m1);
    expect((await getLatestDataVersionRecord(ops, A, null, null, m2))?.storageId).toBe(m1);
    expect((await getLatestDataVersionRecord(ops, A, false, null, null, m2))).toBeNull();
  });

  it('asks the instance (ops.fetchMaterializations / fetchObservations), one record at a time', async () => {
    const seen: [string, AssetRecordsFilter, number][] = [];
    const ops = createFakeOps({
      overrides: {
        fetchMaterializations: async (filter, limit) => {
          seen.push(['m', filter as AssetRecordsFilter, limit]);
          return { records: [], cursor: '', hasMore: false };
        },
        fetchObservations: async (filter, limit) => {
          seen.push(['o', filter as AssetRecordsFilter, limit]);
          return { records: [], cursor: '', hasMore: false };
        },
      },
    });
    expect(await getLatestDataVersionRecord(ops, A, undefined, 'p', 9, 3)).toBeNull();
    expect(seen.map(([kind, f, limit]) => [kind, f.assetKey.toUserString(), f.assetPartitions, f.beforeStorageId, f.afterStorageId, limit])).toEqual([
      ['m', 'warehouse/orders', ['p'], 9, 3, 1],
      ['o', 'warehouse/orders', ['p'], 9, 3, 1],
    ]);
  });
});

describe('partitions, tags and checks', () => {
  it('answers planned info, materialized partitions and latest storage ids per partition', async () => {
    const ops = createFakeOps();
    const planned = await plan(ops, A, 'r9', 'p1');
    const m1 = await materialize(ops, A, { partition: 'p1' });
    const m2 = await materialize(ops, A, { partition: 'p2' });
    expect(await getLatestPlannedMaterializationInfo(ops, A)).toMatchObject({ storageId: planned, runId: 'r9' });
    expect(await getLatestPlannedMaterializationInfo(ops, A, 'p2')).toBeNull();
    expect(await getMaterializedPartitions(ops, A)).toEqual(new Set(['p1', 'p2']));
    expect(await getMaterializedPartitions(ops, A, null, m1)).toEqual(new Set(['p2']));
    expect(await getMaterializedPartitions(ops, A, m2)).toEqual(new Set(['p1']));
    expect(await getLatestStorageIdByPartition(ops, A, DagsterEventType.ASSET_MATERIALIZATION)).toEqual(new Map([['p1', m1], ['p2', m2]]));
    expect(await getLatestStorageIdByPartition(ops, A, DagsterEventType.ASSET_MATERIALIZATION, new Set(['p2']))).toEqual(new Map([['p2', m2]]));
  });

  it('filters event tags by tags or by event id', async () => {
    const ops = createFakeOps();
    const us = await materialize(ops, A, { tags: { 'dagster/partition/country': 'US', 'dagster/partition/date': '2024-01-01' } });
    await materialize(ops, A, { tags: { 'dagster/partition/country': 'FR', 'dagster/partition/date': '2024-01-01' } });
    expect(await getEventTagsForAsset(ops, A, { 'dagster/partition/country': 'US' })).toEqual([{ 'dagster/partition/country': 'US', 'dagster/partition/date': '2024-01-01' }]);
    expect((await getEventTagsForAsset(ops, A, null, us)).map((t) => t['dagster/partition/country'])).toEqual(['US']);
    expect(await getEventTagsForAsset(ops, A)).toHaveLength(2);
  });

  it('reads the latest asset check execution, or null', async () => {
    const ops = createFakeOps();
    const key = new AssetCheckKey({ assetKey: A, name: 'not_empty' });
    for (const [id, status] of [[1, AssetCheckExecutionRecordStatus.FAILED], [2, AssetCheckExecutionRecordStatus.SUCCEEDED]] as const) {
      ops.log.checkExecutions.push(new AssetCheckExecutionRecord({ key, id, runId: `r${id}`, status, createTimestamp: 1_700_000_000 + id }));
    }
    const latest = await getLatestAssetCheckEvaluationRecord(ops, new AssetCheckKey({ assetKey: A, name: 'not_empty' }));
    expect([latest?.id, latest?.status]).toEqual([2, 'SUCCEEDED']);
    expect(await getLatestAssetCheckEvaluationRecord(ops, new AssetCheckKey({ assetKey: A, name: 'other' }))).toBeNull();
  });

  it('reads freshness state records from storages that keep them, none otherwise', async () => {
    expect(await getFreshnessStateRecords(createFakeOps(), [A])).toEqual(new Map());
    const record = new FreshnessStateRecord({ entityKey: A, freshnessState: FreshnessState.WARN, updatedAt: new Date(0), recordBody: new FreshnessStateRecordBody({ metadata: {} }) });
    const ops = createFakeOps({ storage: { getFreshnessStateRecords: async (keys: AssetKey[]) => new Map(keys.map((k) => [k, record])) } });
    const records = await getFreshnessStateRecords(ops, [A]);
    expect(records.get(A)?.freshnessState).toBe('WARN');
  });
});
