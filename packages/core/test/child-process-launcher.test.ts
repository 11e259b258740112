/*
 * The child-process run launcher end to end (owner: codeloc): real run worker processes on a real SQLite home,
 * the job loaded from a TypeScript code location with no build step; and one run on Postgres.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildProcessCodeLocation, ChildProcessRunLauncher, createRunForLocationJob, jobCodeOrigin, remoteJobOrigin, runWorkerOf } from '@inst/code-location';
import { DagsterEventType, DagsterRunStatus, type DagsterRun } from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, pgAvailable, type ScratchDatabase } from '@inst/storage-postgres/testing';
import { Instance } from '../src/index';
import { BOUND_MS, runScript, until } from './processes';

const locationDir = fileURLToPath(new URL('../../code-location/test/fixtures/jobs/', import.meta.url));
describe('ChildProcessRunLauncher on a SQLite home', () => {
  let home: string;
  let instance: Instance;
  let location: ChildProcessCodeLocation;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-child-launcher-'));
    writeFileSync(
      join(home, 'dagster.yaml'),
      [
        'run_coordinator:',
        '  module: dagster.core.run_coordinator',
        '  class: DefaultRunCoordinator',
        'run_launcher:',
        // Dagster's default launcher is the child-process launcher here.
        '  module: dagster.core.launcher',
        '  class: DefaultRunLauncher',
        '  config:',
        '    terminate_grace_period_seconds: 30',
        '',
      ].join('\n'),
    );
    instance = await Instance.fromConfig(home);
    expect(instance.runLauncher).toBeInstanceOf(ChildProcessRunLauncher);
    location = new ChildProcessCodeLocation({ locationName: 'jobs', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir }, { output: 'ignore' });
  });

  afterAll(async () => {
    const launcher = instance.runLauncher as ChildProcessRunLauncher;
    // A failed test may leave a worker blocked: stop it rather than wait.
    for (const pid of launcher.activeWorkers.values()) if (pid > 0) process.kill(pid, 'SIGKILL');
    await launcher.join(BOUND_MS);
    await location.dispose();
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }, BOUND_MS + 30_000);

  function traceConfig(log: string, release?: string): Record<string, unknown> {
    return { ops: { first: { config: { log } }, second: { config: { log, ...(release ? { release } : {}) } } } };
  }

  async function finished(runId: string): Promise<DagsterRun> {
    return until(`run ${runId} to finish`, async () => {
      const run = await instance.getRunById(runId);
      return run?.isFinished ? run : null;
    });
  }

  it('executes a run in its own OS process, with both snapshots and Dagster origins', async () => {
    const log = join(home, 'quick.log');
    const run = await createRunForLocationJob(instance, location, 'two_steps', { runConfig: traceConfig(log) });
    expect(run.jobSnapshotId).not.toBeNull();
    expect(run.executionPlanSnapshotId).not.toBeNull();
    expect(run.remoteJobOrigin?.locationName).toBe('jobs');
    expect(run.jobCodeOrigin?.repositoryOrigin.codePointer).toMatchObject({ pythonFile: join(locationDir, 'defs.ts') });

    await instance.submitRun(run.runId);
    const done = await finished(run.runId);
    expect(done.status).toBe(DagsterRunStatus.SUCCESS);
    const worker = runWorkerOf(done.tags);
    expect(worker).not.toBeNull();
    expect(worker!.pid).not.toBe(process.pid);
    // The steps ran in the worker's process.
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toEqual([`first ran ${worker!.pid}`, `second started ${worker!.pid}`, `second done ${worker!.pid}`]);
    const types = (await instance.allLogs(run.runId)).map((e) => e.dagsterEvent?.eventTypeValue).filter(Boolean);
    expect(types[0]).toBe(DagsterEventType.RUN_STARTING);
    expect(types).toContain(DagsterEventType.RUN_START);
    expect(types.at(-1)).toBe(DagsterEventType.ENGINE_EVENT);
    const messages = (await instance.allLogs(run.runId)).map((e) => e.message);
    expect(messages).toContain(`Started process for run (pid: ${worker!.pid}).`);
    expect(messages).toContain(`Process for run exited (pid: ${worker!.pid}).`);
    expect(await instance.runLauncher.checkRunWorkerHealth!(done)).toMatchObject({ status: 'SUCCESS' });
  });

  it('fails a run whose job its code location does not define, with Dagster\'s engine event', async () => {
    const target = { locationName: 'jobs', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir };
    const run = await instance.createRun({ jobName: 'ghost', remoteJobOrigin: remoteJobOrigin(target, 'ghost'), jobCodeOrigin: jobCodeOrigin(target, 'ghost') });
    await instance.submitRun(run.runId);
    const done = await finished(run.runId);
    expect(done.status).toBe(DagsterRunStatus.FAILURE);
    const failure = (await instance.allLogs(run.runId)).find((e) => e.message === 'Could not load job definition.');
    expect(failure?.dagsterEvent?.eventTypeValue).toBe(DagsterEventType.ENGINE_EVENT);
    expect(JSON.stringify(failure?.dagsterEvent?.eventSpecificData)).toContain('No job named ghost');
  });

  it('terminates a run from another process: RUN_CANCELING then RUN_CANCELED', async () => {
    const log = join(home, 'terminate.log');
    const run = await createRunForLocationJob(instance, location, 'two_steps', { runConfig: traceConfig(log, join(home, 'never')) });
    await instance.submitRun(run.runId);
    await until('the blocking step to start', async () => existsSync(log) && readFileSync(log, 'utf8').includes('second started'));

    // Another OS process opens the same home and terminates the run through its own instance.
    const script = [
      `import { Instance } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};`,
      `const instance = await Instance.fromConfig(${JSON.stringify(home)});`,
      `const ok = await instance.runLauncher.terminate(${JSON.stringify(run.runId)});`,
      'await instance.dispose();',
      'process.stdout.write(JSON.stringify({ ok, pid: process.pid }));',
    ].join('\n');
    const output = await runScript(join(home, 'terminate.mts'), script);
    const result = JSON.parse(output) as { ok: boolean; pid: number };
    expect(result.ok).toBe(true);
    expect(result.pid).not.toBe(process.pid);

    const done = await finished(run.runId);
    expect(done.status).toBe(DagsterRunStatus.CANCELED);
    const types = (await instance.allLogs(run.runId)).map((e) => e.dagsterEvent?.eventTypeValue).filter(Boolean);
    const canceling = types.indexOf(DagsterEventType.RUN_CANCELING);
    expect(canceling).toBeGreaterThan(types.indexOf(DagsterEventType.RUN_START));
    expect(types.indexOf(DagsterEventType.RUN_CANCELED)).toBeGreaterThan(canceling);
    expect(readFileSync(log, 'utf8')).toContain('second canceled');
  });

  it('detects a SIGKILLed worker and resumes the run without re-running the steps that succeeded', async () => {
    const log = join(home, 'resume.log');
    const release = join(home, 'release');
    const run = await createRunForLocationJob(instance, location, 'two_steps', { runConfig: traceConfig(log, release) });
    await instance.submitRun(run.runId);
    await until('the blocking step to start', async () => existsSync(log) && readFileSync(log, 'utf8').includes('second started'));
    const started = (await instance.getRunById(run.runId))!;
    expect(started.status).toBe(DagsterRunStatus.STARTED);
    const worker = runWorkerOf(started.tags)!;
    expect(await instance.runLauncher.checkRunWorkerHealth!(started)).toMatchObject({ status: 'RUNNING' });

    process.kill(worker.pid, 'SIGKILL');
    const health = await until('the dead worker to be reported', async () => {
      const result = await instance.runLauncher.checkRunWorkerHealth!(started);
      return result.status === 'FAILED' ? result : null;
    });
    expect(health.msg).toContain(`pid ${worker.pid}`);
    expect((await instance.getRunById(run.runId))!.status).toBe(DagsterRunStatus.STARTED);

    writeFileSync(release, '');
    await instance.resumeRun(run.runId, undefined, 1);
    const done = await finished(run.runId);
    expect(done.status).toBe(DagsterRunStatus.SUCCESS);
    const resumed = runWorkerOf(done.tags)!;
    expect(resumed.pid).not.toBe(worker.pid);

    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((line) => line.startsWith('first'))).toEqual([`first ran ${worker.pid}`]);
    expect(lines.filter((line) => line.startsWith('second'))).toEqual([`second started ${worker.pid}`, `second started ${resumed.pid}`, `second done ${resumed.pid}`]);
    const events = await instance.allLogs(run.runId);
    const count = (type: string, step?: string) => events.filter((e) => e.dagsterEvent?.eventTypeValue === type && (step === undefined || e.dagsterEvent?.stepKey === step)).length;
    expect(count(DagsterEventType.RUN_START)).toBe(1);
    expect(count(DagsterEventType.STEP_SUCCESS, 'first')).toBe(1);
    expect(count(DagsterEventType.STEP_SUCCESS, 'second')).toBe(1);
    expect(events.map((e) => e.message)).toContain(`Started process for resuming job (pid: ${resumed.pid}).`);
  });
});

const pg = await pgAvailable();

describe.runIf(pg)('ChildProcessRunLauncher on Postgres', () => {
  it('executes a run in its own OS process against the same database', async () => {
    const scratch: ScratchDatabase = await createScratchDatabase('inst_child_launcher');
    const home = mkdtempSync(join(tmpdir(), 'inst-child-launcher-pg-'));
    writeFileSync(
      join(home, 'dagster.yaml'),
      `run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\nstorage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`,
    );
    const instance = await Instance.fromConfig(home);
    const location = new ChildProcessCodeLocation({ locationName: 'jobs', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir }, { output: 'ignore' });
    try {
      expect(instance.runLauncher).toBeInstanceOf(ChildProcessRunLauncher);
      const log = join(home, 'pg.log');
      const run = await createRunForLocationJob(instance, location, 'two_steps', { runConfig: { ops: { first: { config: { log } }, second: { config: { log } } } } });
      await instance.submitRun(run.runId);
      const done = await until('the Postgres run to finish', async () => {
        const current = await instance.getRunById(run.runId);
        return current?.isFinished ? current : null;
      });
      expect(done.status).toBe(DagsterRunStatus.SUCCESS);
      const worker = runWorkerOf(done.tags)!;
      expect(worker.pid).not.toBe(process.pid);
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([`first ran ${worker.pid}`, `second started ${worker.pid}`, `second done ${worker.pid}`]);
    } finally {
      await (instance.runLauncher as ChildProcessRunLauncher).join(BOUND_MS);
      await location.dispose();
      await instance.dispose();
      await scratch.drop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
