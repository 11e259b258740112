import type { Instance } from '@inst/core';
import { DagsterRunStatus, RUN_TAGS, RunsFilter, TickStatus } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { launchScheduledRuns } from '../src/scheduler';
import { Clock, contextFor, fakeLocation, startScheduleAt, tempInstance, workspaceOf } from './fixtures';

let instance: Instance | undefined;
afterEach(async () => {
  await instance?.dispose();
  instance = undefined;
});

const sec = (iso: string) => Date.parse(iso) / 1000;

function location(cron: string | string[], opts: { timezone?: string; partitioned?: boolean; requests?: number } = {}) {
  return fakeLocation({
    snapshot: {
      jobs: [{ name: 'the_job', partitioned: opts.partitioned ?? false }],
      schedules: [{ name: 'the_schedule', jobName: 'the_job', cronSchedule: cron, executionTimezone: opts.timezone ?? null }],
    },
    schedule: (_name, ctx) => ({
      runRequests: Array.from({ length: opts.requests ?? 1 }, (_, i) => ({
        ...(opts.requests ? { runKey: `key_${i}` } : {}),
        tags: { scheduled_for: String(ctx.scheduledExecutionTime) },
      })),
    }),
  });
}

async function scheduledTimes(inst: Instance): Promise<string[]> {
  const runs = await inst.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SCHEDULE_NAME]: 'the_schedule' } }));
  return runs.map((r) => r.tags[RUN_TAGS.SCHEDULED_EXECUTION_TIME]!).sort();
}

/** Runs the scheduler each `stepMinutes` from `from` to `to`, as the daemon would once a minute. */
async function drive(inst: Instance, loc: ReturnType<typeof location>, clock: Clock, from: string, to: string, stepMinutes = 15): Promise<void> {
  const ctx = contextFor(inst, workspaceOf(loc), clock);
  for (let t = sec(from); t <= sec(to); t += stepMinutes * 60) {
    clock.t = t;
    await launchScheduledRuns(ctx);
  }
}

describe('scheduler across DST in America/New_York', () => {
  it('a daily 02:30 schedule runs at 03:00 on the spring-forward day and once a day otherwise', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2019-03-09T00:00:00Z'));
    const loc = location('30 2 * * *', { timezone: 'America/New_York' });
    await startScheduleAt(instance, loc, 'the_schedule', clock.t);
    await drive(instance, loc, clock, '2019-03-09T00:00:00Z', '2019-03-12T00:00:00Z');
    expect(await scheduledTimes(instance)).toEqual(['2019-03-09T07:30:00+00:00', '2019-03-10T07:00:00+00:00', '2019-03-11T06:30:00+00:00']);
    const snapshot = await loc.snapshot();
    expect(snapshot.schedules).toHaveLength(1);
  });

  it('a daily 01:30 schedule runs once, at the second 01:30, on the fall-back day', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2019-11-02T00:00:00Z'));
    const loc = location('30 1 * * *', { timezone: 'America/New_York' });
    await startScheduleAt(instance, loc, 'the_schedule', clock.t);
    await drive(instance, loc, clock, '2019-11-02T00:00:00Z', '2019-11-05T00:00:00Z');
    expect(await scheduledTimes(instance)).toEqual(['2019-11-02T05:30:00+00:00', '2019-11-03T06:30:00+00:00', '2019-11-04T06:30:00+00:00']);
  });

  it('an hourly schedule runs at both 01:00s on the fall-back day; ticks carry Dagster bodies', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2019-11-03T03:00:30Z'));
    const loc = location('0 * * * *', { timezone: 'America/New_York' });
    await startScheduleAt(instance, loc, 'the_schedule', clock.t);
    await drive(instance, loc, clock, '2019-11-03T03:00:30Z', '2019-11-03T07:30:00Z', 10);
    expect(await scheduledTimes(instance)).toEqual([
      '2019-11-03T04:00:00+00:00',
      '2019-11-03T05:00:00+00:00',
      '2019-11-03T06:00:00+00:00',
      '2019-11-03T07:00:00+00:00',
    ]);
    const snapshot = await loc.snapshot();
    const state = (await instance.allInstigatorState())[0]!;
    const ticks = await instance.getTicks(state.instigatorOriginId, state.selectorId);
    expect(ticks.map((t) => [t.tickData.status, t.tickData.timestamp])).toEqual(
      [sec('2019-11-03T07:00:00Z'), sec('2019-11-03T06:00:00Z'), sec('2019-11-03T05:00:00Z'), sec('2019-11-03T04:00:00Z')].map((t) => [TickStatus.SUCCESS, t]),
    );
    const tick = ticks[0]!.tickData;
    expect(tick.runIds).toHaveLength(1);
    expect(tick.logKey).toEqual(['__repository__', 'the_schedule', String(ticks[0]!.tickId)]);
    expect(tick.endTimestamp).toBeGreaterThanOrEqual(tick.timestamp);
    expect(tick.failureCount).toBe(0);
    const run = (await instance.getRunById(tick.runIds[0]!))!;
    expect(run.tags[RUN_TAGS.TICK_ID]).toBe(String(ticks[0]!.tickId));
    expect(run.status).toBe(DagsterRunStatus.QUEUED); // submitted through the (queued) coordinator
    expect(run.remoteJobOrigin?.jobName).toBe('the_job');
    expect(snapshot.jobs?.[0]?.name).toBe('the_job');
  });
});

