import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InvalidArgumentError } from '@inst/errors';
import { InstigatorState, InstigatorStatus, InstigatorType, ScheduleInstigatorData } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerNotAvailableError, ScheduleStorageNotAvailableError } from './errors';
import { createFakeOps, originOf, RecordingScheduler, scheduleState, sensorState } from './fake-ops.test-support';
import {
  DagsterDaemonScheduler,
  logsPathForSchedule,
  scheduler,
  schedulerClass,
  schedulerDebugInfo,
  schedulerFromConfig,
} from './scheduler';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('schedulerFromConfig', () => {
  it("builds Dagster's default DagsterDaemonScheduler, which needs the scheduler daemon", () => {
    const built = schedulerFromConfig({ module: 'dagster._core.scheduler', class: 'DagsterDaemonScheduler', config: {} });
    expect(built).toBeInstanceOf(DagsterDaemonScheduler);
    expect(built).toMatchObject({ className: 'DagsterDaemonScheduler', requiredDaemonType: 'SCHEDULER', maxCatchupRuns: 5, maxTickRetries: 0 });
    expect(built.debugInfo()).toBe('');
    expect(schedulerFromConfig({ module: 'dagster', class: 'DagsterDaemonScheduler', config: { max_catchup_runs: 2, max_tick_retries: 3 } })).toMatchObject({
      maxCatchupRuns: 2,
      maxTickRetries: 3,
    });
  });

  it('lists every bad config value, and refuses classes that are not built in', () => {
    let caught: unknown;
    try {
      schedulerFromConfig({ module: 'dagster', class: 'DagsterDaemonScheduler', config: { max_catchup_runs: 1.5, max_tick_retries: '2', catchup: true } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'scheduler.config.max_catchup_runs: must be an integer, got 1.5',
      'scheduler.config.max_tick_retries: must be an integer, got "2"',
      'scheduler.config.catchup: unknown field',
    ]);
    expect(() => schedulerFromConfig({ module: 'my_pkg.scheduling', class: 'CronScheduler' })).toThrow(ConfigError);
    expect(() => schedulerFromConfig({ module: 'dagsterx', class: 'DagsterDaemonScheduler' })).toThrow(ConfigError);
  });
});

describe('scheduler and schedulerClass', () => {
  it('report the scheduler component and its class name, or undefined without one', () => {
    const daemon = new DagsterDaemonScheduler();
    const ops = createFakeOps({ scheduler: daemon });
    expect(scheduler(ops)).toBe(daemon);
    expect(schedulerClass(ops)).toBe('DagsterDaemonScheduler');
    expect(schedulerClass(createFakeOps({ scheduler: undefined }))).toBeUndefined();
    expect(scheduler(createFakeOps({ scheduler: undefined }))).toBeUndefined();
  });
});

describe('logsPathForSchedule', () => {
  it('creates <schedulesDirectory>/logs/<id>/ and returns scheduler.log in it (DagsterDaemonScheduler)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'inst-scheduling-'));
    dirs.push(home);
    const ops = createFakeOps({ scheduler: new DagsterDaemonScheduler(), schedulesDirectory: join(home, 'schedules') });
    const path = await logsPathForSchedule(ops, 'abc123');
    expect(path).toBe(join(home, 'schedules', 'logs', 'abc123', 'scheduler.log'));
    expect(statSync(join(home, 'schedules', 'logs', 'abc123')).isDirectory()).toBe(true);
    // Twice is fine.
    expect(await logsPathForSchedule(ops, 'abc123')).toBe(path);
  });

  it('refuses an id that is not one path segment, creating nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'inst-scheduling-'));
    dirs.push(home);
    const ops = createFakeOps({ scheduler: new DagsterDaemonScheduler(), schedulesDirectory: join(home, 'schedules') });
    for (const id of ['..', '../escape', 'a/b', '']) {
      await expect(logsPathForSchedule(ops, id)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(() => statSync(join(home, 'schedules'))).toThrow();
  });

  it('asks whatever scheduler the instance has, and needs one', async () => {
    expect(await logsPathForSchedule(createFakeOps({ scheduler: new RecordingScheduler() }), 'x')).toBe('/inst/home/schedules/x.log');
    await expect(logsPathForSchedule(createFakeOps({ scheduler: undefined }), 'x')).rejects.toBeInstanceOf(SchedulerNotAvailableError);
  });
});

describe('schedulerDebugInfo', () => {
  it("summarizes the scheduler and every stored schedule and sensor state in Dagster's format", async () => {
    const ops = createFakeOps({ scheduler: new DagsterDaemonScheduler() });
    const daily = scheduleState('daily', InstigatorStatus.RUNNING, '0 0 * * *');
    const watcher = sensorState('watcher', InstigatorStatus.DECLARED_IN_CODE);
    for (const state of [watcher, daily]) await ops.addInstigatorState(state);
    await ops.addInstigatorState(
      scheduleState("it's", InstigatorStatus.STOPPED, ['0 1 * * *', '0 13 * * *']),
    );
    const repo = daily.repositoryOriginId;
    expect(await schedulerDebugInfo(ops)).toEqual({
      errors: [],
      schedulerConfigInfo: 'DagsterDaemonScheduler',
      schedulerInfo: '',
      scheduleStorage: [
        `{'daily': {'status': 'RUNNING', 'repository_origin_id': '${repo}', 'schedule_origin_id': '${daily.instigatorOriginId}', 'cron_schedule': '0 0 * * *'}}`,
        `{"it's": {'status': 'STOPPED', 'repository_origin_id': '${repo}', 'schedule_origin_id': '${scheduleState("it's", InstigatorStatus.STOPPED).instigatorOriginId}', 'cron_schedule': ['0 1 * * *', '0 13 * * *']}}`,
        `{'watcher': {'status': 'DECLARED_IN_CODE', 'repository_origin_id': '${repo}', 'sensor_origin_id': '${watcher.instigatorOriginId}'}}`,
      ],
    });
  });

  it('reports empty scheduler fields without a scheduler, and fails without schedule storage', async () => {
    const ops = createFakeOps({ scheduler: undefined });
    expect(await schedulerDebugInfo(ops)).toEqual({ errors: [], schedulerConfigInfo: '', schedulerInfo: '', scheduleStorage: [] });
    await expect(schedulerDebugInfo(createFakeOps({ scheduleStorage: false }))).rejects.toBeInstanceOf(ScheduleStorageNotAvailableError);
  });

  it("covers every repository and reports a custom scheduler's class and debug text", async () => {
    const ops = createFakeOps();
    const elsewhere = new InstigatorState({
      origin: originOf('nightly', 'r2', 'other'),
      instigatorType: InstigatorType.SCHEDULE,
      status: InstigatorStatus.RUNNING,
      instigatorData: new ScheduleInstigatorData({ cronSchedule: '0 2 * * *' }),
    });
    await ops.addInstigatorState(scheduleState('daily', InstigatorStatus.STOPPED));
    await ops.addInstigatorState(elsewhere);
    const info = await schedulerDebugInfo(ops);
    expect(info.schedulerConfigInfo).toBe('RecordingScheduler');
    expect(info.schedulerInfo).toBe('recording scheduler');
    expect(info.scheduleStorage).toHaveLength(2);
    expect(info.scheduleStorage[1]).toContain(`'repository_origin_id': '${elsewhere.repositoryOriginId}'`);
    expect(elsewhere.repositoryOriginId).not.toBe(scheduleState('daily', InstigatorStatus.STOPPED).repositoryOriginId);
  });
});
