import { InstigatorStatus, InstigatorType } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { ScheduleStorageNotAvailableError } from './errors';
import { createFakeOps, RecordingScheduler, scheduleState, sensorState } from './fake-ops.test-support';
import {
  addInstigatorState,
  allInstigatorState,
  deleteInstigatorState,
  getInstigatorState,
  updateInstigatorState,
  wipeAllSchedules,
} from './instigator-state';

describe('instigator states', () => {
  it('adds, reads, filters, updates and deletes states in schedule storage', async () => {
    const ops = createFakeOps();
    const daily = scheduleState('daily', InstigatorStatus.RUNNING);
    const watcher = sensorState('watcher', InstigatorStatus.STOPPED);
    expect(await addInstigatorState(ops, daily)).toBe(daily);
    await addInstigatorState(ops, watcher);

    expect(await getInstigatorState(ops, daily.instigatorOriginId, daily.selectorId)).toBe(daily);
    expect(await getInstigatorState(ops, 'nope', 'nope')).toBeUndefined();
    expect((await allInstigatorState(ops)).map((state) => state.name)).toEqual(['daily', 'watcher']);
    expect((await allInstigatorState(ops, null, null, InstigatorType.SENSOR)).map((state) => state.name)).toEqual(['watcher']);
    expect((await allInstigatorState(ops, undefined, undefined, undefined, new Set([InstigatorStatus.RUNNING]))).map((s) => s.name)).toEqual(['daily']);
    expect(await allInstigatorState(ops, daily.repositoryOriginId, daily.repositorySelectorId, InstigatorType.SCHEDULE, ['STOPPED'])).toEqual([]);

    await updateInstigatorState(ops, daily.withStatus(InstigatorStatus.STOPPED));
    expect((await getInstigatorState(ops, daily.instigatorOriginId, daily.selectorId))?.status).toBe('STOPPED');

    await deleteInstigatorState(ops, watcher.instigatorOriginId, watcher.selectorId);
    expect((await allInstigatorState(ops)).map((state) => state.name)).toEqual(['daily']);
  });

  it('throws ScheduleStorageNotAvailableError for every state member of an instance without schedule storage', async () => {
    const ops = createFakeOps({ scheduleStorage: false });
    const state = scheduleState('daily', InstigatorStatus.RUNNING);
    const calls: [string, () => Promise<unknown>][] = [
      ['allInstigatorState', () => allInstigatorState(ops)],
      ['getInstigatorState', () => getInstigatorState(ops, 'o', 's')],
      ['addInstigatorState', () => addInstigatorState(ops, state)],
      ['updateInstigatorState', () => updateInstigatorState(ops, state)],
      ['deleteInstigatorState', () => deleteInstigatorState(ops, 'o', 's')],
      ['wipeAllSchedules', () => wipeAllSchedules(ops)],
    ];
    for (const [operation, call] of calls) {
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ScheduleStorageNotAvailableError);
      expect(error).toMatchObject({ code: 'NOT_SUPPORTED', operation, ids: { operation } });
    }
  });

  it('wipes the scheduler and all of schedule storage; without storage the scheduler is left alone', async () => {
    const scheduler = new RecordingScheduler();
    const ops = createFakeOps({ scheduler });
    await addInstigatorState(ops, scheduleState('daily', InstigatorStatus.RUNNING));
    await wipeAllSchedules(ops);
    expect(scheduler.wipes).toBe(1);
    expect(ops.schedules?.wiped).toBe(1);
    expect(await allInstigatorState(ops)).toEqual([]);

    const ephemeral = createFakeOps({ scheduleStorage: false, scheduler });
    await expect(wipeAllSchedules(ephemeral)).rejects.toBeInstanceOf(ScheduleStorageNotAvailableError);
    expect(scheduler.wipes).toBe(1);
  });

  it('wipes schedule storage when there is no scheduler', async () => {
    const ops = createFakeOps({ scheduler: undefined });
    await wipeAllSchedules(ops);
    expect(ops.schedules?.wiped).toBe(1);
  });
});
