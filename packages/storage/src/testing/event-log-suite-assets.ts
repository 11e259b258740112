import { expect, it, vi } from 'vitest';
import { InvalidArgumentError, InvariantViolationError } from '@inst/errors';
import { deserializeValue, serializeValue } from '@inst/serdes';
import type {
  DagsterEventType} from '@inst/types';
import {
  AssetCheckKey,
  AssetDetails,
  AssetFailedToMaterializeData,
  AssetKey,
  AssetMaterialization,
  AssetMaterializationFailure,
  AssetMaterializationFailureReason,
  AssetMaterializationPlannedData,
  AssetRecordsFilter,
  AssetStatusCacheValue,
  EventLogCursor,
  EventRecordsFilter,
  StepMaterializationData,
  type EventLogEntry,
  type EventLogRecord,
  type EventRecordsResult,
} from '@inst/types';
import type { EventLogStorage } from '../event-log-storage';
import type { EventLogSuiteEnv } from './event-log-storage-suite';
import {
  assetOp,
  checkEvaluation,
  checkPlanned,
  dagsterEntry,
  E,
  materialization,
  newRunId,
  observation,
  planned,
  RUNLESS_JOB_NAME,
  RUNLESS_RUN_ID,
  storeAll,
  storeRun,
  wipeAsset,
  type OpSpec,
  type TestClock,
} from './event-log-fixtures';

const key = (...path: string[]) => new AssetKey(path);
const DATA_VERSION_TAG = 'dagster/data_version';

/** Dagster's `asset_op_one` / `asset_op_two`. */
const ONE_ASSET_OP: readonly OpSpec[] = [assetOp('asset_op_one', (clock, runId, stepKey) => [materialization(clock, runId, 'asset_1', { stepKey })])];
const TWO_ASSET_OPS: readonly OpSpec[] = [
  ...ONE_ASSET_OP,
  assetOp('asset_op_two', (clock, runId, stepKey) => [
    materialization(clock, runId, 'asset_2', { stepKey }),
    materialization(clock, runId, key('path', 'to', 'asset_3'), { stepKey }),
  ]),
];

function keyStrings(keys: readonly AssetKey[]): string[] {
  return keys.map((k) => k.toString());
}

function counts(result: EventRecordsResult): unknown[] {
  return result.records.map((record) => (record.assetEvent?.metadata.count as { value: unknown } | undefined)?.value);
}

async function plannedKeys(storage: EventLogStorage, runId: string): Promise<string[]> {
  const records = (await storage.getRecordsForRun(runId, undefined, E.ASSET_MATERIALIZATION_PLANNED)).records;
  expect(records.every((r) => r.eventLogEntry.dagsterEvent?.isAssetMaterializationPlanned)).toBe(true);
  return records.map((r) => r.assetKey!.toString()).sort();
}

/** Stores a partition event and returns its (cross-run) storage id. */
async function storePartitionEvent(
  storage: EventLogStorage,
  clock: TestClock,
  runId: string,
  eventType: DagsterEventType,
  assetKey: AssetKey,
  partition: string,
  tags?: Record<string, string>,
): Promise<number> {
  const build = eventType === E.ASSET_OBSERVATION ? observation : materialization;
  await storage.storeEvent(build(clock, runId, assetKey, { partition, tags: tags ?? null }));
  const [latest] = await storage.getEventRecords(new EventRecordsFilter({ eventType }), 1, false);
  return latest!.storageId;
}

/** Stores a synthesized run's events and returns the id just after its last materialization (Dagster's `_store_materialization_events`). */
async function storeMaterializationEvents(storage: EventLogStorage, clock: TestClock, ops: readonly OpSpec[], runId: string): Promise<number> {
  await storeRun(storage, clock, runId, ops);
  const [last] = await storage.getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION }), 1, false);
  return last!.storageId + 1;
}

function failedToMaterialize(clock: TestClock, runId: string, assetKey: AssetKey, partition: string, stepKey: string): EventLogEntry {
  return dagsterEntry(runId, E.ASSET_FAILED_TO_MATERIALIZE, {
    timestamp: clock.next(),
    stepKey,
    jobName: 'my_fake_job',
    data: new AssetFailedToMaterializeData({
      assetMaterializationFailure: new AssetMaterializationFailure({ assetKey, partition, reason: AssetMaterializationFailureReason.COMPUTE_FAILED }),
    }),
  });
}

/** A partitions subset as Dagster serializes one (read as an UnknownRecord, written back unchanged). */
function serializablePartitionsSubset(keys: readonly string[]): unknown {
  return deserializeValue(`{"__class__": "DefaultPartitionsSubset", "subset": {"__set__": [${keys.map((k) => JSON.stringify(k)).join(', ')}]}}`);
}

