/**
 * Byte comparisons with real Dagster snapshots (reference fixture pg_dump_1_8_12): the `__ASSET_JOB` of five assets
 * (hourly, daily and unpartitioned), its subset to one asset, and the plan of the subset's run, rebuilt in TypeScript.
 */
import { describe, expect, it } from 'vitest';
import { deserializeValue, serializeValue } from '@inst/serdes';
import { createExecutionPlanSnapshotId, createJobSnapshotId, type ExecutionPlanSnapshot, type JobSnapshot } from '@inst/types';
import { Definitions, buildAssetJob, type AssetDefinition, dailyPartitions, defineAsset, executionPlanSnapshot, hourlyPartitions } from './index';
import { fixtureSnapshots, jsonDiff } from './fixture-compare.test-support';

const FULL_JOB_ID = '653890b7bc24ce4415c9f2704bf15f80c2bb8f65';
const SUBSET_JOB_ID = 'dd6c6dd475cd4d91c23a9dbaf55eb56b2b1d0d25';
const SUBSET_PLAN_ID = '93b84fd7cd172f878122450c2dae6901be99048f';

function fixtureLocation(): Definitions {
  const hourly = hourlyPartitions({ start: '2022-01-01-00:00' });
  const theHourly = defineAsset({ key: 'the_hourly_asset', partitions: hourly }, () => 1);
  const anotherHourly = defineAsset({ key: 'another_hourly_asset', partitions: hourly, ins: { the_hourly_asset: theHourly } }, (_ctx, { the_hourly_asset }) => the_hourly_asset + 1);
  const theDaily = defineAsset({ key: 'the_daily_asset', partitions: dailyPartitions({ start: '2022-01-01' }), ins: { the_hourly_asset: theHourly } }, () => 2);
  const longRunner = defineAsset({ key: 'long_runner' }, () => 3);
  const notPartitioned = defineAsset({ key: 'not_partitioned' }, () => 4);
  return new Definitions({ assets: [theHourly, anotherHourly, theDaily, longRunner, notPartitioned] });
}

describe('snapshots identical in bytes to Dagster 1.8 fixtures', () => {
  const fixtures = fixtureSnapshots('1_8_12');
  const defs = fixtureLocation();
  const job = defs.getJob('__ASSET_JOB');

  it('the job snapshot of __ASSET_JOB: same bytes, same id', () => {
    const bytes = serializeValue(job.snapshot);
    expect(jsonDiff(JSON.parse(bytes), JSON.parse(fixtures.get(FULL_JOB_ID)!.body))).toEqual([]);
    expect(bytes).toBe(fixtures.get(FULL_JOB_ID)!.body);
    expect(createJobSnapshotId(job.snapshot)).toBe(FULL_JOB_ID);
  });

  it('the snapshot of its subset to one asset: lineage, ignored-op config, same id', () => {
    const subset = job.getSubset({ assetSelection: [defs.assets.find((a) => a.key.path[0] === 'not_partitioned')!.key] });
    expect(subset.stepKeys).toEqual(['not_partitioned']);
    expect(serializeValue(subset.snapshot)).toBe(fixtures.get(SUBSET_JOB_ID)!.body);
    expect(createJobSnapshotId(subset.snapshot)).toBe(SUBSET_JOB_ID);
    expect(subset.snapshot.lineageSnapshot?.parentSnapshotId).toBe(FULL_JOB_ID);
  });

  it("the subset run's plan: same bytes except asset_execution_type, which newer Dagster adds and 1.8's writer lacked", () => {
    const subset = job.getSubset({ assetSelection: [defs.assets.find((a) => a.key.path[0] === 'not_partitioned')!.key] });
    const plan = executionPlanSnapshot(subset);
    const bytes = serializeValue(plan);
    const fixture = fixtures.get(SUBSET_PLAN_ID)!.body;
    expect(jsonDiff(JSON.parse(bytes), JSON.parse(fixture))).toEqual(['+$.steps[0].outputs[0].properties.asset_execution_type']);
    const withoutNewField = bytes.replace('"asset_execution_type": {"__enum__": "AssetExecutionType.MATERIALIZATION"}, ', '');
    expect(withoutNewField).toBe(fixture);
    // Read back, the fixture's plan is the same plan as ours.
    const theirs = deserializeValue(fixture) as ExecutionPlanSnapshot;
    expect(theirs.jobSnapshotId).toBe(plan.jobSnapshotId);
    expect(createExecutionPlanSnapshotId(theirs)).toBe(SUBSET_PLAN_ID);
  });

  it('a changed definition changes the bytes (the comparison can fail)', () => {
    const other = new Definitions({ assets: [defineAsset({ key: 'not_partitioned', group: 'g' }, () => 1), defineAsset({ key: 'long_runner2' }, () => 1)] });
    expect(createJobSnapshotId(other.getJob('__ASSET_JOB').snapshot)).not.toBe(FULL_JOB_ID);
    const read = deserializeValue(fixtures.get(FULL_JOB_ID)!.body) as JobSnapshot;
    expect(read.nodeDefsSnapshot.opDefSnaps.map((op) => op.name)).toEqual(job.snapshot.nodeDefsSnapshot.opDefSnaps.map((op) => op.name));
  });
});

describe('typing', () => {
  it('typed assets and ops are assignable to the general types', () => {
    const a = defineAsset({ key: 'typed' }, () => 42);
    const general: AssetDefinition = a;
    const job = buildAssetJob('typed_job', [a]);
    expect(general.key.path).toEqual(['typed']);
    expect(job.stepKeys).toEqual(['typed']);
  });
});
