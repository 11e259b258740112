// @inst/execution's executeRun through @inst/core's Instance, on a real SQLite home and on Postgres (owner: exec).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineJob, defineOp, executionPlanSnapshot, input } from '@inst/definitions';
import { executeRun, LocalComputeLogManager, NoOpComputeLogManager, type ExecutableJob } from '@inst/execution';
import { createScratchDatabase, pgAvailable, type ScratchDatabase } from '@inst/storage-postgres/testing';
import { ComputeLogsCaptureData, DagsterEventType as E, DagsterRunStatus, type EventLogEntry } from '@inst/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

const pg = await pgAvailable();

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((ok) => {
    resolve = ok;
  });
  return { promise, resolve };
}

const stepEvents = (logs: readonly EventLogEntry[], types: readonly string[]) =>
  logs.filter((entry) => entry.dagsterEvent && types.includes(entry.dagsterEvent.eventTypeValue)).map((entry) => `${entry.dagsterEvent!.eventTypeValue}:${entry.stepKey}`);

const backends: { name: string; enabled: boolean; config: () => Promise<{ yaml: string; dispose: () => Promise<void> }> }[] = [
  { name: 'SQLite', enabled: true, config: async () => ({ yaml: '', dispose: async () => {} }) },
  {
    name: 'Postgres',
    enabled: pg,
    config: async () => {
      const scratch: ScratchDatabase = await createScratchDatabase('inst_exec');
      return { yaml: `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`, dispose: () => scratch.drop() };
    },
  },
];

