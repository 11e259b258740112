import { describe, expect, it } from 'vitest';
import { deserializeValue } from '@inst/serdes';
import type { DagsterEventType} from '@inst/types';
import { DagsterRun, EventLogEntry, EventLogRecord, EventRecordsResult, RunStatusChangeRecordsFilter } from '@inst/types';
import type {
  RunStatusSensorCursor} from './index';
import {
  Definitions,
  InvalidDefinitionError,
  SkipReason,
  addDynamicPartitions,
  dailyPartitions,
  defineAsset,
  defineAssetJob,
  defineJob,
  defineOp,
  defineRunStatusSensor,
  defineSchedule,
  defineSensor,
  evaluateSchedule,
  evaluateSensor,
} from './index';

const at = (iso: string): number => Date.parse(iso) / 1000;
const noop = defineOp({ name: 'noop' }, () => 1);
const opJob = defineJob({ name: 'op_job', ops: [noop] });
const daily = defineAsset({ key: 'daily', partitions: dailyPartitions({ start: '2024-01-01' }) }, () => 1);
const dailyJob = defineAssetJob({ name: 'daily_job', selection: [daily] });
const sensorState = { cursor: null, lastTickCompletionTime: null, lastRunKey: null, lastSensorStartTime: null };

describe('evaluateSchedule', () => {
  it('builds run config and tags from the tick time', async () => {
    const schedule = defineSchedule({
      name: 'nightly',
      job: opJob,
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      runConfig: (ctx) => ({ ops: { noop: { config: { date: ctx.scheduledExecutionDate.toISOString() } } } }),
      tags: (ctx) => ({ tick: String(ctx.scheduledExecutionTime), tz: ctx.timezone }),
    });
    const defs = new Definitions({ jobs: [opJob], schedules: [schedule] });
    const tick = at('2024-05-01T00:00:00Z');
    const result = await evaluateSchedule(defs, 'nightly', { scheduledExecutionTime: tick });
    expect(result.error).toBeNull();
    expect(result.runRequests).toEqual([
      { runKey: null, runConfig: { ops: { noop: { config: { date: '2024-05-01T00:00:00.000Z' } } } }, tags: { tick: String(tick), tz: 'Europe/Berlin' }, partitionKey: null, jobName: 'op_job' },
    ]);
    expect(schedule.cronSchedule).toBe('0 2 * * *');
    expect(schedule.executionTimezone).toBe('Europe/Berlin');
  });

  it('targets the last complete partition of a time-window job, and skips when shouldExecute says so', async () => {
    const schedule = defineSchedule({ name: 'daily_schedule', job: dailyJob, cron: '0 0 * * *' });
    const skipping = defineSchedule({ name: 'skipping', job: dailyJob, cron: '0 0 * * *', shouldExecute: () => false });
    const defs = new Definitions({ assets: [daily], jobs: [dailyJob], schedules: [schedule, skipping] });
    const result = await evaluateSchedule(defs, 'daily_schedule', { scheduledExecutionTime: at('2024-01-05T00:00:00Z') });
    expect(result.runRequests.map((r) => [r.partitionKey, r.jobName])).toEqual([['2024-01-04', 'daily_job']]);
    const skipped = await evaluateSchedule(defs, 'skipping', { scheduledExecutionTime: at('2024-01-05T00:00:00Z') });
    expect(skipped).toEqual({ runRequests: [], skipMessage: 'should_execute function for skipping returned false.', error: null });
  });

  it('returns an error, not a throw, when user code fails; a custom function may skip', async () => {
    const failing = defineSchedule({ name: 'failing', job: opJob, cron: '* * * * *' }, () => {
      throw new Error('boom');
    });
    const custom = defineSchedule({ name: 'custom', job: opJob, cron: '* * * * *' }, (ctx) =>
      ctx.scheduledExecutionDate.getUTCMinutes() % 2 === 0 ? [{ runKey: `k${ctx.scheduledExecutionTime}` }] : new SkipReason('odd minute'),
    );
    const defs = new Definitions({ jobs: [opJob], schedules: [failing, custom] });
    const failed = await evaluateSchedule(defs, 'failing', { scheduledExecutionTime: 60 });
    expect(failed.error?.message).toContain('boom');
    expect((await evaluateSchedule(defs, 'custom', { scheduledExecutionTime: 120 })).runRequests[0]!.runKey).toBe('k120');
    expect((await evaluateSchedule(defs, 'custom', { scheduledExecutionTime: 60 })).skipMessage).toBe('odd minute');
    await expect(evaluateSchedule(defs, 'nope', { scheduledExecutionTime: 60 })).rejects.toMatchObject({ kind: 'UNKNOWN_DEFINITION' });
  });

  it('rejects invalid cron strings and unknown jobs at definition time', () => {
    expect(() => defineSchedule({ name: 's', job: opJob, cron: 'every day' })).toThrow(/invalid cron/);
    expect(() => new Definitions({ schedules: [defineSchedule({ name: 's', job: 'missing', cron: '@daily' })] })).toThrow(expect.objectContaining({ kind: 'UNKNOWN_DEPENDENCY' }));
  });
});

