import { serializeValue } from '@inst/serdes';
import {
  AssetKey,
  DagsterEventType,
  DagsterRunStatus,
  ErrorSource,
  JobFailureData,
  RunFailureReason,
  StepFailureData,
  StepMaterializationData,
  StepOutputData,
  StepSuccessData,
} from '@inst/types';
import { describe, expect, it } from 'vitest';
import { FakeInstance } from './fake-instance.testutil';
import { InProcessRunLauncher } from './in-process-run-launcher';
import { defineJob } from './job';

const E = DagsterEventType;

function etlInstance() {
  const seen: unknown[] = [];
  const job = defineJob('etl', [
    {
      key: 'extract',
      async fn(context) {
        await context.log.info(`extracting with ${JSON.stringify(context.config)}`);
        return [1, 2, 3];
      },
    },
    {
      key: 'load',
      deps: ['extract'],
      async fn(context) {
        seen.push(context.inputs.extract);
        await context.reportAssetMaterialization({ assetKey: ['warehouse', 'numbers'], metadata: { rows: 3 } });
      },
    },
  ]);
  const instance = new FakeInstance({ launcher: new InProcessRunLauncher({ jobs: [job] }) });
  return { instance, seen };
}

describe('executing a run in process', () => {
  it('moves the run NOT_STARTED → STARTING → STARTED → SUCCESS through the events Dagster writes', async () => {
    const { instance, seen } = etlInstance();
    instance.addRun({ runId: 'r1', jobName: 'etl', runConfig: { ops: { extract: { config: { limit: 3 } } } } });

    const submitted = await instance.submitRun('r1');

    expect(submitted.status).toBe(DagsterRunStatus.SUCCESS);
    expect(instance.statusHistory.get('r1')).toEqual(['NOT_STARTED', 'STARTING', 'STARTED', 'SUCCESS']);
    expect(seen).toEqual([[1, 2, 3]]);
    const timeline = instance.timeline('r1');
    expect(timeline.map(([type]) => type)).toEqual([
      'PIPELINE_STARTING',
      'PIPELINE_START',
      'ENGINE_EVENT',
      'STEP_START',
      'LOG',
      'STEP_OUTPUT',
      'HANDLED_OUTPUT',
      'STEP_SUCCESS',
      'STEP_START',
      'LOADED_INPUT',
      'STEP_INPUT',
      'ASSET_MATERIALIZATION',
      'STEP_SUCCESS',
      'ENGINE_EVENT',
      'PIPELINE_SUCCESS',
    ]);
    expect(timeline[1]).toEqual(['PIPELINE_START', 'Started execution of run for "etl".']);
    expect(timeline[2]).toEqual(['ENGINE_EVENT', `Executing steps in process (pid: ${process.pid})`]);
    expect(timeline[3]).toEqual(['STEP_START', 'Started execution of step "extract".']);
    expect(timeline[4]).toEqual(['LOG', 'extracting with {"limit":3}']);
    expect(timeline[5]).toEqual(['STEP_OUTPUT', 'Yielded output "result" of type "Any". (Type check passed).']);
    expect(timeline[7]?.[1]).toMatch(/^Finished execution of step "extract" in \d+(\.\d+)?(ms|s)\.$/);
    expect(timeline[9]).toEqual(['LOADED_INPUT', 'Loaded input "extract" using input manager "io_manager", from output "result" of step "extract"']);
    expect(timeline[11]).toEqual(['ASSET_MATERIALIZATION', 'Materialized value warehouse numbers.']);
    expect(timeline[14]).toEqual(['PIPELINE_SUCCESS', 'Finished execution of run for "etl".']);
  });

  it('writes user logs as plain entries and step events at DEBUG with the step handle', async () => {
    const { instance } = etlInstance();
    instance.addRun({ runId: 'r1', jobName: 'etl' });
    await instance.submitRun('r1');

    const log = instance.entries.find((entry) => entry.dagsterEvent === null);
    expect(log).toMatchObject({ level: 20, stepKey: 'extract', jobName: 'etl', runId: 'r1', userMessage: 'extracting with undefined' });

    const stepStart = instance.entries.find((entry) => entry.dagsterEvent?.eventType === E.STEP_START);
    expect(stepStart?.level).toBe(10);
    expect(stepStart?.stepKey).toBe('extract');
    expect(stepStart?.dagsterEvent?.stepKindValue).toBe('COMPUTE');
    expect(stepStart?.dagsterEvent?.nodeHandle?.name).toBe('extract');
    expect(stepStart?.dagsterEvent?.loggingTags).toMatchObject({ job_name: 'etl', run_id: 'r1', step_key: 'extract', op_name: 'extract' });

    const output = instance.entries.find((entry) => entry.dagsterEvent?.eventType === E.STEP_OUTPUT)?.dagsterEvent?.eventSpecificData;
    expect(output).toBeInstanceOf(StepOutputData);
    expect((output as StepOutputData).stepOutputHandle).toMatchObject({ stepKey: 'extract', outputName: 'result' });

    const success = instance.entries.find((entry) => entry.dagsterEvent?.eventType === E.STEP_SUCCESS)?.dagsterEvent?.eventSpecificData;
    expect(success).toBeInstanceOf(StepSuccessData);
    expect((success as StepSuccessData).durationMs).toBeGreaterThanOrEqual(0);

    const materialization = instance.entries.find((entry) => entry.dagsterEvent?.eventType === E.ASSET_MATERIALIZATION)?.dagsterEvent;
    expect(materialization?.eventSpecificData).toBeInstanceOf(StepMaterializationData);
    expect(materialization?.assetKey).toEqual(new AssetKey(['warehouse', 'numbers']));
    expect(materialization?.materialization.metadata).toMatchObject({ rows: { value: 3 } });
  });

  it('fails a step with StepFailureData, abandons its dependents, runs the rest and fails the run', async () => {
    const ran: string[] = [];
    const job = defineJob('etl', [
      { key: 'a', fn: () => ran.push('a') },
      {
        key: 'b',
        fn: () => {
          throw new TypeError('boom');
        },
      },
      { key: 'c', deps: ['b'], fn: () => ran.push('c') },
      { key: 'd', deps: ['c'], fn: () => ran.push('d') },
      { key: 'e', fn: () => ran.push('e') },
    ]);
    const instance = new FakeInstance({ launcher: new InProcessRunLauncher({ jobs: [job] }) });
    instance.addRun({ runId: 'r2', jobName: 'etl' });

    const run = await instance.submitRun('r2');

    expect(run.status).toBe(DagsterRunStatus.FAILURE);
    expect(ran).toEqual(['a', 'e']);
    const timeline = instance.timeline('r2');
    expect(timeline).toContainEqual(['STEP_FAILURE', 'Execution of step "b" failed.']);
    expect(timeline).toContainEqual(['LOG', "Dependencies for step c failed: ['b']. Not executing."]);
    expect(timeline).toContainEqual(['LOG', "Dependencies for step d were not executed: ['c']. Not executing."]);
    expect(timeline.at(-1)).toEqual(['PIPELINE_FAILURE', `Execution of run for "etl" failed. Steps failed: ['b'].`]);

    const failureEntry = instance.entries.find((entry) => entry.dagsterEvent?.eventType === E.STEP_FAILURE);
    expect(failureEntry?.level).toBe(40);
    const stepFailure = failureEntry?.dagsterEvent?.eventSpecificData as StepFailureData;
    expect(stepFailure).toBeInstanceOf(StepFailureData);
    expect(stepFailure.errorSource).toBe(ErrorSource.USER_CODE_ERROR);
    expect(stepFailure.error).toMatchObject({ clsName: 'DagsterExecutionStepExecutionError', cause: { message: 'TypeError: boom\n', clsName: 'TypeError' } });
    expect(stepFailure.error?.cause?.stack.length).toBeGreaterThan(0);

    const abandoned = instance.entries.find((entry) => entry.userMessage.startsWith('Dependencies for step c'));
    expect(abandoned?.level).toBe(40);

    const runFailure = instance.entries.at(-1)?.dagsterEvent?.eventSpecificData as JobFailureData;
    expect(runFailure).toBeInstanceOf(JobFailureData);
    expect(runFailure.failureReason).toBe(RunFailureReason.STEP_FAILURE);
    expect(runFailure.error).toBe(stepFailure.error);
    expect(runFailure.firstStepFailureEvent).toBe(failureEntry?.dagsterEvent);
    // The entries are valid serdes records, as they would be stored.
    expect(serializeValue(instance.entries.at(-1))).toContain('"failure_reason": {"__enum__": "RunFailureReason.STEP_FAILURE"}');
    expect(serializeValue(failureEntry)).toContain('"__class__": "StepFailureData"');
  });

  it('runs only the selected steps of a re-execution, loading inputs from the parent run', async () => {
    const ran: string[] = [];
    const job = defineJob('etl', [
      { key: 'a', fn: () => (ran.push('a'), 'from-a') },
      { key: 'b', deps: ['a'], fn: (context) => void ran.push(`b:${String(context.inputs.a)}`) },
    ]);
    const instance = new FakeInstance({ launcher: new InProcessRunLauncher({ jobs: [job] }) });
    instance.addRun({ runId: 'r3', jobName: 'etl' });
    await instance.submitRun('r3');
    instance.addRun({ runId: 'r3b', jobName: 'etl', parentRunId: 'r3', rootRunId: 'r3', stepKeysToExecute: ['b'] });
    await instance.submitRun('r3b');
    expect(ran).toEqual(['a', 'b:from-a', 'b:from-a']);
    expect(instance.status('r3b')).toBe(DagsterRunStatus.SUCCESS);
    // No parent: the input has nowhere to load from, and the step fails instead of getting undefined.
    instance.addRun({ runId: 'r3c', jobName: 'etl', stepKeysToExecute: ['b'] });
    await instance.submitRun('r3c');
    expect(instance.status('r3c')).toBe(DagsterRunStatus.FAILURE);
  });

  it('fails the run with RUN_EXCEPTION when the execution itself breaks', async () => {
    const job = defineJob('etl', [{ key: 'a', fn: () => 1 }]);
    const instance = new FakeInstance({ launcher: new InProcessRunLauncher({ jobs: [job] }) });
    instance.addRun({ runId: 'r4', jobName: 'etl' });
    instance.failWrite = (entry) => entry.dagsterEvent?.eventType === E.STEP_OUTPUT;

    const run = await instance.submitRun('r4');

    expect(run.status).toBe(DagsterRunStatus.FAILURE);
    const last = instance.entries.at(-1);
    expect(last?.message).toBe('Execution of run for "etl" failed. An exception was thrown during execution.');
    const data = last?.dagsterEvent?.eventSpecificData as JobFailureData;
    expect(data.failureReason).toBe(RunFailureReason.RUN_EXCEPTION);
    expect(data.error?.message).toBe('Error: disk full\n');
    // Nothing after the failed write was stored.
    expect(instance.timeline('r4').map(([type]) => type)).toEqual(['PIPELINE_STARTING', 'PIPELINE_START', 'ENGINE_EVENT', 'STEP_START', 'PIPELINE_FAILURE']);
  });

  it('refuses to execute a run that was canceled before it started', async () => {
    const job = defineJob('etl', [{ key: 'a', fn: () => 1 }]);
    const launcher = new InProcessRunLauncher({ jobs: [job] });
    const instance = new FakeInstance({ launcher });
    const run = instance.addRun({ runId: 'r5', jobName: 'etl', status: DagsterRunStatus.CANCELED });

    await expect(launcher.launchRun({ dagsterRun: run })).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
    expect(instance.timeline('r5')).toEqual([['ENGINE_EVENT', 'Not starting execution since the run was canceled before execution could start']]);
  });
});