/** Tests of assets: records and keys, fetches, wipes, tags, partitions, planned materializations, data versions. */
export function defineAssetTests({ storage, clock, caps, options }: EventLogSuiteEnv): void {
  const itIf = (condition: boolean) => (condition ? it : it.skip);

  it('test_asset_materialization: a materialization is found by key, as a record and in a fetch page with its cursor', async () => {
    const assetKey = key('path', 'to', 'asset_one');
    await storeRun(storage(), clock(), newRunId(), [
      assetOp('materialize_one', (c, runId, stepKey) => [materialization(c, runId, assetKey, { stepKey, metadata: { text: 'hello', json: { hello: 'world' }, one_float: 1.5, one_int: 1 } })]),
    ]);
    expect(keyStrings(await storage().allAssetKeys())).toContain(assetKey.toString());
    const records = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION, assetKey }));
    expect(records).toHaveLength(1);
    expect(records[0]!.assetKey?.equals(assetKey)).toBe(true);
    const result = await storage().fetchMaterializations(assetKey, 100);
    expect(result.records).toHaveLength(1);
    expect(result.records[0]!.assetKey?.equals(assetKey)).toBe(true);
    expect(result.records[0]!.assetMaterialization?.metadata.text).toMatchObject({ text: 'hello' });
    expect(result.cursor).toBe(EventLogCursor.fromStorageId(result.records[0]!.storageId).toString());
    expect(result.hasMore).toBe(false);
  });

  it('test_asset_mat_planned_event_step_key: a planned event carries the asset key and step key', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'my_asset' }], { planned: [{ key: key('my_asset'), stepKey: 'my_asset' }] });
    const records = (await storage().getRecordsForRun(runId, undefined, E.ASSET_MATERIALIZATION_PLANNED)).records;
    expect(records).toHaveLength(1);
    const event = records[0]!.eventLogEntry.dagsterEvent!;
    expect(event.assetMaterializationPlannedData.assetKey.equals(key('my_asset'))).toBe(true);
    expect(event.stepKey).toBe('my_asset');
  });

  it('test_non_assets_job_no_register_event: a job without assets has no planned events', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'my_op' }]);
    expect(await plannedKeys(storage(), runId)).toEqual([]);
  });

  it('test_multi_asset_mat_planned_event_step_key: a multi-asset plans each key under its one step', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'my_asset' }], {
      planned: [
        { key: key('my_asset_name'), stepKey: 'my_asset' },
        { key: key('my_other_asset'), stepKey: 'my_asset' },
      ],
    });
    const records = (await storage().getRecordsForRun(runId, undefined, E.ASSET_MATERIALIZATION_PLANNED)).records;
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.eventLogEntry.dagsterEvent!.stepKey === 'my_asset')).toBe(true);
    expect(await plannedKeys(storage(), runId)).toEqual(['["my_asset_name"]', '["my_other_asset"]']);
  });

  it('test_multi_asset_asset_materialization_planned_events: the planned keys of a run are those stored for it', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'my_asset' }], {
      planned: [
        { key: key('my_asset_name'), stepKey: 'my_asset' },
        { key: key('my_other_asset'), stepKey: 'my_asset' },
      ],
    });
    expect(await plannedKeys(storage(), runId)).toEqual(['["my_asset_name"]', '["my_other_asset"]']);
  });

  it('test_asset_materialization_planned_event_yielded_op_selection: only the selected asset is planned', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'asset_one', outcome: 'failure' }], { planned: [{ key: key('asset_one'), stepKey: 'asset_one' }] });
    expect(await plannedKeys(storage(), runId)).toEqual(['["asset_one"]']);
  });

  it('test_asset_materialization_planned_event_yielded_never_run_asset: an asset that never runs is still planned', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'asset_one', outcome: 'failure' }], {
      planned: [
        { key: key('asset_one'), stepKey: 'asset_one' },
        { key: key('never_runs_asset'), stepKey: 'never_runs_asset' },
      ],
    });
    expect(await plannedKeys(storage(), runId)).toEqual(['["asset_one"]', '["never_runs_asset"]']);
  });

  it('test_asset_partition_materialization_planned_events: planned events keep the partition (none when unpartitioned)', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'my_asset' }, { name: 'my_other_asset' }], {
      planned: [
        { key: key('my_asset'), stepKey: 'my_asset', partition: 'b' },
        { key: key('my_other_asset'), stepKey: 'my_other_asset' },
      ],
    });
    const records = (await storage().getRecordsForRun(runId, undefined, E.ASSET_MATERIALIZATION_PLANNED)).records;
    expect(records).toHaveLength(2);
    const partitionOf = (name: string) => records.find((r) => r.assetKey!.equals(key(name)))!.eventLogEntry.dagsterEvent!.assetMaterializationPlannedData.partition;
    expect(partitionOf('my_asset')).toBe('b');
    expect(partitionOf('my_other_asset')).toBeNull();
  });

  it('test_single_run_backfill_with_unpartitioned_and_partitioned_mix: one planned event per partition, none with a subset', async () => {
    const runId = newRunId();
    await storeAll(storage(), [
      planned(clock(), runId, 'partitioned', { partition: 'a' }),
      planned(clock(), runId, 'partitioned', { partition: 'b' }),
      planned(clock(), runId, 'unpartitioned'),
    ]);
    const events = (await storage().getRecordsForRun(runId, undefined, E.ASSET_MATERIALIZATION_PLANNED)).records.map((r) => r.eventLogEntry.dagsterEvent!);
    expect(events).toHaveLength(3);
    const partitioned = events.filter((e) => e.assetKey!.equals(key('partitioned')));
    expect(new Set(partitioned.map((e) => e.partition))).toEqual(new Set(['a', 'b']));
    expect(partitioned.every((e) => !e.partitionsSubset)).toBe(true);
    expect(events.find((e) => e.assetKey!.equals(key('unpartitioned')))!.partitionsSubset).toBeNull();
  });

  it('test_subset_on_asset_materialization_planned_event_for_single_run_backfill_allowed: a planned partitions subset is kept as written', async () => {
    const runId = newRunId();
    const subset = serializablePartitionsSubset(['a', 'b']);
    await storage().storeEvent(planned(clock(), runId, 'my_asset', { partitionsSubset: subset }));
    const records = (await storage().getRecordsForRun(runId, undefined, E.ASSET_MATERIALIZATION_PLANNED)).records;
    expect(records).toHaveLength(1);
    const event = records[0]!.eventLogEntry.dagsterEvent!;
    expect(event.assetKey!.equals(key('my_asset'))).toBe(true);
    expect(serializeValue(event.partitionsSubset)).toBe(serializeValue(subset));
    expect(event.partition).toBeNull();
  });

  it('test_asset_materialization_range: a batch of two partition materializations is stored', async () => {
    const runId = newRunId();
    await storage().storeEventBatch([materialization(clock(), runId, 'foo', { partition: 'a' }), materialization(clock(), runId, 'foo', { partition: 'b' })]);
    const result = await storage().fetchMaterializations(key('foo'), 100);
    expect(result.records).toHaveLength(2);
    expect(result.records.map((r) => r.partitionKey)).toEqual(['b', 'a']);
  });

  for (const kind of ['materialization', 'observation'] as const) {
    const testName = kind === 'materialization' ? 'test_asset_materialization_fetch' : 'test_asset_observation_fetch';
    it(`${testName}: ordering, limits and every AssetRecordsFilter field`, async () => {
      const assetKey = key('path', 'to', 'asset_one');
      const otherKey = key('path', 'to', 'asset_two');
      const build = kind === 'materialization' ? materialization : observation;
      const fetch = (filter: AssetKey | AssetRecordsFilter, limit: number, ascending = false) =>
        kind === 'materialization' ? storage().fetchMaterializations(filter, limit, undefined, ascending) : storage().fetchObservations(filter, limit, undefined, ascending);
      const dupe = kind === 'materialization' ? 'dupe_materialization' : 'dupe_observation';
      await storeRun(storage(), clock(), newRunId(), [
        assetOp('materialize', (c, runId, stepKey) => [
          ...['1', '2', '3', '4', '5'].map((p, i) => build(c, runId, assetKey, { stepKey, partition: p, metadata: { count: i + 1 } })),
          ...(kind === 'materialization' ? [build(c, runId, otherKey, { stepKey, partition: 'z', metadata: { count: 1 } })] : []),
          build(c, runId, assetKey, { stepKey, partition: dupe, metadata: { count: 1 } }),
          build(c, runId, assetKey, { stepKey, partition: dupe, metadata: { count: 2 } }),
        ]),
      ]);
      expect(keyStrings(await storage().allAssetKeys())).toContain(assetKey.toString());

      expect(counts(await fetch(assetKey, 100))).toEqual([2, 1, 5, 4, 3, 2, 1]);
      expect(counts(await fetch(assetKey, 3))).toEqual([2, 1, 5]);
      const ascending = await fetch(assetKey, 3, true);
      expect(counts(ascending)).toEqual([1, 2, 3]);
      const [first, , third] = ascending.records as [EventLogRecord, EventLogRecord, EventLogRecord];
      const filter = (init: Omit<ConstructorParameters<typeof AssetRecordsFilter>[0], 'assetKey'>) => new AssetRecordsFilter({ assetKey, ...init });

      expect(counts(await fetch(filter({ afterStorageId: first.storageId }), 100))).toEqual([2, 1, 5, 4, 3, 2]);
      expect(counts(await fetch(filter({ beforeStorageId: third.storageId }), 100))).toEqual([2, 1]);
      expect(counts(await fetch(filter({ beforeStorageId: third.storageId, afterStorageId: first.storageId }), 100))).toEqual([2]);
      expect(counts(await fetch(filter({ beforeTimestamp: third.timestamp }), 100))).toEqual([2, 1]);
      expect(counts(await fetch(filter({ beforeTimestamp: third.timestamp, afterTimestamp: first.timestamp }), 100))).toEqual([2]);
      const storageIdsFilter = [first.storageId, third.storageId];
      if (kind === 'materialization') storageIdsFilter.push((await storage().fetchMaterializations(otherKey, 1, undefined, true)).records[0]!.storageId);
      expect(counts(await fetch(filter({ storageIds: storageIdsFilter }), 100))).toEqual([3, 1]);
      expect(counts(await fetch(filter({ assetPartitions: ['1', '3', '5'] }), 100))).toEqual([5, 3, 1]);
      expect(counts(await fetch(filter({ assetPartitions: [dupe] }), 1))).toEqual([2]);
      expect(counts(await fetch(filter({ assetPartitions: ['5'] }), 1))).toEqual([5]);
      expect(counts(await fetch(filter({ assetPartitions: ['non_existant'] }), 1))).toEqual([]);
    });
  }

  it('fetch cursors page through the records in both directions, with hasMore', async () => {
    const assetKey = key('paged');
    const runId = newRunId();
    await storeAll(storage(), [1, 2, 3, 4, 5].map((count) => materialization(clock(), runId, assetKey, { metadata: { count } })));
    const pages = async (ascending: boolean) => {
      const seen: unknown[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await storage().fetchMaterializations(assetKey, 2, cursor, ascending);
        seen.push(counts(page));
        if (!page.hasMore) break;
        cursor = page.cursor;
      }
      return seen;
    };
    expect(await pages(false)).toEqual([[5, 4], [3, 2], [1]]);
    expect(await pages(true)).toEqual([[1, 2], [3, 4], [5]]);
    const empty = await storage().fetchMaterializations(key('nothing'), 10);
    expect(empty).toMatchObject({ records: [], hasMore: false, cursor: EventLogCursor.fromStorageId(-1).toString() });
  });

  itIf(options.rawSql !== undefined)('test_asset_events_error_parsing: unreadable event rows are skipped with a warning', async () => {
    const assetKey = key('asset_one');
    await storeRun(storage(), clock(), newRunId(), [assetOp('materialize_one', (c, runId, stepKey) => [materialization(c, runId, assetKey, { stepKey })])]);
    const index = await options.rawSql!.index(storage());
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const filter = new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION, assetKey });
      await index.run('UPDATE event_logs SET event = ? WHERE asset_key = ?', ['{"__class__": "AssetKey", "path": ["not_an_event_record"]}', assetKey.toString()]);
      expect(keyStrings(await storage().allAssetKeys())).toContain(assetKey.toString());
      expect(await storage().getEventRecords(filter)).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/^Could not resolve event record as EventLogEntry/);

      warn.mockClear();
      await index.run('UPDATE event_logs SET event = ? WHERE asset_key = ?', ['{not json', assetKey.toString()]);
      expect(keyStrings(await storage().allAssetKeys())).toContain(assetKey.toString());
      expect(await storage().getEventRecords(filter)).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/^Could not parse event record id/);
    } finally {
      warn.mockRestore();
    }
  });

  it('test_secondary_index_asset_keys: asset keys stay right across the asset_key_table data migration', async () => {
    const [one, two] = [newRunId(), newRunId()];
    await storeRun(storage(), clock(), one, [assetOp('materialize_one', (c, runId, stepKey) => [materialization(c, runId, 'one', { stepKey })])]);
    expect(keyStrings(await storage().allAssetKeys())).toEqual(['["one"]']);
    await storage().reindexEvents({ forceRebuildAll: true });
    expect(keyStrings(await storage().allAssetKeys())).toEqual(['["one"]']);
    await storeRun(storage(), clock(), two, [assetOp('materialize_two', (c, runId, stepKey) => [materialization(c, runId, 'two', { stepKey })])]);
    expect(keyStrings(await storage().allAssetKeys())).toEqual(['["one"]', '["two"]']);
  });

  it('test_latest_materializations: the latest materialization per asset; wiped assets drop out', async () => {
    const [one, two] = [newRunId(), newRunId()];
    const keys = ['a', 'b', 'c', 'd'].map((k) => key(k));
    const fetchLatest = () => storage().getLatestMaterializationEvents(keys);
    await storeRun(storage(), clock(), one, [
      assetOp('one', (c, runId, stepKey) => [
        ...keys.map((k) => materialization(c, runId, k, { stepKey, partition: '1' })),
        observation(c, runId, 'a', { stepKey, metadata: { foo: 'bar' } }),
      ]),
    ]);
    let latest = await fetchLatest();
    expect(latest.size).toBe(4);
    expect(latest.get(keys[1]!)!.dagsterEvent!.partition).toBe('1');
    await wipeAsset(storage(), keys[0]!);
    await wipeAsset(storage(), keys[1]!);
    latest = await fetchLatest();
    expect(latest.get(keys[0]!)).toBeUndefined();
    expect(latest.get(keys[1]!)).toBeUndefined();
    await storeRun(storage(), clock(), two, [
      assetOp('two', (c, runId, stepKey) => [materialization(c, runId, 'b', { stepKey, partition: '2' }), materialization(c, runId, 'c', { stepKey, partition: '2' })]),
    ]);
    latest = await fetchLatest();
    expect(latest.get(keys[0]!)).toBeUndefined();
    expect(latest.get(keys[1]!)!.dagsterEvent!.partition).toBe('2');
    expect(latest.get(keys[2]!)!.dagsterEvent!.partition).toBe('2');
    expect(latest.get(keys[3]!)!.dagsterEvent!.partition).toBe('1');
  });

  it('test_asset_keys: every materialized asset key, by its stored string', async () => {
    await storeRun(storage(), clock(), newRunId(), ONE_ASSET_OP);
    await storeRun(storage(), clock(), newRunId(), TWO_ASSET_OPS);
    const keys = await storage().allAssetKeys();
    expect(keys).toHaveLength(3);
    expect(new Set(keyStrings(keys))).toEqual(new Set(['["asset_1"]', '["asset_2"]', '["path", "to", "asset_3"]']));
  });

  it('test_has_asset_key: true for stored keys only', async () => {
    await storeRun(storage(), clock(), newRunId(), ONE_ASSET_OP);
    await storeRun(storage(), clock(), newRunId(), TWO_ASSET_OPS);
    expect(await storage().hasAssetKey(key('path', 'to', 'asset_3'))).toBe(true);
    expect(await storage().hasAssetKey(key('path', 'to', 'bogus', 'asset'))).toBe(false);
  });

  it('test_asset_normalization: a key given as a string is stored as its parsed path', async () => {
    const runId = newRunId();
    await storage().storeEvent(
      dagsterEntry(runId, E.ASSET_MATERIALIZATION, {
        timestamp: clock().next(),
        data: new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: 'path/to-asset_4' }) }),
      }),
    );
    const keys = await storage().allAssetKeys();
    expect(keys).toHaveLength(1);
    expect(keys[0]!.toString()).toBe('["path", "to", "asset_4"]');
    expect(keys[0]!.path).toEqual(['path', 'to', 'asset_4']);
  });

  it('test_asset_wipe: wiping hides the keys, keeps the run logs, and a new materialization brings a key back', async () => {
    const [one, two] = [newRunId(), newRunId()];
    await storeRun(storage(), clock(), one, ONE_ASSET_OP);
    await storeRun(storage(), clock(), two, TWO_ASSET_OPS);
    const keys = await storage().allAssetKeys();
    expect(keys).toHaveLength(3);
    expect(await storage().hasAssetKey(key('asset_1'))).toBe(true);
    const logCount = (await storage().getLogsForRun(one)).length;
    for (const assetKey of keys) await wipeAsset(storage(), assetKey);
    expect(await storage().allAssetKeys()).toHaveLength(0);
    expect(await storage().hasAssetKey(key('asset_1'))).toBe(false);
    expect(await storage().getLogsForRun(one)).toHaveLength(logCount);
    await storeRun(storage(), clock(), newRunId(), ONE_ASSET_OP);
    expect(keyStrings(await storage().allAssetKeys())).toEqual(['["asset_1"]']);
    expect(await storage().hasAssetKey(key('asset_1'))).toBe(true);
  });

  it('test_asset_secondary_index: deleting a run’s events does not remove asset keys', async () => {
    await storeRun(storage(), clock(), newRunId(), ONE_ASSET_OP);
    expect(await storage().allAssetKeys()).toHaveLength(1);
    await storage().reindexEvents({ forceRebuildAll: true });
    const [first, second] = [newRunId(), newRunId()];
    await storeRun(storage(), clock(), first, TWO_ASSET_OPS);
    await storeRun(storage(), clock(), second, TWO_ASSET_OPS);
    expect(await storage().allAssetKeys()).toHaveLength(3);
    await storage().deleteEvents(first);
    expect(await storage().allAssetKeys()).toHaveLength(3);
    await storage().deleteEvents(second);
    expect(await storage().allAssetKeys()).toHaveLength(3);
  });

  it('test_asset_partition_query: asset_partitions selects events of those partitions', async () => {
    for (const partition of ['a', 'a', 'b', 'c']) {
      await storeRun(storage(), clock(), newRunId(), [
        assetOp('op_partitioned', (c, runId, stepKey) => [materialization(c, runId, 'asset_key', { stepKey, partition: `partition_${partition}` })]),
      ]);
    }
    expect(await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION, assetKey: key('asset_key') }))).toHaveLength(4);
    const filtered = await storage().getEventRecords(
      new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION, assetKey: key('asset_key'), assetPartitions: ['partition_a', 'partition_b'] }),
    );
    expect(filtered).toHaveLength(3);
  });

  it('test_get_asset_keys: keys sorted by stored string, with an exclusive cursor, a limit and a prefix', async () => {
    await storeRun(storage(), clock(), newRunId(), [
      assetOp('gen_op', (c, runId, stepKey) => [['a'], ['c'], ['banana'], ['b', 'x'], ['b', 'y'], ['b', 'z']].map((path) => materialization(c, runId, key(...path), { stepKey }))),
    ]);
    const keys = await storage().getAssetKeys();
    expect(keyStrings(keys)).toEqual(['["a"]', '["b", "x"]', '["b", "y"]', '["b", "z"]', '["banana"]', '["c"]']);
    expect(keyStrings(await storage().getAssetKeys(undefined, 1, '["b", "y"]'))).toEqual(['["b", "z"]']);
    expect(keyStrings(await storage().getAssetKeys(undefined, 1, '["b", "w"]'))).toEqual(['["b", "x"]']);
    expect(keyStrings(await storage().getAssetKeys(['b']))).toEqual(['["b", "x"]', '["b", "y"]', '["b", "z"]']);
    expect(keyStrings(await storage().getAssetKeys(['B']))).toEqual([]);
    expect(keyStrings(await storage().getAssetKeys(['b', 'y']))).toEqual(['["b", "y"]']);
    expect(keyStrings(await storage().getAssetKeys(['%']))).toEqual([]);
  });

  it('test_get_materialized_partitions: materialized partitions between storage-id cursors, reset by a wipe', async () => {
    const [a, b, c, d] = ['no_materializations_asset', 'no_partitions_asset', 'two_partitions_asset', 'one_partition_asset'].map((k) => key(k)) as [
      AssetKey,
      AssetKey,
      AssetKey,
      AssetKey,
    ];
    const materialize = assetOp('materialize', (cl, runId, stepKey) => [
      materialization(cl, runId, b, { stepKey }),
      materialization(cl, runId, c, { stepKey, partition: 'a' }),
      materialization(cl, runId, c, { stepKey, partition: 'b' }),
      observation(cl, runId, a, { stepKey, partition: 'a' }),
    ]);
    const materializeTwo = assetOp('materialize_two', (cl, runId, stepKey) => [
      materialization(cl, runId, d, { stepKey, partition: 'x' }),
      materialization(cl, runId, c, { stepKey, partition: 'a' }),
    ]);
    const materializeThree = assetOp('materialize_three', (cl, runId, stepKey) => [materialization(cl, runId, c, { stepKey, partition: 'c' })]);
    const partitionsOf = (k: AssetKey, before?: number, after?: number) => storage().getMaterializedPartitions(k, before, after);

    const cursorRun1 = await storeMaterializationEvents(storage(), clock(), [materialize], newRunId());
    expect(await partitionsOf(a)).toEqual(new Set());
    expect(await partitionsOf(b)).toEqual(new Set());
    expect(await partitionsOf(c)).toEqual(new Set(['a', 'b']));
    const cursorRun2 = await storeMaterializationEvents(storage(), clock(), [materializeTwo], newRunId());
    await storeMaterializationEvents(storage(), clock(), [materializeThree], newRunId());

    expect(await partitionsOf(a)).toEqual(new Set());
    expect(await partitionsOf(b)).toEqual(new Set());
    expect(await partitionsOf(c)).toEqual(new Set(['a', 'b', 'c']));
    expect(await partitionsOf(d)).toEqual(new Set(['x']));
    expect(await partitionsOf(a, cursorRun1)).toEqual(new Set());
    expect(await partitionsOf(b, cursorRun1)).toEqual(new Set());
    expect(await partitionsOf(c, cursorRun1)).toEqual(new Set(['a', 'b']));
    expect(await partitionsOf(d, cursorRun1)).toEqual(new Set());
    expect(await partitionsOf(a, undefined, cursorRun1)).toEqual(new Set());
    expect(await partitionsOf(b, undefined, cursorRun1)).toEqual(new Set());
    expect(await partitionsOf(c, undefined, cursorRun1)).toEqual(new Set(['a', 'c']));
    expect(await partitionsOf(d, undefined, cursorRun1)).toEqual(new Set(['x']));
    expect(await partitionsOf(a, cursorRun2, cursorRun1)).toEqual(new Set());
    expect(await partitionsOf(b, cursorRun2, cursorRun1)).toEqual(new Set());
    expect(await partitionsOf(c, cursorRun2, cursorRun1)).toEqual(new Set(['a']));
    expect(await partitionsOf(d, cursorRun2, cursorRun1)).toEqual(new Set(['x']));
    for (const k of [a, b, c, d]) expect(await partitionsOf(k, undefined, 9999999999)).toEqual(new Set());

    await wipeAsset(storage(), c);
    expect(await partitionsOf(c)).toEqual(new Set());
    await storeMaterializationEvents(storage(), clock(), [materializeTwo], newRunId());
    expect(await partitionsOf(c)).toEqual(new Set(['a']));
    expect(await partitionsOf(d)).toEqual(new Set(['x']));
    expect(await partitionsOf(c, undefined, 9999999999)).toEqual(new Set());
    expect(await partitionsOf(d, undefined, 9999999999)).toEqual(new Set());
  });

  it('test_batch_write_asset_materializations: a batch of fifteen materializations is stored', async () => {
    const runId = newRunId();
    const letters = 'ABCDEFGHIJKLMNO'.split('');
    const batch = letters.map((partition, i) => materialization(clock(), runId, 'a', { partition, stepKey: i < 10 ? 'step_a' : 'step_b' }));
    await storage().storeEventBatch(batch);
    const records = (await storage().getRecordsForRun(runId, undefined, E.ASSET_MATERIALIZATION)).records;
    expect(records).toHaveLength(15);
    expect(records.map((r) => r.partitionKey)).toEqual(letters);
    expect(await storage().getMaterializedPartitions(key('a'))).toEqual(new Set(letters));
    const [record] = await storage().getAssetRecords([key('a')]);
    expect(record!.assetEntry.lastMaterialization!.dagsterEvent!.partition).toBe('O');
  });

  it('test_write_asset_materialization_failures: failure events are stored; fetchFailedMaterializations follows canStoreAssetFailureEvents', async () => {
    const runId = newRunId();
    const letters = 'ABCDEFGHIJKLMNO'.split('');
    await storeAll(
      storage(),
      letters.map((partition, i) => failedToMaterialize(clock(), runId, key('a'), partition, i < 10 ? 'step_a' : 'step_b')),
    );
    const records = (await storage().getRecordsForRun(runId, undefined, E.ASSET_FAILED_TO_MATERIALIZE)).records;
    expect(records).toHaveLength(15);
    const byStep = new Map<string, Set<string>>();
    for (const r of records) {
      expect(r.eventLogEntry.dagsterEvent!.isAssetFailedToMaterialize).toBe(true);
      const set = byStep.get(r.eventLogEntry.stepKey!) ?? new Set();
      set.add(r.eventLogEntry.dagsterEvent!.assetFailedToMaterializeData.partition!);
      byStep.set(r.eventLogEntry.stepKey!, set);
    }
    expect(byStep).toEqual(
      new Map([
        ['step_a', new Set(letters.slice(0, 10))],
        ['step_b', new Set(letters.slice(10))],
      ]),
    );
    const failed = await storage().fetchFailedMaterializations(key('a'), 100);
    if (!storage().canStoreAssetFailureEvents) expect(failed.records).toHaveLength(0);
    else expect(failed.records).toHaveLength(15);
  });

  it('test_get_latest_storage_ids_by_partition: the latest materialization id of each partition; reset by a wipe', async () => {
    const [a, b] = [key('a'), key('b')];
    const runId = newRunId();
    const expectIds = async (expected: Record<string, number>, partition?: string) =>
      expect(Object.fromEntries(await storage().getLatestStorageIdByPartition(a, E.ASSET_MATERIALIZATION, partition ? new Set([partition]) : undefined))).toEqual(expected);
    const store = (k: AssetKey, p: string) => storePartitionEvent(storage(), clock(), runId, E.ASSET_MATERIALIZATION, k, p);
    let latest: Record<string, number> = {};
    await expectIds(latest);
    latest.p1 = await store(a, 'p1');
    await expectIds(latest);
    latest.p2 = await store(a, 'p2');
    await expectIds(latest);
    await expectIds({ p1: latest.p1 }, 'p1');
    await expectIds({ p2: latest.p2 }, 'p2');
    await store(b, 'p1');
    await store(b, 'p2');
    await expectIds(latest);
    latest.p1 = await store(a, 'p1');
    await expectIds(latest);
    latest.p3 = await store(a, 'p3');
    await expectIds(latest);
    await wipeAsset(storage(), a);
    latest = {};
    await expectIds(latest);
    latest.p1 = await store(a, 'p1');
    await expectIds(latest);
  });

  for (const eventType of [E.ASSET_OBSERVATION, E.ASSET_MATERIALIZATION]) {
    it(`test_get_latest_tags_by_partition[${eventType}]: indexed tags of the latest event per partition, between cursors, reset by a wipe`, async () => {
      // Dagster patches the indexed tags to include dagster/a and dagster/b; these partition tags are indexed as they are.
      const [tagA, tagB, tagC] = ['dagster/partition/a', 'dagster/partition/b', 'dagster/partition/c'];
      const [a, b] = [key('a'), key('b')];
      const runId = newRunId();
      const store = (k: AssetKey, p: string, v: string) => storePartitionEvent(storage(), clock(), runId, eventType, k, p, { [tagA]: v, [tagB]: v });
      const tags = async (tagKeys: string[], partitions?: string[], before?: number, after?: number) =>
        Object.fromEntries(await storage().getLatestTagsByPartition(a, eventType, tagKeys, partitions, before, after));
      expect(await tags([tagA, tagB])).toEqual({});
      await store(a, 'p1', '1');
      await store(a, 'p2', '1');
      const t1 = await store(b, 'p1', '...');
      await store(b, 'p2', '...');
      await store(a, 'p1', '2');
      await store(a, 'p3', '1');
      expect(await tags(['dagster/partition/foo'])).toEqual({});
      expect(await tags([tagA])).toEqual({ p1: { [tagA]: '2' }, p2: { [tagA]: '1' }, p3: { [tagA]: '1' } });
      const all = { p1: { [tagA]: '2', [tagB]: '2' }, p2: { [tagA]: '1', [tagB]: '1' }, p3: { [tagA]: '1', [tagB]: '1' } };
      expect(await tags([tagA, tagB, tagC])).toEqual(all);
      expect(await tags([tagA, tagB], ['p1'])).toEqual({ p1: all.p1 });
      expect(await tags([tagA, tagB], ['p1', 'p2', 'p3', 'p4'])).toEqual(all);
      expect(await tags([tagA, tagB], undefined, t1)).toEqual({ p1: { [tagA]: '1', [tagB]: '1' }, p2: all.p2 });
      expect(await tags([tagA, tagB], undefined, undefined, t1)).toEqual({ p1: all.p1, p3: all.p3 });
      await wipeAsset(storage(), a);
      expect(await tags([tagA, tagB])).toEqual({});
      await store(a, 'p1', '3');
      expect(await tags([tagA, tagB])).toEqual({ p1: { [tagA]: '3', [tagB]: '3' } });
      await expect(storage().getLatestTagsByPartition(a, eventType, ['dagster/a'])).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(storage().getLatestTagsByPartition(a, eventType, [])).rejects.toBeInstanceOf(InvalidArgumentError);
    });

    it(`test_get_latest_data_version_by_partition[${eventType}]: the latest data version per partition`, async () => {
      const [a, b] = [key('a'), key('b')];
      const runId = newRunId();
      const store = (k: AssetKey, p: string, v: string) => storePartitionEvent(storage(), clock(), runId, eventType, k, p, { [DATA_VERSION_TAG]: v });
      const versions = async (partitions?: string[], before?: number, after?: number) =>
        Object.fromEntries(await storage().getLatestTagsByPartition(a, eventType, [DATA_VERSION_TAG], partitions, before, after));
      const v = (value: string) => ({ [DATA_VERSION_TAG]: value });
      expect(await versions()).toEqual({});
      await store(a, 'p1', '1');
      await store(a, 'p2', '1');
      const t1 = await store(b, 'p1', '...');
      await store(b, 'p2', '...');
      await store(a, 'p1', '2');
      await store(a, 'p3', '1');
      expect(await versions()).toEqual({ p1: v('2'), p2: v('1'), p3: v('1') });
      expect(await versions(['p1'])).toEqual({ p1: v('2') });
      expect(await versions(['p1', 'p2', 'p3', 'p4'])).toEqual({ p1: v('2'), p2: v('1'), p3: v('1') });
      expect(await versions(undefined, t1)).toEqual({ p1: v('1'), p2: v('1') });
      expect(await versions(undefined, undefined, t1)).toEqual({ p1: v('2'), p3: v('1') });
      await wipeAsset(storage(), a);
      expect(await versions()).toEqual({});
      await store(a, 'p1', '3');
      expect(await versions()).toEqual({ p1: v('3') });
    });
  }

  it('test_get_latest_asset_partition_materialization_attempts_without_materializations: planned partitions not materialized since', async () => {
    const a = key('a');
    const [r1, r2, r3, r4] = [newRunId(), newRunId(), newRunId(), newRunId()];
    const attempts = async () =>
      Object.fromEntries([...(await storage().getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(a))].map(([p, [runId]]) => [p, runId]));
    expect(await attempts()).toEqual({});
    await storage().storeEvent(planned(clock(), r1, a, { partition: 'foo' }));
    await storage().storeEvent(planned(clock(), r2, a, { partition: 'bar' }));
    expect(await attempts()).toEqual({ foo: r1, bar: r2 });
    await storage().storeEvent(materialization(clock(), r1, a, { partition: 'foo' }));
    expect(await attempts()).toEqual({ bar: r2 });
    await storage().storeEvent(planned(clock(), r3, a, { partition: 'foo' }));
    expect(await attempts()).toEqual({ foo: r3, bar: r2 });
    await storage().storeEvent(planned(clock(), r3, key('other'), { partition: 'foo' }));
    expect(await attempts()).toEqual({ foo: r3, bar: r2 });
    await wipeAsset(storage(), a);
    expect(await attempts()).toEqual({});
    await storage().storeEvent(planned(clock(), r4, a, { partition: 'bar' }));
    expect(await attempts()).toEqual({ bar: r4 });
    await storage().storeEvent(materialization(clock(), r4, a, { partition: 'bar' }));
    expect(await attempts()).toEqual({});
  });

  it('test_get_latest_asset_partition_materialization_attempts_without_materializations_external_asset: a runless materialization completes a planned partition', async () => {
    const a = key('a');
    const runId = newRunId();
    const attempts = async () =>
      Object.fromEntries([...(await storage().getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(a))].map(([p, [id]]) => [p, id]));
    expect(await attempts()).toEqual({});
    await storage().storeEvent(planned(clock(), runId, a, { partition: 'foo' }));
    expect(await attempts()).toEqual({ foo: runId });
    await storage().storeEvent(materialization(clock(), RUNLESS_RUN_ID, a, { partition: 'foo', jobName: RUNLESS_JOB_NAME }));
    expect(await attempts()).toEqual({});
  });

  it('test_store_asset_materialization_planned_event_with_invalid_partitions_subset: an unserializable subset is refused, nothing stored', async () => {
    const runId = newRunId();
    class NotSerializableSubset {
      readonly keys = ['2023-01-01'];
    }
    const subset = new NotSerializableSubset();
    await expect(storage().storeEvent(planned(clock(), runId, 'a', { partitionsSubset: subset }))).rejects.toThrow();
    expect(await storage().getLogsForRun(runId)).toEqual([]);
    expect(await storage().getLatestPlannedMaterializationInfo(key('a'))).toBeNull();
    expect(() => new AssetMaterializationPlannedData({ assetKey: key('a'), partition: 'foo', partitionsSubset: serializablePartitionsSubset(['foo']) })).toThrow(
      InvariantViolationError,
    );
    expect(() => new AssetMaterializationPlannedData({ assetKey: key('a'), partition: 'foo', partitionsSubset: serializablePartitionsSubset(['foo']) })).toThrow(
      /Cannot provide both partition and partitions_subset/,
    );
  });

  it('test_store_asset_materialization_planned_event_with_partitions_subset: a planned subset counts as the latest plan', async () => {
    const runId = newRunId();
    await storage().storeEvent(planned(clock(), runId, 'a', { partitionsSubset: serializablePartitionsSubset(['2023-01-05', '2023-01-06']) }));
    const info = await storage().getLatestPlannedMaterializationInfo(key('a'));
    expect(info?.runId).toBe(runId);
  });

  it('test_get_latest_planned_materialization_info: the latest plan of an asset; unplanned materializations are not plans', async () => {
    const [r1, r2] = [newRunId(), newRunId()];
    await storage().storeEvent(planned(clock(), r1, 'a'));
    await storage().storeEvent(materialization(clock(), r2, 'b'));
    const info = await storage().getLatestPlannedMaterializationInfo(key('a'));
    expect(info?.storageId).toBeGreaterThan(0);
    expect(info?.runId).toBe(r1);
    expect(await storage().getLatestPlannedMaterializationInfo(key('b'))).toBeNull();
  });

  it('test_get_latest_planned_materialization_info_partitioned: the latest plan per partition', async () => {
    const [r1, r2] = [newRunId(), newRunId()];
    await storage().storeEvent(planned(clock(), r1, 'a', { partition: 'foo' }));
    await storage().storeEvent(planned(clock(), r1, 'a', { partition: 'bar' }));
    await storage().storeEvent(materialization(clock(), r2, 'a', { partition: 'foo' }));
    await storage().storeEvent(materialization(clock(), r2, 'a', { partition: 'bar' }));
    const foo = await storage().getLatestPlannedMaterializationInfo(key('a'), 'foo');
    const bar = await storage().getLatestPlannedMaterializationInfo(key('a'), 'bar');
    expect(foo?.storageId).toBeGreaterThan(0);
    expect(bar?.storageId).toBeGreaterThan(0);
    expect(bar!.storageId).not.toBe(foo!.storageId);
    expect(await storage().getLatestPlannedMaterializationInfo(key('b'), 'foo')).toBeNull();
  });

  it('test_partitions_methods_on_materialization_planned_event_with_partitions_subset: subset plans count per partition only with an asset partitions table', async () => {
    const a = key('a');
    const [genRun, subsetRun] = [newRunId(), newRunId()];
    await storeRun(storage(), clock(), genRun, [assetOp('gen_op', (c, runId, stepKey) => [materialization(c, runId, a, { stepKey, partition: '2023-01-05' })])]);
    await storage().storeEvent(planned(clock(), subsetRun, a, { partition: '2023-01-05' }));
    const singlePartitionId = (await storage().getLatestPlannedMaterializationInfo(a))!.storageId;
    await storage().storeEvent(planned(clock(), subsetRun, a, { partitionsSubset: serializablePartitionsSubset(['2023-01-05', '2023-01-06']) }));
    const subsetId = (await storage().getLatestPlannedMaterializationInfo(a))!.storageId;
    expect(await storage().getMaterializedPartitions(a)).toEqual(new Set(['2023-01-05']));
    const attempts = await storage().getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(a);
    if (caps.hasAssetPartitionsTable) {
      expect(Object.fromEntries(attempts)).toEqual({ '2023-01-05': [subsetRun, subsetId], '2023-01-06': [subsetRun, subsetId] });
    } else {
      expect(Object.fromEntries(attempts)).toEqual({ '2023-01-05': [subsetRun, singlePartitionId] });
      expect(Object.fromEntries(await storage().getLatestStorageIdByPartition(a, E.ASSET_MATERIALIZATION_PLANNED))).toEqual({ '2023-01-05': singlePartitionId });
    }
  });

  it('test_get_latest_asset_partition_materialization_attempts_without_materializations_event_ids: the plans’ storage ids, after a storage id', async () => {
    const a = key('a');
    const [r1, r2, r3] = [newRunId(), newRunId(), newRunId()];
    await storage().storeEvent(planned(clock(), r1, a, { partition: 'foo' }));
    const fooId = (await storage().getLatestPlannedMaterializationInfo(a))!.storageId;
    await storage().storeEvent(planned(clock(), r2, a, { partition: 'bar' }));
    const barId = (await storage().getLatestPlannedMaterializationInfo(a))!.storageId;
    const attempts = async (after?: number) => Object.fromEntries(await storage().getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(a, after));
    expect(await attempts()).toEqual({ foo: [r1, fooId], bar: [r2, barId] });
    expect(await attempts(fooId)).toEqual({ bar: [r2, barId] });
    await storage().storeEvent(planned(clock(), r3, a, { partition: 'bar' }));
    expect(await attempts()).toEqual({ foo: [r1, fooId], bar: [r3, barId + 1] });
  });

  it('test_get_observation: an observation as a record and in a fetch page with its cursor', async () => {
    const a = key('key_a');
    await storeRun(storage(), clock(), newRunId(), [assetOp('gen_op', (c, runId, stepKey) => [observation(c, runId, a, { stepKey, metadata: { foo: 'bar' } })])]);
    expect(await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_OBSERVATION, assetKey: a }))).toHaveLength(1);
    const result = await storage().fetchObservations(a, 100);
    expect(result.records).toHaveLength(1);
    expect(result.records[0]!.assetKey!.equals(a)).toBe(true);
    expect(result.cursor).toBe(EventLogCursor.fromStorageId(result.records[0]!.storageId).toString());
  });

  it('test_get_planned_materialization: planned info with and without a partition', async () => {
    const a = key('key_a');
    const runId = newRunId();
    await storage().storeEvent(planned(clock(), runId, a, { partition: 'foo' }));
    const unpartitioned = await storage().getLatestPlannedMaterializationInfo(a);
    expect(unpartitioned?.runId).toBe(runId);
    const fooId = unpartitioned!.storageId;
    expect(await storage().getLatestPlannedMaterializationInfo(a, 'foo')).toMatchObject({ runId, storageId: fooId });
    expect(await storage().getLatestPlannedMaterializationInfo(a, 'bar')).toBeNull();
    await storage().storeEvent(planned(clock(), runId, a, { partition: 'bar' }));
    const latest = await storage().getLatestPlannedMaterializationInfo(a);
    expect(latest?.runId).toBe(runId);
    expect(latest!.storageId).not.toBe(fooId);
    expect(await storage().getLatestPlannedMaterializationInfo(a, 'foo')).toMatchObject({ runId, storageId: fooId });
    expect(await storage().getLatestPlannedMaterializationInfo(a, 'bar')).toMatchObject({ runId, storageId: latest!.storageId });
    const planned2 = await storage().fetchPlannedMaterializations(a, 10);
    expect(planned2.records.map((r) => r.partitionKey)).toEqual(['bar', 'foo']);
  });

  it('test_asset_key_exists_on_observation: an observation alone registers the key; a wipe hides it until the next one', async () => {
    const k = key('hello');
    const op = [assetOp('my_op', (c, runId, stepKey) => [observation(c, runId, k, { stepKey })])];
    await storeRun(storage(), clock(), newRunId(), op);
    expect(keyStrings(await storage().allAssetKeys())).toEqual([k.toString()]);
    await wipeAsset(storage(), k);
    expect(await storage().allAssetKeys()).toHaveLength(0);
    await storeRun(storage(), clock(), newRunId(), op);
    expect(keyStrings(await storage().allAssetKeys())).toEqual([k.toString()]);
  });

  it('test_filter_on_storage_ids: storage_ids selects those records', async () => {
    const a = key('key_a');
    await storeRun(storage(), clock(), newRunId(), [assetOp('gen_op', (c, runId, stepKey) => [materialization(c, runId, a, { stepKey, metadata: { foo: 'bar' } })])]);
    const records = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION, assetKey: a }));
    expect(records).toHaveLength(1);
    const id = records[0]!.storageId;
    const byId = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION, storageIds: [id] }));
    expect(byId.map((r) => r.storageId)).toEqual([id]);
    expect(await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION }))).toHaveLength(1);
  });

  it('test_get_asset_records: asset entries hold the last materialization and run; wipes hide them', async () => {
    const myAsset = key('my_asset');
    const secondAsset = key('second_asset');
    expect(await storage().getAssetRecords()).toHaveLength(0);
    const [r1, r2] = [newRunId(), newRunId()];
    const materializeOp = (k: AssetKey) => assetOp(k.path[0]!, (c, runId, stepKey) => [materialization(c, runId, k, { stepKey })]);
    const events1 = await storeRun(storage(), clock(), r1, [materializeOp(myAsset)], { jobName: 'one_asset_job', planned: [{ key: myAsset, stepKey: 'my_asset' }] });
    let records = await storage().getAssetRecords([myAsset]);
    expect(records).toHaveLength(1);
    let entry = records[0]!.assetEntry;
    expect(entry.assetKey.equals(myAsset)).toBe(true);
    const materializeEvent = events1.find((e) => e.dagsterEvent?.isStepMaterialization)!;
    expect(serializeValue(entry.lastMaterialization!.dagsterEvent)).toBe(serializeValue(materializeEvent.dagsterEvent));
    expect(entry.lastRunId).toBe(r1);
    expect(entry.assetDetails).toBeNull();
    const runRecord = (await storage().getRecordsForRun(r1, undefined, E.ASSET_MATERIALIZATION, 1, false)).records[0]!;
    expect(serializeValue(entry.lastMaterializationRecord!.eventLogEntry)).toBe(serializeValue(runRecord.eventLogEntry));
    // Run-sharded storage ids of a run and of cross-run records differ.
    if (!storage().isRunSharded) expect(entry.lastMaterializationRecord!.storageId).toBe(runRecord.storageId);
    const plannedRecord = (await storage().getRecordsForRun(r1, undefined, E.ASSET_MATERIALIZATION_PLANNED, 1, false)).records[0]!;
    if (caps.assetRecordsHaveLastPlannedAndFailedMaterializations) expect(entry.lastPlannedMaterializationStorageId).toBe(plannedRecord.storageId);
    else expect(entry.lastPlannedMaterializationStorageId).toBeNull();

    await wipeAsset(storage(), myAsset);
    expect(await storage().getAssetRecords([myAsset])).toHaveLength(0);

    const events2 = await storeRun(storage(), clock(), r2, [materializeOp(myAsset), materializeOp(secondAsset)], {
      jobName: 'two_asset_job',
      planned: [
        { key: myAsset, stepKey: 'my_asset' },
        { key: secondAsset, stepKey: 'second_asset' },
      ],
    });
    expect(await storage().getAssetRecords([myAsset])).toHaveLength(1);
    expect(await storage().getAssetRecords([])).toHaveLength(0);
    records = await storage().getAssetRecords();
    if (caps.canQueryAllAssetRecords) {
      expect(records).toHaveLength(2);
      entry = [...records].sort((x, y) => (x.assetEntry.assetKey.toString() < y.assetEntry.assetKey.toString() ? -1 : 1))[0]!.assetEntry;
      expect(entry.assetKey.equals(myAsset)).toBe(true);
      const event = events2.find((e) => e.dagsterEvent?.isStepMaterialization)!;
      expect(serializeValue(entry.lastMaterialization!.dagsterEvent)).toBe(serializeValue(event.dagsterEvent));
      expect(entry.lastRunId).toBe(r2);
      expect(entry.assetDetails).toBeInstanceOf(AssetDetails);
      expect(entry.assetDetails!.lastWipeTimestamp).toBeGreaterThan(0);
    } else {
      expect(records).toHaveLength(0);
    }
  });

  it('test_asset_record_run_id_wiped: observations leave last_run_id unset; materializations set it; wipes clear it', async () => {
    const foo = key('foo');
    const observe = [assetOp('observe_asset', (c, runId, stepKey) => [observation(c, runId, foo, { stepKey })])];
    const materialize = [assetOp('materialize_asset', (c, runId, stepKey) => [materialization(c, runId, foo, { stepKey })])];
    const [r1, r2, r3] = [newRunId(), newRunId(), newRunId()];
    await storeRun(storage(), clock(), r1, observe);
    expect((await storage().getAssetRecords([foo]))[0]!.assetEntry.lastRunId).toBeNull();
    await storeRun(storage(), clock(), r2, materialize);
    expect((await storage().getAssetRecords([foo]))[0]!.assetEntry.lastRunId).toBe(r2);
    await wipeAsset(storage(), foo);
    expect(await storage().getAssetRecords([foo])).toHaveLength(0);
    await storeRun(storage(), clock(), r3, observe);
    expect((await storage().getAssetRecords([foo]))[0]!.assetEntry.lastRunId).toBeNull();
  });

  itIf(caps.assetRecordsHaveLastObservation)('test_asset_record_last_observation: the entry holds the last observation record', async () => {
    const foo = key('foo');
    await storeRun(storage(), clock(), newRunId(), [assetOp('observe_asset', (c, runId, stepKey) => [observation(c, runId, foo, { stepKey })])]);
    const fetched = (await storage().fetchObservations(foo, 1)).records[0]!;
    const entry = (await storage().getAssetRecords([foo]))[0]!.assetEntry;
    expect(entry.lastObservationRecord?.storageId).toBe(fetched.storageId);
  });

  it('test_last_run_id_updates_on_materialization_planned: a planned (failed) run sets last_run_id', async () => {
    const assetKey = key('never_materializes_asset');
    const [r1, r2] = [newRunId(), newRunId()];
    const ops: OpSpec[] = [{ name: 'never_materializes_asset', outcome: 'failure' }];
    await storeRun(storage(), clock(), r1, ops, { planned: [{ key: assetKey, stepKey: 'never_materializes_asset' }] });
    let records = await storage().getAssetRecords([assetKey]);
    expect(records).toHaveLength(1);
    expect(records[0]!.assetEntry.lastRunId).toBe(r1);
    await wipeAsset(storage(), assetKey);
    expect(await storage().getAssetRecords([assetKey])).toHaveLength(0);
    await storeRun(storage(), clock(), r2, ops, { planned: [{ key: assetKey, stepKey: 'never_materializes_asset' }] });
    records = await storage().getAssetRecords([assetKey]);
    expect(records).toHaveLength(1);
    expect(records[0]!.assetEntry.lastRunId).toBe(r2);
  });

  const multiPartitionTags = (country: string, date: string) => ({ 'dagster/partition/country': country, 'dagster/partition/date': date });

  it('test_get_materialization_tag: multi-partition tags are indexed; deleting the run’s events removes them', async () => {
    const hello = key('hello');
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [
      assetOp('my_op', (c, id, stepKey) => [
        materialization(c, id, hello, { stepKey, partition: 'US|2022-10-13', tags: multiPartitionTags('US', '2022-10-13') }),
        materialization(c, id, 'other_key', { stepKey, partition: 'US|2022-10-13', tags: multiPartitionTags('US', '2022-10-13') }),
      ]),
    ]);
    expect(await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION }))).toHaveLength(2);
    expect(await storage().getEventTagsForAsset(hello)).toEqual([multiPartitionTags('US', '2022-10-13')]);
    await storage().deleteEvents(runId);
    expect(await storage().getEventTagsForAsset(hello)).toEqual([]);
  });

  it('test_add_asset_event_tags: tags of one event by its storage id', async () => {
    const hello = key('hello');
    await storeRun(storage(), clock(), newRunId(), [
      assetOp('tags_op', (c, id, stepKey) => [materialization(c, id, hello, { stepKey, partition: 'US|2022-10-13', tags: multiPartitionTags('US', '2022-10-13') })]),
    ]);
    const materializations = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION }));
    expect(materializations).toHaveLength(1);
    expect(await storage().getEventTagsForAsset(hello, undefined, materializations[0]!.storageId)).toEqual([multiPartitionTags('US', '2022-10-13')]);
    expect(materializations[0]!.assetKey?.equals(hello)).toBe(true);
  });

  it('test_add_asset_event_tags_initially_empty: an event without indexed tags has none', async () => {
    const hello = key('hello');
    await storeRun(storage(), clock(), newRunId(), [assetOp('tags_op', (c, id, stepKey) => [materialization(c, id, hello, { stepKey })])]);
    const materializations = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION }));
    expect(materializations).toHaveLength(1);
    expect(await storage().getEventTagsForAsset(hello, undefined, materializations[0]!.storageId)).toEqual([]);
  });

  it('test_materialization_tag_on_wipe: tag filters match all given tags; a wipe hides older events’ tags', async () => {
    const hello = key('hello');
    const sortTags = (tags: Record<string, string>[]) =>
      [...tags].sort((x, y) => (x['dagster/partition/country']! + x['dagster/partition/date']!).localeCompare(y['dagster/partition/country']! + y['dagster/partition/date']!));
    const [r1, r2] = [newRunId(), newRunId()];
    await storeRun(storage(), clock(), r1, [
      assetOp('us_op', (c, id, stepKey) => [
        materialization(c, id, hello, { stepKey, partition: 'US|2022-10-13', tags: multiPartitionTags('US', '2022-10-13') }),
        materialization(c, id, hello, { stepKey, partition: 'Portugal|2022-10-13', tags: multiPartitionTags('Portugal', '2022-10-13') }),
        materialization(c, id, hello, { stepKey, partition: 'US|2022-10-13', tags: multiPartitionTags('US', '2022-10-14') }),
        materialization(c, id, hello, { stepKey, partition: 'US|2022-10-13', tags: multiPartitionTags('US', '2022-10-13') }),
        materialization(c, id, 'nonexistent_key', { stepKey, partition: 'US|2022-10-13', tags: multiPartitionTags('US', '2022-10-13') }),
      ]),
    ]);
    expect(sortTags(await storage().getEventTagsForAsset(hello, { 'dagster/partition/country': 'US' }))).toEqual([
      multiPartitionTags('US', '2022-10-13'),
      multiPartitionTags('US', '2022-10-13'),
      multiPartitionTags('US', '2022-10-14'),
    ]);
    expect(sortTags(await storage().getEventTagsForAsset(hello, { 'dagster/partition/date': '2022-10-13' }))).toEqual([
      multiPartitionTags('Portugal', '2022-10-13'),
      multiPartitionTags('US', '2022-10-13'),
      multiPartitionTags('US', '2022-10-13'),
    ]);
    expect(sortTags(await storage().getEventTagsForAsset(hello, { 'dagster/partition/date': '2022-10-13', 'dagster/partition/country': 'US' }))).toEqual([
      multiPartitionTags('US', '2022-10-13'),
      multiPartitionTags('US', '2022-10-13'),
    ]);
    await wipeAsset(storage(), hello);
    expect(await storage().getEventTagsForAsset(hello)).toEqual([]);
    await storeRun(storage(), clock(), r2, [
      assetOp('brazil_op', (c, id, stepKey) => [materialization(c, id, hello, { stepKey, partition: 'Brazil|2022-10-13', tags: multiPartitionTags('Brazil', '2022-10-13') })]),
    ]);
    expect(await storage().getEventTagsForAsset(hello, { 'dagster/partition/date': '2022-10-13', 'dagster/partition/country': 'Brazil' })).toEqual([
      multiPartitionTags('Brazil', '2022-10-13'),
    ]);
  });

  it('test_multi_partitions_partition_deserialization: multi-partition keys come back as their stored strings', async () => {
    const hello = key('hello');
    await storeRun(storage(), clock(), newRunId(), [
      assetOp('my_op', (c, id, stepKey) =>
        ['US|2022-10-13', 'US|2022-10-13', 'Canada|2022-10-13', 'Mexico|2022-10-14'].map((partition) => materialization(c, id, hello, { stepKey, partition })),
      ),
    ]);
    expect(await storage().getMaterializedPartitions(hello)).toEqual(new Set(['US|2022-10-13', 'Mexico|2022-10-14', 'Canada|2022-10-13']));
  });

  itIf(caps.canWriteCachedStatus)('test_store_and_wipe_cached_status: the status cache round-trips; its wipe keeps the rest; an asset wipe drops it', async () => {
    const yay = key('yay');
    const op = [assetOp('yields_materialization', (c, id, stepKey) => [materialization(c, id, yay, { stepKey })])];
    const cachedStatus = async () => {
      const records = await storage().getAssetRecords([yay]);
      expect(records).toHaveLength(1);
      return records[0]!.assetEntry.cachedStatus;
    };
    await storeRun(storage(), clock(), newRunId(), op);
    expect(await cachedStatus()).toBeNull();
    let cacheValue = new AssetStatusCacheValue({
      latestStorageId: 1,
      partitionsDefId: 'foo',
      serializedMaterializedPartitionSubset: 'bar',
      serializedFailedPartitionSubset: 'baz',
      serializedInProgressPartitionSubset: 'qux',
      earliestInProgressMaterializationEventId: 42,
    });
    for (const value of Object.values(cacheValue)) expect(value).not.toBeNull();
    if (storage().canCacheAssetStatusData()) {
      await storage().updateAssetCachedStatusData(yay, cacheValue);
      expect(serializeValue(await cachedStatus())).toBe(serializeValue(cacheValue));
    }
    cacheValue = new AssetStatusCacheValue({ latestStorageId: 1, partitionsDefId: null, serializedMaterializedPartitionSubset: null });
    await storage().updateAssetCachedStatusData(yay, cacheValue);
    expect(serializeValue(await cachedStatus())).toBe(serializeValue(cacheValue));
    const [record] = await storage().getAssetRecords([yay]);
    await storage().wipeAssetCachedStatus(yay);
    expect(await cachedStatus()).toBeNull();
    const [afterWipe] = await storage().getAssetRecords([yay]);
    expect(serializeValue(afterWipe!.assetEntry.lastMaterializationRecord)).toBe(serializeValue(record!.assetEntry.lastMaterializationRecord));
    expect(afterWipe!.assetEntry.lastRunId).toBe(record!.assetEntry.lastRunId);
    await wipeAsset(storage(), yay);
    expect(await storage().getAssetRecords([yay])).toEqual([]);
    await storeRun(storage(), clock(), newRunId(), op);
    expect(await cachedStatus()).toBeNull();
  });

  it('test_external_asset_event: a runless materialization is the latest materialization', async () => {
    const testAsset = key('test_asset');
    await storage().storeEvent(materialization(clock(), RUNLESS_RUN_ID, testAsset, { jobName: RUNLESS_JOB_NAME, metadata: { was: 'here' } }));
    const latest = await storage().getLatestMaterializationEvents([testAsset]);
    const entry = latest.get(testAsset);
    expect(entry?.assetMaterialization?.metadata.was).toMatchObject({ text: 'here' });
    expect(await storage().getLogsForRun(RUNLESS_RUN_ID)).toHaveLength(1);
  });

  it('test_large_asset_metadata: 300 entries of 1000 characters are stored and read back', async () => {
    const runId = newRunId();
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const large: Record<string, string> = {};
    for (let i = 0; i < 300; i++) large[`key_${i}`] = Array.from({ length: 1000 }, (_, j) => letters[(i * 7 + j) % 26]).join('');
    await storage().storeEvent(materialization(clock(), runId, 'test_asset', { jobName: RUNLESS_JOB_NAME, metadata: large }));
    const [entry] = await storage().getLogsForRun(runId);
    expect(Object.keys(entry!.assetMaterialization!.metadata)).toHaveLength(300);
    expect(entry!.assetMaterialization!.metadata.key_299).toMatchObject({ text: large.key_299 });
  });

  it('test_asset_tags_to_insert: only the data version and partition dimension tags are indexed', async () => {
    const testAsset = key('test_asset');
    await storage().storeEvent(
      materialization(clock(), newRunId(), testAsset, {
        jobName: RUNLESS_JOB_NAME,
        tags: {
          [DATA_VERSION_TAG]: 'test_data_version',
          'dagster/code_version': 'test_code_version',
          'dagster/logical_version': 'test_old_data_version',
          'dagster/input_data_version/foo': 'test_input_data_version',
          'dagster/input_logical_version/foo': 'test_old_input_data_version',
          'dagster/input_event_pointer/foo': '1234',
          'dagster/data_version_is_user_provided': 'test_data_version_is_user_provided',
          'dagster/partition/foo': 'test_multidimensional_partition',
        },
      }),
    );
    expect(await storage().getEventTagsForAsset(testAsset)).toEqual([{ [DATA_VERSION_TAG]: 'test_data_version', 'dagster/partition/foo': 'test_multidimensional_partition' }]);
  });

  for (const kind of ['observation', 'materialization'] as const) {
    const testName = kind === 'observation' ? 'test_previous_observation_data_versions' : 'test_previous_materialization_data_versions';
    it(`${testName}: partitions whose data version changed after a storage id`, async () => {
      const one = key('one');
      const partitions = ['1', '2', '3'];
      const build = kind === 'observation' ? observation : materialization;
      const op = (versions: string[]) => [assetOp('op', (c, id, stepKey) => partitions.map((p, i) => build(c, id, one, { stepKey, partition: p, tags: { [DATA_VERSION_TAG]: versions[i]! } })))];
      const lastId = async () =>
        (kind === 'observation' ? await storage().fetchObservations(one, 1) : await storage().fetchMaterializations(one, 1)).records[0]!.storageId;
      const updated = (since: number) => storage().getUpdatedDataVersionPartitions(one, partitions, since);
      await storeRun(storage(), clock(), newRunId(), op(['foo', 'foo', 'foo']));
      const afterOne = await lastId();
      expect(await updated(-1)).toEqual(new Set(['1', '2', '3']));
      expect(await updated(afterOne)).toEqual(new Set());
      await storeRun(storage(), clock(), newRunId(), op(['bar', 'bar', 'foo']));
      const afterTwo = await lastId();
      expect(await updated(afterOne)).toEqual(new Set(['1', '2']));
      expect(await updated(afterTwo)).toEqual(new Set());
      await storeRun(storage(), clock(), newRunId(), op(['bar', 'bar', 'bar']));
      const afterThree = await lastId();
      expect(await updated(afterOne)).toEqual(new Set(['1', '2', '3']));
      expect(await updated(afterTwo)).toEqual(new Set(['3']));
      expect(await updated(afterThree)).toEqual(new Set());
    });
  }

  it('test_updated_none_data_version: events without a data version are not updates', async () => {
    const one = key('one');
    const partitions = ['1', '2', '3'];
    const op = (version: string | null) => [
      assetOp('op', (c, id, stepKey) => partitions.map((p) => materialization(c, id, one, { stepKey, partition: p, tags: version ? { [DATA_VERSION_TAG]: version } : null }))),
    ];
    const lastId = async () => (await storage().fetchMaterializations(one, 1)).records[0]!.storageId;
    const updated = (since: number) => storage().getUpdatedDataVersionPartitions(one, partitions, since);
    await storeRun(storage(), clock(), newRunId(), op('foo'));
    const afterOne = await lastId();
    expect(await updated(-1)).toEqual(new Set(['1', '2', '3']));
    expect(await updated(afterOne)).toEqual(new Set());
    await storeRun(storage(), clock(), newRunId(), op('bar'));
    const afterTwo = await lastId();
    expect(await updated(afterOne)).toEqual(new Set(['1', '2', '3']));
    expect(await updated(afterTwo)).toEqual(new Set());
    await storeRun(storage(), clock(), newRunId(), op(null));
    const afterThree = await lastId();
    expect(await updated(afterOne)).toEqual(new Set(['1', '2', '3']));
    expect(await updated(afterTwo)).toEqual(new Set());
    expect(await updated(afterThree)).toEqual(new Set());
  });

  it('getAssetRunIds and getMaterializationCountByPartition: runs of an asset since its wipe, counts per partition', async () => {
    const a = key('a');
    const [r1, r2] = [newRunId(), newRunId()];
    await storeAll(storage(), [materialization(clock(), r1, a, { partition: 'x' }), materialization(clock(), r1, a, { partition: 'x' })]);
    await storeAll(storage(), [materialization(clock(), r2, a, { partition: 'y' }), observation(clock(), r2, a, { partition: 'z' })]);
    expect(await storage().getAssetRunIds(a)).toEqual([r2, r1]);
    const b = key('b');
    let countsByKey = await storage().getMaterializationCountByPartition([a, b]);
    expect(Object.fromEntries(countsByKey.get(a)!)).toEqual({ x: 2, y: 1 });
    expect(countsByKey.get(b)!.size).toBe(0);
    const latestX = (await storage().fetchMaterializations(new AssetRecordsFilter({ assetKey: a, assetPartitions: ['x'] }), 1)).records[0]!.storageId;
    countsByKey = await storage().getMaterializationCountByPartition([a], latestX);
    expect(Object.fromEntries(countsByKey.get(a)!)).toEqual({ y: 1 });
    await wipeAsset(storage(), a);
    expect(await storage().getAssetRunIds(a)).toEqual([]);
    expect((await storage().getMaterializationCountByPartition([a])).get(a)!.size).toBe(0);
  });

  defineAssetPartitionWipeTests({ storage, clock, caps, options });
}

