import { InvalidArgumentError } from '@inst/errors';
import { InstigatorStatus, InstigatorType, TickData, TickStatus } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createFakeOps, scheduleState, sensorState, tickOf } from './fake-ops.test-support';
import {
  PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID,
  PRE_SENSOR_AUTO_MATERIALIZE_SELECTOR_ID,
  purgeTicksByRetention,
} from './retention';
import { createTick } from './ticks';

const DAY = 86_400;
const NOW = 1_700_000_000;

describe('purgeTicksByRetention', () => {
  async function seed() {
    const ops = createFakeOps({ tickRetention: { SENSOR: { STARTED: -1, SKIPPED: 7, SUCCESS: -1, FAILURE: 30 }, SCHEDULE: { STARTED: -1, SKIPPED: -1, SUCCESS: -1, FAILURE: -1 } } });
    const a = sensorState('a', InstigatorStatus.RUNNING);
    const b = sensorState('b', InstigatorStatus.STOPPED);
    const daily = scheduleState('daily', InstigatorStatus.RUNNING);
    for (const state of [a, b, daily]) await ops.addInstigatorState(state);
    for (const state of [a, b, daily]) {
      await createTick(ops, tickOf(state, TickStatus.SKIPPED, NOW - 8 * DAY)); // past 7 days
      await createTick(ops, tickOf(state, TickStatus.SKIPPED, NOW - 6 * DAY)); // within
      await createTick(ops, tickOf(state, TickStatus.FAILURE, NOW - 31 * DAY)); // past 30 days
      await createTick(ops, tickOf(state, TickStatus.FAILURE, NOW - 8 * DAY)); // within 30 days
      await createTick(ops, tickOf(state, TickStatus.SUCCESS, NOW - 400 * DAY)); // kept forever
    }
    return { ops, a, b, daily };
  }

  const left = (ops: ReturnType<typeof createFakeOps>, name: string) =>
    ops.schedules?.ticks.filter((tick) => tick.instigatorName === name).map((tick) => `${tick.status}@${(NOW - tick.timestamp) / DAY}d`);

  it('purges, for every sensor, the ticks of each status past its number of days, and nothing else', async () => {
    const { ops, a, b } = await seed();
    const purges = await purgeTicksByRetention(ops, InstigatorType.SENSOR, NOW);
    expect(purges).toEqual([
      { originId: a.instigatorOriginId, selectorId: a.selectorId, before: NOW - 7 * DAY, tickStatuses: ['SKIPPED'] },
      { originId: a.instigatorOriginId, selectorId: a.selectorId, before: NOW - 30 * DAY, tickStatuses: ['FAILURE'] },
      { originId: b.instigatorOriginId, selectorId: b.selectorId, before: NOW - 7 * DAY, tickStatuses: ['SKIPPED'] },
      { originId: b.instigatorOriginId, selectorId: b.selectorId, before: NOW - 30 * DAY, tickStatuses: ['FAILURE'] },
    ]);
    for (const name of ['a', 'b']) expect(left(ops, name)).toEqual(['SKIPPED@6d', 'FAILURE@8d', 'SUCCESS@400d']);
    expect(left(ops, 'daily')).toHaveLength(5);
  });

  it('groups statuses kept the same number of days into one purge', async () => {
    const { ops, daily } = await seed();
    const overridden = { ...ops, getTickRetentionSettings: () => ({ STARTED: 2, SKIPPED: 2, SUCCESS: 0, FAILURE: -1 }) };
    expect(await purgeTicksByRetention(overridden, InstigatorType.SCHEDULE, NOW)).toEqual([
      { originId: daily.instigatorOriginId, selectorId: daily.selectorId, before: NOW - 2 * DAY, tickStatuses: ['STARTED', 'SKIPPED'] },
    ]);
    expect(left(ops, 'daily')).toEqual(['FAILURE@31d', 'FAILURE@8d', 'SUCCESS@400d']);
  });

  it('keeps everything when every status says -1 (the schedule default)', async () => {
    const { ops } = await seed();
    expect(await purgeTicksByRetention(ops, InstigatorType.SCHEDULE, NOW)).toEqual([]);
    expect(ops.schedules?.ticks).toHaveLength(15);
    expect(ops.schedules?.calls.filter((call) => call === 'allInstigatorState')).toEqual([]);
  });

  it('purges the pre-sensor auto-materialize ticks under their fixed ids', async () => {
    const ops = createFakeOps();
    const tick = (timestamp: number) =>
      new TickData({
        instigatorOriginId: PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID,
        selectorId: PRE_SENSOR_AUTO_MATERIALIZE_SELECTOR_ID,
        instigatorName: 'asset_daemon',
        instigatorType: InstigatorType.AUTO_MATERIALIZE,
        status: TickStatus.SKIPPED,
        timestamp,
      });
    await createTick(ops, tick(NOW - 10 * DAY));
    await createTick(ops, tick(NOW - DAY));
    const purges = await purgeTicksByRetention(ops, InstigatorType.AUTO_MATERIALIZE, NOW);
    expect(purges).toEqual([{ originId: 'asset_daemon_origin', selectorId: 'asset_daemon_selector', before: NOW - 7 * DAY, tickStatuses: ['SKIPPED'] }]);
    expect(ops.schedules?.ticks.map((t) => t.timestamp)).toEqual([NOW - DAY]);
  });

  it('goes through the instance public methods, so an overridden purgeTicks is seen', async () => {
    const { ops } = await seed();
    const seen: number[] = [];
    await purgeTicksByRetention({ ...ops, purgeTicks: async (_o, _s, before) => void seen.push(before) }, InstigatorType.SENSOR, NOW);
    expect(seen).toHaveLength(4);
    expect(ops.schedules?.ticks).toHaveLength(15);
  });

  it('does nothing without schedule storage, and checks its arguments', async () => {
    expect(await purgeTicksByRetention(createFakeOps({ scheduleStorage: false }), InstigatorType.SENSOR)).toEqual([]);
    await expect(purgeTicksByRetention(createFakeOps(), InstigatorType.SENSOR, Number.NaN)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(purgeTicksByRetention(createFakeOps(), 'RUN' as InstigatorType)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
