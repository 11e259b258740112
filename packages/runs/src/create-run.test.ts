import { InvalidArgumentError, InvariantViolationError } from '@inst/errors';
import { FrozenSet, PyEnumValue, serializeValue } from '@inst/serdes';
import type {
  AssetMaterializationPlannedData} from '@inst/types';
import {
  AssetCheckKey,
  AssetKey,
  DagsterEventType,
  DagsterRunStatus,
  JobLineageSnapshot,
  JobSnapshot,
  RUN_TAGS,
  createExecutionPlanSnapshotId,
  createJobSnapshotId,
  type ExecutionPlanSnapshot,
} from '@inst/types';
import { describe, expect, it } from 'vitest';
import { JOB, JOB_ID, fakeOps, plan, step } from '../test/fake-ops';
import type { RunAssetGraph } from './asset-graph';
import { createRun, createRunForJob, isUuid } from './create-run';

const A = new AssetKey(['warehouse', 'orders']);
const B = new AssetKey('customers');
const CHECK = new AssetCheckKey({ assetKey: B, name: 'not_empty' });

function assetPlan(): ExecutionPlanSnapshot {
  return plan([step('orders_step', { assets: [{ key: A, partitioned: true }] }), step('customers_step', { upstream: ['orders_step'], assets: [{ key: B }], checks: [CHECK] })]);
}

