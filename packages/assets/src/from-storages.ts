import { storeDagsterEvent, type RunStorage } from '@inst/storage';
import type { AssetsEventLogStorage, AssetsInstanceOps } from './ops';
import {
  fetchMaterializations,
  fetchObservations,
  getAssetRecords,
  getLatestMaterializationEvents,
  getLatestPlannedMaterializationInfo,
  getMaterializedPartitions,
} from './queries';
import { _reportRunlessAssetEvent } from './runless';
import { updateAssetCachedStatusData } from './status-cache';

/** The storages the assets domain works on alone. Each is read on each use, so a getter may stand for one. */
export interface AssetsStorages {
  readonly eventLogStorage: AssetsEventLogStorage;
  /** Where the status cache asks which runs of planned partitions finished, and run events move a run's status. */
  readonly runStorage: RunStorage;
}

/**
 * The assets domain's ops over two storages, for using `@inst/assets` without an instance:
 *
 * ```ts
 * const ops = assetsOpsFromStorages({ runStorage, eventLogStorage });
 * await reportRunlessAssetEvent(ops, new AssetMaterialization({ assetKey: new AssetKey('orders') }));
 * ```
 *
 * Every method is this package's own function over these ops; a member given in `overrides` (a value or a getter)
 * is seen by the others, as a subclass's override is through an instance. `@inst/core` builds its adapter this way,
 * overriding each member with the instance's public one. `reportDagsterEvent` stores the event (and moves the run's
 * status for run events) without listeners or batching — use `@inst/core` for those.
 */
export function assetsOpsFromStorages(storages: AssetsStorages, overrides: Partial<AssetsInstanceOps> = {}): AssetsInstanceOps {
  const ops: AssetsInstanceOps = {
    get eventLogStorage() {
      return storages.eventLogStorage;
    },
    reportDagsterEvent: (event, runId, logLevel) => storeDagsterEvent({ runStorage: storages.runStorage, eventLogStorage: ops.eventLogStorage }, event, runId, logLevel),
    _reportRunlessAssetEvent: (event) => _reportRunlessAssetEvent(ops, event),
    fetchMaterializations: (filter, limit, cursor, ascending) => fetchMaterializations(ops, filter, limit, cursor, ascending),
    fetchObservations: (filter, limit, cursor, ascending) => fetchObservations(ops, filter, limit, cursor, ascending),
    getLatestMaterializationEvents: (keys) => getLatestMaterializationEvents(ops, keys),
    getAssetRecords: (keys) => getAssetRecords(ops, keys),
    getMaterializedPartitions: (key, before, after) => getMaterializedPartitions(ops, key, before, after),
    getLatestPlannedMaterializationInfo: (key, partition) => getLatestPlannedMaterializationInfo(ops, key, partition),
    updateAssetCachedStatusData: (key, value) => updateAssetCachedStatusData(ops, key, value),
    getRuns: (filters) => storages.runStorage.getRuns(filters),
  };
  // Descriptors, not values: an override given as a getter stays one (read on each use).
  return Object.defineProperties(ops, Object.getOwnPropertyDescriptors(overrides));
}
