import { InvariantViolationError } from '@inst/errors';
import { InstigatorStatus, InstigatorType, type InstigatorState, type ScheduleInstigatorData } from '@inst/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { currentScheduleState, instigatorIds } from './current-state';
import { InstigatorStateNotFoundError, SchedulerNotAvailableError, ScheduleStorageNotAvailableError } from './errors';
import { createFakeOps, originOf, scheduleState, sensorState } from './fake-ops.test-support';
import type { RemoteScheduleLike } from './ops';
import { resetSchedule, startSchedule, stopSchedule } from './schedules';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);

function remoteSchedule(name: string, defaultStatus?: 'RUNNING' | 'STOPPED', cronSchedule: string | string[] = '0 * * * *'): RemoteScheduleLike {
  return { name, origin: originOf(name), cronSchedule, defaultStatus };
}

function stored(ops: ReturnType<typeof createFakeOps>, remote: RemoteScheduleLike): InstigatorState | undefined {
  return ops.schedules?.states.get(instigatorIds(remote).originId);
}

function dataOf(state: InstigatorState | undefined): ScheduleInstigatorData {
  return state?.instigatorData as ScheduleInstigatorData;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('startSchedule', () => {
  it('stores a new schedule RUNNING with its cron schedule and start timestamp = now', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily', undefined, '0 0 * * *');
    const started = await startSchedule(ops, remote);
    expect(started.status).toBe(InstigatorStatus.RUNNING);
    expect(started.instigatorType).toBe(InstigatorType.SCHEDULE);
    expect(dataOf(started)).toMatchObject({ cronSchedule: '0 0 * * *', startTimestamp: NOW / 1000, lastIterationTimestamp: null });
    expect(stored(ops, remote)).toEqual(started);
    expect(ops.schedules?.calls).toEqual(['getInstigatorState', 'addInstigatorState']);
  });

  it('updates a stopped stored schedule to RUNNING with fresh data', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily', undefined, ['0 0 * * *', '0 12 * * *']);
    await ops.addInstigatorState(scheduleState('daily', InstigatorStatus.STOPPED, '0 6 * * *'));
    const started = await startSchedule(ops, remote);
    expect(started.status).toBe('RUNNING');
    expect(dataOf(started).cronSchedule).toEqual(['0 0 * * *', '0 12 * * *']);
    expect(dataOf(started).startTimestamp).toBe(NOW / 1000);
    expect(stored(ops, remote)).toEqual(started);
  });

  it('returns a running schedule unchanged, writing nothing', async () => {
    const ops = createFakeOps();
    const running = scheduleState('daily', InstigatorStatus.RUNNING, '0 0 * * *', 1000);
    await ops.addInstigatorState(running);
    ops.schedules?.calls.splice(0);
    expect(await startSchedule(ops, remoteSchedule('daily'))).toBe(running);
    expect(ops.schedules?.calls).toEqual(['getInstigatorState']);
  });

  it('returns the unstored DECLARED_IN_CODE state of a schedule declared RUNNING in code', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily', 'RUNNING');
    const state = await startSchedule(ops, remote);
    expect(state.status).toBe(InstigatorStatus.DECLARED_IN_CODE);
    expect(dataOf(state)).toMatchObject({ cronSchedule: '0 * * * *', startTimestamp: null });
    expect(stored(ops, remote)).toBeUndefined();
  });

  it('starts a schedule whose stored DECLARED_IN_CODE row is stale (its default is now STOPPED)', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily', 'STOPPED');
    await ops.addInstigatorState(scheduleState('daily', InstigatorStatus.DECLARED_IN_CODE));
    const started = await startSchedule(ops, remote);
    expect(started.status).toBe('RUNNING');
    expect(stored(ops, remote)?.status).toBe('RUNNING');
  });

  it('deletes a stored sensor state under the same ids, with a warning, then adds the schedule', async () => {
    const ops = createFakeOps();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const remote = remoteSchedule('daily');
    await ops.addInstigatorState(sensorState('daily', InstigatorStatus.RUNNING, { cursor: 'c1' }));
    const started = await startSchedule(ops, remote);
    expect(started.instigatorType).toBe('SCHEDULE');
    expect(stored(ops, remote)?.instigatorType).toBe('SCHEDULE');
    expect(warn).toHaveBeenCalledWith(
      `Deleting stored SENSOR instigator state for ${instigatorIds(remote).originId} since a schedule with the same name is being started.`,
      { type: 'UserWarning', code: 'INST_INSTIGATOR_TYPE_MISMATCH' },
    );
  });

  it('needs a scheduler, and reads nothing without one', async () => {
    const ops = createFakeOps({ scheduler: undefined });
    await expect(startSchedule(ops, remoteSchedule('daily'))).rejects.toBeInstanceOf(SchedulerNotAvailableError);
    await expect(stopSchedule(ops, 'o', 's')).rejects.toMatchObject({ code: 'NOT_SUPPORTED', operation: 'stopSchedule' });
    await expect(resetSchedule(ops, remoteSchedule('daily'))).rejects.toMatchObject({ operation: 'resetSchedule' });
    expect(ops.schedules?.calls).toEqual([]);
  });

  it('fails like Dagster without schedule storage (the state read throws)', async () => {
    const ops = createFakeOps({ scheduleStorage: false });
    await expect(startSchedule(ops, remoteSchedule('daily'))).rejects.toBeInstanceOf(ScheduleStorageNotAvailableError);
  });

  it('goes through the instance public methods, so overrides are seen', async () => {
    const added: string[] = [];
    const ops = createFakeOps();
    const base = ops.addInstigatorState;
    const overridden = { ...ops, addInstigatorState: async (state: InstigatorState) => (added.push(state.name), base(state)) };
    await startSchedule(overridden, remoteSchedule('daily'));
    expect(added).toEqual(['daily']);
  });
});

