/**
 * Stored schedule and sensor states (Dagster's `*_instigator_state` members and `wipe_all_schedules`). Each needs
 * schedule storage: without it they throw ScheduleStorageNotAvailableError, as Dagster fails.
 */
import type { InstigatorState, InstigatorStatus, InstigatorType } from '@inst/types';
import { opt, requireScheduleStorage } from './internal';
import type { SchedulingInstanceOps } from './ops';

/**
 * Stored states matching every filter given: repository origin id, repository selector id, instigator type, and
 * any of the statuses (a set or any iterable).
 */
export async function allInstigatorState(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  repositoryOriginId?: string | null,
  repositorySelectorId?: string | null,
  instigatorType?: InstigatorType | null,
  instigatorStatuses?: Iterable<InstigatorStatus> | null,
): Promise<InstigatorState[]> {
  const storage = requireScheduleStorage(ops, 'allInstigatorState');
  return storage.allInstigatorState(opt(repositoryOriginId), opt(repositorySelectorId), opt(instigatorType), opt(instigatorStatuses));
}

/** The stored state of one schedule or sensor, or undefined. */
export async function getInstigatorState(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  originId: string,
  selectorId: string,
): Promise<InstigatorState | undefined> {
  return requireScheduleStorage(ops, 'getInstigatorState').getInstigatorState(originId, selectorId);
}

/** Inserts a state; the storage throws when one with that origin exists. */
export async function addInstigatorState(ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>, state: InstigatorState): Promise<InstigatorState> {
  return requireScheduleStorage(ops, 'addInstigatorState').addInstigatorState(state);
}

/** Replaces a stored state; the storage throws when there is none. */
export async function updateInstigatorState(ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>, state: InstigatorState): Promise<InstigatorState> {
  return requireScheduleStorage(ops, 'updateInstigatorState').updateInstigatorState(state);
}

/** Deletes a stored state; the storage throws when there is none. */
export async function deleteInstigatorState(ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>, originId: string, selectorId: string): Promise<void> {
  await requireScheduleStorage(ops, 'deleteInstigatorState').deleteInstigatorState(originId, selectorId);
}

/**
 * Wipes the scheduler's own state (when there is a scheduler and it has any) and everything in schedule storage:
 * states, ticks and auto-materialize evaluations. Dagster wipes the scheduler before it notices a missing storage;
 * here the storage is checked first, so a failing call changes nothing.
 */
export async function wipeAllSchedules(ops: Pick<SchedulingInstanceOps, 'scheduleStorage' | 'scheduler' | 'schedulesDirectory'>): Promise<void> {
  const storage = requireScheduleStorage(ops, 'wipeAllSchedules');
  const scheduler = ops.scheduler;
  if (scheduler?.wipe) await scheduler.wipe(ops);
  await storage.wipe();
}
