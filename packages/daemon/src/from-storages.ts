import type { RunStorage } from '@inst/storage';
import { DaemonType } from './daemon-types';
import { addDaemonHeartbeat, getDaemonHeartbeats } from './heartbeats';
import type { DaemonInstanceOps, DaemonRequirement } from './ops';
import { getRequiredDaemonTypes } from './required';

/** The settings the daemon domain reads; an `InstanceSettings` of `@inst/settings` is one. */
export type DaemonSettings = Pick<
  DaemonInstanceOps,
  'isEphemeral' | 'runMonitoringEnabled' | 'runRetriesEnabled' | 'autoMaterializeEnabled' | 'autoMaterializeUseSensors' | 'freshnessEnabled' | 'daemonSkipHeartbeatsWithoutErrors'
>;

/** What the daemon domain works on alone. Each is read on each use, so a getter may stand for one. */
export interface DaemonStorages {
  /** Where heartbeats are kept. */
  readonly runStorage: RunStorage;
  /** The instance settings: `settingsFromHome(home)` of `@inst/settings`. */
  readonly settings: DaemonSettings;
  /** The scheduler; Dagster's default (the scheduler daemon's, needing SCHEDULER) when absent. */
  readonly scheduler?: DaemonRequirement | null | undefined;
  /** The run coordinator; Dagster's default (the queued one, needing QUEUED_RUN_COORDINATOR) when absent. */
  readonly runCoordinator?: DaemonRequirement | undefined;
}

/**
 * The daemon domain's ops over run storage, for using `@inst/daemon` without an instance:
 *
 * ```ts
 * const ops = daemonOpsFromStorages({ runStorage, settings: settingsFromHome(home) });
 * const statuses = await getDaemonStatuses(ops);
 * ```
 *
 * Every method is this package's own function over these ops; a member given in `overrides` (a value or a getter)
 * is seen by the others, as a subclass's override is through an instance. `@inst/core` builds its adapter this way,
 * overriding each member with the instance's public one.
 */
export function daemonOpsFromStorages(storages: DaemonStorages, overrides: Partial<DaemonInstanceOps> = {}): DaemonInstanceOps {
  const { settings } = storages;
  const ops: DaemonInstanceOps = {
    get runStorage() {
      return storages.runStorage;
    },
    get scheduler() {
      return storages.scheduler === undefined ? { requiredDaemonType: DaemonType.SCHEDULER } : storages.scheduler;
    },
    get runCoordinator() {
      return storages.runCoordinator ?? { requiredDaemonType: DaemonType.QUEUED_RUN_COORDINATOR };
    },
    get isEphemeral() {
      return settings.isEphemeral;
    },
    get runMonitoringEnabled() {
      return settings.runMonitoringEnabled;
    },
    get runRetriesEnabled() {
      return settings.runRetriesEnabled;
    },
    get autoMaterializeEnabled() {
      return settings.autoMaterializeEnabled;
    },
    get autoMaterializeUseSensors() {
      return settings.autoMaterializeUseSensors;
    },
    get freshnessEnabled() {
      return settings.freshnessEnabled;
    },
    get daemonSkipHeartbeatsWithoutErrors() {
      return settings.daemonSkipHeartbeatsWithoutErrors;
    },
    getRequiredDaemonTypes: () => getRequiredDaemonTypes(ops),
    getDaemonHeartbeats: () => getDaemonHeartbeats(ops),
    addDaemonHeartbeat: (heartbeat) => addDaemonHeartbeat(ops, heartbeat),
  };
  // Descriptors, not values: an override given as a getter stays one (read on each use).
  return Object.defineProperties(ops, Object.getOwnPropertyDescriptors(overrides));
}
