import { InvariantViolationError } from '@inst/errors';
import { deserializeValue, serializeValue } from '@inst/serdes';
import {
  AssetCheckEvaluation,
  AssetKey,
  AssetMaterialization,
  AssetObservation,
  StepMaterializationData,
  type AssetObservationData,
} from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createFakeOps } from './fake-ops.test-support';
import type { RunlessAssetEvent } from './ops';
import { getLatestMaterializationEvent } from './queries';
import { FreshnessState, FreshnessStateChange, FreshnessStateEvaluation, FreshnessStateRecord } from './records';
import { _reportRunlessAssetEvent, reportRunlessAssetEvent } from './runless';

const A = new AssetKey(['lake', 'table']);

describe('reportRunlessAssetEvent', () => {
  it('records each kind of asset event outside any run, as Dagster builds it', async () => {
    const ops = createFakeOps();
    const materialization = new AssetMaterialization({ assetKey: A, partition: 'p1', tags: { 'dagster/code_version': 'v3' } });
    const observation = new AssetObservation({ assetKey: A });
    const check = new AssetCheckEvaluation({ assetKey: A, checkName: 'fresh', passed: true });
    const evaluation = new FreshnessStateEvaluation({ key: A, freshnessState: FreshnessState.PASS });
    const change = new FreshnessStateChange({ key: A, newState: FreshnessState.FAIL, previousState: FreshnessState.PASS, stateChangeTimestamp: 1_700_000_000 });
    for (const event of [materialization, observation, check, evaluation, change]) await reportRunlessAssetEvent(ops, event);

    const entries = ops.log.records.map((r) => r.eventLogEntry);
    expect(entries.map((e) => [e.runId, e.jobName, e.dagsterEvent?.eventTypeValue])).toEqual([
      ['', '', 'ASSET_MATERIALIZATION'],
      ['', '', 'ASSET_OBSERVATION'],
      ['', '', 'ASSET_CHECK_EVALUATION'],
      ['', '', 'FRESHNESS_STATE_EVALUATION'],
      ['', '', 'FRESHNESS_STATE_CHANGE'],
    ]);
    const data = entries.map((e) => e.dagsterEvent?.eventSpecificData);
    expect(data[0]).toBeInstanceOf(StepMaterializationData);
    expect((data[0] as StepMaterializationData).materialization).toBe(materialization);
    expect((data[1] as AssetObservationData).assetObservation).toBe(observation);
    expect(data.slice(2)).toEqual([check, evaluation, change]);
    // A runless materialization is the asset's latest like any other.
    expect((await getLatestMaterializationEvent(ops, A))?.tags).toEqual({ 'dagster/code_version': 'v3' });
  });

  it('rejects other objects with InvariantViolationError and writes nothing', async () => {
    const ops = createFakeOps();
    const bogus = { assetKey: A } as unknown as RunlessAssetEvent;
    await expect(reportRunlessAssetEvent(ops, bogus)).rejects.toThrow(InvariantViolationError);
    await expect(_reportRunlessAssetEvent(ops, bogus)).rejects.toThrow(/expected AssetMaterialization, AssetObservation/);
    expect(ops.log.records).toEqual([]);
  });

  it('goes through ops._reportRunlessAssetEvent, so an overriding instance is seen', async () => {
    const seen: RunlessAssetEvent[] = [];
    const ops = createFakeOps({ overrides: { _reportRunlessAssetEvent: async (event) => void seen.push(event) } });
    const observation = new AssetObservation({ assetKey: A });
    await reportRunlessAssetEvent(ops, observation);
    expect(seen).toEqual([observation]);
    expect(ops.log.records).toEqual([]);
  });
});

describe('freshness records', () => {
  it("serialize as Dagster's records and read back", () => {
    const change = new FreshnessStateChange({ key: A, newState: FreshnessState.FAIL, previousState: FreshnessState.PASS, stateChangeTimestamp: 1_700_000_000 });
    const json = serializeValue(change);
    expect(json).toBe(
      '{"__class__": "FreshnessStateChange", "key": {"__class__": "AssetKey", "path": ["lake", "table"]}, "new_state": {"__enum__": "FreshnessState.FAIL"}, "previous_state": {"__enum__": "FreshnessState.PASS"}, "state_change_timestamp": 1700000000.0}',
    );
    expect(deserializeValue(json)).toEqual(change);
    expect(serializeValue(new FreshnessStateEvaluation({ key: A, freshnessState: FreshnessState.UNKNOWN }))).toBe(
      '{"__class__": "FreshnessStateEvaluation", "freshness_state": {"__enum__": "FreshnessState.UNKNOWN"}, "key": {"__class__": "AssetKey", "path": ["lake", "table"]}}',
    );
  });

  it('builds a FreshnessStateRecord from a FRESHNESS_STATE_CHANGE entry', async () => {
    const ops = createFakeOps();
    await reportRunlessAssetEvent(ops, new FreshnessStateChange({ key: A, newState: FreshnessState.WARN, previousState: FreshnessState.PASS, stateChangeTimestamp: 1_700_000_000.5 }));
    const record = FreshnessStateRecord.fromEventLogEntry(ops.log.records[0]!.eventLogEntry);
    expect([record.entityKey.toUserString(), record.freshnessState, record.updatedAt.toISOString(), record.recordBody.metadata]).toEqual([
      'lake/table',
      'WARN',
      '2023-11-14T22:13:20.500Z',
      {},
    ]);
  });
});
