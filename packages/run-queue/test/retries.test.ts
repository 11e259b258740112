import { DagsterEventType, DagsterRunStatus, JobFailureData, RunFailureReason, RunsFilter, type DagsterRun } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { getNewCursor, runQueueIteration, runRetriesIteration } from '../src/index';
import { BACKENDS, runChild, submitRunWithPlan, testHome, type TestHome } from './support';
import type { Instance } from '@inst/core';

const RETRIES = { run_retries: { enabled: true, max_retries: 2 }, run_queue: { max_concurrent_runs: -1 } };
const CURSOR_KEYS = ['EVENT_LOG_CONSUMER_CURSOR-PIPELINE_FAILURE', 'EVENT_LOG_CONSUMER_CURSOR-PIPELINE_SUCCESS'];

async function failRun(instance: Instance, run: DagsterRun, data?: JobFailureData): Promise<DagsterRun> {
  await runQueueIteration(instance);
  await instance.reportRunFailed((await instance.getRunById(run.runId))!, undefined, data);
  return (await instance.getRunById(run.runId))!;
}

async function childrenOf(instance: Instance, runId: string): Promise<DagsterRun[]> {
  return instance.getRuns(new RunsFilter({ tags: { 'dagster/parent_run_id': runId } }));
}

it('getNewCursor follows Dagster', () => {
  expect(getNewCursor(5, 20, 10, [])).toBe(20);
  expect(getNewCursor(5, 20, 3, [6, 7, 8])).toBe(8);
  expect(getNewCursor(5, 20, 10, [6, 9])).toBe(20);
  expect(getNewCursor(5, null, 10, [])).toBe(5);
});

