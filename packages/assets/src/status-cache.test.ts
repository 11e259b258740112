import { DeserializationError, InvalidArgumentError } from '@inst/errors';
import { AssetKey, AssetStatusCacheValue, DagsterRun, DagsterRunStatus } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createFakeOps, materialize, plan, type FakeOps } from './fake-ops.test-support';
import {
  canReadAssetStatusCache,
  getAndUpdateAssetStatusCacheValue,
  getStatusByPartition,
  staticPartitionsDefinition,
  wipeAssetCachedStatus,
} from './status-cache';

const A = new AssetKey(['daily']);
const DAYS: [string, string, string, string, string] = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'];
const def = staticPartitionsDefinition(DAYS);

function addRun(ops: FakeOps, runId: string, status: DagsterRunStatus): void {
  ops.runs.set(runId, new DagsterRun({ jobName: 'etl', runId, status }));
}

function statuses(result: Map<string, string | null> | null): Record<string, string | null> | null {
  return result && Object.fromEntries(result);
}

describe('staticPartitionsDefinition', () => {
  it("writes Dagster's StaticPartitionsDefinition id and DefaultPartitionsSubset bytes", () => {
    const withUnicode = staticPartitionsDefinition(['2024-01-01', '2024-01-02', 'ü']);
    // hashlib.sha1(json.dumps(['2024-01-01', '2024-01-02', 'ü']).encode()).hexdigest()
    expect(withUnicode.serializableUniqueIdentifier()).toBe('6ffed3471104de0ff722f7fcb41032701b8c04e6');
    expect(withUnicode.serializeSubset(new Set(['ü', 'b', 'a']))).toBe('{"version": 1, "subset": ["a", "b", "\\u00fc"]}');
    expect(withUnicode.deserializeSubset('{"version": 1, "subset": ["a", "\\u00fc"]}')).toEqual(new Set(['a', 'ü']));
    expect(withUnicode.deserializeSubset('["old", "form"]')).toEqual(new Set(['old', 'form']));
    expect(() => withUnicode.deserializeSubset('{"version": 2, "subset": []}')).toThrow(DeserializationError);
  });
});

