import { RunNotFoundError, SnapshotNotFoundError } from '@inst/errors';
import type { EventLogStorage, RunStorage } from '@inst/storage';
import {
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  JobFailureData,
  JobLineageSnapshot,
  JobSnapshot,
  RunFailureReason,
  RunRecord,
  RunsFilter,
  createJobSnapshotId,
} from '@inst/types';
import { describe, expect, it } from 'vitest';
import { JOB, JOB_ID, fakeOps, plan, step } from '../test/fake-ops';
import { RunConflictError } from './errors';
import { reportRunCanceled, reportRunCanceling, reportRunFailed, shouldStartBackgroundRunThread } from './lifecycle';
import { registerManagedRun } from './managed-run';
import { addRun, addRunTags, deleteRun, getRunById, getRunGroup, getRunIds, getRunRecordById, getRunRecords, getRuns, getRunStepStats, hasRun } from './queries';
import { runDomain } from './run-domain';
import { addSnapshot, getHistoricalJob, hasHistoricalJob, hasJobSnapshot, hasSnapshot } from './snapshots';

const RUN_ID = '0b8e6c1e-2f4d-4c2a-9d3b-5e6f7a8b9c0d';

describe('queries', () => {
  it('reads a run through getRunRecordById, so an overriding instance is seen', async () => {
    const ops = fakeOps();
    const run = await addRun(ops, new DagsterRun({ jobName: 'etl', runId: RUN_ID }));
    expect(await getRunById(ops, RUN_ID)).toBe(run);
    expect(await getRunById(ops, 'missing')).toBeUndefined();

    const substitute = new DagsterRun({ jobName: 'other', runId: RUN_ID });
    const overriding = fakeOps({
      getRunRecordById: async () => new RunRecord({ storageId: 7, dagsterRun: substitute, createTimestamp: new Date(0), updateTimestamp: new Date(0) }),
    });
    expect((await getRunById(overriding, RUN_ID))?.jobName).toBe('other');
  });

  it('returns no record for an empty id without asking storage', async () => {
    const ops = fakeOps();
    await addRun(ops, new DagsterRun({ jobName: 'etl', runId: RUN_ID }));
    expect(await getRunRecordById(ops, '')).toBeUndefined();
    expect((await getRunRecordById(ops, RUN_ID))?.dagsterRun.runId).toBe(RUN_ID);
  });

  it('deletes a run and then its events', async () => {
    const ops = fakeOps();
    const run = await addRun(ops, new DagsterRun({ jobName: 'etl', runId: RUN_ID }));
    await reportRunCanceling(ops, run);
    expect(ops.eventLog.events).toHaveLength(1);
    await deleteRun(ops, RUN_ID);
    expect(await hasRun(ops, RUN_ID)).toBe(false);
    expect(ops.eventLog.events).toEqual([]);
    expect(ops.runs.calls.at(-1)).toBe(`deleteRun:${RUN_ID}`);
  });

  it('adds tags and reads run groups from storage', async () => {
    const ops = fakeOps();
    await addRun(ops, new DagsterRun({ jobName: 'etl', runId: RUN_ID, tags: { a: '1' } }));
    await addRunTags(ops, RUN_ID, { b: '2' });
    expect((await getRunById(ops, RUN_ID))?.tags).toEqual({ a: '1', b: '2' });
    const [root, runs] = (await getRunGroup(ops, RUN_ID))!;
    expect([root, runs.map((r) => r.runId)]).toEqual([RUN_ID, [RUN_ID]]);
    await expect(addRunTags(ops, 'missing', {})).rejects.toThrow(RunNotFoundError);
  });

  it("forwards the arguments of the pass-through queries in Dagster's order", async () => {
    const calls: [string, unknown[]][] = [];
    const spy = (name: string) => async (...args: unknown[]) => {
      calls.push([name, args]);
      return [];
    };
    const storage = { getRunRecords: spy('getRunRecords'), getRuns: spy('getRuns'), getRunIds: spy('getRunIds'), getStepStatsForRun: spy('getStepStatsForRun') };
    const ops = fakeOps({ runStorage: storage as unknown as RunStorage, eventLogStorage: storage as unknown as EventLogStorage });
    const filter = new RunsFilter({ jobName: 'etl' });
    await getRunRecords(ops, filter, 5, 'update_timestamp', true, 'c1');
    await getRuns(ops, filter, 'c2', 3);
    await getRunIds(ops, undefined, 'c3', 1);
    await getRunStepStats(ops, RUN_ID, ['a']);
    expect(calls).toEqual([
      ['getRunRecords', [filter, 5, 'update_timestamp', true, 'c1', undefined]],
      ['getRuns', [filter, 'c2', 3, undefined, false]],
      ['getRunIds', [undefined, 'c3', 1]],
      ['getStepStatsForRun', [RUN_ID, ['a']]],
    ]);
  });
});