describe('terminating and health checks (background mode)', () => {
  it('cancels a running run after its current step and reports worker health', async () => {
    const ran: string[] = [];
    let release!: () => void;
    const waiting = new Promise<void>((resolve) => {
      release = resolve;
    });
    let stepStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      stepStarted = resolve;
    });
    const job = defineJob('slow', [
      {
        key: 'wait',
        async fn(context) {
          stepStarted();
          await waiting;
          ran.push(`wait:${String(context.signal.aborted)}`);
        },
      },
      { key: 'after', deps: ['wait'], fn: () => void ran.push('after') },
    ]);
    const launcher = new InProcessRunLauncher({ jobs: [job], waitForCompletion: false });
    const instance = new FakeInstance({ launcher });
    const run = instance.addRun({ runId: 'r6', jobName: 'slow' });

    const launched = await instance.submitRun('r6');
    // The coordinator returned while the run executes in the background.
    expect([DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]).toContain(launched.status);
    await started;
    expect(await launcher.checkRunWorkerHealth(run)).toEqual({ status: 'RUNNING' });
    expect(instance.status('r6')).toBe(DagsterRunStatus.STARTED);

    expect(await instance.runCoordinator.cancelRun('r6')).toBe(true);
    expect(instance.status('r6')).toBe(DagsterRunStatus.CANCELING);
    expect(await launcher.terminate('r6')).toBe(false);
    release();
    await launcher.join();

    expect(ran).toEqual(['wait:true']);
    expect(instance.status('r6')).toBe(DagsterRunStatus.CANCELED);
    const timeline = instance.timeline('r6');
    expect(timeline).toContainEqual(['PIPELINE_CANCELING', 'Sending run termination request.']);
    expect(timeline.at(-1)).toEqual(['PIPELINE_CANCELED', 'Execution of run for "slow" canceled.']);
    expect(await launcher.checkRunWorkerHealth(run)).toMatchObject({ status: 'FAILED' });
    expect(await launcher.terminate('r6')).toBe(false);
    expect(await launcher.checkRunWorkerHealth(instance.addRun({ runId: 'other', jobName: 'slow' }))).toMatchObject({ status: 'NOT_FOUND' });
  });

  it('records a background run that cannot start as failed, with an engine event', async () => {
    const job = defineJob('etl', [{ key: 'a', fn: () => 1 }]);
    const launcher = new InProcessRunLauncher({ jobs: [job], waitForCompletion: false });
    const instance = new FakeInstance({ launcher });
    // A run the launcher is handed in a status execution does not accept.
    const run = instance.addRun({ runId: 'r7', jobName: 'etl', status: DagsterRunStatus.STARTED });
    await launcher.launchRun({ dagsterRun: run });
    await launcher.join();
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(instance.timeline('r7')).toEqual([
      ['ENGINE_EVENT', 'An exception was thrown during execution that is likely a framework error, rather than an error in user code.'],
      ['PIPELINE_FAILURE', 'This run has been marked as failed from outside the execution context.'],
    ]);
    expect(instance.entries[0]?.dagsterEvent?.engineEventData.error?.message).toContain('in state STARTED, expected NOT_STARTED or STARTING');
    expect(instance.status('r7')).toBe(DagsterRunStatus.FAILURE);
  });
});