describe.each(BACKENDS)('automatic run retries on %s', (backend) => {
  let home: TestHome | undefined;
  afterEach(async () => {
    await home?.dispose();
    home = undefined;
  });

  it('retries a failed run up to max_retries, linked as Dagster links it, each retry created once', async () => {
    home = await testHome(backend, RETRIES);
    const { instance } = home;
    expect(instance.getRequiredDaemonTypes()).toContain('EVENT_LOG_CONSUMER');
    // The first iteration starts the cursors at the end of the log (history is never retried).
    await runRetriesIteration(instance);
    const cursors = await instance.daemonCursorStorage.getCursorValues(CURSOR_KEYS);
    expect([...cursors.keys()].sort()).toEqual(CURSOR_KEYS);

    const original = await failRun(instance, await submitRunWithPlan(instance, { owner: 'team-a' }), new JobFailureData({ error: null, failureReason: RunFailureReason.RUN_EXCEPTION }));
    expect(original.tags['dagster/failure_reason']).toBe('RUN_EXCEPTION');
    expect(original.tags['dagster/will_retry']).toBe('true');
    const first = await runRetriesIteration(instance);
    expect(first.retries).toHaveLength(1);
    expect(await runRetriesIteration(instance)).toEqual({ failedRuns: [], retries: [] });
    const [retry1] = await childrenOf(instance, original.runId);
    expect(retry1).toBeDefined();
    expect(retry1!.status).toBe(DagsterRunStatus.QUEUED);
    expect(retry1!.tags).toMatchObject({
      'dagster/parent_run_id': original.runId,
      'dagster/root_run_id': original.runId,
      'dagster/retry_number': '1',
      'dagster/is_resume_retry': 'true',
      owner: 'team-a',
    });
    expect(retry1!.parentRunId).toBe(original.runId);
    expect(retry1!.rootRunId).toBe(original.runId);
    expect(retry1!.tags['dagster/will_retry']).toBeUndefined();
    // Dagster's TAGS_TO_MAYBE_OMIT_ON_RETRY: the parent's failure reason is not copied by use_parent_run_tags.
    expect(retry1!.tags['dagster/failure_reason']).toBeUndefined();
    // The retry re-executes the parent's stored snapshots: the same job snapshot, the parent plan's steps.
    expect(retry1!.jobSnapshotId).toBe(original.jobSnapshotId);
    const retryPlan = await instance.getExecutionPlanSnapshot(retry1!.executionPlanSnapshotId!);
    const parentPlan = await instance.getExecutionPlanSnapshot(original.executionPlanSnapshotId!);
    expect(retryPlan.jobSnapshotId).toBe(parentPlan.jobSnapshotId);
    expect(retryPlan.steps.map((step) => step.key)).toEqual(parentPlan.steps.map((step) => step.key));
    expect((await instance.getRunById(original.runId))!.tags['dagster/auto_retry_run_id']).toBe(retry1!.runId);
    expect((await instance.allLogs(original.runId, DagsterEventType.ENGINE_EVENT)).map((e) => e.message)).toContain('Retrying the run');
    expect((await instance.allLogs(retry1!.runId, DagsterEventType.ENGINE_EVENT)).map((e) => e.message)).toContain('Launched as an automatic retry');

    await failRun(instance, retry1!);
    await runRetriesIteration(instance);
    const [retry2] = await childrenOf(instance, retry1!.runId);
    expect(retry2!.tags).toMatchObject({ 'dagster/parent_run_id': retry1!.runId, 'dagster/root_run_id': original.runId, 'dagster/retry_number': '2' });

    // The group now holds 3 runs: max_retries 2 is used up.
    const last = await failRun(instance, retry2!);
    expect(last.tags['dagster/will_retry']).toBe('false');
    expect((await runRetriesIteration(instance)).retries).toEqual([]);
    expect(await childrenOf(instance, retry2!.runId)).toEqual([]);
  });

  it('follows dagster/max_retries and dagster/retry_strategy ALL_STEPS', async () => {
    home = await testHome(backend, { ...RETRIES, run_retries: { enabled: true, max_retries: 0 } });
    const { instance } = home;
    await runRetriesIteration(instance);
    const none = await failRun(instance, await submitRunWithPlan(instance));
    const tagged = await failRun(instance, await submitRunWithPlan(instance, { 'dagster/max_retries': '1', 'dagster/retry_strategy': 'ALL_STEPS' }));
    await runRetriesIteration(instance);
    expect(await childrenOf(instance, none.runId)).toEqual([]);
    const [retry] = await childrenOf(instance, tagged.runId);
    expect(retry?.tags['dagster/retry_number']).toBe('1');
    expect(retry?.tags['dagster/is_resume_retry']).toBeUndefined();
  });

  it('creates a retry exactly once across a daemon killed mid-iteration, its restart, and two daemons at once', { timeout: 120_000 }, async () => {
    home = await testHome(backend, RETRIES);
    const { instance } = home;
    await runRetriesIteration(instance);
    const before = await instance.daemonCursorStorage.getCursorValues(CURSOR_KEYS);
    const failed = await failRun(instance, await submitRunWithPlan(instance));

    // A daemon process dies right after creating the retry: nothing else (tag, submit, cursors) happened.
    const crashed = await runChild('retries-daemon-child.ts', [home.home, 'RETRY_CREATED']).done;
    expect(crashed.code, crashed.stderr).toBe(3);
    let children = await childrenOf(instance, failed.runId);
    expect(children).toHaveLength(1);
    expect(children[0]!.status).toBe(DagsterRunStatus.NOT_STARTED);
    expect(await instance.daemonCursorStorage.getCursorValues(CURSOR_KEYS)).toEqual(before);

    // Restarted, it reads the same failure again, finds the retry it made, tags and submits it: no second retry.
    const restarted = await runChild('retries-daemon-child.ts', [home.home]).done;
    expect(restarted.code, restarted.stderr).toBe(0);
    children = await childrenOf(instance, failed.runId);
    expect(children).toHaveLength(1);
    expect(children[0]!.status).toBe(DagsterRunStatus.QUEUED);
    expect((await instance.getRunById(failed.runId))!.tags['dagster/auto_retry_run_id']).toBe(children[0]!.runId);
    expect(await instance.daemonCursorStorage.getCursorValues(CURSOR_KEYS)).not.toEqual(before);

    // Two daemon processes at once on a new failure: one retry.
    const another = await failRun(instance, await submitRunWithPlan(instance));
    const both = await Promise.all([runChild('retries-daemon-child.ts', [home.home]).done, runChild('retries-daemon-child.ts', [home.home]).done]);
    for (const r of both) expect(r.code, r.stderr).toBe(0);
    expect(await childrenOf(instance, another.runId)).toHaveLength(1);
    const made = both.flatMap((r) => (JSON.parse(r.stdout.trim().split('\n').pop()!) as { retries: [string, string][] }).retries);
    expect(made).toHaveLength(1);
  });
});