for (const backend of backends) {
  describe.runIf(backend.enabled)(`executeRun through Instance on ${backend.name}`, () => {
    let home: string;
    let instance: Instance;
    let disposeBackend: () => Promise<void>;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'inst-exec-core-'));
      const { yaml, dispose } = await backend.config();
      disposeBackend = dispose;
      writeFileSync(join(home, 'dagster.yaml'), `run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\n${yaml}`);
      instance = await Instance.fromConfig(home);
    });

    afterAll(async () => {
      await instance.dispose();
      await disposeBackend();
      rmSync(home, { recursive: true, force: true });
    });

    it('re-executes only the failed step of a failed run, loading its input from the parent run’s stored output', async () => {
      let warehouseUp = false;
      const ran: string[] = [];
      const job: ExecutableJob = {
        name: 'etl',
        steps: [
          { key: 'extract', compute: () => (ran.push('extract'), [1, 4, 9]) },
          {
            key: 'load',
            inputs: [{ name: 'rows', from: 'extract' }],
            outputs: [{ name: 'result', assetKey: ['warehouse', 'squares'] }],
            compute: (_ctx, inputs) => {
              ran.push(`load:${JSON.stringify(inputs.rows)}`);
              if (!warehouseUp) throw new Error('the warehouse refused the load');
              return (inputs.rows as number[]).length;
            },
          },
        ],
      };
      const parent = await instance.createRun({ jobName: 'etl' });
      expect((await executeRun(instance, parent, job)).status).toBe(DagsterRunStatus.FAILURE);
      // The filesystem IO manager stored extract's output under the instance's storage directory, Dagster's layout.
      expect(existsSync(join(instance.storageDirectory(), parent.runId, 'extract', 'result'))).toBe(true);

      warehouseUp = true;
      const child = await instance.createRun({
        jobName: 'etl',
        parentRunId: parent.runId,
        rootRunId: parent.runId,
        stepKeysToExecute: ['load'],
        tags: { 'dagster/parent_run_id': parent.runId, 'dagster/root_run_id': parent.runId, 'dagster/is_resume_retry': 'true' },
      });
      const done = await executeRun(instance, child, job);
      expect(done.status).toBe(DagsterRunStatus.SUCCESS);
      expect(ran).toEqual(['extract', 'load:[1,4,9]', 'load:[1,4,9]']);
      const logs = await instance.allLogs(child.runId);
      expect(logs.some((entry) => entry.stepKey === 'extract')).toBe(false);
      const loaded = logs.find((entry) => entry.dagsterEvent?.eventType === E.LOADED_INPUT)!;
      expect(loaded.message).toBe('Loaded input "rows" using input manager "io_manager", from output "result" of step "extract"');
      const materialization = logs.find((entry) => entry.dagsterEvent?.eventType === E.ASSET_MATERIALIZATION)!;
      expect(materialization.dagsterEvent?.assetKey?.path).toEqual(['warehouse', 'squares']);
      expect(await instance.getLatestMaterializationEvent(materialization.dagsterEvent!.assetKey!)).toMatchObject({ runId: child.runId });
      expect((await instance.getRunStats(child.runId)).stepsSucceeded).toBe(1);
    });

    it('FROM_FAILURE on a definitions job: both snapshots, the plan re-runs only the failed step, its input loads from the parent', async () => {
      let up = false;
      const calls: string[] = [];
      const extract = defineOp({ name: 'extract' }, () => (calls.push('extract'), [2, 3]));
      const load = defineOp({ name: 'load', ins: { rows: input<number[]>() } }, (_ctx, { rows }) => {
        calls.push(`load:${rows.join(',')}`);
        if (!up) throw new Error('warehouse down');
        return rows.length;
      });
      const job = defineJob({
        name: 'defs_etl',
        graph: (g) => {
          g.add(load, { rows: g.add(extract) });
        },
      });
      const parent = await instance.createRunForJob(job);
      expect(parent.jobSnapshotId).toBeTruthy();
      expect(parent.executionPlanSnapshotId).toBeTruthy();
      expect((await executeRun(instance, parent, job)).status).toBe(DagsterRunStatus.FAILURE);
      up = true;
      const child = await instance.createReexecutedRun({
        parentRun: (await instance.getRunById(parent.runId))!,
        strategy: 'FROM_FAILURE',
        remoteJob: { jobSnapshot: job.snapshot },
        codeLocation: { getExecutionPlan: (_job, runConfig, { stepKeysToExecute, knownState }) => executionPlanSnapshot(job, { stepKeysToExecute, knownState, runConfig }) },
      });
      expect(child.stepKeysToExecute).toEqual(['load']);
      expect(child.tags['dagster/is_resume_retry']).toBe('true');
      expect((await executeRun(instance, child, job)).status).toBe(DagsterRunStatus.SUCCESS);
      expect(calls).toEqual(['extract', 'load:2,3', 'load:2,3']);
      const steps = new Set((await instance.allLogs(child.runId)).map((entry) => entry.stepKey).filter(Boolean));
      expect([...steps]).toEqual(['load']);
    });

    it('retries a step by its policy (STEP_UP_FOR_RETRY, STEP_RESTARTED), delays on the injected clock', async () => {
      let clock = 1_700_000_000;
      const slept: number[] = [];
      const job: ExecutableJob = {
        name: 'flaky',
        steps: [
          {
            key: 'call_api',
            retryPolicy: { maxRetries: 2, delay: 5 },
            compute: (ctx) => {
              if (ctx.retryNumber === 0) throw new Error('503 from the API');
              return 'ok';
            },
          },
        ],
      };
      const run = await instance.createRun({ jobName: 'flaky' });
      const done = await executeRun(instance, run, job, { now: () => clock, sleep: async (s) => void (slept.push(s), (clock += s)) });
      expect(done.status).toBe(DagsterRunStatus.SUCCESS);
      expect(slept).toEqual([5]);
      const logs = await instance.allLogs(run.runId);
      expect(stepEvents(logs, ['STEP_START', 'STEP_UP_FOR_RETRY', 'STEP_RESTARTED', 'STEP_SUCCESS'])).toEqual([
        'STEP_START:call_api',
        'STEP_UP_FOR_RETRY:call_api',
        'STEP_RESTARTED:call_api',
        'STEP_SUCCESS:call_api',
      ]);
      const retry = logs.find((entry) => entry.dagsterEvent?.eventType === E.STEP_UP_FOR_RETRY)!;
      expect(retry.message).toBe('Execution of step "call_api" failed and has requested a retry in 5 seconds.');
      expect(retry.dagsterEvent?.stepRetryData.secondsToWait).toBe(5);
    });

    it('runs two independent steps at once: both STEP_STARTs are stored before either STEP_SUCCESS', async () => {
      const started = { a: deferred(), b: deferred() };
      const job: ExecutableJob = {
        name: 'fan_out',
        steps: [
          // Each waits for the other to start: executed one after the other, neither could finish.
          { key: 'left', compute: async () => (started.a.resolve(), await started.b.promise, 1) },
          { key: 'right', compute: async () => (started.b.resolve(), await started.a.promise, 2) },
        ],
      };
      const run = await instance.createRun({ jobName: 'fan_out' });
      expect((await executeRun(instance, run, job)).status).toBe(DagsterRunStatus.SUCCESS);
      const order = stepEvents(await instance.allLogs(run.runId), ['STEP_START', 'STEP_SUCCESS']);
      expect(order.slice(0, 2).sort()).toEqual(['STEP_START:left', 'STEP_START:right']);
      expect(order.slice(2).sort()).toEqual(['STEP_SUCCESS:left', 'STEP_SUCCESS:right']);
    });

    it('serializes two steps of a pool with one slot, claimed and freed through the event log storage', async () => {
      await instance.eventLogStorage.setConcurrencySlots('warehouse', 1);
      const job: ExecutableJob = {
        name: 'pooled',
        steps: [
          { key: 'write_a', pool: 'warehouse', compute: async () => 'a' },
          { key: 'write_b', pool: 'warehouse', compute: async () => 'b' },
        ],
      };
      const run = await instance.createRun({ jobName: 'pooled' });
      expect((await executeRun(instance, run, job)).status).toBe(DagsterRunStatus.SUCCESS);
      const logs = await instance.allLogs(run.runId);
      const order = stepEvents(logs, ['STEP_START', 'STEP_SUCCESS']);
      // One step ends before the other starts.
      expect([order[0]!.split(':')[1], order[1]!.split(':')[1]]).toEqual([order[0]!.split(':')[1], order[0]!.split(':')[1]]);
      expect(order[1]!.startsWith('STEP_SUCCESS')).toBe(true);
      const blocked = logs.find((entry) => entry.dagsterEvent?.eventType === E.ENGINE_EVENT && entry.message.startsWith('Step blocked'))!;
      expect(blocked.message).toBe('Step blocked by limit for pool warehouse');
      expect(blocked.stepKey).toBe(order[2]!.split(':')[1]);
      expect(blocked.dagsterEvent?.engineEventData.metadata.pool).toMatchObject({ pool: 'warehouse' });
      const info = await instance.eventLogStorage.getConcurrencyInfo('warehouse');
      expect(info.slotCount).toBe(1);
      expect(info.activeSlotCount).toBe(0);
      expect(info.pendingStepCount).toBe(0);
    });

    it('a step of another run waits for the pool slot a running step holds, then runs', async () => {
      await instance.eventLogStorage.setConcurrencySlots('api', 1);
      const release = deferred();
      const holder: ExecutableJob = { name: 'holder', steps: [{ key: 'hold', pool: 'api', compute: async () => (await release.promise, 1) }] };
      const waiter: ExecutableJob = { name: 'waiter', steps: [{ key: 'wait', pool: 'api', compute: () => 2 }] };
      const runA = await instance.createRun({ jobName: 'holder' });
      const runB = await instance.createRun({ jobName: 'waiter' });
      const a = executeRun(instance, runA, holder);
      // B starts once A's step holds the slot.
      for (let i = 0; i < 600 && !(await instance.allLogs(runA.runId, E.STEP_START)).length; i++) await new Promise((r) => setTimeout(r, 100));
      const b = executeRun(instance, runB, waiter);
      // A keeps the slot until B has said it is blocked.
      for (let i = 0; i < 600; i++) {
        if ((await instance.allLogs(runB.runId, E.ENGINE_EVENT)).some((entry) => entry.message === 'Step blocked by limit for pool api')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await instance.allLogs(runB.runId, E.STEP_START)).length).toBe(0);
      release.resolve();
      expect((await a).status).toBe(DagsterRunStatus.SUCCESS);
      expect((await b).status).toBe(DagsterRunStatus.SUCCESS);
      // Storage ids of two runs are not comparable on SQLite (one shard per run): compare the events' clock instead.
      const aSuccess = (await instance.allLogs(runA.runId, E.STEP_SUCCESS))[0]!.timestamp;
      const bStart = (await instance.allLogs(runB.runId, E.STEP_START))[0]!.timestamp;
      expect(bStart).toBeGreaterThanOrEqual(aSuccess);
      expect((await instance.eventLogStorage.getConcurrencyInfo('api')).activeSlotCount).toBe(0);
    });

    it("captures a step's stdout to the instance's compute logs (Dagster's local layout) with LOGS_CAPTURED", async () => {
      const job: ExecutableJob = {
        name: 'chatty',
        steps: [
          {
            key: 'say',
            compute: () => {
              console.log('rows loaded: %d', 3);
              process.stderr.write('a warning\n');
            },
          },
        ],
      };
      const run = await instance.createRun({ jobName: 'chatty' });
      await executeRun(instance, run, job);
      expect(instance.computeLogManager).toBeInstanceOf(LocalComputeLogManager);
      const captured = (await instance.allLogs(run.runId, E.LOGS_CAPTURED)).map((entry) => entry.dagsterEvent!.eventSpecificData as ComputeLogsCaptureData);
      const step = captured.find((data) => data.stepKeys.includes('say'))!;
      const dir = join(home, 'storage', run.runId, 'compute_logs');
      expect(readFileSync(join(dir, `${step.fileKey}.out`), 'utf8')).toBe('rows loaded: 3\n');
      expect(readFileSync(join(dir, `${step.fileKey}.err`), 'utf8')).toBe('a warning\n');
      expect(existsSync(join(dir, `${step.fileKey}.complete`))).toBe(true);
      const data = await instance.computeLogManager.getLogData(instance.computeLogManager.buildLogKeyForRun(run.runId, step.fileKey));
      expect(data.stdout?.toString()).toBe('rows loaded: 3\n');
    });

    it('cancels a run when its signal aborts: the running step sees it and the run ends CANCELED', async () => {
      const controller = new AbortController();
      const started = deferred();
      const job: ExecutableJob = {
        name: 'long',
        steps: [
          {
            key: 'wait_for_data',
            compute: async (ctx) => {
              started.resolve();
              await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
              throw new Error('stopped: run canceled');
            },
          },
          { key: 'never', inputs: [{ name: 'x', from: 'wait_for_data' }], compute: () => 1 },
        ],
      };
      const run = await instance.createRun({ jobName: 'long' });
      const execution = executeRun(instance, run, job, { signal: controller.signal });
      await started.promise;
      controller.abort();
      expect((await execution).status).toBe(DagsterRunStatus.CANCELED);
      const logs = await instance.allLogs(run.runId);
      expect(logs.some((entry) => entry.stepKey === 'never')).toBe(false);
      expect(logs.at(-1)?.dagsterEvent?.eventType).toBe(E.RUN_CANCELED);
    });
  });
}

