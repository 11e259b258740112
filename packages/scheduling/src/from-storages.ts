import { schedulesDirectory, type RunStorage, type ScheduleStorage } from '@inst/storage';
import type { InstigatorType, TickStatus } from '@inst/types';
import { addInstigatorState, allInstigatorState, deleteInstigatorState, getInstigatorState, updateInstigatorState } from './instigator-state';
import type { Scheduler, SchedulingInstanceOps } from './ops';
import { DagsterDaemonScheduler } from './scheduler';
import { purgeTicks } from './ticks';

/** The settings the scheduling domain reads; an `InstanceSettings` of `@inst/settings` is one. */
export interface SchedulingSettings {
  getTickRetentionSettings(instigatorType: InstigatorType): Readonly<Record<TickStatus, number>>;
}

/** What the scheduling domain works on alone. Each is read on each use, so a getter may stand for one. */
export interface SchedulingStorages {
  readonly runStorage: RunStorage;
  readonly scheduleStorage: ScheduleStorage | undefined;
  /** The instance home (local artifacts): schedules' files go under `<rootDirectory>/schedules`. */
  readonly rootDirectory: string;
  /** The scheduler component; Dagster's default, a {@link DagsterDaemonScheduler}, when absent. */
  readonly scheduler?: Scheduler | undefined;
  /** The instance settings (tick retention): `settingsFromHome(home)` of `@inst/settings`. */
  readonly settings: SchedulingSettings;
}

/**
 * The scheduling domain's ops over the run and schedule storages, for using `@inst/scheduling` without an instance:
 *
 * ```ts
 * const ops = schedulingOpsFromStorages({ runStorage, scheduleStorage, rootDirectory: home, settings: settingsFromHome(home) });
 * await startSchedule(ops, remoteSchedule);
 * ```
 *
 * Every method is this package's own function over these ops; a member given in `overrides` (a value or a getter)
 * is seen by the others, as a subclass's override is through an instance. `@inst/core` builds its adapter this way,
 * overriding each member with the instance's public one.
 */
export function schedulingOpsFromStorages(storages: SchedulingStorages, overrides: Partial<SchedulingInstanceOps> = {}): SchedulingInstanceOps {
  const defaultScheduler = new DagsterDaemonScheduler();
  const ops: SchedulingInstanceOps = {
    get scheduleStorage() {
      return storages.scheduleStorage;
    },
    get runStorage() {
      return storages.runStorage;
    },
    get scheduler() {
      return storages.scheduler ?? defaultScheduler;
    },
    schedulesDirectory: () => schedulesDirectory(storages),
    getTickRetentionSettings: (type) => storages.settings.getTickRetentionSettings(type),
    allInstigatorState: (...args) => allInstigatorState(ops, ...args),
    getInstigatorState: (originId, selectorId) => getInstigatorState(ops, originId, selectorId),
    addInstigatorState: (state) => addInstigatorState(ops, state),
    updateInstigatorState: (state) => updateInstigatorState(ops, state),
    deleteInstigatorState: (originId, selectorId) => deleteInstigatorState(ops, originId, selectorId),
    purgeTicks: (originId, selectorId, before, statuses) => purgeTicks(ops, originId, selectorId, before, statuses),
  };
  // Descriptors, not values: an override given as a getter stays one (read on each use).
  return Object.defineProperties(ops, Object.getOwnPropertyDescriptors(overrides));
}
