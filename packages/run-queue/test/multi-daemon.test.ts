// Two daemon processes on one database, 200 queued runs: each run launched exactly once, no limit exceeded.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DagsterEventType, DagsterRunStatus, RunsFilter, type DagsterRun } from '@inst/types';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, finishRun, inFlightHighWater, launchRecords, runChild, submitRun, testHome, waitFor, type TestHome } from './support';

describe.each(BACKENDS)('two queue daemon processes on %s', (backend) => {
  let home: TestHome | undefined;
  afterAll(async () => home?.dispose());

  it('launch each of 200 queued runs exactly once, under max_concurrent_runs and a tag limit', { timeout: 400_000 }, async () => {
    home = await testHome(backend, {
      run_queue: { max_concurrent_runs: 20, tag_concurrency_limits: [{ key: 'team', value: 'a', limit: 5 }] },
    });
    const { instance } = home;
    const runs: DagsterRun[] = [];
    for (let i = 0; i < 200; i++) runs.push(await submitRun(instance, { team: i % 3 === 0 ? 'a' : 'b' }));
    const stopFile = join(home.home, 'stop');
    const daemons = [runChild('queue-daemon-child.ts', [home.home, stopFile]), runChild('queue-daemon-child.ts', [home.home, stopFile])];

    // The test plays the run workers: every run the daemons start is finished at the next look (all of them, so
    // the daemons claim several runs per iteration instead of one slot at a time). A run that can no longer reach
    // SUCCESS, or a daemon that exited, fails the test at once with what the daemons printed, instead of after the
    // bound; the bound's error says where the runs were.
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const status of [DagsterRunStatus.QUEUED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]) {
        out[status] = await instance.getRunsCount(new RunsFilter({ statuses: [status] }));
      }
      return out;
    };
    const daemonOutput = () => daemons.map((d, i) => `daemon ${i} (exit ${d.child.exitCode}):\n${d.stderr()}`).join('\n');
    try {
      await waitFor(async () => {
        const exited = daemons.find((d) => d.child.exitCode !== null || d.child.signalCode !== null);
        if (exited) throw new Error(`a daemon process exited early\n${daemonOutput()}`);
        const lost = await instance.getRuns(new RunsFilter({ statuses: [DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED] }), undefined, 5);
        if (lost.length > 0) {
          const why = await Promise.all(lost.map(async (run) => `${run.runId} ${run.status}: ${(await instance.allLogs(run.runId, DagsterEventType.ENGINE_EVENT)).map((e) => e.message).join(' | ')}`));
          throw new Error(`runs that will never succeed:\n${why.join('\n')}\n${daemonOutput()}`);
        }
        const starting = await instance.getRuns(new RunsFilter({ statuses: [DagsterRunStatus.STARTING] }));
        for (const run of starting) await finishRun(instance, run.runId);
        return (await instance.getRunsCount(new RunsFilter({ statuses: [DagsterRunStatus.SUCCESS] }))) === 200;
      }, 'all 200 runs to finish', 300_000);
    } catch (error) {
      writeFileSync(stopFile, '');
      for (const d of daemons) d.child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\nruns by status: ${JSON.stringify(await counts())}\n${daemonOutput()}`, { cause: error });
    }
    writeFileSync(stopFile, '');
    const results = await Promise.all(daemons.map((d) => d.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const reports = results.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as { pid: number; launched: string[] });
    // Anything a daemon process reported (an iteration that threw) shows with a failure below.
    const stderr = results.map((r) => r.stderr).join('\n');

    // Every run launched once: one PIPELINE_STARTING, one launch record, by one of the two daemon processes.
    const { max, maxPerTag, startings } = await inFlightHighWater(instance, runs, 'team');
    expect(startings.size, stderr).toBe(200);
    expect([...startings.values()].every((n) => n === 1), stderr).toBe(true);
    const records = await launchRecords(instance, runs.map((r) => r.runId));
    const pids = new Set(reports.map((r) => String(r.pid)));
    for (const [runId, launchedBy] of records) {
      expect(launchedBy, `${runId}\n${stderr}`).toHaveLength(1);
      expect(pids.has(launchedBy[0]!)).toBe(true);
    }
    const all = reports.flatMap((r) => r.launched);
    expect(all, stderr).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    // The limits held across both processes.
    expect(max).toBeLessThanOrEqual(20);
    expect(maxPerTag.get('a')).toBeLessThanOrEqual(5);
  });
});
