import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeValue } from '@inst/serdes';
import type {
  ComputeLogsCaptureData,
  EventLogEntry,
  HandledOutputData,
  JobFailureData,
  StepFailureData,
  StepRetryData} from '@inst/types';
import {
  AssetCheckEvaluation,
  DagsterEventType as E,
  DagsterRunStatus,
  ErrorSource,
  RunFailureReason
} from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalComputeLogManager, type ComputeLogManager } from './compute-logs/manager';
import { executeRun } from './execute-run';
import { FakeExecutionInstance } from './fake-ops.test-support';
import { FilesystemIOManager, InMemoryIOManager } from './io/io-manager';
import { Backoff, calculateRetryDelay, Output, RetryRequested, type ExecutableJob } from './model';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inst-exec-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A promise and its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((ok) => {
    resolve = ok;
  });
  return { promise, resolve };
}

const etl: ExecutableJob = {
  name: 'etl',
  steps: [
    { key: 'extract', outputs: [{ name: 'result' }], compute: () => [1, 2, 3] },
    {
      key: 'load',
      inputs: [{ name: 'rows', from: 'extract' }],
      outputs: [{ name: 'result', assetKey: ['warehouse', 'numbers'] }],
      compute: (_ctx, inputs) => new Output((inputs.rows as number[]).length, { rows: (inputs.rows as number[]).length }),
    },
  ],
};