describe('snapshots', () => {
  it('stores snapshots by content id and loads a subset job with its parent', async () => {
    const ops = fakeOps();
    await addSnapshot(ops, JOB);
    expect(await hasSnapshot(ops, JOB_ID)).toBe(true);
    expect(await hasJobSnapshot(ops, JOB_ID)).toBe(true);
    const subset = new JobSnapshot({ name: 'etl', tags: {}, modeDefSnaps: [], graphDefName: 'etl', lineageSnapshot: new JobLineageSnapshot({ parentSnapshotId: JOB_ID }) });
    const subsetId = createJobSnapshotId(subset);
    await addSnapshot(ops, subset);

    const historical = await getHistoricalJob(ops, subsetId);
    expect(historical.name).toBe('etl');
    expect(historical.identifyingJobSnapshotId).toBe(subsetId);
    expect(historical.jobSnapshot).toBe(subset);
    expect(historical.parentJobSnapshot).toBe(JOB);
    expect((await getHistoricalJob(ops, JOB_ID)).parentJobSnapshot).toBeNull();
    expect(await hasHistoricalJob(ops, 'nope')).toBe(false);
    await expect(getHistoricalJob(ops, 'nope')).rejects.toThrow(SnapshotNotFoundError);
  });
});

describe('registerManagedRun', () => {
  const register = (ops: ReturnType<typeof fakeOps>, tags: Record<string, string> = { airflow: 'dag' }) =>
    registerManagedRun(ops, 'etl', RUN_ID, { a: 1 }, null, null, tags, null, null, JOB, plan([step('a')]), null);

  it('adds a MANAGED run with its snapshots, then returns it again', async () => {
    const ops = fakeOps();
    const run = await register(ops);
    expect(run.status).toBe(DagsterRunStatus.MANAGED);
    expect(run.jobSnapshotId).toBe(JOB_ID);
    expect(run.executionPlanSnapshotId).not.toBeNull();
    const again = await register(ops);
    expect(again).toBe(run);
    expect(ops.runs.calls.filter((c) => c.startsWith('addRun'))).toHaveLength(1);
  });

  it('throws RunConflictError naming the fields that differ', async () => {
    const ops = fakeOps();
    await register(ops);
    const error = await register(ops, { airflow: 'other' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunConflictError);
    const conflict = error as RunConflictError;
    expect(conflict.code).toBe('RUN_ALREADY_EXISTS');
    expect(conflict.runId).toBe(RUN_ID);
    expect(Object.keys(conflict.fieldDiff)).toEqual(['tags']);
    expect(conflict.message).toBe(
      `Found conflicting existing run with same id ${RUN_ID}. Runs differ in:\n    tags:\n        Expected: {"airflow": "other"}\n        Received: {"airflow": "dag"}`,
    );
  });

  it('reads the winner back when another process adds the run first', async () => {
    const ops = fakeOps();
    const first = await register(fakeOps());
    ops.runs.raceWith = first;
    const run = await register(ops);
    expect(run).toBe(first);
  });
});

describe('lifecycle reports', () => {
  it('reports canceling, canceled and failed runs with Dagster messages and levels', async () => {
    const ops = fakeOps();
    const run = await addRun(ops, new DagsterRun({ jobName: 'etl', runId: RUN_ID, status: DagsterRunStatus.STARTED }));

    await reportRunCanceling(ops, run);
    expect((await getRunById(ops, RUN_ID))?.status).toBe(DagsterRunStatus.CANCELING);
    const canceled = await reportRunCanceled(ops, run, 'stopped by user');
    const failureData = new JobFailureData({ error: null, failureReason: RunFailureReason.RUN_EXCEPTION });
    const failed = await reportRunFailed(ops, run, undefined, failureData);

    expect(ops.reported.map(([event, runId, level]) => [event.eventTypeValue, event.message, runId, level])).toEqual([
      ['PIPELINE_CANCELING', 'Sending run termination request.', RUN_ID, undefined],
      ['PIPELINE_CANCELED', 'stopped by user', RUN_ID, 40],
      ['PIPELINE_FAILURE', 'This run has been marked as failed from outside the execution context.', RUN_ID, 40],
    ]);
    expect(canceled.eventType).toBe(DagsterEventType.RUN_CANCELED);
    expect(failed.jobFailureData).toBe(failureData);
    expect((await getRunById(ops, RUN_ID))?.status).toBe(DagsterRunStatus.FAILURE);

    const defaultCanceled = await reportRunCanceled(ops, run);
    expect(defaultCanceled.message).toBe('This run has been marked as canceled from outside the execution context.');
    expect(shouldStartBackgroundRunThread(ops)).toBe(false);
  });
});

describe('runDomain', () => {
  it('binds the run domain functions to one ops', async () => {
    const ops = fakeOps();
    const domain = runDomain(ops);
    const run = await domain.createRun({ jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: plan([step('a')]) });
    expect(ops.runs.runs.get(run.runId)).toBe(run);
    expect(await domain.ensurePersistedJobSnapshot(JOB)).toBe(JOB_ID);
    const managed = await domain.registerManagedRun('etl', RUN_ID, null, null, null, {}, null, null, null, null, null);
    expect(managed.status).toBe(DagsterRunStatus.MANAGED);
    expect(Object.isFrozen(domain)).toBe(true);
  });
});
