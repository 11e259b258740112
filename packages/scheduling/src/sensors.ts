/**
 * Starting, stopping and resetting sensors (Dagster's `start_sensor` / `stop_sensor` / `reset_sensor`). They need no
 * scheduler; they read and write states through the instance's public methods (`ops.getInstigatorState`, …), which
 * fail without schedule storage.
 */
import { InstigatorState, InstigatorStatus, InstigatorType, SensorInstigatorData } from '@inst/types';
import { currentSensorState, dropMismatchedState, initialSensorData, instigatorIds } from './current-state';
import { InstigatorStateNotFoundError } from './errors';
import { nowSeconds } from './internal';
import type { RemoteSensorLike, SchedulingInstanceOps } from './ops';


/**
 * Turns a sensor on. A stored state of another instigator type under the same ids (a schedule with the same name)
 * is deleted first, with a warning. A sensor already running (stored so, or declared RUNNING in code) is returned
 * unchanged. Otherwise it is stored RUNNING with `lastSensorStartTimestamp = now`: added with the sensor's interval
 * and type, or updated over the stored state, keeping its cursor and tick history.
 */
export async function startSensor(
  ops: Pick<SchedulingInstanceOps, 'getInstigatorState' | 'addInstigatorState' | 'updateInstigatorState' | 'deleteInstigatorState'>,
  remoteSensor: RemoteSensorLike,
): Promise<InstigatorState> {
  const ids = instigatorIds(remoteSensor);
  const stored = await dropMismatchedState(ops, await ops.getInstigatorState(ids.originId, ids.selectorId), InstigatorType.SENSOR, ids, 'started');
  const computed = currentSensorState(remoteSensor, stored);
  if (computed.isRunning) return computed;

  const now = nowSeconds();
  if (!stored) {
    return ops.addInstigatorState(
      new InstigatorState({
        origin: remoteSensor.origin,
        instigatorType: InstigatorType.SENSOR,
        status: InstigatorStatus.RUNNING,
        instigatorData: initialSensorData(remoteSensor, now),
      }),
    );
  }
  // A sensor state may have been stored without data; Dagster would fail on it, here it gets the initial data.
  const data = stored.instigatorData instanceof SensorInstigatorData ? stored.instigatorData : initialSensorData(remoteSensor);
  return ops.updateInstigatorState(stored.withStatus(InstigatorStatus.RUNNING).withData(data.withSensorStartTimestamp(now)));
}

/**
 * Turns a sensor off. With `remoteSensor`, a stored state of another instigator type is deleted first (with a
 * warning) and the status declared in code counts; without it the stored state decides and there must be one
 * (InstigatorStateNotFoundError otherwise). A sensor that is not running is returned as it is. Otherwise it is
 * stored STOPPED: added with the sensor's interval and type, or the stored state's status changed (data kept).
 */
export async function stopSensor(
  ops: Pick<SchedulingInstanceOps, 'getInstigatorState' | 'addInstigatorState' | 'updateInstigatorState' | 'deleteInstigatorState'>,
  instigatorOriginId: string,
  selectorId: string,
  remoteSensor?: RemoteSensorLike | null,
): Promise<InstigatorState> {
  const ids = { originId: instigatorOriginId, selectorId };
  let stored = (await ops.getInstigatorState(instigatorOriginId, selectorId)) ?? undefined;
  // Only with the remote sensor is there something to rebuild a correct state from (as in Dagster).
  if (remoteSensor) stored = await dropMismatchedState(ops, stored, InstigatorType.SENSOR, ids, 'stopped');

  let computed: InstigatorState;
  if (remoteSensor) computed = currentSensorState(remoteSensor, stored);
  else if (stored) computed = stored;
  else {
    const message = `Cannot stop sensor ${instigatorOriginId}: nothing is stored for it and no remote sensor was given`;
    throw new InstigatorStateNotFoundError(instigatorOriginId, selectorId, message);
  }

  if (!computed.isRunning) return computed;

  if (!stored) {
    // `computed` came from the remote sensor, so it is there.
    const remote = remoteSensor as RemoteSensorLike;
    return ops.addInstigatorState(
      new InstigatorState({
        origin: remote.origin,
        instigatorType: InstigatorType.SENSOR,
        status: InstigatorStatus.STOPPED,
        instigatorData: initialSensorData(remote),
      }),
    );
  }
  return ops.updateInstigatorState(stored.withStatus(InstigatorStatus.STOPPED));
}

/**
 * Returns a sensor to the status declared in code: a stored state of another instigator type is deleted first
 * (with a warning), then the sensor is stored DECLARED_IN_CODE (added with its interval and type, or the stored
 * state's status changed).
 */
export async function resetSensor(
  ops: Pick<SchedulingInstanceOps, 'getInstigatorState' | 'addInstigatorState' | 'updateInstigatorState' | 'deleteInstigatorState'>,
  remoteSensor: RemoteSensorLike,
): Promise<InstigatorState> {
  const ids = instigatorIds(remoteSensor);
  const stored = await dropMismatchedState(ops, await ops.getInstigatorState(ids.originId, ids.selectorId), InstigatorType.SENSOR, ids, 'reset');
  if (!stored) {
    return ops.addInstigatorState(
      new InstigatorState({
        origin: remoteSensor.origin,
        instigatorType: InstigatorType.SENSOR,
        status: InstigatorStatus.DECLARED_IN_CODE,
        instigatorData: initialSensorData(remoteSensor),
      }),
    );
  }
  return ops.updateInstigatorState(stored.withStatus(InstigatorStatus.DECLARED_IN_CODE));
}
