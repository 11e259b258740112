import { InvariantViolationError, RunNotFoundError } from '@inst/errors';
import { serializeValue } from '@inst/serdes';
import {
  AssetCheckEvaluation,
  AssetCheckKey,
  AssetKey,
  AssetMaterialization,
  BulkActionStatus,
  DagsterEventType,
  DagsterRunStatus,
  KnownExecutionState,
  RUN_TAGS,
  StepMaterializationData,
  StepOutputData,
  StepOutputHandle,
  type DagsterRun,
  type ExecutionPlanSnapshot,
  type PartitionBackfill,
} from '@inst/types';
import { describe, expect, it } from 'vitest';
import { JOB, fakeOps, plan, step, stepEvent, type FakeOps } from '../test/fake-ops';
import { createRun } from './create-run';
import { InvalidSubsetError } from './errors';
import {
  PastExecutionState,
  ReexecutionStrategy,
  buildResumeRetryReexecution,
  createReexecutedRun,
  getKeysToReexecute,
  type ReexecutionCodeLocation,
  type ReexecutionRemoteJob,
} from './reexecution';

const X = new AssetKey('x');
const Y = new AssetKey('y');
const CHECK = new AssetCheckKey({ assetKey: Y, name: 'fresh' });

/** A code location that records what it is asked and returns a plan of the requested steps. */
function codeLocation(basePlan: ExecutionPlanSnapshot) {
  const calls: { stepKeysToExecute: readonly string[] | null; knownState: KnownExecutionState | null; runConfig: unknown }[] = [];
  const subsets: unknown[] = [];
  const location: ReexecutionCodeLocation = {
    getExecutionPlan(_job, runConfig, { stepKeysToExecute, knownState }) {
      calls.push({ stepKeysToExecute, knownState, runConfig });
      return plan([...basePlan.steps], stepKeysToExecute ? [...stepKeysToExecute] : [...basePlan.stepKeysToExecute]);
    },
    getJobSubset(job, selection) {
      subsets.push(selection);
      return { ...job, assetSelection: selection.assetSelection, assetCheckSelection: selection.assetCheckSelection };
    },
  };
  return { location, calls, subsets };
}

async function parentRun(ops: FakeOps, executionPlanSnapshot: ExecutionPlanSnapshot, status: DagsterRunStatus, tags: Record<string, string> = {}): Promise<DagsterRun> {
  const run = await createRun(ops, { jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot, tags, status });
  ops.eventLog.events.length = 0;
  ops.eventLog.batches.length = 0;
  return run;
}

const remoteJob: ReexecutionRemoteJob = { jobSnapshot: JOB, tags: { owner: 'team-a', shared: 'job' } };