/** Partitions of the asset's latest materialization per partition, sorted. */
async function latestPartitions(storage: EventLogStorage, assetKey: AssetKey): Promise<string[]> {
  return [...(await storage.getLatestStorageIdByPartition(assetKey, E.ASSET_MATERIALIZATION)).keys()].sort();
}

async function assetRecordOf(storage: EventLogStorage, assetKey: AssetKey) {
  const [record] = await storage.getAssetRecords([assetKey]);
  return record?.assetEntry;
}

/**
 * `wipeAssetPartitions` (inst; Dagster's SQL storages raise NotImplementedError): the partitions' asset events
 * stop being found by asset queries, run logs keep them, the asset row is recomputed from what remains.
 */
function defineAssetPartitionWipeTests({ storage, clock, caps, options }: EventLogSuiteEnv): void {
  const itIf = (condition: boolean) => (condition ? it : it.skip);
  const asset = key('partitioned');
  const version = (partition: string, run: number) => ({ [DATA_VERSION_TAG]: `${partition}${run}` });

  /** r1 materializes a and b, r2 b (observed and planned too) and c, r3 plans b; the newest materialization is c's. */
  async function materializeAcrossRuns(): Promise<[string, string, string]> {
    const runs: [string, string, string] = [newRunId(), newRunId(), newRunId()];
    const [r1, r2, r3] = runs;
    await storeAll(storage(), [
      materialization(clock(), r1, asset, { partition: 'a', tags: version('a', 1) }),
      materialization(clock(), r1, asset, { partition: 'b', tags: version('b', 1) }),
    ]);
    await storeAll(storage(), [
      planned(clock(), r2, asset, { partition: 'b' }),
      materialization(clock(), r2, asset, { partition: 'b', tags: version('b', 2) }),
      observation(clock(), r2, asset, { partition: 'b', tags: version('b', 2) }),
      materialization(clock(), r2, asset, { partition: 'c', tags: version('c', 2) }),
    ]);
    await storeAll(storage(), [planned(clock(), r3, asset, { partition: 'b' })]);
    return runs;
  }

  const logCountsOf = (runIds: readonly string[]) => Promise.all(runIds.map(async (runId) => (await storage().getLogsForRun(runId)).length));

  it('wipeAssetPartitions: the partitions’ asset events are no longer found; the asset, other partitions and run logs stay', async () => {
    const runs = await materializeAcrossRuns();
    const [r1, r2, r3] = runs;
    const other = key('other');
    await storeAll(storage(), [materialization(clock(), r1, other, { partition: 'b' })]);
    const checkKey = new AssetCheckKey({ assetKey: asset, name: 'row_count' });
    await storeAll(storage(), [checkPlanned(clock(), r2, asset, 'row_count'), checkEvaluation(clock(), r2, asset, 'row_count', true)]);
    if (caps.canWriteCachedStatus) {
      await storage().updateAssetCachedStatusData(asset, new AssetStatusCacheValue({ latestStorageId: 1, partitionsDefId: null, serializedMaterializedPartitionSubset: null }));
    }
    expect(await storage().getMaterializedPartitions(asset)).toEqual(new Set(['a', 'b', 'c']));
    const newestC = (await storage().fetchMaterializations(asset, 1)).records[0]!;
    const logCounts = await logCountsOf(runs);
    expect(newestC.partitionKey).toBe('c');

    await storage().wipeAssetPartitions(asset, ['b']);

    const onlyB = new AssetRecordsFilter({ assetKey: asset, assetPartitions: ['b'] });
    expect(await storage().getMaterializedPartitions(asset)).toEqual(new Set(['a', 'c']));
    expect((await storage().fetchMaterializations(onlyB, 10)).records).toEqual([]);
    expect((await storage().fetchObservations(onlyB, 10)).records).toEqual([]);
    expect((await storage().fetchPlannedMaterializations(onlyB, 10)).records).toEqual([]);
    expect((await storage().fetchMaterializations(asset, 10)).records.map((r) => r.partitionKey)).toEqual(['c', 'a']);
    expect(await storage().getEventRecords(new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION, assetKey: asset, assetPartitions: ['b'] }))).toEqual([]);
    expect(await latestPartitions(storage(), asset)).toEqual(['a', 'c']);
    expect(await storage().getLatestStorageIdByPartition(asset, E.ASSET_OBSERVATION)).toEqual(new Map());
    expect(Object.fromEntries((await storage().getMaterializationCountByPartition([asset])).get(asset)!)).toEqual({ a: 1, c: 1 });
    expect(Object.fromEntries(await storage().getLatestTagsByPartition(asset, E.ASSET_MATERIALIZATION, [DATA_VERSION_TAG]))).toEqual({
      a: version('a', 1),
      c: version('c', 2),
    });
    expect((await storage().getEventTagsForAsset(asset)).map((tags) => tags[DATA_VERSION_TAG]).sort()).toEqual(['a1', 'c2']);
    expect(await storage().getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(asset)).toEqual(new Map());
    expect(await storage().getLatestPlannedMaterializationInfo(asset, 'b')).toBeNull();
    expect(await storage().getAssetRunIds(asset)).toEqual([r2, r1]);

    // The asset stays, its latest materialization (c) unchanged; its cached status is dropped.
    expect(keyStrings(await storage().allAssetKeys())).toContain(asset.toString());
    expect(await storage().hasAssetKey(asset)).toBe(true);
    const entry = await assetRecordOf(storage(), asset);
    expect(entry?.lastMaterializationRecord?.storageId).toBe(newestC.storageId);
    expect(entry?.lastRunId).toBe(r2);
    expect(entry?.cachedStatus ?? null).toBeNull();
    expect((await storage().getLatestMaterializationEvents([asset])).get(asset)?.dagsterEvent?.partition).toBe('c');

    // Another asset's partition b and the asset's check executions are left alone.
    expect(await storage().getMaterializedPartitions(other)).toEqual(new Set(['b']));
    expect(await storage().getAssetCheckExecutionHistory(checkKey, 10)).toHaveLength(1);

    // Every run's event log keeps every event, partition b included.
    expect(await logCountsOf(runs)).toEqual(logCounts);
    const r1Materializations = await storage().getLogsForRun(r1, undefined, E.ASSET_MATERIALIZATION);
    expect(r1Materializations.filter((e) => e.dagsterEvent?.assetKey?.equals(asset)).map((e) => e.dagsterEvent?.partition)).toEqual(['a', 'b']);
    expect((await storage().getRecordsForRun(r3)).records.map((r) => r.partitionKey)).toEqual(['b']);
  });

  itIf(options.rawSql !== undefined)('wipeAssetPartitions: rows as Dagster reads them (index copies deleted when run-sharded, else asset columns cleared)', async () => {
    const runs = await materializeAcrossRuns();
    await storage().wipeAssetPartitions(asset, ['b']);
    const index = await options.rawSql!.index(storage());
    const indexRows = await index.all<{ asset_key: string | null; partition: string | null; event: string }>(
      'SELECT asset_key, "partition" AS "partition", event FROM event_logs WHERE dagster_event_type IN (?, ?, ?) ORDER BY id',
      [E.ASSET_MATERIALIZATION, E.ASSET_OBSERVATION, E.ASSET_MATERIALIZATION_PLANNED],
    );
    const tagValues = (await index.all<{ value: string }>('SELECT "value" AS "value" FROM asset_event_tags WHERE asset_key = ?', [asset.toString()])).map((r) => r.value);
    expect(tagValues.sort()).toEqual(['a1', 'c2']);
    const bodies = indexRows.filter((row) => row.asset_key === asset.toString()).map((row) => row.partition);
    expect(bodies).toEqual(['a', 'c']);
    if (storage().isRunSharded) {
      expect(indexRows).toHaveLength(2);
      const shard = await options.rawSql!.forRun(storage(), runs[0]);
      const shardRows = await shard.all<{ partition: string | null }>('SELECT "partition" AS "partition" FROM event_logs WHERE asset_key = ? ORDER BY id', [asset.toString()]);
      expect(shardRows.map((row) => row.partition)).toEqual(['a', 'b']);
    } else {
      // The rows stay with their JSON body; only the columns asset queries select by are cleared.
      const cleared = indexRows.filter((row) => row.asset_key === null);
      expect(cleared).toHaveLength(5);
      expect(cleared.every((row) => row.partition === null && row.event.includes('"partition": "b"'))).toBe(true);
    }
  });

  it('wipeAssetPartitions: wiping the partition of the latest materialization moves the asset’s latest materialization back', async () => {
    const [r1, r2, r3] = [newRunId(), newRunId(), newRunId()];
    await storeAll(storage(), [materialization(clock(), r1, asset, { partition: 'a' })]);
    const [a] = (await storage().fetchMaterializations(asset, 1)).records;
    await storeAll(storage(), [materialization(clock(), r2, asset, { partition: 'b' }), planned(clock(), r3, asset, { partition: 'b' })]);
    let entry = await assetRecordOf(storage(), asset);
    expect(entry?.lastMaterializationRecord?.partitionKey).toBe('b');
    expect(entry?.lastRunId).toBe(r3);

    await storage().wipeAssetPartitions(asset, ['b']);
    entry = await assetRecordOf(storage(), asset);
    expect(entry?.lastMaterializationRecord?.storageId).toBe(a!.storageId);
    expect(entry?.lastMaterializationRecord?.partitionKey).toBe('a');
    expect(entry?.lastRunId).toBe(r1);
    expect((await storage().getLatestMaterializationEvents([asset])).get(asset)?.runId).toBe(r1);

    // Nothing left: the asset is still listed (it was never wiped whole), without a materialization.
    await storage().wipeAssetPartitions(asset, ['a', 'b']);
    expect(await storage().hasAssetKey(asset)).toBe(true);
    entry = await assetRecordOf(storage(), asset);
    expect(entry?.lastMaterializationRecord ?? null).toBeNull();
    expect(entry?.lastRunId ?? null).toBeNull();
    expect((await storage().getLatestMaterializationEvents([asset])).get(asset) ?? null).toBeNull();
    expect(await storage().getMaterializedPartitions(asset)).toEqual(new Set());
  });

  it('wipeAssetPartitions: after a whole-asset wipe only later events count; an asset with nothing left since is not listed', async () => {
    const [r1, r2] = [newRunId(), newRunId()];
    await storeAll(storage(), [materialization(clock(), r1, asset, { partition: 'a' }), materialization(clock(), r1, asset, { partition: 'b' })]);
    await wipeAsset(storage(), asset);
    await storeAll(storage(), [materialization(clock(), r2, asset, { partition: 'b' })]);
    expect(await storage().hasAssetKey(asset)).toBe(true);
    // Partition a, materialized before the asset wipe, must not come back as the latest.
    await storage().wipeAssetPartitions(asset, ['b']);
    expect(await storage().hasAssetKey(asset)).toBe(false);
    expect(await storage().getMaterializedPartitions(asset)).toEqual(new Set());
    await storeAll(storage(), [materialization(clock(), r2, asset, { partition: 'c' })]);
    expect(await storage().hasAssetKey(asset)).toBe(true);
    expect((await assetRecordOf(storage(), asset))?.lastMaterializationRecord?.partitionKey).toBe('c');
  });

  it('wipeAssetPartitions: a partition materialized again after its wipe is back', async () => {
    await materializeAcrossRuns();
    await storage().wipeAssetPartitions(asset, ['b']);
    const r4 = newRunId();
    await storeAll(storage(), [materialization(clock(), r4, asset, { partition: 'b', tags: version('b', 4) })]);
    const [newest] = (await storage().fetchMaterializations(asset, 1)).records;
    expect(await storage().getMaterializedPartitions(asset)).toEqual(new Set(['a', 'b', 'c']));
    expect((await storage().getLatestStorageIdByPartition(asset, E.ASSET_MATERIALIZATION, ['b'])).get('b')).toBe(newest!.storageId);
    expect((await storage().fetchMaterializations(new AssetRecordsFilter({ assetKey: asset, assetPartitions: ['b'] }), 10)).records.map((r) => r.runId)).toEqual([r4]);
    expect(Object.fromEntries((await storage().getMaterializationCountByPartition([asset])).get(asset)!)).toEqual({ a: 1, b: 1, c: 1 });
    const entry = await assetRecordOf(storage(), asset);
    expect(entry?.lastMaterializationRecord?.storageId).toBe(newest!.storageId);
    expect(entry?.lastRunId).toBe(r4);
  });

  it('wipeAssetPartitions: refuses anything but an AssetKey and a non-empty list of partition keys, writing nothing', async () => {
    await materializeAcrossRuns();
    for (const [assetKey, partitionKeys] of [
      [asset, []],
      [asset, ['b', 1]],
      [asset, ['']],
      [asset, 'b'],
      ['partitioned', ['b']],
    ] as const) {
      await expect(storage().wipeAssetPartitions(assetKey as unknown as AssetKey, partitionKeys as unknown as string[])).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(await storage().getMaterializedPartitions(asset)).toEqual(new Set(['a', 'b', 'c']));
    // An asset never stored: nothing to wipe, and it does not appear.
    await storage().wipeAssetPartitions(key('never'), ['b']);
    expect(await storage().hasAssetKey(key('never'))).toBe(false);
  });
}
