import type { Instance } from '@inst/core';
import {
  AssetKey,
  AssetMaterialization,
  DagsterEvent,
  DagsterEventType,
  EventLogEntry,
  InstigatorType,
  StepMaterializationData,
  TickData,
  TickStatus,
} from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDaemonsFor } from '../src/daemons';
import { purgeByRetention, retentionDaemon, type RetentionReport } from '../src/retention';
import { executeSensorIteration } from '../src/sensors';
import { Clock, contextFor, fakeLocation, startSensorAt, tempInstance, workspaceOf } from './fixtures';

let instance: Instance | undefined;
afterEach(async () => {
  await instance?.dispose();
  instance = undefined;
});

const DAY = 86_400;

async function sensorWithOldTicks(overrides: Record<string, unknown> = {}) {
  instance = await tempInstance(overrides);
  const now = Date.parse('2024-06-30T00:00:00Z') / 1000;
  const loc = fakeLocation({ snapshot: { jobs: [{ name: 'j' }], sensors: [{ name: 's', jobNames: ['j'], minIntervalSeconds: 30 }] }, sensor: () => ({ runRequests: [], skipMessage: 'idle' }) });
  const ids = await startSensorAt(instance, loc, 's', now - 30 * DAY);
  const tick = (status: TickStatus, ageDays: number) =>
    instance!.createTick(
      new TickData({
        instigatorOriginId: ids.originId,
        instigatorName: 's',
        instigatorType: InstigatorType.SENSOR,
        status,
        timestamp: now - ageDays * DAY,
        selectorId: ids.selectorId,
        ...(status === TickStatus.SUCCESS ? { runIds: [] } : {}),
        ...(status === TickStatus.FAILURE ? { error: undefined } : {}),
      }),
    );
  await tick(TickStatus.SKIPPED, 10);
  await tick(TickStatus.SKIPPED, 3);
  await tick(TickStatus.SUCCESS, 10);
  await tick(TickStatus.SUCCESS, 20);
  const clock = new Clock(now);
  await executeSensorIteration(contextFor(instance, workspaceOf(loc), clock));
  const ticks = await instance.getTicks(ids.originId, ids.selectorId);
  return ticks.map((t) => [t.tickData.status, Math.round((now - t.tickData.timestamp) / DAY)] as [string, number]).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
}

describe('tick retention (as Dagster purges after each tick)', () => {
  it('purges SKIPPED sensor ticks older than 7 days by default and keeps the rest', async () => {
    expect(await sensorWithOldTicks()).toEqual([
      [TickStatus.SKIPPED, 0],
      [TickStatus.SKIPPED, 3],
      [TickStatus.SUCCESS, 10],
      [TickStatus.SUCCESS, 20],
    ]);
  });
  it('follows retention.sensor.purge_after_days per status', async () => {
    expect(await sensorWithOldTicks({ retention: { sensor: { purge_after_days: { skipped: 14, success: 15 } } } })).toEqual([
      [TickStatus.SKIPPED, 0],
      [TickStatus.SKIPPED, 3],
      [TickStatus.SKIPPED, 10],
      [TickStatus.SUCCESS, 10],
    ]);
  });
});

