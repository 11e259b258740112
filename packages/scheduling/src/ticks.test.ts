import { InvalidArgumentError } from '@inst/errors';
import { InstigatorStatus, TickStatus } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { ScheduleStorageNotAvailableError } from './errors';
import { createFakeOps, scheduleState, sensorState, tickOf } from './fake-ops.test-support';
import {
  createTick,
  getBatchTicks,
  getTick,
  getTickTerminationCheckInterval,
  getTicks,
  purgeTicks,
  supportsBatchTickQueries,
  updateTick,
} from './ticks';

const daily = scheduleState('daily', InstigatorStatus.RUNNING);
const watcher = sensorState('watcher', InstigatorStatus.RUNNING);

describe('ticks', () => {
  it('creates, updates and reads ticks newest first with strict time bounds, limits and statuses', async () => {
    const ops = createFakeOps();
    const first = await createTick(ops, tickOf(daily, TickStatus.STARTED, 1000));
    await createTick(ops, tickOf(daily, TickStatus.SKIPPED, 2000));
    await createTick(ops, tickOf(daily, TickStatus.SUCCESS, 3000));
    await createTick(ops, tickOf(watcher, TickStatus.SKIPPED, 2500));
    expect(first.tickId).toBe(1);

    const updated = await updateTick(ops, first.withStatus(TickStatus.SUCCESS).withRunInfo('run-1'));
    expect(updated.runIds).toEqual(['run-1']);
    expect(ops.schedules?.ticks[0]).toMatchObject({ status: 'SUCCESS', runIds: ['run-1'] });

    const timestamps = async (...args: Parameters<typeof getTicks> extends [unknown, ...infer Rest] ? Rest : never) =>
      (await getTicks(ops, ...args)).map((tick) => tick.timestamp);
    expect(await timestamps(daily.instigatorOriginId, daily.selectorId)).toEqual([3000, 2000, 1000]);
    expect(await timestamps(daily.instigatorOriginId, daily.selectorId, 3000, 1000)).toEqual([2000]);
    expect(await timestamps(daily.instigatorOriginId, daily.selectorId, null, null, 1)).toEqual([3000]);
    expect(await timestamps(daily.instigatorOriginId, daily.selectorId, undefined, undefined, undefined, [TickStatus.SKIPPED, TickStatus.STARTED])).toEqual([2000]);
  });

  it('finds the tick within one second of a timestamp', async () => {
    const ops = createFakeOps();
    const tick = await createTick(ops, tickOf(daily, TickStatus.SUCCESS, 5000.4));
    expect((await getTick(ops, daily.instigatorOriginId, daily.selectorId, 5000))?.tickId).toBe(tick.tickId);
    expect(await getTick(ops, daily.instigatorOriginId, daily.selectorId, 5001.5)).toBeUndefined();
    expect(await getTick(ops, daily.instigatorOriginId, daily.selectorId, 4999)).toBeUndefined();
  });

  it('reads the newest ticks of many selectors at once', async () => {
    const ops = createFakeOps();
    await createTick(ops, tickOf(daily, TickStatus.SUCCESS, 10));
    await createTick(ops, tickOf(daily, TickStatus.SKIPPED, 20));
    await createTick(ops, tickOf(watcher, TickStatus.SUCCESS, 15));
    expect(await supportsBatchTickQueries(ops)).toBe(true);
    const batch = await getBatchTicks(ops, [daily.selectorId, watcher.selectorId, 'none'], 1, null);
    expect([...batch.keys()]).toEqual([daily.selectorId, watcher.selectorId]);
    expect(batch.get(daily.selectorId)?.map((tick) => tick.timestamp)).toEqual([20]);
    expect((await getBatchTicks(ops, [daily.selectorId], undefined, [TickStatus.SUCCESS])).get(daily.selectorId)?.map((t) => t.timestamp)).toEqual([10]);
  });

  it('purges ticks older than `before`, only of the statuses given', async () => {
    const ops = createFakeOps();
    await createTick(ops, tickOf(daily, TickStatus.SKIPPED, 100));
    await createTick(ops, tickOf(daily, TickStatus.SUCCESS, 100));
    await createTick(ops, tickOf(daily, TickStatus.SKIPPED, 300));
    await createTick(ops, tickOf(watcher, TickStatus.SKIPPED, 100));
    await purgeTicks(ops, daily.instigatorOriginId, daily.selectorId, 200, [TickStatus.SKIPPED]);
    expect(ops.schedules?.ticks.map((tick) => `${tick.instigatorName}:${tick.status}:${tick.timestamp}`)).toEqual([
      'daily:SUCCESS:100',
      'daily:SKIPPED:300',
      'watcher:SKIPPED:100',
    ]);
    await purgeTicks(ops, daily.instigatorOriginId, daily.selectorId, 1000);
    expect(ops.schedules?.ticks.map((tick) => tick.instigatorName)).toEqual(['watcher']);
  });

  it('refuses a purge bound that is not a finite number, deleting nothing', async () => {
    const ops = createFakeOps();
    await createTick(ops, tickOf(daily, TickStatus.SKIPPED, 100));
    await expect(purgeTicks(ops, daily.instigatorOriginId, daily.selectorId, Number.NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(getTick(ops, daily.instigatorOriginId, daily.selectorId, Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(ops.schedules?.ticks).toHaveLength(1);
  });

  it('answers empty without schedule storage, and refuses writes', async () => {
    const ops = createFakeOps({ scheduleStorage: false });
    expect(await supportsBatchTickQueries(ops)).toBe(false);
    expect(await getBatchTicks(ops, ['a'])).toEqual(new Map());
    expect(await getTick(ops, 'o', 's', 1)).toBeUndefined();
    expect(await getTicks(ops, 'o', 's')).toEqual([]);
    await expect(purgeTicks(ops, 'o', 's', 1)).resolves.toBeUndefined();
    await expect(createTick(ops, tickOf(daily, TickStatus.STARTED, 1))).rejects.toMatchObject({
      constructor: ScheduleStorageNotAvailableError,
      operation: 'createTick',
    });
    await expect(updateTick(ops, { tickId: 1 } as never)).rejects.toMatchObject({ operation: 'updateTick' });
  });

  it('never asks in-flight ticks to check for termination (Dagster OSS)', () => {
    expect(getTickTerminationCheckInterval(createFakeOps())).toBeUndefined();
  });

  it('reports when batch queries are not available yet', async () => {
    const ops = createFakeOps();
    if (ops.schedules) ops.schedules.batchQueries = false;
    expect(await supportsBatchTickQueries(ops)).toBe(false);
  });
});
