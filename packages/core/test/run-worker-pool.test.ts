/*
 * The child-process run launcher's spare worker pool and termination through storage (owner: queue, issue 13):
 * real run worker processes on a real SQLite home. A terminate from "another host" (a launcher whose host name
 * is not the worker's, in another OS process) cannot signal the worker: the worker sees its run CANCELING and
 * stops itself.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildProcessCodeLocation, ChildProcessRunLauncher, createRunForLocationJob, processIsAlive, runWorkerOf } from '@inst/code-location';
import { DagsterEventType, DagsterRunStatus, type DagsterRun } from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';
import { BOUND_MS, runScript, until } from './processes';

const locationDir = fileURLToPath(new URL('../../code-location/test/fixtures/jobs/', import.meta.url));
describe('ChildProcessRunLauncher: spare workers and termination through storage', () => {
  let home: string;
  let instance: Instance;
  let launcher: ChildProcessRunLauncher;
  let location: ChildProcessCodeLocation;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-worker-pool-'));
    // Launch at submit, the child-process launcher with a pool of two spare workers.
    const config = {
      run_coordinator: { module: 'dagster.core.run_coordinator', class: 'DefaultRunCoordinator' },
      run_launcher: { module: 'dagster.core.launcher', class: 'ChildProcessRunLauncher', config: { spare_workers: 2, terminate_grace_period_seconds: 30 } },
    };
    writeFileSync(join(home, 'dagster.yaml'), JSON.stringify(config)); // JSON is YAML
    instance = await Instance.fromConfig(home);
    launcher = instance.runLauncher as ChildProcessRunLauncher;
    expect(launcher).toBeInstanceOf(ChildProcessRunLauncher);
    location = new ChildProcessCodeLocation({ locationName: 'jobs', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir }, { output: 'ignore' });
  });

  afterAll(async () => {
    for (const pid of launcher.activeWorkers.values()) if (pid > 0) process.kill(pid, 'SIGKILL');
    await launcher.join(BOUND_MS);
    await location.dispose();
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }, BOUND_MS + 30_000);

  async function finished(runId: string): Promise<DagsterRun> {
    return until(`run ${runId} to finish`, async () => {
      const run = await instance.getRunById(runId);
      return run?.isFinished ? run : null;
    });
  }

  it('keeps spare_workers spares after the first launch; each runs one run and is replaced; a spare that dies is replaced', async () => {
    expect(launcher.spareWorkers).toEqual([]); // nothing is started before the first launch
    const first = await createRunForLocationJob(instance, location, 'quick_job');
    await instance.submitRun(first.runId);
    expect((await finished(first.runId)).status).toBe(DagsterRunStatus.SUCCESS);
    expect(launcher.spareWorkers).toHaveLength(2);
    const spares = [...launcher.spareWorkers];

    // Two launches in a row: both run in the spares started before them, and the pool is topped up again.
    const runs = [await createRunForLocationJob(instance, location, 'quick_job'), await createRunForLocationJob(instance, location, 'quick_job')];
    for (const run of runs) await instance.submitRun(run.runId);
    const pids = [];
    for (const run of runs) {
      const done = await finished(run.runId);
      expect(done.status).toBe(DagsterRunStatus.SUCCESS);
      pids.push(runWorkerOf(done.tags)!.pid);
    }
    expect(pids.sort()).toEqual([...spares].sort());
    expect(launcher.spareWorkers).toHaveLength(2);
    expect(launcher.spareWorkers.some((pid) => spares.includes(pid))).toBe(false);

    // A spare killed while it waits leaves the pool and is replaced; launches still work.
    const [victim] = launcher.spareWorkers;
    // Once it is ready (it has the instance open), so its death is that of a working spare.
    await until('the spare to be ready', () => launcher.readySpareWorkers.includes(victim!));
    process.kill(victim!, 'SIGKILL');
    await until('the dead spare to be replaced', () => !launcher.spareWorkers.includes(victim!) && launcher.spareWorkers.length === 2);
    expect(processIsAlive(victim!)).toBe(false);
    const after = await createRunForLocationJob(instance, location, 'quick_job');
    await instance.submitRun(after.runId);
    const done = await finished(after.runId);
    expect(done.status).toBe(DagsterRunStatus.SUCCESS);
    expect(runWorkerOf(done.tags)!.pid).not.toBe(victim);
  });

  it('terminates a run from another process on "another host": the worker sees RUN_CANCELING in storage and ends the run CANCELED', async () => {
    const log = join(home, 'remote-terminate.log');
    const run = await createRunForLocationJob(instance, location, 'two_steps', {
      runConfig: { ops: { first: { config: { log } }, second: { config: { log, release: join(home, 'never') } } } },
    });
    await instance.submitRun(run.runId);
    await until('the blocking step to start', () => existsSync(log) && readFileSync(log, 'utf8').includes('second started'));
    const worker = runWorkerOf((await instance.getRunById(run.runId))!.tags)!;

    // Another OS process, with a launcher that believes it runs on another host: it cannot use the pid.
    const output = await runScript(
      join(home, 'remote-terminate.mts'),
      [
        `import { Instance } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};`,
        `import { ChildProcessRunLauncher } from ${JSON.stringify(new URL('../../code-location/src/index.ts', import.meta.url).href)};`,
        `const instance = await Instance.fromConfig(${JSON.stringify(home)});`,
        `const launcher = new ChildProcessRunLauncher({ host: 'another-host', instance });`,
        `const ok = await launcher.terminate(${JSON.stringify(run.runId)});`,
        'await instance.dispose();',
        'process.stdout.write(JSON.stringify({ ok }));',
      ].join('\n'),
    );
    expect(JSON.parse(output)).toEqual({ ok: true });

    const done = await finished(run.runId);
    expect(done.status).toBe(DagsterRunStatus.CANCELED);
    await until('the worker to exit', () => !processIsAlive(worker.pid));
    const events = await instance.allLogs(run.runId);
    const types = events.map((e) => e.dagsterEvent?.eventTypeValue).filter(Boolean);
    const canceling = types.indexOf(DagsterEventType.RUN_CANCELING);
    expect(canceling).toBeGreaterThan(types.indexOf(DagsterEventType.RUN_START));
    expect(types.indexOf(DagsterEventType.RUN_CANCELED)).toBeGreaterThan(canceling);
    // The worker wrote RUN_CANCELED itself (the terminator could not): it stopped its step and exited.
    expect(readFileSync(log, 'utf8')).toContain(`second canceled ${worker.pid}`);
    expect(events.map((e) => e.message)).toContain(`Process for run exited (pid: ${worker.pid}).`);
    expect(events.some((e) => e.message.includes('runs on host') && e.message.includes(`pid ${worker.pid}`))).toBe(true);
  });
});
