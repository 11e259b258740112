import { DagsterRunStatus, EngineEventData, type DagsterRun } from '@inst/types';
import { describe, expect, it } from 'vitest';
import type { LaunchRunContext, ResumeRunContext, RunCoordinator, RunLauncher } from './contracts';
import { FakeInstance } from './fake-instance.testutil';
import { InProcessRunLauncher } from './in-process-run-launcher';
import { defineJob } from './job';
import { launchRun, resumeRun, submitRun } from './launch';
import { countResumeRunAttempts, RESUME_RUN_LOG_MESSAGE, runWillResume } from './resume';

/** A launcher that records what it is asked and can resume. */
class RecordingLauncher implements RunLauncher {
  readonly supportsResumeRun: boolean;
  readonly launched: LaunchRunContext[] = [];
  readonly resumed: ResumeRunContext[] = [];
  fail: Error | undefined;
  constructor(supportsResumeRun = true) {
    this.supportsResumeRun = supportsResumeRun;
  }
  async launchRun(context: LaunchRunContext): Promise<void> {
    if (this.fail) throw this.fail;
    this.launched.push(context);
  }
  async terminate(): Promise<boolean> {
    return false;
  }
  async resumeRun(context: ResumeRunContext): Promise<void> {
    if (this.fail) throw this.fail;
    this.resumed.push(context);
  }
}

describe('submitRun', () => {
  it('throws RunNotFoundError for an unknown run and writes nothing', async () => {
    const instance = new FakeInstance();
    await expect(submitRun(instance.ops, 'nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', runId: 'nope' });
    expect(instance.entries).toEqual([]);
  });

  it('refuses a run that is not NOT_STARTED, without marking it failed', async () => {
    const instance = new FakeInstance();
    instance.addRun({ runId: 'done', jobName: 'etl', status: DagsterRunStatus.SUCCESS });
    await expect(submitRun(instance.ops, 'done')).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION', ids: { runId: 'done' } });
    expect(instance.entries).toEqual([]);
    expect(instance.status('done')).toBe(DagsterRunStatus.SUCCESS);
  });

  it('hands the run and workspace to the coordinator and returns what it returns', async () => {
    const seen: unknown[] = [];
    const coordinator: RunCoordinator = {
      async submitRun(context) {
        seen.push(context.workspace);
        return context.dagsterRun.withStatus(DagsterRunStatus.STARTED);
      },
      cancelRun: async () => false,
    };
    const instance = new FakeInstance({ coordinator });
    instance.addRun({ runId: 'r1', jobName: 'etl' });
    const run = await submitRun(instance.ops, 'r1', { location: 'here' });
    expect(run.status).toBe(DagsterRunStatus.STARTED);
    expect(seen).toEqual([{ location: 'here' }]);
  });

  it('records a coordinator error on the run (ENGINE_EVENT + RUN_FAILURE) and rethrows it', async () => {
    const boom = new RangeError('queue is full');
    const coordinator: RunCoordinator = {
      submitRun: async () => {
        throw boom;
      },
      cancelRun: async () => false,
    };
    const instance = new FakeInstance({ coordinator });
    instance.addRun({ runId: 'r1', jobName: 'etl' });

    await expect(submitRun(instance.ops, 'r1')).rejects.toBe(boom);

    expect(instance.timeline('r1')).toEqual([
      ['ENGINE_EVENT', 'RangeError: queue is full\n'],
      ['PIPELINE_FAILURE', 'This run has been marked as failed from outside the execution context.'],
    ]);
    const engine = instance.entries[0];
    expect(engine?.level).toBe(40);
    expect(engine?.dagsterEvent?.eventSpecificData).toBeInstanceOf(EngineEventData);
    expect(engine?.dagsterEvent?.engineEventData.error).toMatchObject({ clsName: 'RangeError', message: 'RangeError: queue is full\n' });
    expect(instance.status('r1')).toBe(DagsterRunStatus.FAILURE);
  });
});

describe('launchRun', () => {
  it('emits PIPELINE_STARTING, then hands the reloaded STARTING run to the launcher', async () => {
    const launcher = new RecordingLauncher();
    const instance = new FakeInstance({ launcher });
    instance.addRun({ runId: 'r1', jobName: 'etl' });

    const run = await launchRun(instance.ops, 'r1', 'ws');

    expect(run.status).toBe(DagsterRunStatus.STARTING);
    expect(launcher.launched).toHaveLength(1);
    expect(launcher.launched[0]?.dagsterRun.status).toBe(DagsterRunStatus.STARTING);
    expect(launcher.launched[0]?.workspace).toBe('ws');
    expect(instance.timeline('r1')).toEqual([['PIPELINE_STARTING', '']]);
    expect(instance.entries[0]).toMatchObject({ level: 20, jobName: 'etl' });
  });

  it('throws RunNotFoundError for an unknown run', async () => {
    const instance = new FakeInstance({ launcher: new RecordingLauncher() });
    await expect(launchRun(instance.ops, 'nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', message: 'Could not load run nope that was passed to launch_run' });
  });

  it('fails the run and rethrows when the launcher does not know the job', async () => {
    const instance = new FakeInstance({ launcher: new InProcessRunLauncher({ jobs: [defineJob('other', [])] }) });
    instance.addRun({ runId: 'r1', jobName: 'etl' });

    await expect(launchRun(instance.ops, 'r1')).rejects.toMatchObject({ name: 'JobNotFoundError', code: 'LAUNCH_ERROR', ids: { jobName: 'etl', runId: 'r1' } });

    expect(instance.timeline('r1').map(([type]) => type)).toEqual(['PIPELINE_STARTING', 'ENGINE_EVENT', 'PIPELINE_FAILURE']);
    expect(instance.statusHistory.get('r1')).toEqual(['NOT_STARTED', 'STARTING', 'FAILURE']);
  });
});

