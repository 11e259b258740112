/**
 * The state a schedule or sensor is in right now, from its stored state and the status declared in code (Dagster's
 * `RemoteSchedule.get_current_instigator_state` / `RemoteSensor.get_current_instigator_state`), and the helpers the
 * start / stop / reset functions share.
 */
import {
  InstigatorState,
  InstigatorStatus,
  InstigatorType,
  ScheduleInstigatorData,
  SensorInstigatorData,
  SensorType,
} from '@inst/types';
import type { RemoteScheduleLike, RemoteSensorLike, SchedulingInstanceOps } from './ops';

/** Dagster's `DEFAULT_SENSOR_DAEMON_INTERVAL`: seconds between sensor evaluations when the sensor names none. */
export const DEFAULT_SENSOR_DAEMON_INTERVAL = 30;

/** The origin id and selector id a remote schedule or sensor is stored under. */
export function instigatorIds(remote: RemoteScheduleLike | RemoteSensorLike): { originId: string; selectorId: string } {
  return { originId: remote.origin.getId(), selectorId: remote.selectorId ?? remote.origin.getSelector().selectorId };
}

/** Dagster's `RemoteSensor.min_interval_seconds`: the sensor's interval, or 30 when it has none (or 0). */
export function sensorMinInterval(remote: RemoteSensorLike): number {
  return remote.minIntervalSeconds || DEFAULT_SENSOR_DAEMON_INTERVAL;
}

/** The data a sensor state starts with (no ticks yet). */
export function initialSensorData(remote: RemoteSensorLike, lastSensorStartTimestamp?: number): SensorInstigatorData {
  return new SensorInstigatorData({
    minInterval: sensorMinInterval(remote),
    sensorType: remote.sensorType ?? SensorType.UNKNOWN,
    lastSensorStartTimestamp: lastSensorStartTimestamp ?? null,
  });
}

/**
 * A schedule's current state. Declared RUNNING in code: the stored state, else an unstored DECLARED_IN_CODE state.
 * Otherwise: the stored state — read as STOPPED when it says DECLARED_IN_CODE, a leftover of a default changed in
 * code — else an unstored STOPPED state.
 */
export function currentScheduleState(remote: RemoteScheduleLike, storedState: InstigatorState | null | undefined): InstigatorState {
  return currentState(
    remote,
    storedState,
    InstigatorType.SCHEDULE,
    () => new ScheduleInstigatorData({ cronSchedule: remote.cronSchedule, startTimestamp: null }),
  );
}

/** A sensor's current state, by the same rule as {@link currentScheduleState}. */
export function currentSensorState(remote: RemoteSensorLike, storedState: InstigatorState | null | undefined): InstigatorState {
  return currentState(remote, storedState, InstigatorType.SENSOR, () => initialSensorData(remote));
}

function currentState(
  remote: RemoteScheduleLike | RemoteSensorLike,
  storedState: InstigatorState | null | undefined,
  instigatorType: InstigatorType,
  initialData: () => ScheduleInstigatorData | SensorInstigatorData,
): InstigatorState {
  if (remote.defaultStatus === 'RUNNING') {
    return (
      storedState ??
      new InstigatorState({ origin: remote.origin, instigatorType, status: InstigatorStatus.DECLARED_IN_CODE, instigatorData: initialData() })
    );
  }
  if (storedState) {
    return storedState.status === InstigatorStatus.DECLARED_IN_CODE ? storedState.withStatus(InstigatorStatus.STOPPED) : storedState;
  }
  return new InstigatorState({ origin: remote.origin, instigatorType, status: InstigatorStatus.STOPPED, instigatorData: initialData() });
}

/**
 * A stored state of the other instigator type under the same ids (a sensor renamed to a schedule, or back) cannot
 * be started, stopped or reset as it is: Dagster deletes it with a warning and goes on as if nothing were stored.
 * Returns the stored state to go on with.
 */
export async function dropMismatchedState(
  ops: Pick<SchedulingInstanceOps, 'deleteInstigatorState'>,
  storedState: InstigatorState | null | undefined,
  expectedType: InstigatorType,
  ids: { originId: string; selectorId: string },
  action: 'started' | 'stopped' | 'reset',
): Promise<InstigatorState | undefined> {
  if (!storedState) return undefined;
  if (storedState.instigatorType === expectedType) return storedState;
  const kind = expectedType === InstigatorType.SCHEDULE ? 'schedule' : 'sensor';
  process.emitWarning(
    `Deleting stored ${storedState.instigatorType} instigator state for ${ids.originId} since a ${kind} with the same name is being ${action}.`,
    { type: 'UserWarning', code: 'INST_INSTIGATOR_TYPE_MISMATCH' },
  );
  await ops.deleteInstigatorState(ids.originId, ids.selectorId);
  return undefined;
}