describe('run and event-log retention', () => {
  const entry = (runId: string, timestamp: number, level: number, event: DagsterEvent | null, message = 'm') =>
    new EventLogEntry({ level, userMessage: message, runId, timestamp, jobName: 'j', dagsterEvent: event });

  it('purges old non-asset event rows (by level and type when asked) and reports them; asset events stay', async () => {
    instance = await tempInstance();
    const now = Date.now() / 1000;
    const run = await instance.createRun({ jobName: 'j' });
    const old = now - 40 * DAY;
    const recent = now - 1 * DAY;
    const materialization = new DagsterEvent({
      eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION,
      jobName: 'j',
      stepKey: 'a',
      eventSpecificData: new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: new AssetKey(['a']) }), assetLineage: [] }),
    });
    await instance.storeEvent(entry(run.runId, old, 20, new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: 'j' })));
    await instance.storeEvent(entry(run.runId, old, 10, null, 'old debug line'));
    await instance.storeEvent(entry(run.runId, old, 40, null, 'old error line'));
    await instance.storeEvent(entry(run.runId, old, 20, materialization));
    await instance.storeEvent(entry(run.runId, recent, 20, new DagsterEvent({ eventTypeValue: DagsterEventType.STEP_SUCCESS, jobName: 'j', stepKey: 'a' })));

    // Only DEBUG rows first.
    let report = await purgeByRetention(instance, { eventLogs: { purgeAfterDays: 30, levels: [10] } }, { now });
    expect(report.eventLogs).toMatchObject({ deleted: 1, supported: true, byType: { LOG_MESSAGE: 1 } });
    let left = (await instance.allLogs(run.runId)).map((e) => e.dagsterEvent?.eventTypeValue ?? e.userMessage);
    expect(left.sort()).toEqual(['ASSET_MATERIALIZATION', 'ENGINE_EVENT', 'STEP_SUCCESS', 'old error line'].sort());

    // Then every old non-asset row, one by one in chunks of 1.
    report = await purgeByRetention(instance, { eventLogs: { purgeAfterDays: 30 }, chunkSize: 1 }, { now });
    expect(report.eventLogs).toMatchObject({ deleted: 2, byType: { ENGINE_EVENT: 1, LOG_MESSAGE: 1 } });
    left = (await instance.allLogs(run.runId)).map((e) => e.dagsterEvent?.eventTypeValue ?? e.userMessage);
    expect(left.sort()).toEqual(['ASSET_MATERIALIZATION', 'STEP_SUCCESS']);
    expect(await instance.getLatestMaterializationEvent(new AssetKey(['a']))).not.toBeNull();

    // Asset events only when asked.
    report = await purgeByRetention(instance, { eventLogs: { purgeAfterDays: 30, includeAssetEvents: true } }, { now });
    expect(report.eventLogs?.deleted).toBeGreaterThanOrEqual(1);
    expect((await instance.allLogs(run.runId)).map((e) => e.dagsterEvent?.eventTypeValue)).toEqual(['STEP_SUCCESS']);
  });

  it('purges finished runs past their age, keeping unfinished ones and, unless asked, those with asset events', async () => {
    instance = await tempInstance();
    const inst = instance;
    const finished = async (withAsset: boolean) => {
      const run = await inst.createRun({ jobName: 'j', status: 'STARTED' });
      if (withAsset) {
        await inst.storeEvent(
          entry(
            run.runId,
            Date.now() / 1000,
            20,
            new DagsterEvent({
              eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION,
              jobName: 'j',
              stepKey: 'a',
              eventSpecificData: new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: new AssetKey(['b']) }), assetLineage: [] }),
            }),
          ),
        );
      }
      await inst.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_SUCCESS, jobName: 'j' }), run.runId);
      return run.runId;
    };
    const plain = await finished(false);
    const withAsset = await finished(true);
    const running = (await inst.createRun({ jobName: 'j', status: 'STARTED' })).runId;
    const now = Date.now() / 1000 + 40 * DAY; // everything above is 40 days old then

    expect((await purgeByRetention(inst, { runs: { purgeAfterDays: 50 } }, { now })).runs?.deleted).toEqual([]);
    const report = await purgeByRetention(inst, { runs: { purgeAfterDays: 30 } }, { now });
    expect(report.runs?.deleted).toEqual([plain]);
    expect(report.runs?.keptWithAssetEvents).toBe(1);
    expect(await inst.hasRun(plain)).toBe(false);
    expect(await inst.allLogs(plain)).toEqual([]);
    expect(await inst.hasRun(withAsset)).toBe(true);
    expect(await inst.hasRun(running)).toBe(true);
    const again = await purgeByRetention(inst, { runs: { purgeAfterDays: 30, includeRunsWithAssetEvents: true } }, { now });
    expect(again.runs?.deleted).toEqual([withAsset]);
    expect(await inst.hasRun(running)).toBe(true);
  });

  it('follows retention.event_logs and retention.runs of the settings: levels, event types, age; the daemon reports', async () => {
    instance = await tempInstance({
      retention: {
        event_logs: { purge_after_days: 30, levels: ['DEBUG', 40], event_types: ['LOG_MESSAGE', 'ENGINE_EVENT'] },
        runs: { purge_after_days: 1000 },
      },
    });
    const daemon = defaultDaemonsFor(instance).find((d) => d.daemonType === 'EVENT_LOG_RETENTION');
    expect(daemon).toBeDefined();
    expect(instance.getRequiredDaemonTypes()).not.toContain('EVENT_LOG_RETENTION'); // Dagster's list is unchanged
    const now = Date.parse('2024-06-30T00:00:00Z') / 1000;
    const old = now - 40 * DAY;
    const run = await instance.createRun({ jobName: 'j' });
    const engine = (level: number) => new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: 'j', message: `engine ${level}` });
    await instance.storeEvent(entry(run.runId, old, 10, null, 'old debug line'));
    await instance.storeEvent(entry(run.runId, old, 40, null, 'old error line'));
    await instance.storeEvent(entry(run.runId, old, 30, null, 'old warning line'));
    await instance.storeEvent(entry(run.runId, old, 10, engine(10), 'old debug engine event'));
    await instance.storeEvent(entry(run.runId, old, 20, engine(20), 'old info engine event'));
    await instance.storeEvent(entry(run.runId, old, 10, new DagsterEvent({ eventTypeValue: DagsterEventType.STEP_SUCCESS, jobName: 'j', stepKey: 'a' }), 'old debug step success'));
    await instance.storeEvent(entry(run.runId, now - DAY, 10, null, 'recent debug line'));

    const reports: RetentionReport[] = [];
    const ctx = contextFor(instance, null, new Clock(now));
    await retentionDaemon(undefined, { onReport: (r) => reports.push(r) }).runIteration(ctx);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.eventLogs).toMatchObject({ deleted: 3, byType: { LOG_MESSAGE: 2, ENGINE_EVENT: 1 } });
    expect(reports[0]!.runs).toMatchObject({ deleted: [] });
    const left = (await instance.allLogs(run.runId)).map((e) => e.userMessage).sort();
    expect(left).toEqual(['old debug step success', 'old info engine event', 'old warning line', 'recent debug line']);
    expect(await instance.hasRun(run.runId)).toBe(true);
  });

  it('refuses a retention.event_logs level that is not a log level, naming the path', async () => {
    await expect(tempInstance({ retention: { event_logs: { purge_after_days: 3, levels: ['VERBOSE'] } } })).rejects.toThrow(/retention\.event_logs\.levels/);
  });
});