describe('compute_logs config', () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('honours base_dir of LocalComputeLogManager, and NoOpComputeLogManager', async () => {
    const home = mkdtempSync(join(tmpdir(), 'inst-exec-logs-'));
    const logs = mkdtempSync(join(tmpdir(), 'inst-exec-logs-dir-'));
    homes.push(home, logs);
    writeFileSync(
      join(home, 'dagster.yaml'),
      `compute_logs:\n  module: dagster.core.storage.local_compute_log_manager\n  class: LocalComputeLogManager\n  config:\n    base_dir: ${JSON.stringify(logs)}\n`,
    );
    await using instance = await Instance.fromConfig(home);
    const run = await instance.createRun({ jobName: 'hello' });
    await executeRun(instance, run, { name: 'hello', steps: [{ key: 'hi', compute: () => console.log('hi there') }] });
    const step = (await instance.allLogs(run.runId, E.LOGS_CAPTURED)).map((entry) => entry.dagsterEvent!.eventSpecificData as ComputeLogsCaptureData).find((d) => d.stepKeys.includes('hi'))!;
    expect(readFileSync(join(logs, run.runId, 'compute_logs', `${step.fileKey}.out`), 'utf8')).toBe('hi there\n');

    const quiet = mkdtempSync(join(tmpdir(), 'inst-exec-noop-'));
    homes.push(quiet);
    writeFileSync(join(quiet, 'dagster.yaml'), 'compute_logs:\n  module: dagster.core.storage.noop_compute_log_manager\n  class: NoOpComputeLogManager\n');
    await using noop = await Instance.fromConfig(quiet);
    expect(noop.computeLogManager).toBeInstanceOf(NoOpComputeLogManager);
  });
});