describe('stopSchedule', () => {
  it('stores a running schedule STOPPED, keeping its cron schedule and clearing the start timestamp', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily');
    const { originId, selectorId } = instigatorIds(remote);
    await ops.addInstigatorState(scheduleState('daily', InstigatorStatus.RUNNING, '30 1 * * *', 1000));
    const stopped = await stopSchedule(ops, originId, selectorId);
    expect(stopped.status).toBe('STOPPED');
    expect(dataOf(stopped)).toMatchObject({ cronSchedule: '30 1 * * *', startTimestamp: null });
    expect(stored(ops, remote)).toEqual(stopped);
  });

  it('returns a stopped schedule as it is', async () => {
    const ops = createFakeOps();
    const state = scheduleState('daily', InstigatorStatus.STOPPED);
    await ops.addInstigatorState(state);
    ops.schedules?.calls.splice(0);
    expect(await stopSchedule(ops, state.instigatorOriginId, state.selectorId, remoteSchedule('daily'))).toBe(state);
    expect(ops.schedules?.calls).toEqual(['getInstigatorState']);
  });

  it('treats a stale DECLARED_IN_CODE row as stopped when the default is STOPPED', async () => {
    const ops = createFakeOps();
    const state = scheduleState('daily', InstigatorStatus.DECLARED_IN_CODE);
    await ops.addInstigatorState(state);
    const result = await stopSchedule(ops, state.instigatorOriginId, state.selectorId, remoteSchedule('daily'));
    expect(result.status).toBe('STOPPED');
    expect(ops.schedules?.states.get(state.instigatorOriginId)?.status).toBe('DECLARED_IN_CODE');
  });

  it('adds a STOPPED state for a schedule declared RUNNING in code with nothing stored', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily', 'RUNNING', '*/5 * * * *');
    const { originId, selectorId } = instigatorIds(remote);
    const stopped = await stopSchedule(ops, originId, selectorId, remote);
    expect(stopped.status).toBe('STOPPED');
    expect(dataOf(stopped)).toMatchObject({ cronSchedule: '*/5 * * * *', startTimestamp: null });
    expect(stored(ops, remote)).toEqual(stopped);
  });

  it('throws InstigatorStateNotFoundError without a stored state or a remote schedule', async () => {
    const ops = createFakeOps();
    await expect(stopSchedule(ops, 'origin-1', 'selector-1')).rejects.toMatchObject({
      constructor: InstigatorStateNotFoundError,
      code: 'INSTIGATOR_STATE_NOT_FOUND',
      ids: { originId: 'origin-1', selectorId: 'selector-1' },
    });
    expect(ops.schedules?.states.size).toBe(0);
  });

  it('with the remote schedule, replaces a stored sensor state under the same ids', async () => {
    const ops = createFakeOps();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const remote = remoteSchedule('daily', 'RUNNING');
    const { originId, selectorId } = instigatorIds(remote);
    await ops.addInstigatorState(sensorState('daily', InstigatorStatus.RUNNING));
    const stopped = await stopSchedule(ops, originId, selectorId, remote);
    expect(stopped).toMatchObject({ instigatorType: 'SCHEDULE', status: 'STOPPED' });
    expect(stored(ops, remote)?.instigatorType).toBe('SCHEDULE');
  });

  it('without the remote schedule, refuses a stored sensor state and writes nothing', async () => {
    const ops = createFakeOps();
    const sensor = sensorState('daily', InstigatorStatus.RUNNING);
    await ops.addInstigatorState(sensor);
    await expect(stopSchedule(ops, sensor.instigatorOriginId, sensor.selectorId)).rejects.toBeInstanceOf(InvariantViolationError);
    expect(ops.schedules?.states.get(sensor.instigatorOriginId)).toBe(sensor);
  });
});

describe('resetSchedule', () => {
  it('adds a DECLARED_IN_CODE state when nothing is stored', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily', 'RUNNING', '0 3 * * *');
    const reset = await resetSchedule(ops, remote);
    expect(reset).toMatchObject({ status: 'DECLARED_IN_CODE', instigatorType: 'SCHEDULE' });
    expect(dataOf(reset)).toMatchObject({ cronSchedule: '0 3 * * *', startTimestamp: null });
    expect(stored(ops, remote)).toEqual(reset);
  });

  it('changes a stored state to DECLARED_IN_CODE, keeping its data', async () => {
    const ops = createFakeOps();
    const remote = remoteSchedule('daily');
    await ops.addInstigatorState(scheduleState('daily', InstigatorStatus.STOPPED, '0 3 * * *', 500));
    const reset = await resetSchedule(ops, remote);
    expect(reset.status).toBe('DECLARED_IN_CODE');
    expect(dataOf(reset)).toMatchObject({ cronSchedule: '0 3 * * *', startTimestamp: 500 });
    // A default-STOPPED schedule whose row says DECLARED_IN_CODE is stopped.
    expect(currentScheduleState(remote, stored(ops, remote)).status).toBe('STOPPED');
    expect(currentScheduleState({ ...remote, defaultStatus: 'RUNNING' }, stored(ops, remote)).isRunning).toBe(true);
  });
});