describe('evaluateSensor', () => {
  it('moves the cursor, requests runs with run keys and adds dynamic partitions', async () => {
    const sensor = defineSensor({ name: 'files', job: opJob, minimumIntervalSeconds: 10 }, (ctx) => {
      const seen = Number(ctx.cursor ?? '0');
      return {
        runRequests: [{ runKey: `file-${seen + 1}`, tags: { file: String(seen + 1) } }],
        cursor: String(seen + 1),
        dynamicPartitionsRequests: [addDynamicPartitions('files', [`f${seen + 1}`])],
      };
    });
    const defs = new Definitions({ jobs: [opJob], sensors: [sensor] });
    const first = await evaluateSensor(defs, 'files', sensorState);
    expect(first.cursor).toBe('1');
    expect(first.runRequests).toEqual([{ runKey: 'file-1', runConfig: {}, tags: { file: '1' }, partitionKey: null, jobName: 'op_job' }]);
    expect(first.dynamicPartitionsRequests).toEqual([{ partitionsDefName: 'files', add: ['f1'] }]);
    const second = await evaluateSensor(defs, 'files', { ...sensorState, cursor: first.cursor! });
    expect(second.runRequests[0]!.runKey).toBe('file-2');
    expect(sensor.minimumIntervalSeconds).toBe(10);
    expect(defineSensor({ name: 'd', job: opJob }, () => undefined).minimumIntervalSeconds).toBe(30);
  });

  it('checks the interval, name and function of every kind of sensor the same way', () => {
    const bad = { name: 'bad', runStatus: 'FAILURE' as const, minimumIntervalSeconds: 0 };
    expect(() => defineSensor({ name: 'bad', job: opJob, minimumIntervalSeconds: 0 }, () => undefined)).toThrow(InvalidDefinitionError);
    expect(() => defineRunStatusSensor(bad, () => undefined)).toThrow(/minimumIntervalSeconds must be a positive integer/);
    expect(() => defineRunStatusSensor({ ...bad, minimumIntervalSeconds: 1.5 }, () => undefined)).toThrow(InvalidDefinitionError);
    expect(() => defineRunStatusSensor({ ...bad, minimumIntervalSeconds: 5 }, 'nope' as never)).toThrow(/needs a function/);
    expect(() => defineRunStatusSensor({ ...bad, name: 'has space', minimumIntervalSeconds: 5 }, () => undefined)).toThrow(InvalidDefinitionError);
    expect(() => defineSensor({ name: 'both', job: opJob, jobs: [opJob] }, () => undefined)).toThrow(/give job or jobs, not both/);
    expect(defineRunStatusSensor({ ...bad, minimumIntervalSeconds: 5 }, () => undefined).minimumIntervalSeconds).toBe(5);
  });

  it('skip reasons, updateCursor, bare run requests, and errors', async () => {
    const skipper = defineSensor({ name: 'skipper', job: opJob }, (ctx) => {
      ctx.updateCursor('moved');
      return new SkipReason('nothing new');
    });
    const bare = defineSensor({ name: 'bare', job: opJob }, () => ({ runKey: 'one', partitionKey: null }));
    const broken = defineSensor({ name: 'broken', job: opJob }, () => {
      throw new TypeError('bad sensor');
    });
    const many = defineSensor({ name: 'many', jobs: [opJob, dailyJob] }, () => [{ runKey: 'x' }]);
    const defs = new Definitions({ assets: [daily], jobs: [opJob, dailyJob], sensors: [skipper, bare, broken, many] });
    expect(await evaluateSensor(defs, 'skipper', { ...sensorState, cursor: 'old' })).toMatchObject({ runRequests: [], skipMessage: 'nothing new', cursor: 'moved' });
    expect((await evaluateSensor(defs, 'bare', sensorState)).runRequests).toEqual([{ runKey: 'one', runConfig: {}, tags: {}, partitionKey: null, jobName: 'op_job' }]);
    const failed = await evaluateSensor(defs, 'broken', { ...sensorState, cursor: 'kept' });
    expect(failed.error?.clsName ?? failed.error?.message).toBeTruthy();
    expect(failed.cursor).toBe('kept');
    expect((await evaluateSensor(defs, 'many', sensorState)).error?.message).toMatch(/needs a jobName/);
  });

  it('run status sensors start at the latest event, then see each new run of a monitored job', async () => {
    const runs = new Map<string, DagsterRun>();
    const records: EventLogRecord[] = [];
    const addRunEvent = (jobName: string, storageId: number): void => {
      const runId = `0000000${storageId}-0000-0000-0000-000000000000`.slice(-36);
      runs.set(runId, new DagsterRun({ jobName, runId }));
      records.push(new EventLogRecord({ storageId, eventLogEntry: new EventLogEntry({ errorInfo: null, level: 20, userMessage: '', runId, timestamp: storageId, dagsterEvent: null }) }));
    };
    const instance = {
      fetchRunStatusChanges: async (filter: RunStatusChangeRecordsFilter | DagsterEventType, limit: number, _cursor?: string | null, ascending = false) => {
        const after = filter instanceof RunStatusChangeRecordsFilter ? (filter.afterStorageId ?? 0) : 0;
        const matching = records.filter((r) => r.storageId > after).sort((a, b) => (ascending ? a.storageId - b.storageId : b.storageId - a.storageId));
        return new EventRecordsResult({ records: matching.slice(0, limit), cursor: '', hasMore: matching.length > limit });
      },
      getRunById: async (runId: string) => runs.get(runId),
    };
    const seen: string[] = [];
    const sensor = defineRunStatusSensor({ name: 'on_failure', runStatus: 'FAILURE', monitoredJobs: [opJob], requestJob: dailyJob }, (ctx) => {
      seen.push(ctx.dagsterRun.jobName);
      return { runKey: ctx.dagsterRun.runId, partitionKey: '2024-01-01' };
    });
    const defs = new Definitions({ assets: [daily], jobs: [opJob, dailyJob], sensors: [sensor] });
    addRunEvent('op_job', 1);
    const first = await evaluateSensor(defs, 'on_failure', { ...sensorState, instance, now: 100 });
    expect(first.runRequests).toEqual([]);
    expect((deserializeValue(first.cursor!) as RunStatusSensorCursor).recordId).toBe(1);
    addRunEvent('daily_job', 2);
    addRunEvent('op_job', 3);
    const second = await evaluateSensor(defs, 'on_failure', { ...sensorState, cursor: first.cursor!, instance, now: 200 });
    expect(seen).toEqual(['op_job']);
    expect(second.runRequests.map((r) => [r.jobName, r.partitionKey])).toEqual([['daily_job', '2024-01-01']]);
    expect((deserializeValue(second.cursor!) as RunStatusSensorCursor).recordId).toBe(3);
    expect(sensor.sensorType).toBe('RUN_STATUS');
    expect((await evaluateSensor(defs, 'on_failure', sensorState)).error?.message).toMatch(/needs the instance/);
  });
});
