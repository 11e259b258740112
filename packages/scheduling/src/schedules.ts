/**
 * Starting, stopping and resetting schedules (Dagster's `start_schedule` / `stop_schedule` / `reset_schedule`,
 * which hand over to `Scheduler.start_schedule` … — logic Dagster forbids schedulers to override, so it lives here).
 * Each needs a scheduler (SchedulerNotAvailableError otherwise) and reads and writes states through the instance's
 * public methods (`ops.getInstigatorState`, `ops.addInstigatorState`, …).
 */
import { InvariantViolationError } from '@inst/errors';
import { InstigatorState, InstigatorStatus, InstigatorType, ScheduleInstigatorData } from '@inst/types';
import { currentScheduleState, dropMismatchedState, instigatorIds } from './current-state';
import { InstigatorStateNotFoundError } from './errors';
import { nowSeconds, requireScheduler } from './internal';
import type { RemoteScheduleLike, SchedulingInstanceOps } from './ops';


/**
 * Turns a schedule on: stores it RUNNING with `ScheduleInstigatorData(cronSchedule, startTimestamp = now)` (added,
 * or updated over the stored state). A schedule that is already running (stored so, or declared RUNNING in code
 * with nothing stored) is returned as it is, unchanged. A stored *sensor* state under the same ids is deleted first,
 * with a warning (the rule Dagster applies to sensors, applied to schedules too: Dagster would fail on it).
 */
export async function startSchedule(
  ops: Pick<SchedulingInstanceOps, 'scheduler' | 'getInstigatorState' | 'addInstigatorState' | 'updateInstigatorState' | 'deleteInstigatorState'>,
  remoteSchedule: RemoteScheduleLike,
): Promise<InstigatorState> {
  requireScheduler(ops, 'startSchedule');
  const ids = instigatorIds(remoteSchedule);
  const stored = await dropMismatchedState(
    ops,
    await ops.getInstigatorState(ids.originId, ids.selectorId),
    InstigatorType.SCHEDULE,
    ids,
    'started',
  );
  const computed = currentScheduleState(remoteSchedule, stored);
  if (computed.isRunning) return computed;

  const data = new ScheduleInstigatorData({ cronSchedule: remoteSchedule.cronSchedule, startTimestamp: nowSeconds() });
  if (!stored) {
    const started = new InstigatorState({
      origin: remoteSchedule.origin,
      instigatorType: InstigatorType.SCHEDULE,
      status: InstigatorStatus.RUNNING,
      instigatorData: data,
    });
    await ops.addInstigatorState(started);
    return started;
  }
  const started = stored.withStatus(InstigatorStatus.RUNNING).withData(data);
  await ops.updateInstigatorState(started);
  return started;
}

/**
 * Turns a schedule off: stores it STOPPED, keeping only its cron schedule (the start timestamp is cleared). A
 * schedule that is not running is returned as it is. Without `remoteSchedule` the stored state decides, and there
 * must be one (InstigatorStateNotFoundError otherwise, before anything is written). With `remoteSchedule`, a stored
 * sensor state under the same ids is deleted first, with a warning.
 */
export async function stopSchedule(
  ops: Pick<SchedulingInstanceOps, 'scheduler' | 'getInstigatorState' | 'addInstigatorState' | 'updateInstigatorState' | 'deleteInstigatorState'>,
  scheduleOriginId: string,
  scheduleSelectorId: string,
  remoteSchedule?: RemoteScheduleLike | null,
): Promise<InstigatorState> {
  requireScheduler(ops, 'stopSchedule');
  const ids = { originId: scheduleOriginId, selectorId: scheduleSelectorId };
  let stored = (await ops.getInstigatorState(scheduleOriginId, scheduleSelectorId)) ?? undefined;
  // Without the remote schedule there is nothing to rebuild a correct state from, so a mismatched row stays.
  if (remoteSchedule) stored = await dropMismatchedState(ops, stored, InstigatorType.SCHEDULE, ids, 'stopped');

  const computed = remoteSchedule ? currentScheduleState(remoteSchedule, stored) : stored;
  if (computed && !computed.isRunning) return computed;

  if (!stored) {
    if (!remoteSchedule) {
      const message = `Cannot stop schedule ${scheduleOriginId}: nothing is stored for it and no remote schedule was given`;
      throw new InstigatorStateNotFoundError(scheduleOriginId, scheduleSelectorId, message);
    }
    const stopped = new InstigatorState({
      origin: remoteSchedule.origin,
      instigatorType: InstigatorType.SCHEDULE,
      status: InstigatorStatus.STOPPED,
      instigatorData: new ScheduleInstigatorData({ cronSchedule: remoteSchedule.cronSchedule }),
    });
    await ops.addInstigatorState(stopped);
    return stopped;
  }
  // `computed` is the stored state here (possibly with another status), so its data is the stored data. Only a
  // mismatched sensor row, left alone for want of a remote schedule, has none: refuse before writing anything.
  const data = computed?.instigatorData;
  if (!(data instanceof ScheduleInstigatorData)) {
    throw new InvariantViolationError(`Cannot stop schedule ${scheduleOriginId}: its stored state is a ${stored.instigatorType} state`, { ids });
  }
  const cronSchedule = data.cronSchedule;
  const stopped = stored.withStatus(InstigatorStatus.STOPPED).withData(new ScheduleInstigatorData({ cronSchedule }));
  await ops.updateInstigatorState(stopped);
  return stopped;
}

/**
 * Returns a schedule to the status declared in code: stores it DECLARED_IN_CODE (added with its cron schedule and no
 * start timestamp, or the stored state's status changed). A stored sensor state under the same ids is deleted
 * first, with a warning.
 */
export async function resetSchedule(
  ops: Pick<SchedulingInstanceOps, 'scheduler' | 'getInstigatorState' | 'addInstigatorState' | 'updateInstigatorState' | 'deleteInstigatorState'>,
  remoteSchedule: RemoteScheduleLike,
): Promise<InstigatorState> {
  requireScheduler(ops, 'resetSchedule');
  const ids = instigatorIds(remoteSchedule);
  const stored = await dropMismatchedState(
    ops,
    await ops.getInstigatorState(ids.originId, ids.selectorId),
    InstigatorType.SCHEDULE,
    ids,
    'reset',
  );
  if (!stored) {
    return ops.addInstigatorState(
      new InstigatorState({
        origin: remoteSchedule.origin,
        instigatorType: InstigatorType.SCHEDULE,
        status: InstigatorStatus.DECLARED_IN_CODE,
        instigatorData: new ScheduleInstigatorData({ cronSchedule: remoteSchedule.cronSchedule, startTimestamp: null }),
      }),
    );
  }
  return ops.updateInstigatorState(stored.withStatus(InstigatorStatus.DECLARED_IN_CODE));
}