describe('scheduler catch-up', () => {
  it('after downtime a partitioned schedule launches at most max_catchup_runs, the newest; an unpartitioned one only the last', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2024-01-01T00:00:30Z'));
    const partitioned = location('0 * * * *', { partitioned: true });
    await startScheduleAt(instance, partitioned, 'the_schedule', clock.t);
    clock.set('2024-01-01T10:00:30Z'); // ten hourly times missed
    await launchScheduledRuns(contextFor(instance, workspaceOf(partitioned), clock), { maxCatchupRuns: 3 });
    expect(await scheduledTimes(instance)).toEqual(['2024-01-01T08:00:00+00:00', '2024-01-01T09:00:00+00:00', '2024-01-01T10:00:00+00:00']);
    // Nothing more on the next pass within the same hour.
    clock.set('2024-01-01T10:30:00Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(partitioned), clock), { maxCatchupRuns: 3 });
    expect(await scheduledTimes(instance)).toHaveLength(3);
  });

  it('uses the instance scheduler max_catchup_runs (default 5) and catches up only partitioned schedules', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2024-01-01T00:00:30Z'));
    const partitioned = location('0 * * * *', { partitioned: true });
    await startScheduleAt(instance, partitioned, 'the_schedule', clock.t);
    clock.set('2024-01-01T10:00:30Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(partitioned), clock));
    expect(await scheduledTimes(instance)).toHaveLength(5);

    await instance.dispose();
    instance = await tempInstance();
    const plain = location('0 * * * *');
    clock.set('2024-01-01T00:00:30Z');
    await startScheduleAt(instance, plain, 'the_schedule', clock.t);
    clock.set('2024-01-01T10:00:30Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(plain), clock));
    expect(await scheduledTimes(instance)).toEqual(['2024-01-01T10:00:00+00:00']);
  });
});

describe('scheduler failure recovery', () => {
  for (const point of ['TICK_CREATED', 'RUN_CREATED', 'RUN_SUBMITTED', 'TICK_SUCCESS'] as const) {
    it(`a daemon that dies at ${point} and restarts creates one tick and one run`, async () => {
      instance = await tempInstance();
      const clock = new Clock(sec('2024-01-01T00:00:30Z'));
      const loc = location('0 * * * *');
      await startScheduleAt(instance, loc, 'the_schedule', clock.t);
      clock.set('2024-01-01T01:00:10Z');
      let crashed = false;
      await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock), {
        crashAt: (p) => {
          if (p === point && !crashed) {
            crashed = true;
            throw new Error(`crash at ${p}`);
          }
        },
      });
      expect(crashed).toBe(true);
      const state = (await instance.allInstigatorState())[0]!;
      expect((await instance.getTicks(state.instigatorOriginId, state.selectorId))[0]!.tickData.status).toBe(TickStatus.STARTED);

      clock.set('2024-01-01T01:01:00Z'); // the restarted daemon's next pass
      await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock));
      const ticks = await instance.getTicks(state.instigatorOriginId, state.selectorId);
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickData.status).toBe(TickStatus.SUCCESS);
      const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SCHEDULE_NAME]: 'the_schedule' } }));
      expect(runs).toHaveLength(1);
      expect(ticks[0]!.tickData.runIds).toEqual([runs[0]!.runId]);
      expect(runs[0]!.status).toBe(DagsterRunStatus.QUEUED);
    });
  }

  it('several run requests per tick need run keys, and each is created once across a crash', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2024-01-01T00:00:30Z'));
    const loc = location('0 * * * *', { requests: 3 });
    await startScheduleAt(instance, loc, 'the_schedule', clock.t);
    clock.set('2024-01-01T01:00:10Z');
    let submitted = 0;
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock), {
      crashAt: (p) => {
        if (p === 'RUN_SUBMITTED' && ++submitted === 2) throw new Error('crash between runs');
      },
    });
    clock.set('2024-01-01T01:01:00Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock));
    const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SCHEDULE_NAME]: 'the_schedule' } }));
    expect(runs.map((r) => r.tags[RUN_TAGS.RUN_KEY]).sort()).toEqual(['key_0', 'key_1', 'key_2']);
    const state = (await instance.allInstigatorState())[0]!;
    const [tick] = await instance.getTicks(state.instigatorOriginId, state.selectorId);
    expect(tick!.tickData.runKeys).toEqual(['key_0', 'key_1', 'key_2']);
  });
});