describe('resumeRun', () => {
  it('refuses a run that is not in progress, writing nothing', async () => {
    const instance = new FakeInstance({ launcher: new RecordingLauncher() });
    instance.addRun({ runId: 'r1', jobName: 'etl', status: DagsterRunStatus.SUCCESS });
    await expect(resumeRun(instance.ops, 'r1', undefined, 1)).rejects.toMatchObject({
      code: 'INVARIANT_VIOLATION',
      message: 'Run r1 is not in a state that can be resumed',
    });
    await expect(resumeRun(instance.ops, 'missing', undefined, 1)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    expect(instance.entries).toEqual([]);
  });

  it('emits the resume marker and calls the launcher with the attempt number; attempts are counted', async () => {
    const launcher = new RecordingLauncher();
    const instance = new FakeInstance({ launcher });
    instance.addRun({ runId: 'r1', jobName: 'etl', status: DagsterRunStatus.STARTED });
    expect(await countResumeRunAttempts(instance.ops, 'r1')).toBe(0);

    const run = await resumeRun(instance.ops, 'r1', 'ws', 1);
    await resumeRun(instance.ops, 'r1', 'ws', 2);

    expect(run.runId).toBe('r1');
    expect(launcher.resumed.map((context) => [context.dagsterRun.runId, context.workspace, context.resumeAttemptNumber])).toEqual([
      ['r1', 'ws', 1],
      ['r1', 'ws', 2],
    ]);
    expect(instance.timeline('r1')).toEqual([
      ['ENGINE_EVENT', RESUME_RUN_LOG_MESSAGE],
      ['ENGINE_EVENT', RESUME_RUN_LOG_MESSAGE],
    ]);
    // Another engine event with a different message does not count.
    await instance.reportEngineEvent('something else', instance.runs.get('r1') as DagsterRun);
    expect(await countResumeRunAttempts(instance.ops, 'r1')).toBe(2);
  });

  it('records a launcher that cannot resume as a failure of the run, and rethrows', async () => {
    const instance = new FakeInstance({ launcher: new InProcessRunLauncher() });
    instance.addRun({ runId: 'r1', jobName: 'etl', status: DagsterRunStatus.STARTED });

    await expect(resumeRun(instance.ops, 'r1', undefined, 1)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });

    expect(instance.timeline('r1').map(([type]) => type)).toEqual(['ENGINE_EVENT', 'ENGINE_EVENT', 'PIPELINE_FAILURE']);
    expect(instance.status('r1')).toBe(DagsterRunStatus.FAILURE);
  });
});

describe('runWillResume', () => {
  function monitored(options: { supportsResume?: boolean; max?: number; status?: DagsterRunStatus } = {}) {
    const instance = new FakeInstance({ launcher: new RecordingLauncher(options.supportsResume ?? true) });
    instance.runMonitoringEnabled = true;
    instance.runMonitoringMaxResumeRunAttempts = options.max ?? 2;
    instance.addRun({ runId: 'r1', jobName: 'etl', status: options.status ?? DagsterRunStatus.STARTED });
    return instance;
  }

  it('is false when run monitoring is off', async () => {
    const instance = monitored();
    instance.runMonitoringEnabled = false;
    expect(await runWillResume(instance.ops, 'r1')).toBe(false);
  });

  it('is true below the maximum resume attempts and false once they are used up', async () => {
    const instance = monitored({ max: 2 });
    expect(await runWillResume(instance.ops, 'r1')).toBe(true);
    await resumeRun(instance.ops, 'r1', undefined, 1);
    expect(await runWillResume(instance.ops, 'r1')).toBe(true);
    await resumeRun(instance.ops, 'r1', undefined, 2);
    expect(await runWillResume(instance.ops, 'r1')).toBe(false);
  });

  it('is false with no resume attempts allowed, a launcher that cannot resume, or a canceling run', async () => {
    expect(await runWillResume(monitored({ max: 0 }).ops, 'r1')).toBe(false);
    expect(await runWillResume(monitored({ supportsResume: false }).ops, 'r1')).toBe(false);
    expect(await runWillResume(monitored({ status: DagsterRunStatus.CANCELING }).ops, 'r1')).toBe(false);
    expect(await runWillResume(monitored({ status: DagsterRunStatus.CANCELED }).ops, 'r1')).toBe(false);
  });

  it('counts attempts through the instance method, so an override is seen', async () => {
    const instance = monitored({ max: 5 });
    const ops = { ...instance.ops, runLauncher: instance.runLauncher, countResumeRunAttempts: async () => 5 };
    expect(await runWillResume(ops, 'r1')).toBe(false);
  });
});