describe('createReexecutedRun', () => {
  it('ALL_STEPS: merges job, parent, extra and lineage tags and keeps the parent run config', async () => {
    const ops = fakeOps();
    const p = plan([step('a'), step('b', { upstream: ['a'] })]);
    const parent = await parentRun(ops, p, DagsterRunStatus.FAILURE, {
      shared: 'parent',
      [RUN_TAGS.RETRY_NUMBER]: '2',
      [RUN_TAGS.BACKFILL_ID]: 'bf1',
      [RUN_TAGS.ROOT_BACKFILL_ID]: 'bf0',
    });
    ops.backfills.set('bf1', { status: BulkActionStatus.REQUESTED } as PartitionBackfill);
    const { location, calls } = codeLocation(p);

    const run = await createReexecutedRun(ops, {
      parentRun: parent,
      codeLocation: location,
      remoteJob,
      strategy: ReexecutionStrategy.ALL_STEPS,
      extraTags: { extra: 1 },
      useParentRunTags: true,
    });
    expect(run.status).toBe(DagsterRunStatus.NOT_STARTED);
    expect(run.parentRunId).toBe(parent.runId);
    expect(run.rootRunId).toBe(parent.runId);
    expect(run.tags).toEqual({
      owner: 'team-a',
      shared: 'parent',
      extra: '1',
      [RUN_TAGS.BACKFILL_ID]: 'bf1',
      [RUN_TAGS.ROOT_BACKFILL_ID]: 'bf0',
      [RUN_TAGS.PARENT_RUN_ID]: parent.runId,
      [RUN_TAGS.ROOT_RUN_ID]: parent.runId,
    });
    expect(run.stepKeysToExecute).toBeNull();
    expect(calls).toEqual([{ stepKeysToExecute: null, knownState: null, runConfig: parent.runConfig }]);

    // A finished backfill's tags are dropped; a child of a child keeps the root.
    ops.backfills.set('bf1', { status: BulkActionStatus.COMPLETED_SUCCESS } as PartitionBackfill);
    const failedChild = await createRun(ops, { jobName: 'etl', tags: run.tags, rootRunId: parent.runId, parentRunId: run.runId, status: DagsterRunStatus.FAILURE });
    const grandchild = await createReexecutedRun(ops, { parentRun: failedChild, codeLocation: location, remoteJob, strategy: 'ALL_STEPS', useParentRunTags: true });
    expect(grandchild.rootRunId).toBe(parent.runId);
    expect(grandchild.tags[RUN_TAGS.BACKFILL_ID]).toBeUndefined();
    expect(grandchild.tags[RUN_TAGS.PARENT_RUN_ID]).toBe(failedChild.runId);
  });

  it('FROM_FAILURE: retries failed, interrupted and never-started steps with their downstream steps', async () => {
    const ops = fakeOps();
    // a -> b -> d, c (independent, interrupted), e (independent, succeeded)
    const p = plan([step('a'), step('b', { upstream: ['a'] }), step('c'), step('d', { upstream: ['b'] }), step('e')]);
    const parent = await parentRun(ops, p, DagsterRunStatus.FAILURE);
    for (const key of ['a', 'b', 'c', 'e']) stepEvent(ops, parent.runId, DagsterEventType.STEP_START, key);
    stepEvent(ops, parent.runId, DagsterEventType.STEP_OUTPUT, 'a', new StepOutputData({ stepOutputHandle: new StepOutputHandle({ stepKey: 'a', outputName: 'result' }) }));
    stepEvent(ops, parent.runId, DagsterEventType.STEP_SUCCESS, 'a');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_FAILURE, 'b');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_SUCCESS, 'e');
    const { location, calls } = codeLocation(p);

    const run = await createReexecutedRun(ops, { parentRun: parent, codeLocation: location, remoteJob, strategy: ReexecutionStrategy.FROM_FAILURE });
    expect([...run.stepKeysToExecute!].sort()).toEqual(['b', 'c', 'd']);
    expect(run.tags[RUN_TAGS.RESUME_RETRY]).toBe('true');
    const knownState = calls[0]!.knownState!;
    expect(knownState).toBeInstanceOf(KnownExecutionState);
    const parentState = knownState.parentState as PastExecutionState;
    expect(parentState).toBeInstanceOf(PastExecutionState);
    expect(parentState.runId).toBe(parent.runId);
    expect([...parentState.producedOutputs].map((h) => h.stepKey)).toEqual(['a']);
    expect(serializeValue(knownState)).toContain('"__class__": "PastExecutionState"');
  });

  it('FROM_FAILURE: retries the failed mapped instances of a dynamic step and its downstream instances', async () => {
    const ops = fakeOps();
    const p = plan([step('emit', { dynamic: true }), step('work[?]', { upstream: ['emit'] }), step('sum[?]', { upstream: ['work[?]'] })]);
    const parent = await parentRun(ops, p, DagsterRunStatus.FAILURE);
    stepEvent(ops, parent.runId, DagsterEventType.STEP_START, 'emit');
    for (const key of ['1', '2']) {
      stepEvent(ops, parent.runId, DagsterEventType.STEP_OUTPUT, 'emit', new StepOutputData({ stepOutputHandle: new StepOutputHandle({ stepKey: 'emit', outputName: 'result', mappingKey: key }) }));
    }
    stepEvent(ops, parent.runId, DagsterEventType.STEP_SUCCESS, 'emit');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_START, 'work[1]');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_SUCCESS, 'work[1]');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_START, 'work[2]');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_FAILURE, 'work[2]');

    const [steps, knownState] = await buildResumeRetryReexecution(ops, parent);
    expect(steps.sort()).toEqual(['sum[2]', 'work[2]']);
    expect(knownState.dynamicMappings).toEqual({ emit: { result: ['1', '2'] } });
  });

  it('FROM_FAILURE: chains the state of ancestor runs and fails for a missing ancestor', async () => {
    const ops = fakeOps();
    const p = plan([step('a'), step('b', { upstream: ['a'] })]);
    const grandparent = await parentRun(ops, p, DagsterRunStatus.FAILURE);
    stepEvent(ops, grandparent.runId, DagsterEventType.STEP_START, 'a');
    stepEvent(ops, grandparent.runId, DagsterEventType.STEP_FAILURE, 'a');
    const parent = await createRun(ops, {
      jobName: 'etl',
      jobSnapshot: JOB,
      executionPlanSnapshot: p,
      status: DagsterRunStatus.FAILURE,
      rootRunId: grandparent.runId,
      parentRunId: grandparent.runId,
    });
    stepEvent(ops, parent.runId, DagsterEventType.STEP_START, 'a');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_SUCCESS, 'a');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_START, 'b');
    stepEvent(ops, parent.runId, DagsterEventType.STEP_FAILURE, 'b');

    const [steps, knownState] = await buildResumeRetryReexecution(ops, parent);
    expect(steps).toEqual(['b']);
    const state = knownState.parentState as PastExecutionState;
    expect([state.runId, state.parentState?.runId]).toEqual([parent.runId, grandparent.runId]);

    ops.runs.runs.delete(grandparent.runId);
    await expect(buildResumeRetryReexecution(ops, parent)).rejects.toThrow(RunNotFoundError);
  });

  it('FROM_FAILURE: refuses runs that did not fail and runs with nothing to retry', async () => {
    const ops = fakeOps();
    const p = plan([step('a')]);
    const { location } = codeLocation(p);
    const succeeded = await parentRun(ops, p, DagsterRunStatus.SUCCESS);
    await expect(createReexecutedRun(ops, { parentRun: succeeded, codeLocation: location, remoteJob, strategy: 'FROM_FAILURE' })).rejects.toMatchObject({
      name: InvariantViolationError.name,
      message: 'Cannot reexecute from failure a run that is not failed or canceled',
      ids: { runId: succeeded.runId },
    });
    const canceled = await parentRun(ops, p, DagsterRunStatus.CANCELED);
    stepEvent(ops, canceled.runId, DagsterEventType.STEP_START, 'a');
    stepEvent(ops, canceled.runId, DagsterEventType.STEP_SUCCESS, 'a');
    const runsBefore = ops.runs.runs.size;
    await expect(createReexecutedRun(ops, { parentRun: canceled, codeLocation: location, remoteJob, strategy: 'FROM_FAILURE' })).rejects.toThrow(InvalidSubsetError);
    expect(ops.runs.runs.size).toBe(runsBefore);
  });

  it('FROM_ASSET_FAILURE: subsets the job to unmaterialized assets and unexecuted checks', async () => {
    const ops = fakeOps();
    const p = plan([step('sx', { assets: [{ key: X }] }), step('sy', { assets: [{ key: Y }], checks: [CHECK] })]);
    const parent = await parentRun(ops, p, DagsterRunStatus.FAILURE);
    stepEvent(ops, parent.runId, DagsterEventType.ASSET_MATERIALIZATION, 'sx', new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: X }) }));
    const { location, subsets, calls } = codeLocation(p);

    const run = await createReexecutedRun(ops, { parentRun: parent, codeLocation: location, remoteJob, strategy: ReexecutionStrategy.FROM_ASSET_FAILURE });
    expect(subsets).toEqual([{ assetSelection: [Y], assetCheckSelection: [CHECK] }]);
    expect(run.tags[RUN_TAGS.ASSET_RESUME_RETRY]).toBe('true');
    expect([...run.assetSelection!]).toEqual([Y]);
    expect(calls[0]!.stepKeysToExecute).toBeNull();
  });

  it('FROM_ASSET_FAILURE: a failed blocking check re-executes its asset; nothing left throws', async () => {
    const ops = fakeOps();
    const p = plan([step('sy', { assets: [{ key: Y }], checks: [CHECK] })]);
    const parent = await parentRun(ops, p, DagsterRunStatus.FAILURE);
    stepEvent(ops, parent.runId, DagsterEventType.ASSET_MATERIALIZATION, 'sy', new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: Y }) }));
    const evaluation = (passed: boolean, blocking: boolean) => new AssetCheckEvaluation({ assetKey: Y, checkName: 'fresh', passed, blocking });
    stepEvent(ops, parent.runId, DagsterEventType.ASSET_CHECK_EVALUATION, 'sy', evaluation(false, true));
    const [assets, checks] = await getKeysToReexecute(ops, parent.runId, p);
    expect([assets, checks]).toEqual([[Y], [CHECK]]);

    const passing = await parentRun(ops, p, DagsterRunStatus.FAILURE);
    stepEvent(ops, passing.runId, DagsterEventType.ASSET_MATERIALIZATION, 'sy', new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: Y }) }));
    stepEvent(ops, passing.runId, DagsterEventType.ASSET_CHECK_EVALUATION, 'sy', evaluation(true, true));
    const { location } = codeLocation(p);
    await expect(createReexecutedRun(ops, { parentRun: passing, codeLocation: location, remoteJob, strategy: 'FROM_ASSET_FAILURE' })).rejects.toThrow(
      'No assets or asset checks needed to be retried in the failed run.',
    );
  });

  it('FROM_ASSET_FAILURE: retries the required outputs of a step together', async () => {
    const ops = fakeOps();
    const p = plan([step('multi', { assets: [{ key: X, required: true }, { key: Y, required: true }] })]);
    const parent = await parentRun(ops, p, DagsterRunStatus.FAILURE);
    stepEvent(ops, parent.runId, DagsterEventType.ASSET_MATERIALIZATION, 'multi', new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: X }) }));
    const [assets] = await getKeysToReexecute(ops, parent.runId, p);
    expect(assets.map((k) => k.toUserString()).sort()).toEqual(['x', 'y']);
  });
});
