import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inst, makeHome } from './support';
import type { RunJson } from '@inst/core';

/*
 * The verbs that reach user code through @inst/code-location: the code location (test/fixtures/defs.ts) runs in a
 * code server child process and each run in its own run worker process. These spawn bin/inst.js itself.
 */

const DEFS = fileURLToPath(new URL('./fixtures/defs.ts', import.meta.url));
const home = makeHome('code');
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function json<T>(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; doc: T; stderr: string }> {
  const result = await inst(['--home', home, ...args, '--json'], { bin: true, env });
  return { code: result.code, doc: (result.stdout.trim() ? JSON.parse(result.stdout) : null) as T, stderr: result.stderr };
}

/** What `--json` prints for a run (re-execution adds the steps it runs). */
type RunDoc = RunJson & { stepKeysToExecute?: string[] | null };

describe('verbs with code locations', () => {
  it('lists jobs, previews a schedule and a sensor, lists and starts them from the code', async () => {
    const [jobs, schedule, sensor] = await Promise.all([
      json<{ jobs: { jobName: string; partitioned: boolean }[] }>(['job', 'list', '-f', DEFS]),
      json<{ runRequests: { tags?: Record<string, string> }[]; error: string | null }>(['schedule', 'preview', 'etl_hourly', '-f', DEFS]),
      json<{ runRequests: { runKey: string }[]; cursor: string }>(['sensor', 'preview', 'new_files', '-f', DEFS, '--cursor', '41']),
    ]);
    expect(jobs.doc.jobs.map((j) => [j.jobName, j.partitioned])).toEqual([
      ['etl', false],
      ['flaky', false],
      ['by_region', true],
    ]);
    expect(schedule.doc.error).toBeNull();
    expect(schedule.doc.runRequests).toHaveLength(1);
    expect(schedule.doc.runRequests[0]!.tags?.tick).toMatch(/^\d+$/);
    expect(sensor.doc).toMatchObject({ runRequests: [{ runKey: 'file-42' }], cursor: '42' });

    // Schedules and sensors from the code, started from the code (no stored state before).
    const [schedules, started] = await Promise.all([
      json<{ schedules: { name: string; status: string; cronSchedule: string; location: string }[] }>(['schedule', 'list', '-f', DEFS]),
      json<{ name: string; status: string; minInterval: number }>(['sensor', 'start', 'new_files', '-f', DEFS]),
    ]);
    expect(schedules.doc.schedules).toEqual([expect.objectContaining({ name: 'etl_hourly', status: 'STOPPED', cronSchedule: '0 * * * *', location: 'defs' })]);
    expect(started.doc).toMatchObject({ name: 'new_files', status: 'RUNNING', minInterval: 60 });
    const sensors = await json<{ sensors: { name: string; status: string }[] }>(['sensor', 'list', '-f', DEFS, '--running']);
    expect(sensors.doc.sensors).toEqual([expect.objectContaining({ name: 'new_files', status: 'RUNNING' })]);
  });

  it('executes a job in a run worker (exit 1 when it fails), re-executes it from failure, launches and backfills', async () => {
    const failed = await json<RunDoc>(['job', 'execute', '-f', DEFS, '-j', 'flaky', '--tag', 'team=data'], { CLI_FIXTURE_FAIL: '1' });
    expect(failed.code).toBe(1);
    expect(failed.doc).toMatchObject({ jobName: 'flaky', status: 'FAILURE', tags: { team: 'data' } });
    expect(failed.stderr).toMatch(/^inst: RUN_FAILED: run .* of flaky ended FAILURE$/m);

    const [retry, ok, launched, backfill, badPartition] = await Promise.all([
      json<RunDoc>(['run', 'reexecute', failed.doc.runId, '--from-failure']),
      json<RunDoc>(['job', 'execute', '-f', DEFS, '-j', 'etl']),
      json<RunDoc>(['job', 'launch', '-f', DEFS, '-j', 'etl']),
      json<{ backfillId: string; partitionNames: string[] }>(['job', 'backfill', '-f', DEFS, '-j', 'by_region', '--partitions', 'eu,apac']),
      inst(['--home', home, 'job', 'backfill', '-f', DEFS, '-j', 'by_region', '--partitions', 'mars'], { bin: true }),
    ]);
    // Re-executed from the code location the failed run records, only the failed step, queued by the coordinator.
    expect(retry.code).toBe(0);
    expect(retry.doc).toMatchObject({ jobName: 'flaky', parentRunId: failed.doc.runId, rootRunId: failed.doc.runId, stepKeysToExecute: ['second'], status: 'QUEUED' });
    expect(retry.doc.tags).toMatchObject({ team: 'data', 'dagster/parent_run_id': failed.doc.runId, 'dagster/is_resume_retry': 'true' });
    expect(retry.doc.tags['dagster/failure_reason']).toBeUndefined();
    expect(ok.code).toBe(0);
    expect(ok.doc.status).toBe('SUCCESS');
    expect(launched.doc.status).toBe('QUEUED');
    expect(backfill.doc.partitionNames).toEqual(['eu', 'apac']);
    expect(badPartition.code).toBe(2);

    const listed = await inst(['--home', home, 'backfill', 'show', backfill.doc.backfillId, '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({ backfillId: backfill.doc.backfillId, status: 'REQUESTED', jobName: 'by_region' });
  });
});
