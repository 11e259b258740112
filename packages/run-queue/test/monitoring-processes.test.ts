/*
 * Run monitoring with real run workers (the child-process launcher): a worker SIGKILLed mid-run is detected by the
 * monitoring iteration and the run resumed in a new worker that skips the step already done; killed again with the
 * attempts used up, the run fails with Dagster's message. On SQLite and Postgres.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DagsterEventType, DagsterRunStatus } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { runMonitoringIteration } from '../src/index';
import { BACKENDS, testHome, waitFor, type TestHome } from './support';

// @inst/code-location is not a dependency of this package (it sits above it); its sources are imported by path.
const codeLocation = (await import(new URL('../../code-location/src/index.ts', import.meta.url).href)) as typeof import('../../code-location/src/index');
const locationDir = fileURLToPath(new URL('../../code-location/test/fixtures/jobs/', import.meta.url));

describe.each(BACKENDS)('run monitoring of real run workers on %s', (backend) => {
  let home: TestHome | undefined;
  afterEach(async () => {
    await home?.dispose();
    home = undefined;
  });

  it('resumes a SIGKILLed worker without re-running the done step, then fails the run once max_resume_run_attempts is used up', { timeout: 300_000 }, async () => {
    home = await testHome(backend, {
      run_coordinator: { module: 'dagster.core.run_coordinator', class: 'DefaultRunCoordinator' },
      run_launcher: { module: 'dagster.core.launcher', class: 'ChildProcessRunLauncher', config: { spare_workers: 0 } },
      run_monitoring: { enabled: true, max_resume_run_attempts: 1, start_timeout_seconds: 0 },
    });
    const { instance } = home;
    const location = new codeLocation.ChildProcessCodeLocation({ locationName: 'jobs', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir }, { output: 'ignore' });
    try {
      const log = join(home.home, 'steps.log');
      const runConfig = { ops: { first: { config: { log } }, second: { config: { log, release: join(home.home, 'never') } } } };
      const run = await codeLocation.createRunForLocationJob(instance, location, 'two_steps', { runConfig });
      await instance.submitRun(run.runId);
      const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
      const workerOf = async () => codeLocation.runWorkerOf((await instance.getRunById(run.runId))!.tags)!;

      await waitFor(() => lines().some((line) => line.startsWith('second started')), 'the blocking step to start');
      const first = await workerOf();
      process.kill(first.pid, 'SIGKILL');
      await waitFor(() => !codeLocation.processIsAlive(first.pid), 'the first worker to die');
      await runMonitoringIteration(instance);
      const resumeNotes = (await instance.allLogs(run.runId, DagsterEventType.ENGINE_EVENT)).map((e) => e.message).filter((m) => m.startsWith('Detected run worker status'));
      expect(resumeNotes).toEqual([expect.stringMatching(new RegExp(`^Detected run worker status FAILED: .*Resuming run ${run.runId} with a new worker\\.$`))]);
      await waitFor(() => lines().filter((line) => line.startsWith('second started')).length === 2, 'the resumed worker to reach the blocking step');
      const second = await workerOf();
      expect(second.pid).not.toBe(first.pid);
      expect(lines()).toEqual([`first ran ${first.pid}`, `second started ${first.pid}`, `second started ${second.pid}`]);
      expect(await instance.countResumeRunAttempts(run.runId)).toBe(1);

      process.kill(second.pid, 'SIGKILL');
      await waitFor(() => !codeLocation.processIsAlive(second.pid), 'the second worker to die');
      await runMonitoringIteration(instance);
      const failed = await instance.getRunById(run.runId);
      expect(failed?.status).toBe(DagsterRunStatus.FAILURE);
      expect(await instance.countResumeRunAttempts(run.runId)).toBe(1);
      const events = await instance.allLogs(run.runId);
      expect(events.filter((e) => e.dagsterEvent?.eventTypeValue === DagsterEventType.RUN_START)).toHaveLength(1);
      expect(events.filter((e) => e.dagsterEvent?.eventTypeValue === DagsterEventType.STEP_SUCCESS && e.dagsterEvent?.stepKey === 'first')).toHaveLength(1);
      expect(events.filter((e) => e.dagsterEvent?.eventTypeValue === DagsterEventType.RUN_FAILURE).map((e) => e.message)).toEqual([
        expect.stringMatching(new RegExp(`^Detected run worker status FAILED: .*pid ${second.pid}.*Marking run ${run.runId} as failed, because it has surpassed the configured maximum attempts to resume the run: 1\\.$`)),
      ]);
    } finally {
      await location.dispose();
    }
  });
});