describe('createRun', () => {
  it('creates a NOT_STARTED run with a new UUID, storing each snapshot once', async () => {
    const ops = fakeOps();
    const executionPlanSnapshot = assetPlan();
    const run = await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot, assetSelection: [A, B] });

    expect(isUuid(run.runId)).toBe(true);
    expect(run.status).toBe(DagsterRunStatus.NOT_STARTED);
    expect(run.jobSnapshotId).toBe(JOB_ID);
    expect(run.executionPlanSnapshotId).toBe(createExecutionPlanSnapshotId(executionPlanSnapshot));
    expect(run.assetSelection).toBeInstanceOf(FrozenSet);
    expect([...run.assetSelection!].map((k) => k.toUserString())).toEqual(['warehouse/orders', 'customers']);
    expect(ops.runs.runs.get(run.runId)).toBe(run);

    const second = await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot });
    expect(second.runId).not.toBe(run.runId);
    expect(ops.runs.calls.filter((c) => c.startsWith('addJobSnapshot'))).toEqual([`addJobSnapshot:${JOB_ID}`]);
    expect(ops.runs.calls.filter((c) => c.startsWith('addExecutionPlanSnapshot'))).toHaveLength(1);
  });

  it('keeps a given run id, status (enum or name), run config and origins', async () => {
    const ops = fakeOps();
    const runId = '3f2b9a4e-8c1d-4e5f-9a0b-1c2d3e4f5a6b';
    const run = await createRun(ops, { jobName: 'etl', runId, status: 'STARTED', runConfig: { ops: { a: { config: { x: 1 } } } } });
    expect(run.runId).toBe(runId);
    expect(run.status).toBe(DagsterRunStatus.STARTED);
    expect(run.runConfig).toEqual({ ops: { a: { config: { x: 1 } } } });
    expect(run.jobSnapshotId).toBeNull();
  });

  it('writes the planned events as one batch at DEBUG level, sorted by key', async () => {
    const ops = fakeOps();
    const run = await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: assetPlan(), tags: { [RUN_TAGS.PARTITION_NAME]: '2024-01-01' } });

    expect(ops.eventLog.batches).toHaveLength(1);
    const batch = ops.eventLog.batches[0]!;
    // Sorted by the db string of the key: ["customers"] < ["warehouse", "orders"] < the check's {"asset_key": ...}.
    expect(batch.map((e) => [e.dagsterEvent!.eventTypeValue, e.stepKey, e.level, e.runId])).toEqual([
      [DagsterEventType.ASSET_MATERIALIZATION_PLANNED, 'customers_step', 10, run.runId],
      [DagsterEventType.ASSET_MATERIALIZATION_PLANNED, 'orders_step', 10, run.runId],
      [DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, 'customers_step', 10, run.runId],
    ]);
    expect(batch.map((e) => e.dagsterEvent!.message)).toEqual([
      'etl intends to materialize asset ["customers"]',
      'etl intends to materialize asset ["warehouse", "orders"]',
      'etl intends to execute asset check not_empty on asset ["customers"]',
    ]);
    const byStep = new Map(batch.filter((e) => e.dagsterEvent!.isAssetMaterializationPlanned).map((e) => [e.stepKey, e.dagsterEvent!.assetMaterializationPlannedData]));
    // Only the partitioned asset's event carries the run's partition.
    expect(byStep.get('orders_step')!.partition).toBe('2024-01-01');
    expect(byStep.get('customers_step')!.partition).toBeNull();
    expect(batch.every((e) => e.timestamp === batch[0]!.timestamp && e.userMessage === '')).toBe(true);
  });

  it('writes no planned events for steps not executed or when assets are managed elsewhere', async () => {
    const ops = fakeOps();
    const partial = plan([step('orders_step', { assets: [{ key: A }] }), step('customers_step', { assets: [{ key: B }] })], ['customers_step']);
    await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: partial });
    expect(ops.eventLog.batches[0]!.map((e) => e.dagsterEvent!.stepKey)).toEqual(['customers_step']);

    await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: assetPlan(), tags: { [RUN_TAGS.EXTERNALLY_MANAGED_ASSETS]: 'true' } });
    expect(ops.eventLog.batches).toHaveLength(1);
  });

  it('expands a partition range with the asset graph and stores the compact run subset', async () => {
    const graph: RunAssetGraph = {
      get: (key) =>
        key.equals(A)
          ? {
              executionType: 'MATERIALIZATION',
              partitionsDef: {
                getPartitionKeysInRange: (start, end) => ['2024-01-01', '2024-01-02', '2024-01-03'].filter((k) => k >= start && k <= end),
                runPartitionsSubset: (start, end) => ({ start, end }),
              },
            }
          : undefined,
    };
    const ops = fakeOps();
    const tags = { [RUN_TAGS.ASSET_PARTITION_RANGE_START]: '2024-01-02', [RUN_TAGS.ASSET_PARTITION_RANGE_END]: '2024-01-03' };
    const executionPlanSnapshot = plan([step('orders_step', { assets: [{ key: A, partitioned: true }] })]);
    const run = await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot, tags, assetGraph: graph });

    expect(ops.eventLog.batches[0]!.map((e) => (e.dagsterEvent!.eventSpecificData as AssetMaterializationPlannedData).partition)).toEqual(['2024-01-02', '2024-01-03']);
    expect(run.partitionsSubset).toEqual({ start: '2024-01-02', end: '2024-01-03' });
    // The stored plan got the asset's execution type, so its id differs from the plan passed in.
    const stored = await ops.runs.getExecutionPlanSnapshot(run.executionPlanSnapshotId!);
    expect(stored.steps[0]!.outputs[0]!.properties!.assetExecutionType).toEqual(new PyEnumValue('AssetExecutionType', 'MATERIALIZATION'));
    expect(run.executionPlanSnapshotId).not.toBe(createExecutionPlanSnapshotId(executionPlanSnapshot));
    expect(serializeValue(stored)).toContain('{"__enum__": "AssetExecutionType.MATERIALIZATION"}');
  });

  it('writes one planned event with the subset when the storage supports subsets', async () => {
    const graph: RunAssetGraph = {
      get: () => ({ partitionsDef: { getPartitionKeysInRange: () => ['a', 'b'], subsetWithPartitionKeys: (keys) => ({ keys }) } }),
    };
    const ops = fakeOps();
    ops.eventLog.supportsPartitionSubsetInAssetMaterializationPlannedEvents = true;
    const tags = { [RUN_TAGS.ASSET_PARTITION_RANGE_START]: 'a', [RUN_TAGS.ASSET_PARTITION_RANGE_END]: 'b' };
    await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: plan([step('s', { assets: [{ key: A }] })]), tags, assetGraph: graph });
    const data = ops.eventLog.batches[0]!.map((e) => e.dagsterEvent!.assetMaterializationPlannedData);
    expect(data.map((d) => [d.partition, d.partitionsSubset])).toEqual([[null, { keys: ['a', 'b'] }]]);
  });

  it('normalizes non-string tags to their Python JSON text and adds the airflow execution date', async () => {
    const ops = fakeOps();
    const run = await createRun(ops, { jobName: 'etl', tags: { n: 3, obj: { b: [1, 'x'], a: true }, s: 'plain', is_airflow_ingest_pipeline: 'true' } });
    expect(run.tags.n).toBe('3');
    expect(run.tags.obj).toBe('{"b": [1, "x"], "a": true}');
    expect(run.tags.s).toBe('plain');
    expect(run.tags.airflow_execution_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
  });

  it('computes op concurrency from the pools of the steps', async () => {
    const ops = fakeOps();
    const executionPlanSnapshot = plan([
      step('a', { tags: { [RUN_TAGS.GLOBAL_CONCURRENCY]: 'db' } }),
      step('b'),
      step('c', { upstream: ['a'], tags: { [RUN_TAGS.GLOBAL_CONCURRENCY]: 'api' } }),
    ]);
    const run = await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot });
    expect(run.runOpConcurrency!.rootKeyCounts).toEqual({ db: 1 });
    expect(run.runOpConcurrency!.hasUnconstrainedRootNodes).toBe(true);
    expect([...run.runOpConcurrency!.allPools!].sort()).toEqual(['api', 'db']);
  });

  it.each([
    ['a run id that is not a UUID', { runId: 'not-a-uuid' }, InvalidArgumentError, 'run_id must be a valid UUID. Got not-a-uuid'],
    ['a root run id without a parent', { rootRunId: 'r' }, InvariantViolationError, 'root_run_id and parent_run_id must both be passed'],
    ['an op selection with an asset selection', { opSelection: ['x'], assetSelection: [A] }, InvariantViolationError, 'Cannot pass op_selection'],
    ['a resolved op selection with asset checks', { resolvedOpSelection: ['x'], assetCheckSelection: [CHECK] }, InvariantViolationError, 'Cannot pass resolved_op_selection'],
    ['a parent snapshot without a job snapshot', { parentJobSnapshot: JOB }, InvariantViolationError, 'If parent_job_snapshot is set'],
    ['a plan without a job snapshot', { executionPlanSnapshot: plan([step('a')]) }, InvariantViolationError, 'illegal to have an execution plan snapshot'],
    ['a plan of another job', { jobSnapshot: JOB, executionPlanSnapshot: plan([step('a')], ['a'], 'other') }, InvariantViolationError, 'Snapshot mismatch'],
    ['a QUEUED run without a remote origin', { status: DagsterRunStatus.QUEUED }, InvariantViolationError, 'remote_job_origin is required'],
    ['a tag value JSON cannot hold', { tags: { bad: () => 1 } }, InvalidArgumentError, 'Invalid value for tag "bad"'],
    [
      'a partition tag with range tags',
      { jobSnapshot: JOB, executionPlanSnapshot: assetPlan(), tags: { [RUN_TAGS.PARTITION_NAME]: 'p', [RUN_TAGS.ASSET_PARTITION_RANGE_START]: 'a' } },
      InvariantViolationError,
      'set along with dagster/partition',
    ],
  ])('rejects %s and writes nothing', async (_name, options, errorClass, message) => {
    const ops = fakeOps();
    await expect(createRun(ops, { jobName: 'etl', ...options })).rejects.toThrow(errorClass);
    await expect(createRun(ops, { jobName: 'etl', ...options })).rejects.toThrow(message);
    expect(ops.runs.calls).toEqual([]);
    expect(ops.eventLog.events).toEqual([]);
  });

  it('allows an empty asset check selection with an op selection', async () => {
    const run = await createRun(fakeOps(), { jobName: 'etl', opSelection: ['a'], assetCheckSelection: [] });
    expect(run.opSelection).toEqual(['a']);
    expect(run.assetCheckSelection!.size).toBe(0);
  });

  it('stores the parent snapshot of a subset job', async () => {
    const ops = fakeOps();
    const subset = new JobSnapshot({ name: 'etl', tags: {}, modeDefSnaps: [], graphDefName: 'etl', lineageSnapshot: new JobLineageSnapshot({ parentSnapshotId: JOB_ID, opSelection: ['a'] }) });
    const run = await createRun(ops, { jobName: 'etl', jobSnapshot: subset, parentJobSnapshot: JOB });
    expect(run.jobSnapshotId).toBe(createJobSnapshotId(subset));
    expect(ops.runs.snapshots.get(JOB_ID)).toBe(JOB);
  });
});