describe('getStatusByPartition', () => {
  it('is null for an asset never materialized nor planned', async () => {
    const ops = createFakeOps();
    expect(await getStatusByPartition(ops, A, DAYS, def)).toBeNull();
    expect(ops.log.cachedStatus.size).toBe(0);
  });

  it('builds the cache: materialized, failed, in progress, and nothing for deleted runs or unknown keys', async () => {
    const ops = createFakeOps();
    addRun(ops, 'ok', DagsterRunStatus.SUCCESS);
    addRun(ops, 'bad', DagsterRunStatus.FAILURE);
    addRun(ops, 'busy', DagsterRunStatus.STARTED);
    await plan(ops, A, 'ok', DAYS[0]);
    await materialize(ops, A, { partition: DAYS[0], runId: 'ok' });
    await materialize(ops, A, { partition: 'not-a-day', runId: 'ok' });
    await plan(ops, A, 'bad', DAYS[1]);
    const busyPlanned = await plan(ops, A, 'busy', DAYS[2]);
    await plan(ops, A, 'gone', DAYS[3]); // the run was deleted

    const result = await getStatusByPartition(ops, A, [...DAYS, 'not-a-day'], def);
    expect(statuses(result)).toEqual({
      '2024-01-01': 'MATERIALIZED',
      '2024-01-02': 'FAILED',
      '2024-01-03': 'IN_PROGRESS',
      '2024-01-04': null,
      '2024-01-05': null,
      'not-a-day': null,
    });
    const cached = ops.log.cachedStatus.get(A.toString())!;
    expect(cached).toMatchObject({
      latestStorageId: ops.log.records.at(-1)!.storageId,
      partitionsDefId: def.serializableUniqueIdentifier(),
      serializedMaterializedPartitionSubset: '{"version": 1, "subset": ["2024-01-01"]}',
      serializedFailedPartitionSubset: '{"version": 1, "subset": ["2024-01-02"]}',
      serializedInProgressPartitionSubset: '{"version": 1, "subset": ["2024-01-03"]}',
      earliestInProgressMaterializationEventId: busyPlanned,
    });
  });

  it('updates the stored value incrementally and writes only when it changed', async () => {
    const ops = createFakeOps();
    addRun(ops, 'bad', DagsterRunStatus.FAILURE);
    addRun(ops, 'busy', DagsterRunStatus.STARTED);
    await plan(ops, A, 'bad', DAYS[0]);
    const busyPlanned = await plan(ops, A, 'busy', DAYS[1]);
    await getStatusByPartition(ops, A, DAYS, def);
    const writes = () => ops.log.calls.filter((c) => c.startsWith('updateAssetCachedStatusData')).length;
    expect(writes()).toBe(1);

    // Nothing new: the same value, not written again; planned events are looked at again from the in-progress one.
    await getStatusByPartition(ops, A, DAYS, def);
    expect(writes()).toBe(1);
    expect(ops.log.calls).toContain(`attemptsWithoutMaterializations:${busyPlanned - 1}`);

    // The failed partition is materialized again and the busy run finishes: failure cleared, materialized.
    addRun(ops, 'busy', DagsterRunStatus.SUCCESS);
    await materialize(ops, A, { partition: DAYS[0], runId: 'retry' });
    await materialize(ops, A, { partition: DAYS[1], runId: 'busy' });
    const result = await getStatusByPartition(ops, A, DAYS.slice(0, 2), def);
    expect(statuses(result)).toEqual({ '2024-01-01': 'MATERIALIZED', '2024-01-02': 'MATERIALIZED' });
    expect(writes()).toBe(2);
    const cached = ops.log.cachedStatus.get(A.toString())!;
    expect(cached.serializedFailedPartitionSubset).toBe('{"version": 1, "subset": []}');
    expect(cached.earliestInProgressMaterializationEventId).toBeNull();
    // Only partitions materialized after the cached latest storage id were read.
    expect(ops.log.calls.filter((c) => c.startsWith('getMaterializedPartitions'))).toEqual(['getMaterializedPartitions:', `getMaterializedPartitions:${busyPlanned}`]);
  });

  it('rebuilds the value when the partitions definition changed', async () => {
    const ops = createFakeOps();
    await materialize(ops, A, { partition: 'x' });
    ops.log.cachedStatus.set(
      A.toString(),
      new AssetStatusCacheValue({ latestStorageId: 1, partitionsDefId: 'old', serializedMaterializedPartitionSubset: '{"version": 1, "subset": ["stale"]}' }),
    );
    const value = await getAndUpdateAssetStatusCacheValue(ops, A, staticPartitionsDefinition(['x', 'stale']));
    expect(value?.serializedMaterializedPartitionSubset).toBe('{"version": 1, "subset": ["x"]}');
    expect(ops.log.cachedStatus.get(A.toString())).toBe(value);
  });

  it('keeps only the latest storage id without a partitions definition', async () => {
    const ops = createFakeOps();
    const id = await materialize(ops, A);
    const value = await getAndUpdateAssetStatusCacheValue(ops, A);
    expect(value).toMatchObject({ latestStorageId: id, partitionsDefId: null, serializedMaterializedPartitionSubset: null });
  });

  it('asks for runs in batches of 100', async () => {
    const ops = createFakeOps();
    const keys = Array.from({ length: 150 }, (_, i) => `p${i}`);
    for (const key of keys) await plan(ops, A, `run-${key}`, key);
    await getStatusByPartition(ops, A, keys, staticPartitionsDefinition(keys));
    expect(ops.runQueries.map((f) => f.runIds?.length)).toEqual([100, 50]);
  });

  it('reads the planned id from asset records when storage keeps it there, and does not write a cache it cannot write', async () => {
    const ops = createFakeOps({ storage: { assetRecordsHaveLastPlannedMaterializationStorageId: true, canWriteAssetStatusCache: () => false } });
    await plan(ops, A, 'r', DAYS[0]);
    addRun(ops, 'r', DagsterRunStatus.STARTED);
    expect(statuses(await getStatusByPartition(ops, A, [DAYS[0]], def))).toEqual({ '2024-01-01': 'IN_PROGRESS' });
    expect(ops.log.calls).not.toContain('getLatestPlannedMaterializationInfo');
    expect(ops.log.cachedStatus.size).toBe(0);
  });
});

describe('status cache maintenance', () => {
  it('reads the capability from canReadAssetStatusCache, else canCacheAssetStatusData', () => {
    expect(canReadAssetStatusCache(createFakeOps())).toBe(true);
    expect(canReadAssetStatusCache(createFakeOps({ storage: { canReadAssetStatusCache: () => false } }))).toBe(false);
  });

  it('wipes the cached status of each key, after checking the whole list', async () => {
    const ops = createFakeOps();
    const B = new AssetKey(['b']);
    await expect(wipeAssetCachedStatus(ops, [A, 'b' as unknown as AssetKey])).rejects.toThrow(InvalidArgumentError);
    await expect(wipeAssetCachedStatus(ops, A as unknown as AssetKey[])).rejects.toThrow(InvalidArgumentError);
    expect(ops.log.calls).toEqual([]);
    await wipeAssetCachedStatus(ops, [A, B]);
    expect(ops.log.calls).toEqual(['wipeAssetCachedStatus:daily', 'wipeAssetCachedStatus:b']);
  });
});