describe('executeRun', () => {
  it("writes Dagster's step events in order: inputs loaded, outputs handled, assets materialized", async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'etl' });
    const run = await executeRun(instance, 'r1', etl, { ioManager: new InMemoryIOManager() });

    expect(run.status).toBe(DagsterRunStatus.SUCCESS);
    expect(instance.types('r1')).toEqual([
      'PIPELINE_START',
      'ENGINE_EVENT',
      'STEP_START',
      'STEP_OUTPUT',
      'HANDLED_OUTPUT',
      'STEP_SUCCESS',
      'STEP_START',
      'LOADED_INPUT',
      'STEP_INPUT',
      'STEP_OUTPUT',
      'ASSET_MATERIALIZATION',
      'HANDLED_OUTPUT',
      'STEP_SUCCESS',
      'ENGINE_EVENT',
      'PIPELINE_SUCCESS',
    ]);
    const timeline = instance.timeline('r1');
    expect(timeline[1]).toEqual(['ENGINE_EVENT', null, `Executing steps in process (pid: ${process.pid})`]);
    expect(instance.entries[1]!.dagsterEvent!.engineEventData.metadata).toMatchObject({ pid: { text: String(process.pid) }, step_keys: { text: "['extract', 'load']" } });
    expect(timeline.at(-2)?.[2]).toMatch(/^Finished steps in process \(pid: \d+\) in \d/);
    expect(timeline).toContainEqual(['LOADED_INPUT', 'load', 'Loaded input "rows" using input manager "io_manager", from output "result" of step "extract"']);
    expect(timeline).toContainEqual(['STEP_INPUT', 'load', 'Got input "rows" of type "Any". (Type check passed).']);
    expect(timeline).toContainEqual(['HANDLED_OUTPUT', 'extract', 'Handled output "result" using IO manager "io_manager"']);
    expect(timeline).toContainEqual(['ASSET_MATERIALIZATION', 'load', 'Materialized value warehouse numbers.']);
    const materialization = instance.entries.find((e) => e.dagsterEvent?.eventType === E.ASSET_MATERIALIZATION)!.dagsterEvent!;
    expect(materialization.assetKey?.path).toEqual(['warehouse', 'numbers']);
    expect(materialization.materialization.metadata).toMatchObject({ rows: { value: 3 } });
    expect(serializeValue(materialization)).toContain('"__class__": "StepMaterializationData"');
  });

  it('stores outputs with the filesystem layout <base>/<run_id>/<step_key>/<output_name> and assets by key path', async () => {
    const base = tempDir();
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'etl' });
    await executeRun(instance, 'r1', etl, { ioManager: new FilesystemIOManager({ baseDir: base }) });
    expect(JSON.parse(readFileSync(join(base, 'r1', 'extract', 'result'), 'utf8'))).toEqual({ value: [1, 2, 3] });
    expect(JSON.parse(readFileSync(join(base, 'warehouse', 'numbers'), 'utf8'))).toEqual({ value: 3 });
    const handled = instance.entries.find((e) => e.dagsterEvent?.eventType === E.HANDLED_OUTPUT)!.dagsterEvent!.eventSpecificData as HandledOutputData;
    expect(handled.metadata.path).toMatchObject({ path: join(base, 'r1', 'extract', 'result') });
  });

  it('runs independent steps at the same time: both start before either ends', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'fan' });
    const started = { a: deferred(), b: deferred() };
    const job: ExecutableJob = {
      name: 'fan',
      steps: [
        // Each waits for the other to have started: run one after the other, this would never finish.
        { key: 'a', compute: async () => (started.a.resolve(), await started.b.promise, 'a') },
        { key: 'b', compute: async () => (started.b.resolve(), await started.a.promise, 'b') },
        { key: 'c', inputs: [{ name: 'a', from: 'a' }, { name: 'b', from: 'b' }], compute: (_ctx, inputs) => `${String(inputs.a)}${String(inputs.b)}` },
      ],
    };
    const run = await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    expect(run.status).toBe(DagsterRunStatus.SUCCESS);
    const order = instance.timeline('r1').filter(([type]) => type === 'STEP_START' || type === 'STEP_SUCCESS').map(([type, key]) => `${type}:${key}`);
    expect(order.slice(0, 2).sort()).toEqual(['STEP_START:a', 'STEP_START:b']);
    expect(order.slice(2, 4).sort()).toEqual(['STEP_SUCCESS:a', 'STEP_SUCCESS:b']);
    expect(order.slice(4)).toEqual(['STEP_START:c', 'STEP_SUCCESS:c']);
  });

  it('maxConcurrent 1 runs one step at a time', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'two' });
    const job: ExecutableJob = { name: 'two', steps: [{ key: 'a', compute: async () => 1 }, { key: 'b', compute: async () => 2 }] };
    await executeRun(instance, 'r1', job, { maxConcurrent: 1, ioManager: new InMemoryIOManager() });
    const order = instance.timeline('r1').filter(([type]) => type === 'STEP_START' || type === 'STEP_SUCCESS').map(([type, key]) => `${type}:${key}`);
    expect(order).toEqual(['STEP_START:a', 'STEP_SUCCESS:a', 'STEP_START:b', 'STEP_SUCCESS:b']);
  });

  it('retries a step by its policy with STEP_UP_FOR_RETRY and STEP_RESTARTED, waiting the backed-off delay on the injected clock', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'flaky' });
    let clock = 1000;
    const slept: number[] = [];
    let calls = 0;
    const job: ExecutableJob = {
      name: 'flaky',
      steps: [
        {
          key: 'flaky',
          retryPolicy: { maxRetries: 3, delay: 2, backoff: Backoff.EXPONENTIAL },
          compute: (ctx) => {
            calls++;
            if (ctx.retryNumber < 2) throw new Error(`attempt ${ctx.retryNumber} failed`);
            return 'ok';
          },
        },
      ],
    };
    const run = await executeRun(instance, 'r1', job, {
      ioManager: new InMemoryIOManager(),
      now: () => clock,
      sleep: async (seconds) => {
        slept.push(seconds);
        clock += seconds;
      },
    });
    expect(run.status).toBe(DagsterRunStatus.SUCCESS);
    expect(calls).toBe(3);
    expect(instance.types('r1', 'flaky')).toEqual(['STEP_START', 'STEP_UP_FOR_RETRY', 'STEP_RESTARTED', 'STEP_UP_FOR_RETRY', 'STEP_RESTARTED', 'STEP_OUTPUT', 'HANDLED_OUTPUT', 'STEP_SUCCESS']);
    const timeline = instance.timeline('r1');
    // EXPONENTIAL: (2^n - 1) * delay for attempt n.
    expect(timeline).toContainEqual(['STEP_UP_FOR_RETRY', 'flaky', 'Execution of step "flaky" failed and has requested a retry in 2 seconds.']);
    expect(timeline).toContainEqual(['STEP_UP_FOR_RETRY', 'flaky', 'Execution of step "flaky" failed and has requested a retry in 6 seconds.']);
    expect(timeline).toContainEqual(['STEP_RESTARTED', 'flaky', 'Started re-execution (attempt # 2) of step "flaky".']);
    expect(timeline).toContainEqual(['STEP_RESTARTED', 'flaky', 'Started re-execution (attempt # 3) of step "flaky".']);
    expect(slept).toEqual([2, 6]);
    const retry = instance.entries.find((e) => e.dagsterEvent?.eventType === E.STEP_UP_FOR_RETRY)!.dagsterEvent!.eventSpecificData as StepRetryData;
    expect(retry.secondsToWait).toBe(2);
    expect(retry.error).toMatchObject({ clsName: 'RetryRequestedFromPolicy', cause: { message: 'Error: attempt 0 failed\n' } });
  });

  it("runs a step's retry to its end even when the retry starts before the failed attempt has closed its capture", async () => {
    // The order that lost retries: b's first attempt has queued its retry and is still closing its log capture when
    // a's failure wakes the loop, which launches the retry under the same step key; then the first attempt ends.
    const retryQueued = deferred();
    const retryStarted = deferred();
    class Observed extends FakeExecutionInstance {
      override async handleNewEvent(entry: EventLogEntry): Promise<void> {
        await super.handleNewEvent(entry);
        if (entry.stepKey === 'b' && entry.dagsterEvent?.eventType === E.STEP_UP_FOR_RETRY) retryQueued.resolve();
        if (entry.stepKey === 'b' && entry.dagsterEvent?.eventType === E.STEP_RESTARTED) retryStarted.resolve();
      }
    }
    const instance = new Observed();
    instance.addRun({ runId: 'r1', jobName: 'race' });
    const local = new LocalComputeLogManager({ baseDir: tempDir() });
    let opened = 0;
    const computeLogs: ComputeLogManager = Object.assign(Object.create(local) as ComputeLogManager, {
      openCapture: async (logKey: readonly string[]) => {
        const capture = await local.openCapture(logKey);
        // Captures open for the run, then a, then b's first attempt: that one closes only once the retry started.
        if (++opened !== 3) return capture;
        return { ...capture, context: capture.context, close: async () => (await retryStarted.promise, await capture.close()) };
      },
    });
    const job: ExecutableJob = {
      name: 'race',
      steps: [
        {
          key: 'a',
          compute: async () => {
            await retryQueued.promise;
            throw new Error('a fails');
          },
        },
        {
          key: 'b',
          retryPolicy: { maxRetries: 1 },
          compute: async (ctx) => {
            if (ctx.retryNumber === 0) throw new Error('first attempt of b fails');
            // Long enough that a run which stopped waiting for this attempt would have ended first.
            await new Promise((resolve) => setTimeout(resolve, 200));
            return 'ok';
          },
        },
      ],
    };
    const run = await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager(), computeLogs });
    expect(run.status).toBe(DagsterRunStatus.FAILURE);
    expect(instance.types('r1', 'b')).toEqual(['STEP_START', 'STEP_UP_FOR_RETRY', 'STEP_RESTARTED', 'STEP_OUTPUT', 'HANDLED_OUTPUT', 'STEP_SUCCESS']);
    expect(instance.timeline('r1').at(-1)).toEqual(['PIPELINE_FAILURE', null, `Execution of run for "race" failed. Steps failed: ['a'].`]);
  });

  it('fails a step that exceeds max_retries, abandons its dependents and fails the run', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'bad' });
    const job: ExecutableJob = {
      name: 'bad',
      steps: [
        {
          key: 'b',
          compute: () => {
            throw new RetryRequested({ maxRetries: 1, cause: new TypeError('boom') });
          },
        },
        { key: 'c', inputs: [{ name: 'b', from: 'b' }], compute: () => 1 },
        { key: 'd', inputs: [{ name: 'c', from: 'c' }], compute: () => 1 },
        { key: 'e', compute: () => 1 },
      ],
    };
    const run = await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    expect(run.status).toBe(DagsterRunStatus.FAILURE);
    const timeline = instance.timeline('r1');
    expect(timeline).toContainEqual(['LOG', 'c', "Dependencies for step c failed: ['b']. Not executing."]);
    expect(timeline).toContainEqual(['LOG', 'd', "Dependencies for step d were not executed: ['c']. Not executing."]);
    expect(timeline.at(-1)).toEqual(['PIPELINE_FAILURE', null, `Execution of run for "bad" failed. Steps failed: ['b'].`]);
    const failure = instance.entries.find((e) => e.dagsterEvent?.eventType === E.STEP_FAILURE)!;
    expect(failure.level).toBe(40);
    const data = failure.dagsterEvent!.eventSpecificData as StepFailureData;
    expect(data.error).toMatchObject({ message: 'Exceeded max_retries of 1\n', cause: { message: 'TypeError: boom\n' } });
    expect(data.errorSource).toBe(ErrorSource.USER_CODE_ERROR);
    const runFailure = instance.entries.at(-1)!.dagsterEvent!.eventSpecificData as JobFailureData;
    expect(runFailure.failureReason).toBe(RunFailureReason.STEP_FAILURE);
    expect(runFailure.firstStepFailureEvent).toBe(failure.dagsterEvent);
  });

  it("wraps a user error as Dagster's DagsterExecutionStepExecutionError with the user's error as cause", async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'bad' });
    const job: ExecutableJob = {
      name: 'bad',
      steps: [
        {
          key: 'b',
          compute: () => {
            throw new TypeError('boom');
          },
        },
      ],
    };
    await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    const data = instance.entries.find((e) => e.dagsterEvent?.eventType === E.STEP_FAILURE)!.dagsterEvent!.eventSpecificData as StepFailureData;
    expect(data.errorSource).toBe(ErrorSource.USER_CODE_ERROR);
    expect(data.error).toMatchObject({
      message: 'dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "b":\n',
      clsName: 'DagsterExecutionStepExecutionError',
      cause: { message: 'TypeError: boom\n', clsName: 'TypeError' },
    });
  });

  it('skips a step whose optional upstream output was not produced', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'opt' });
    const job: ExecutableJob = {
      name: 'opt',
      steps: [
        { key: 'a', outputs: [{ name: 'maybe', isRequired: false }, { name: 'always' }], compute: () => ({ always: 1 }) },
        { key: 'b', inputs: [{ name: 'x', from: { stepKey: 'a', outputName: 'maybe' } }], compute: () => 1 },
      ],
    };
    const run = await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    expect(run.status).toBe(DagsterRunStatus.SUCCESS);
    expect(instance.timeline('r1')).toContainEqual(['LOG', 'b', "Skipping step b due to skipped dependencies: ['a.maybe']."]);
    expect(instance.timeline('r1')).toContainEqual(['STEP_SKIPPED', 'b', 'Skipped execution of step "b".']);
  });

  it('emits asset check evaluations from check outputs', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'checked' });
    const job: ExecutableJob = {
      name: 'checked',
      steps: [{ key: 'check', outputs: [{ name: 'non_empty', assetCheck: { assetKey: ['orders'], name: 'non_empty' } }], compute: () => ({ passed: false, metadata: { rows: 0 } }) }],
    };
    await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    expect(instance.types('r1', 'check')).toEqual(['STEP_START', 'ASSET_CHECK_EVALUATION', 'STEP_OUTPUT', 'HANDLED_OUTPUT', 'STEP_SUCCESS']);
    const evaluation = instance.entries.find((e) => e.dagsterEvent?.eventType === E.ASSET_CHECK_EVALUATION)!.dagsterEvent!.eventSpecificData as AssetCheckEvaluation;
    expect(evaluation).toBeInstanceOf(AssetCheckEvaluation);
    expect(evaluation).toMatchObject({ checkName: 'non_empty', passed: false });
    expect(evaluation.assetKey.path).toEqual(['orders']);
    expect(serializeValue(evaluation)).toContain('"success": false');
  });

  it('re-executes a selected step, loading its inputs from the parent run that produced them', async () => {
    const instance = new FakeExecutionInstance();
    const io = new InMemoryIOManager();
    let fail = true;
    const job: ExecutableJob = {
      name: 'etl',
      steps: [
        { key: 'extract', compute: () => [4, 5] },
        {
          key: 'load',
          inputs: [{ name: 'rows', from: 'extract' }],
          compute: (_ctx, inputs) => {
            if (fail) throw new Error('warehouse down');
            return (inputs.rows as number[]).length;
          },
        },
      ],
    };
    instance.addRun({ runId: 'parent', jobName: 'etl' });
    expect((await executeRun(instance, 'parent', job, { ioManager: io })).status).toBe(DagsterRunStatus.FAILURE);
    fail = false;
    instance.addRun({ runId: 'child', jobName: 'etl', parentRunId: 'parent', rootRunId: 'parent', stepKeysToExecute: ['load'] });
    const child = await executeRun(instance, 'child', job, { ioManager: io });
    expect(child.status).toBe(DagsterRunStatus.SUCCESS);
    expect(instance.types('child', 'extract')).toEqual([]);
    expect(instance.timeline('child')).toContainEqual(['LOADED_INPUT', 'load', 'Loaded input "rows" using input manager "io_manager", from output "result" of step "extract"']);
    // Without a parent that produced the output, the input cannot load: the step fails (no silent undefined).
    instance.addRun({ runId: 'orphan', jobName: 'etl', stepKeysToExecute: ['load'] });
    expect((await executeRun(instance, 'orphan', job, { ioManager: io })).status).toBe(DagsterRunStatus.FAILURE);
    const failure = instance.entries.find((e) => e.runId === 'orphan' && e.dagsterEvent?.eventType === E.STEP_FAILURE)!.dagsterEvent!.eventSpecificData as StepFailureData;
    expect(failure.error?.message).toContain('Error occurred while loading input "rows" of step "load"');
  });

  it('resume skips steps that already succeeded in the run and loads their outputs', async () => {
    const instance = new FakeExecutionInstance();
    const io = new InMemoryIOManager();
    const ran: string[] = [];
    let crash = true;
    const job: ExecutableJob = {
      name: 'etl',
      steps: [
        { key: 'extract', compute: () => (ran.push('extract'), [1]) },
        {
          key: 'load',
          inputs: [{ name: 'rows', from: 'extract' }],
          compute: (_ctx, inputs) => {
            if (crash) throw new Error('worker died');
            ran.push(`load:${JSON.stringify(inputs.rows)}`);
            return 1;
          },
        },
      ],
    };
    instance.addRun({ runId: 'r1', jobName: 'etl' });
    await executeRun(instance, 'r1', job, { ioManager: io });
    // Pretend the worker died after extract: drop load's events and the run's end, put the run back to STARTED.
    const keep = instance.entries.filter((e) => e.stepKey !== 'load' && e.dagsterEvent?.eventType !== E.RUN_FAILURE);
    instance.entries.splice(0, instance.entries.length, ...keep);
    instance.runs.set('r1', instance.runs.get('r1')!.withStatus(DagsterRunStatus.STARTED));
    crash = false;
    const run = await executeRun(instance, 'r1', job, { ioManager: io, resume: true });
    expect(run.status).toBe(DagsterRunStatus.SUCCESS);
    expect(ran).toEqual(['extract', 'load:[1]']);
    expect(instance.types('r1').filter((type) => type === 'PIPELINE_START')).toHaveLength(1);
  });

  it('cancels on abort: no new step starts, the running step sees its signal, the run ends CANCELED', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'slow' });
    const controller = new AbortController();
    const ran: string[] = [];
    const job: ExecutableJob = {
      name: 'slow',
      steps: [
        {
          key: 'wait',
          compute: async (ctx) => {
            controller.abort();
            await new Promise((resolve) => setTimeout(resolve, 0));
            ran.push(`wait:${String(ctx.signal.aborted)}`);
            throw new Error('stopped');
          },
        },
        { key: 'after', inputs: [{ name: 'x', from: 'wait' }], compute: () => ran.push('after') },
      ],
    };
    const run = await executeRun(instance, 'r1', job, { signal: controller.signal, ioManager: new InMemoryIOManager() });
    expect(run.status).toBe(DagsterRunStatus.CANCELED);
    expect(ran).toEqual(['wait:true']);
    expect(instance.timeline('r1').at(-1)).toEqual(['PIPELINE_CANCELED', null, 'Execution of run for "slow" canceled.']);
    const failure = instance.entries.find((e) => e.dagsterEvent?.eventType === E.STEP_FAILURE)!.dagsterEvent!.eventSpecificData as StepFailureData;
    expect(failure.errorSource).toBe(ErrorSource.INTERRUPT);
  });

  it('captures each concurrent step’s stdout and console output to its own compute log file', async () => {
    const base = tempDir();
    const instance = new FakeExecutionInstance();
    instance.computeLogManager = new LocalComputeLogManager({ baseDir: base });
    instance.addRun({ runId: 'r1', jobName: 'talk' });
    const started = { a: deferred(), b: deferred() };
    const job: ExecutableJob = {
      name: 'talk',
      steps: [
        {
          key: 'a',
          compute: async () => {
            started.a.resolve();
            await started.b.promise;
            process.stdout.write('from a\n');
            console.error('warning from a');
          },
        },
        {
          key: 'b',
          compute: async () => {
            started.b.resolve();
            await started.a.promise;
            console.log('from b', 42);
          },
        },
      ],
    };
    await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    const captured = instance.entries.filter((e) => e.dagsterEvent?.eventType === E.LOGS_CAPTURED).map((e) => e.dagsterEvent!.eventSpecificData as ComputeLogsCaptureData);
    expect(captured.map((data) => data.stepKeys)).toEqual(expect.arrayContaining([[], ['a'], ['b']]));
    const manager = instance.computeLogManager;
    const fileKeyOf = (step: string) => captured.find((data) => data.stepKeys[0] === step)!.fileKey;
    expect(fileKeyOf('a')).toMatch(/^[a-z]{8}$/);
    const a = await manager.getLogData(['r1', 'compute_logs', fileKeyOf('a')]);
    const b = await manager.getLogData(['r1', 'compute_logs', fileKeyOf('b')]);
    expect(a.stdout?.toString()).toBe('from a\n');
    expect(a.stderr?.toString()).toBe('warning from a\n');
    expect(b.stdout?.toString()).toBe('from b 42\n');
    expect(readFileSync(join(base, 'r1', 'compute_logs', `${fileKeyOf('b')}.out`), 'utf8')).toBe('from b 42\n');
    expect(await manager.isCaptureComplete(['r1', 'compute_logs', fileKeyOf('b')])).toBe(true);
    const message = instance.entries.find((e) => e.dagsterEvent?.eventType === E.LOGS_CAPTURED)!.message;
    expect(message).toBe(`Started capturing logs in process (pid: ${process.pid}).`);
  });

  it('refuses a canceled run with an engine event', async () => {
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'etl', status: DagsterRunStatus.CANCELED });
    await expect(executeRun(instance, 'r1', etl)).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
    expect(instance.types('r1')).toEqual(['ENGINE_EVENT']);
  });
});

describe('retry delays', () => {
  it("follow Dagster's calculate_delay", () => {
    expect(calculateRetryDelay({ delay: 3 }, 4)).toBe(3);
    expect(calculateRetryDelay({ delay: 3, backoff: 'LINEAR' }, 4)).toBe(12);
    expect(calculateRetryDelay({ delay: 3, backoff: 'EXPONENTIAL' }, 3)).toBe(21);
    expect(calculateRetryDelay({ delay: 4, jitter: 'FULL' }, 1, () => 0.25)).toBe(1);
    expect(calculateRetryDelay({ delay: 4, jitter: 'PLUS_MINUS' }, 1, () => 0.25)).toBe(2);
  });
});