describe('createRunForJob', () => {
  it('takes the snapshot and plan of the definition, subsetting for a selection', async () => {
    const ops = fakeOps();
    const executionPlanSnapshot = plan([step('a', { assets: [{ key: A }] })]);
    const selections: unknown[] = [];
    const jobDef = {
      name: 'etl',
      snapshot: JOB,
      getSubset(selection: unknown) {
        selections.push(selection);
        return { name: 'etl', snapshot: JOB, executionPlanSnapshot };
      },
    };
    const run = await createRunForJob(ops, jobDef, undefined, undefined, undefined, undefined, 'NOT_STARTED', { team: 'data' }, null, null, null, [A]);
    expect(selections).toEqual([{ assetSelection: [A], opSelection: null }]);
    expect(run.stepKeysToExecute).toEqual(['a']);
    expect(run.executionPlanSnapshotId).toBe(createExecutionPlanSnapshotId(executionPlanSnapshot));
    expect(run.tags).toEqual({ team: 'data' });
    expect(ops.eventLog.batches).toHaveLength(1);
  });
});

describe('isUuid', () => {
  it('accepts the forms Python reads', () => {
    expect(isUuid('3F2B9A4E-8C1D-4E5F-9A0B-1C2D3E4F5A6B')).toBe(true);
    expect(isUuid('3f2b9a4e8c1d4e5f9a0b1c2d3e4f5a6b')).toBe(true);
    expect(isUuid('{3f2b9a4e-8c1d-4e5f-9a0b-1c2d3e4f5a6b}')).toBe(true);
    expect(isUuid('urn:uuid:3f2b9a4e-8c1d-4e5f-9a0b-1c2d3e4f5a6b')).toBe(true);
    expect(isUuid('3f2b9a4e-8c1d-4e5f-9a0b-1c2d3e4f5a6')).toBe(false);
    expect(isUuid('zzzzzzzz-8c1d-4e5f-9a0b-1c2d3e4f5a6b')).toBe(false);
  });
});

