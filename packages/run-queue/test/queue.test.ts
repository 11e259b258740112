import { NoOpRunLauncher, QueuedRunCoordinator } from '@inst/run-launcher';
import { DagsterEventType, DagsterRunStatus, type DagsterRun } from '@inst/types';
import { serializeValue } from '@inst/serdes';
import { afterEach, describe, expect, it } from 'vitest';
import { runQueueIteration } from '../src/index';
import { BACKENDS, clock, finishRun, inFlightHighWater, lifecycleEvents, submitRun, testHome, type TestHome } from './support';

describe.each(BACKENDS)('run queue on %s', (backend) => {
  let home: TestHome | undefined;
  afterEach(async () => {
    await home?.dispose();
    home = undefined;
  });

  it('is the default coordinator: submitRun writes PIPELINE_ENQUEUED and returns the QUEUED run', async () => {
    home = await testHome(backend);
    const { instance } = home;
    expect(instance.runCoordinator).toBeInstanceOf(QueuedRunCoordinator);
    expect(instance.getRequiredDaemonTypes()).toContain('QUEUED_RUN_COORDINATOR');
    expect(instance.getConcurrencyConfig().runQueueConfig?.maxConcurrentRuns).toBe(10);
    const run = await submitRun(instance);
    expect(run.status).toBe(DagsterRunStatus.QUEUED);
    const events = await instance.allLogs(run.runId);
    expect(events.map((e) => e.dagsterEvent?.eventTypeValue)).toEqual(['PIPELINE_ENQUEUED']);
    // A queued run is canceled in place.
    const other = await submitRun(instance);
    expect(await instance.runCoordinator.cancelRun(other.runId)).toBe(true);
    expect((await instance.getRunById(other.runId))?.status).toBe(DagsterRunStatus.CANCELED);
  });

  it('never exceeds max_concurrent_runs 2 and a tag limit over 50 submissions (checked from the event log)', async () => {
    home = await testHome(backend, {
      run_queue: { max_concurrent_runs: 2, tag_concurrency_limits: [{ key: 'team', value: 'a', limit: 1 }] },
    });
    const { instance } = home;
    const runs: DagsterRun[] = [];
    for (let i = 0; i < 50; i++) runs.push(await submitRun(instance, { team: i % 3 === 0 ? 'b' : 'a' }));
    const now = clock();
    let finished = 0;
    for (let round = 0; finished < 50 && round < 500; round++) {
      await runQueueIteration(instance, { now, launchConcurrency: 4 });
      // A "worker": finish one of the runs in flight (alternating oldest/newest), as run workers end at any time.
      const inFlight = await instance.getRuns(new (await import('@inst/types')).RunsFilter({ statuses: [DagsterRunStatus.STARTING] }));
      const pick = inFlight[round % 2 === 0 ? 0 : inFlight.length - 1];
      if (pick) {
        await finishRun(instance, pick.runId);
        finished++;
      }
      now.advance(1);
    }
    expect(finished).toBe(50);
    const { max, maxPerTag, startings } = await inFlightHighWater(instance, runs, 'team');
    expect(max).toBe(2);
    expect(maxPerTag.get('a')).toBe(1);
    expect(maxPerTag.get('b')).toBeLessThanOrEqual(2);
    expect(startings.size).toBe(50);
    expect([...startings.values()].every((n) => n === 1)).toBe(true);
    for (const run of runs) expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.SUCCESS);
  });

  it('launches in priority order, FIFO among equal priorities; a malformed priority counts as 0', async () => {
    home = await testHome(backend, { run_queue: { max_concurrent_runs: -1 } });
    const { instance } = home;
    const low = await submitRun(instance, { 'dagster/priority': '-1' });
    const first = await submitRun(instance);
    const high = await submitRun(instance, { 'dagster/priority': '3' });
    const malformed = await submitRun(instance, { 'dagster/priority': 'foobar' });
    const result = await runQueueIteration(instance);
    expect(result.launched).toEqual([high.runId, first.runId, malformed.runId, low.runId]);
    expect((instance.runLauncher as NoOpRunLauncher).launchedRunIds).toEqual(result.launched);
  });

  it('with max_concurrent_runs 0 launches nothing (a paused queue), and counts in-progress runs against the limit', async () => {
    home = await testHome(backend, { run_queue: { max_concurrent_runs: 0 } });
    const { instance } = home;
    const run = await submitRun(instance);
    expect((await runQueueIteration(instance)).launched).toEqual([]);
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.QUEUED);
    expect((await lifecycleEvents(instance)).map(([, e]) => e.dagsterEvent?.eventType)).toEqual([DagsterEventType.RUN_ENQUEUED]);
  });

  it('limits per unique tag value and by key alone, as Dagster counts them', async () => {
    home = await testHome(backend, {
      run_queue: {
        max_concurrent_runs: -1,
        tag_concurrency_limits: [
          { key: 'tenant', value: { applyLimitPerUniqueValue: true }, limit: 1 },
          { key: 'db', limit: 2 },
        ],
      },
    });
    const { instance } = home;
    const t1a = await submitRun(instance, { tenant: 'one' });
    const t1b = await submitRun(instance, { tenant: 'one' });
    const t2 = await submitRun(instance, { tenant: 'two' });
    const d1 = await submitRun(instance, { db: 'x' });
    const d2 = await submitRun(instance, { db: 'y' });
    const d3 = await submitRun(instance, { db: 'z' });
    const launched = (await runQueueIteration(instance)).launched;
    expect(launched).toEqual([t1a.runId, t2.runId, d1.runId, d2.runId]);
    expect((await runQueueIteration(instance)).launched).toEqual([]);
    await finishRun(instance, t1a.runId);
    await finishRun(instance, d1.runId);
    expect((await runQueueIteration(instance)).launched).toEqual([t1b.runId, d3.runId]);
  });

  it('a launch that throws marks the run failed with an ENGINE_EVENT; the other runs still launch', async () => {
    home = await testHome(backend, { run_queue: { max_concurrent_runs: -1 } });
    const { instance } = home;
    const bad = await submitRun(instance, { bad: 'yes' });
    const good = await submitRun(instance);
    const launcher = instance.runLauncher as NoOpRunLauncher;
    const original = launcher.launchRun.bind(launcher);
    launcher.launchRun = async (context) => {
      if (context.dagsterRun.tags.bad) throw new Error('cannot start this one');
      await original(context);
    };
    const result = await runQueueIteration(instance);
    expect(result.launched).toEqual([good.runId]);
    expect(result.failed).toEqual([bad.runId]);
    expect((await instance.getRunById(bad.runId))?.status).toBe(DagsterRunStatus.FAILURE);
    const messages = (await instance.allLogs(bad.runId, DagsterEventType.ENGINE_EVENT)).map((e) => e.message);
    expect(messages).toContain('Caught an unrecoverable error while dequeuing the run. Marking the run as failed and dropping it from the queue');
  });

  it('a claim write that fails does not abandon the other claims: they settle before the unlock and are launched', async () => {
    home = await testHome(backend, { run_queue: { max_concurrent_runs: -1 } });
    const { instance } = home;
    const runs: DagsterRun[] = [];
    for (let i = 0; i < 12; i++) runs.push(await submitRun(instance));
    const broken = runs[3]!.runId;
    let writing = 0;
    let writingAtUnlock = -1;
    // The claim of one run fails, and the others are slow: the unlock must wait for every one of them.
    const original = instance.reportDagsterEvent.bind(instance);
    const patched = async (...args: Parameters<typeof original>) => {
      if (args[0].eventType !== DagsterEventType.RUN_STARTING) return original(...args);
      writing++;
      try {
        if (args[1] === broken) throw new Error('disk full');
        await new Promise((r) => setTimeout(r, 20));
        return await original(...args);
      } finally {
        writing--;
      }
    };
    (instance as { reportDagsterEvent: unknown }).reportDagsterEvent = patched;
    const lock = {
      async withLock<T>(_name: string, fn: () => Promise<T>): Promise<T> {
        try {
          return await fn();
        } finally {
          writingAtUnlock = writing;
        }
      },
      close: async () => {},
    };
    const errors: string[] = [];
    const result = await runQueueIteration(instance, { lock, launchConcurrency: 4, logger: { error: (m) => errors.push(m) } });
    expect(writingAtUnlock).toBe(0);
    expect(result.failed).toEqual([broken]);
    expect(result.launched.sort()).toEqual(runs.map((r) => r.runId).filter((id) => id !== broken).sort());
    expect(errors.some((m) => m.includes(broken) && m.includes('disk full'))).toBe(true);
    // The run whose claim failed is still QUEUED; the next iteration takes it.
    expect((await instance.getRunById(broken))?.status).toBe(DagsterRunStatus.QUEUED);
    (instance as { reportDagsterEvent: unknown }).reportDagsterEvent = original;
    expect((await runQueueIteration(instance, { lock })).launched).toEqual([broken]);
  });
});

