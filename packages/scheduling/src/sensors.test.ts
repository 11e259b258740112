import { InstigatorStatus, SensorType, type InstigatorState, type SensorInstigatorData } from '@inst/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { instigatorIds } from './current-state';
import { InstigatorStateNotFoundError, ScheduleStorageNotAvailableError } from './errors';
import { createFakeOps, originOf, scheduleState, sensorState } from './fake-ops.test-support';
import type { RemoteSensorLike } from './ops';
import { resetSensor, startSensor, stopSensor } from './sensors';

const NOW = Date.UTC(2024, 5, 1, 8, 30, 0);

function remoteSensor(name: string, extra: Partial<RemoteSensorLike> = {}): RemoteSensorLike {
  return { name, origin: originOf(name), ...extra };
}

function dataOf(state: InstigatorState | undefined): SensorInstigatorData {
  return state?.instigatorData as SensorInstigatorData;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('startSensor', () => {
  it('adds a RUNNING state with the default interval, UNKNOWN type and lastSensorStartTimestamp = now', async () => {
    const ops = createFakeOps({ scheduler: undefined }); // sensors need no scheduler
    const remote = remoteSensor('watcher');
    const started = await startSensor(ops, remote);
    expect(started).toMatchObject({ instigatorType: 'SENSOR', status: 'RUNNING' });
    expect(dataOf(started)).toMatchObject({ minInterval: 30, sensorType: 'UNKNOWN', lastSensorStartTimestamp: NOW / 1000, cursor: null });
    expect(ops.schedules?.states.get(instigatorIds(remote).originId)).toBe(started);
  });

  it('uses the sensor interval and type when given', async () => {
    const ops = createFakeOps();
    const started = await startSensor(ops, remoteSensor('assets', { minIntervalSeconds: 90, sensorType: SensorType.ASSET }));
    expect(dataOf(started)).toMatchObject({ minInterval: 90, sensorType: 'ASSET' });
  });

  it('restarts a stopped sensor, keeping its cursor and tick history', async () => {
    const ops = createFakeOps();
    await ops.addInstigatorState(sensorState('watcher', InstigatorStatus.STOPPED, { cursor: 'c-42', lastTickTimestamp: 100, minInterval: 60 }));
    const started = await startSensor(ops, remoteSensor('watcher'));
    expect(started.status).toBe('RUNNING');
    expect(dataOf(started)).toMatchObject({ cursor: 'c-42', lastTickTimestamp: 100, minInterval: 60, lastSensorStartTimestamp: NOW / 1000 });
  });

  it('returns a running sensor (stored, or declared RUNNING in code) unchanged', async () => {
    const ops = createFakeOps();
    const running = sensorState('watcher', InstigatorStatus.RUNNING, { cursor: 'x' });
    await ops.addInstigatorState(running);
    expect(await startSensor(ops, remoteSensor('watcher'))).toBe(running);

    const declared = await startSensor(ops, remoteSensor('auto', { defaultStatus: 'RUNNING' }));
    expect(declared.status).toBe('DECLARED_IN_CODE');
    expect(ops.schedules?.states.has(instigatorIds(remoteSensor('auto')).originId)).toBe(false);
  });

  it('deletes a stored schedule state with the same name (with a warning) before starting', async () => {
    const ops = createFakeOps();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    // A running schedule would otherwise make the sensor look running already.
    await ops.addInstigatorState(scheduleState('watcher', InstigatorStatus.RUNNING));
    const remote = remoteSensor('watcher');
    const started = await startSensor(ops, remote);
    expect(started).toMatchObject({ instigatorType: 'SENSOR', status: 'RUNNING' });
    expect(ops.schedules?.states.get(instigatorIds(remote).originId)?.instigatorType).toBe('SENSOR');
    expect(ops.schedules?.calls).toContain('deleteInstigatorState');
    expect(warn.mock.calls[0]?.[0]).toBe(
      `Deleting stored SCHEDULE instigator state for ${instigatorIds(remote).originId} since a sensor with the same name is being started.`,
    );
  });

  it('gives a stored sensor state without data the initial data', async () => {
    const ops = createFakeOps();
    const bare = sensorState('watcher', InstigatorStatus.STOPPED).withData(null);
    await ops.addInstigatorState(bare);
    const started = await startSensor(ops, remoteSensor('watcher', { minIntervalSeconds: 15 }));
    expect(dataOf(started)).toMatchObject({ minInterval: 15, lastSensorStartTimestamp: NOW / 1000 });
  });

  it('fails without schedule storage', async () => {
    await expect(startSensor(createFakeOps({ scheduleStorage: false }), remoteSensor('watcher'))).rejects.toBeInstanceOf(ScheduleStorageNotAvailableError);
  });
});

describe('stopSensor', () => {
  it('stores a running sensor STOPPED, keeping its data', async () => {
    const ops = createFakeOps();
    const running = sensorState('watcher', InstigatorStatus.RUNNING, { cursor: 'c', lastSensorStartTimestamp: 5 });
    await ops.addInstigatorState(running);
    const stopped = await stopSensor(ops, running.instigatorOriginId, running.selectorId);
    expect(stopped.status).toBe('STOPPED');
    expect(dataOf(stopped)).toBe(running.instigatorData);
    expect(ops.schedules?.states.get(running.instigatorOriginId)).toBe(stopped);
  });

  it('adds a STOPPED state for a sensor declared RUNNING in code with nothing stored', async () => {
    const ops = createFakeOps();
    const remote = remoteSensor('auto', { defaultStatus: 'RUNNING', minIntervalSeconds: 45 });
    const { originId, selectorId } = instigatorIds(remote);
    const stopped = await stopSensor(ops, originId, selectorId, remote);
    expect(stopped.status).toBe('STOPPED');
    expect(dataOf(stopped)).toMatchObject({ minInterval: 45, lastSensorStartTimestamp: null });
    expect(ops.schedules?.states.get(originId)).toBe(stopped);
  });

  it('returns a sensor that is not running without writing', async () => {
    const ops = createFakeOps();
    const remote = remoteSensor('idle');
    const { originId, selectorId } = instigatorIds(remote);
    const state = await stopSensor(ops, originId, selectorId, remote);
    expect(state.status).toBe('STOPPED');
    expect(ops.schedules?.states.size).toBe(0);
  });

  it('throws InstigatorStateNotFoundError without a stored state or a remote sensor', async () => {
    const ops = createFakeOps();
    await expect(stopSensor(ops, 'o-1', 's-1')).rejects.toMatchObject({
      constructor: InstigatorStateNotFoundError,
      ids: { originId: 'o-1', selectorId: 's-1' },
    });
  });

  it('with the remote sensor, deletes a stored schedule state first', async () => {
    const ops = createFakeOps();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await ops.addInstigatorState(scheduleState('watcher', InstigatorStatus.RUNNING));
    const remote = remoteSensor('watcher', { defaultStatus: 'RUNNING' });
    const { originId, selectorId } = instigatorIds(remote);
    const stopped = await stopSensor(ops, originId, selectorId, remote);
    expect(stopped).toMatchObject({ instigatorType: 'SENSOR', status: 'STOPPED' });
    expect(ops.schedules?.states.get(originId)?.instigatorType).toBe('SENSOR');
  });
});

describe('resetSensor', () => {
  it('adds DECLARED_IN_CODE when nothing is stored, and changes a stored status otherwise', async () => {
    const ops = createFakeOps();
    const remote = remoteSensor('watcher', { sensorType: SensorType.RUN_STATUS });
    const added = await resetSensor(ops, remote);
    expect(added.status).toBe('DECLARED_IN_CODE');
    expect(dataOf(added)).toMatchObject({ minInterval: 30, sensorType: 'RUN_STATUS' });

    await ops.updateInstigatorState(added.withStatus(InstigatorStatus.RUNNING).withData(dataOf(added).withSensorStartTimestamp(9)));
    const reset = await resetSensor(ops, remote);
    expect(reset.status).toBe('DECLARED_IN_CODE');
    expect(dataOf(reset).lastSensorStartTimestamp).toBe(9);
  });

  it('deletes a stored schedule state with the same name first', async () => {
    const ops = createFakeOps();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await ops.addInstigatorState(scheduleState('watcher', InstigatorStatus.STOPPED));
    const reset = await resetSensor(ops, remoteSensor('watcher'));
    expect(reset).toMatchObject({ instigatorType: 'SENSOR', status: 'DECLARED_IN_CODE' });
  });
});
