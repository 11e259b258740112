import { InvalidArgumentError, NotSupportedError } from '@inst/errors';
import { deserializeValue, serializeValue } from '@inst/serdes';
import { AssetKey, type DagsterEvent } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createFakeOps, materialize } from './fake-ops.test-support';
import { getLatestMaterializationEvent } from './queries';
import { AssetWipedData } from './records';
import { wipeAssetPartitions, wipeAssets } from './wipe';

const A = new AssetKey(['a']);
const B = new AssetKey(['b', 'c']);

describe('wipeAssets', () => {
  it('wipes each asset in storage, then reports a runless ASSET_WIPED event for it', async () => {
    const ops = createFakeOps();
    await materialize(ops, A);
    await materialize(ops, B);
    await wipeAssets(ops, [A, B]);
    expect(await getLatestMaterializationEvent(ops, A)).toBeNull();
    expect(await getLatestMaterializationEvent(ops, B)).toBeNull();
    expect(ops.log.calls.filter((c) => c.startsWith('wipeAsset:'))).toEqual(['wipeAsset:a', 'wipeAsset:b/c']);
    const wiped = ops.log.records.slice(-2).map((r) => r.eventLogEntry);
    expect(wiped.map((e) => [e.runId, e.jobName, e.level, e.dagsterEvent?.eventTypeValue])).toEqual([
      ['', '', 20, 'ASSET_WIPED'],
      ['', '', 20, 'ASSET_WIPED'],
    ]);
    const data = wiped.map((e) => e.dagsterEvent?.eventSpecificData as AssetWipedData);
    expect(data.map((d) => [d.assetKey.toUserString(), d.partitionKeys])).toEqual([
      ['a', null],
      ['b/c', null],
    ]);
  });

  it("stores AssetWipedData as Dagster's serdes writes it", () => {
    const data = new AssetWipedData({ assetKey: B, partitionKeys: ['p1'] });
    const json = serializeValue(data);
    expect(json).toBe('{"__class__": "AssetWipedData", "asset_key": {"__class__": "AssetKey", "path": ["b", "c"]}, "partition_keys": ["p1"]}');
    expect(deserializeValue(json)).toEqual(data);
  });

  it('rejects anything but a list of AssetKeys before wiping anything', async () => {
    const ops = createFakeOps();
    await materialize(ops, A);
    await expect(wipeAssets(ops, [A, 'b' as unknown as AssetKey])).rejects.toThrow(InvalidArgumentError);
    await expect(wipeAssets(ops, new Set([A]) as unknown as AssetKey[])).rejects.toThrow(InvalidArgumentError);
    expect(ops.log.calls).toEqual([]);
    expect(ops.log.records).toHaveLength(1);
  });

  it('reports through ops.reportDagsterEvent, so an overriding instance sees the events', async () => {
    const reported: [DagsterEvent, string][] = [];
    const ops = createFakeOps({ overrides: { reportDagsterEvent: async (event, runId) => void reported.push([event, runId]) } });
    await wipeAssets(ops, [A]);
    expect(reported.map(([event, runId]) => [event.eventTypeValue, event.jobName, runId])).toEqual([['ASSET_WIPED', '', '']]);
  });
});

describe('wipeAssetPartitions', () => {
  it('wipes the partitions in storage, then reports a runless ASSET_WIPED event with the partition keys', async () => {
    const ops = createFakeOps();
    await materialize(ops, A, { partition: 'p1' });
    await materialize(ops, A, { partition: 'p2' });
    await materialize(ops, A, { partition: 'p3' });
    await wipeAssetPartitions(ops, A, ['p1', 'p2']);
    expect(ops.log.calls.filter((c) => c.startsWith('wipeAssetPartitions:'))).toEqual(['wipeAssetPartitions:a:p1,p2']);
    expect(await ops.getMaterializedPartitions(A)).toEqual(new Set(['p3']));
    expect((await getLatestMaterializationEvent(ops, A))?.dagsterEvent?.partition).toBe('p3');
    const event = ops.log.records.at(-1)!.eventLogEntry;
    expect([event.runId, event.jobName, event.level, event.dagsterEvent?.eventTypeValue]).toEqual(['', '', 20, 'ASSET_WIPED']);
    const data = event.dagsterEvent?.eventSpecificData as AssetWipedData;
    expect([data.assetKey.toUserString(), data.partitionKeys]).toEqual(['a', ['p1', 'p2']]);
  });

  it('passes on an error of the storage (one that cannot wipe partitions) and reports nothing', async () => {
    const ops = createFakeOps({
      storage: {
        wipeAssetPartitions: async () => {
          throw new NotSupportedError('Partitioned asset wipe is not supported yet for this event log storage.');
        },
      },
    });
    await expect(wipeAssetPartitions(ops, A, ['p1'])).rejects.toBeInstanceOf(NotSupportedError);
    expect(ops.log.records).toHaveLength(0);
  });

  it('reports through ops.reportDagsterEvent, so an overriding instance sees the event', async () => {
    const reported: [DagsterEvent, string][] = [];
    const ops = createFakeOps({ overrides: { reportDagsterEvent: async (event, runId) => void reported.push([event, runId]) } });
    await wipeAssetPartitions(ops, B, ['p1']);
    expect(reported.map(([event, runId]) => [event.eventTypeValue, event.jobName, runId])).toEqual([['ASSET_WIPED', '', '']]);
  });

  it('checks the key and the partition list (a non-empty list of strings) first', async () => {
    const ops = createFakeOps();
    await materialize(ops, A, { partition: 'p' });
    await expect(wipeAssetPartitions(ops, 'a' as unknown as AssetKey, ['p'])).rejects.toThrow(InvalidArgumentError);
    await expect(wipeAssetPartitions(ops, A, [1 as unknown as string])).rejects.toThrow(InvalidArgumentError);
    await expect(wipeAssetPartitions(ops, A, [])).rejects.toThrow(InvalidArgumentError);
    await expect(wipeAssetPartitions(ops, A, 'p' as unknown as string[])).rejects.toThrow(InvalidArgumentError);
    expect(ops.log.calls.filter((c) => c.startsWith('wipeAssetPartitions:'))).toEqual([]);
    expect(ops.log.records).toHaveLength(1);
  });
});
