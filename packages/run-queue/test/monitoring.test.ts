import { NoOpRunLauncher, WorkerStatus, type CheckRunHealthResult } from '@inst/run-launcher';
import { DagsterEvent, DagsterEventType, DagsterRunStatus, RunsFilter } from '@inst/types';
import { Instance } from '@inst/core';
import { afterEach, describe, expect, it } from 'vitest';
import { runMonitoringIteration, runQueueIteration } from '../src/index';
import { BACKENDS, clock, submitRun, testHome, type TestHome } from './support';

const MONITORING = { run_monitoring: { enabled: true, start_timeout_seconds: 180, cancel_timeout_seconds: 60, max_resume_run_attempts: 0 } };

describe.each(BACKENDS)('run monitoring on %s', (backend) => {
  let home: TestHome | undefined;
  afterEach(async () => {
    await home?.dispose();
    home = undefined;
  });

  it('fails a run stuck in STARTING past start_timeout_seconds, with START_TIMEOUT', async () => {
    home = await testHome(backend, MONITORING);
    const { instance } = home;
    expect(instance.getRequiredDaemonTypes()).toContain('MONITORING');
    const now = clock();
    const run = await submitRun(instance);
    await runQueueIteration(instance, { now });
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.STARTING);
    now.advance(179);
    await runMonitoringIteration(instance, { now });
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.STARTING);
    now.advance(1);
    await runMonitoringIteration(instance, { now });
    const failed = await instance.getRunById(run.runId);
    expect(failed?.status).toBe(DagsterRunStatus.FAILURE);
    expect(failed?.tags['dagster/failure_reason']).toBe('START_TIMEOUT');
    const failure = await instance.allLogs(run.runId, DagsterEventType.RUN_FAILURE);
    expect(failure.map((e) => e.message)).toEqual(['Run timed out due to taking longer than 180 seconds to start.']);
    // A second iteration (or a second daemon) finds nothing left to do.
    now.advance(1000);
    await runMonitoringIteration(instance, { now });
    expect(await instance.allLogs(run.runId, DagsterEventType.RUN_FAILURE)).toHaveLength(1);
  });

  it('fails a run left NOT_STARTED past start_timeout_seconds since its creation (Dagster newest), with START_TIMEOUT', async () => {
    home = await testHome(backend, MONITORING);
    const { instance } = home;
    const run = await instance.createRun({ jobName: 'job', tags: {} });
    const created = (await instance.getRunRecords(new RunsFilter({ runIds: [run.runId] })))[0]!.createTimestamp.getTime() / 1000;
    const now = clock(created + 179);
    await runMonitoringIteration(instance, { now });
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.NOT_STARTED);
    now.advance(1);
    await runMonitoringIteration(instance, { now });
    const failed = await instance.getRunById(run.runId);
    expect(failed?.status).toBe(DagsterRunStatus.FAILURE);
    expect(failed?.tags['dagster/failure_reason']).toBe('START_TIMEOUT');
    expect((await instance.allLogs(run.runId, DagsterEventType.RUN_FAILURE)).map((e) => e.message)).toEqual([
      'Run timed out due to taking longer than 180 seconds to start.',
    ]);
  });

  it('marks a run stuck in CANCELING as CANCELED past cancel_timeout_seconds', async () => {
    home = await testHome(backend, MONITORING);
    const { instance } = home;
    const run = await submitRun(instance);
    await runQueueIteration(instance);
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'job' }), run.runId);
    await instance.reportRunCanceling((await instance.getRunById(run.runId))!);
    const now = clock();
    await runMonitoringIteration(instance, { now });
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.CANCELING);
    now.advance(61);
    await runMonitoringIteration(instance, { now });
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.CANCELED);
    const canceled = await instance.allLogs(run.runId, DagsterEventType.RUN_CANCELED);
    expect(canceled.map((e) => e.message)).toEqual(['Run timed out due to taking longer than 60 seconds to cancel.']);
  });

  it('enforces dagster/max_runtime: only the run over its limit is canceled, terminated and failed', async () => {
    home = await testHome(backend, MONITORING);
    const { instance } = home;
    const short = await submitRun(instance, { 'dagster/max_runtime': '500' });
    const long = await submitRun(instance, { 'dagster/max_runtime': '1000' });
    await runQueueIteration(instance);
    for (const run of [short, long]) {
      await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'job' }), run.runId);
    }
    const terminated: string[] = [];
    (instance.runLauncher as NoOpRunLauncher).terminate = async (runId) => {
      terminated.push(runId);
      return true;
    };
    const now = clock();
    now.advance(501);
    await runMonitoringIteration(instance, { now });
    expect(terminated).toEqual([short.runId]);
    expect((await instance.getRunById(short.runId))?.status).toBe(DagsterRunStatus.FAILURE);
    expect((await instance.getRunById(long.runId))?.status).toBe(DagsterRunStatus.STARTED);
    const messages = (await instance.allLogs(short.runId)).map((e) => e.message);
    expect(messages).toContain('Canceling due to exceeding maximum runtime of 500 seconds.');
    expect((await instance.allLogs(short.runId, DagsterEventType.RUN_FAILURE)).map((e) => e.message)).toEqual([
      'Exceeded maximum runtime of 500 seconds.',
    ]);
  });

  it('resumes a run whose worker died up to max_resume_run_attempts, then fails it', async () => {
    // The recording launcher cannot resume runs, so the config keeps max_resume_run_attempts at 0 (the instance
    // refuses otherwise); a subclass raises it, as products subclassing the instance do — monitoring reads the
    // instance's member, so the override is seen. The launcher gets a health check and a resume that record calls.
    class ResumingInstance extends Instance {
      override get runMonitoringMaxResumeRunAttempts(): number {
        return 2;
      }
    }
    home = await testHome(backend, MONITORING, ResumingInstance);
    const { instance } = home;
    const launcher = instance.runLauncher as NoOpRunLauncher;
    const resumed: number[] = [];
    Object.assign(launcher, {
      supportsCheckRunWorkerHealth: true,
      supportsResumeRun: true,
      checkRunWorkerHealth: async (): Promise<CheckRunHealthResult> => ({ status: WorkerStatus.FAILED, msg: 'worker gone' }),
      resumeRun: async (context: { resumeAttemptNumber?: number | null }) => void resumed.push(context.resumeAttemptNumber ?? -1),
    });
    const run = await submitRun(instance);
    await runQueueIteration(instance);
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'job' }), run.runId);
    for (let i = 0; i < 3; i++) await runMonitoringIteration(instance);
    expect(resumed).toEqual([1, 2]);
    expect(await instance.countResumeRunAttempts(run.runId)).toBe(2);
    const failed = await instance.getRunById(run.runId);
    expect(failed?.status).toBe(DagsterRunStatus.FAILURE);
    expect((await instance.allLogs(run.runId, DagsterEventType.RUN_FAILURE)).map((e) => e.message)).toEqual([
      `Detected run worker status FAILED: 'worker gone'. Marking run ${run.runId} as failed, because it has surpassed the configured maximum attempts to resume the run: 2.`,
    ]);
  });
});