describe.each(BACKENDS)('batched claims on %s', (backend) => {
  it('store the same PIPELINE_STARTING events and statuses, in priority order, capped by maxClaims', async () => {
    const home = await testHome(backend, { run_queue: { max_concurrent_runs: -1 } });
    try {
      const { instance } = home;
      const low = await submitRun(instance);
      const high = await submitRun(instance, { 'dagster/priority': '1' });
      const third = await submitRun(instance);
      const first = await runQueueIteration(instance, { batchClaims: true, maxClaims: 2 });
      expect(first.launched).toEqual([high.runId, low.runId]);
      expect((await runQueueIteration(instance, { batchClaims: true })).launched).toEqual([third.runId]);
      for (const run of [low, high, third]) {
        expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.STARTING);
        expect((await instance.allLogs(run.runId)).map((e) => e.dagsterEvent?.eventTypeValue)).toEqual(['PIPELINE_ENQUEUED', 'PIPELINE_STARTING', 'ENGINE_EVENT']);
      }
    } finally {
      await home.dispose();
    }
  });

  it('write the run row as the one-run path does (body, status, update time) and skip a run that is no longer QUEUED', async () => {
    const home = await testHome(backend, { run_queue: { max_concurrent_runs: -1 } });
    try {
      const { instance } = home;
      const t = clock(1_800_000_000.25);
      const [one, batched, canceled] = [await submitRun(instance, { team: 'a' }), await submitRun(instance, { team: 'a' }), await submitRun(instance)];
      // One run through reportDagsterEvent, the others batched, at the same time.
      expect((await runQueueIteration(instance, { now: t, maxClaims: 1 })).claimed).toEqual([one.runId]);
      // The third run is canceled just after the iteration has read the queue: chosen, but not claimed.
      const getRuns = instance.getRuns.bind(instance);
      let cancel = true;
      instance.getRuns = (async (...args: Parameters<typeof getRuns>) => {
        const page = await getRuns(...args);
        if (cancel && page.some((run) => run.runId === canceled.runId)) {
          cancel = false;
          await instance.reportRunCanceled(canceled);
        }
        return page;
      }) as typeof instance.getRuns;
      expect((await runQueueIteration(instance, { now: t, batchClaims: true })).claimed).toEqual([batched.runId]);
      expect(cancel).toBe(false);
      const [a, b] = [(await instance.getRunRecordById(one.runId))!, (await instance.getRunRecordById(batched.runId))!];
      expect(serializeValue(b.dagsterRun)).toBe(serializeValue(a.dagsterRun).replaceAll(one.runId, batched.runId));
      expect(b.updateTimestamp.getTime()).toBe(a.updateTimestamp.getTime());
      expect(b.updateTimestamp.getTime()).toBe(1_800_000_000_250);
      const starting = async (runId: string) => (await instance.allLogs(runId, DagsterEventType.RUN_STARTING)).map((e) => [e.timestamp, e.level, e.message, e.jobName]);
      expect(await starting(batched.runId)).toEqual(await starting(one.runId));
      expect((await instance.getRunById(canceled.runId))?.status).toBe(DagsterRunStatus.CANCELED);
      expect(await instance.allLogs(canceled.runId, DagsterEventType.RUN_STARTING)).toEqual([]);
    } finally {
      await home.dispose();
    }
  });
});

it('the instance describes the coordinator that runs: queued for a home, launch-at-submit for an ephemeral instance', async () => {
  const { Instance } = await import('@inst/core');
  const { DefaultRunCoordinator } = await import('@inst/run-launcher');
  const ephemeral = await Instance.ephemeral();
  try {
    expect(ephemeral.runCoordinator).toBeInstanceOf(DefaultRunCoordinator);
    expect((ephemeral.infoDict().run_coordinator as { class: string }).class).toBe('DefaultRunCoordinator');
    expect(ephemeral.getConcurrencyConfig().runQueueConfig).toBeUndefined();
    expect(ephemeral.getRequiredDaemonTypes()).toEqual([]);
  } finally {
    await ephemeral.dispose();
  }
  const home = await testHome('sqlite', { run_queue: { max_concurrent_runs: 3 } });
  try {
    expect(home.instance.runCoordinator).toBeInstanceOf(QueuedRunCoordinator);
    expect((home.instance.infoDict().run_coordinator as { class: string }).class).toBe('QueuedRunCoordinator');
    expect(home.instance.getConcurrencyConfig().runQueueConfig?.maxConcurrentRuns).toBe(3);
  } finally {
    await home.dispose();
  }
});