describe('scheduler tick outcomes', () => {
  it('records SKIPPED with the skip message, and FAILURE retried up to max_tick_retries', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2024-01-01T00:00:30Z'));
    let mode: 'skip' | 'fail' | 'ok' = 'skip';
    const loc = fakeLocation({
      snapshot: { jobs: [{ name: 'the_job' }], schedules: [{ name: 'the_schedule', jobName: 'the_job', cronSchedule: '0 * * * *' }] },
      schedule: () => {
        if (mode === 'skip') return { runRequests: [], skipMessage: 'not today' };
        if (mode === 'fail') throw new Error('user code failed');
        return { runRequests: [{}] };
      },
    });
    await startScheduleAt(instance, loc, 'the_schedule', clock.t);
    const state = async () => (await instance!.allInstigatorState())[0]!;
    clock.set('2024-01-01T01:00:10Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock));
    const s = await state();
    let ticks = await instance.getTicks(s.instigatorOriginId, s.selectorId);
    expect(ticks[0]!.tickData.status).toBe(TickStatus.SKIPPED);
    expect(ticks[0]!.tickData.skipReason).toBe('not today');

    mode = 'fail';
    clock.set('2024-01-01T02:00:10Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock), { maxTickRetries: 1 });
    ticks = await instance.getTicks(s.instigatorOriginId, s.selectorId);
    expect(ticks[0]!.tickData.status).toBe(TickStatus.FAILURE);
    expect(ticks[0]!.tickData.failureCount).toBe(1);
    expect(ticks[0]!.tickData.error?.message).toContain('user code failed');
    // Retried (same tick, same time) once, then given up.
    clock.set('2024-01-01T02:01:10Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock), { maxTickRetries: 1 });
    ticks = await instance.getTicks(s.instigatorOriginId, s.selectorId);
    expect(ticks).toHaveLength(2);
    expect(ticks[0]!.tickData.failureCount).toBe(2);
    mode = 'ok';
    clock.set('2024-01-01T02:02:10Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock), { maxTickRetries: 1 });
    ticks = await instance.getTicks(s.instigatorOriginId, s.selectorId);
    expect(ticks).toHaveLength(2); // 02:00 failed for good; 03:00 not due yet
    clock.set('2024-01-01T03:00:10Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock), { maxTickRetries: 1 });
    ticks = await instance.getTicks(s.instigatorOriginId, s.selectorId);
    expect(ticks.map((t) => t.tickData.status)).toEqual([TickStatus.SUCCESS, TickStatus.FAILURE, TickStatus.SKIPPED]);
    expect(ticks[0]!.tickData.consecutiveFailureCount).toBe(0);
  });

  it('stores a DECLARED_IN_CODE state for a schedule running by default and ignores stopped ones', async () => {
    instance = await tempInstance();
    const clock = new Clock(sec('2024-01-01T00:00:30Z'));
    const loc = fakeLocation({
      snapshot: {
        jobs: [{ name: 'the_job' }],
        schedules: [
          { name: 'on_by_default', jobName: 'the_job', cronSchedule: '0 * * * *', defaultStatus: 'RUNNING' },
          { name: 'off', jobName: 'the_job', cronSchedule: '0 * * * *' },
        ],
      },
    });
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock));
    const states = await instance.allInstigatorState();
    expect(states.map((s) => [s.name, s.status])).toEqual([['on_by_default', 'DECLARED_IN_CODE']]);
    clock.set('2024-01-01T01:00:05Z');
    await launchScheduledRuns(contextFor(instance, workspaceOf(loc), clock));
    const runs = await instance.getRuns();
    expect(runs.map((r) => r.tags[RUN_TAGS.SCHEDULE_NAME])).toEqual(['on_by_default']);
  });
});
