/**
 * `@inst/assets`: the assets domain of an inst instance — asset keys and records, materialization / observation /
 * planned / failed event queries, data and code versions, partition status through the asset status cache,
 * wipes, runless asset events, asset checks, and the asset health gates. Every function takes an
 * {@link AssetsInstanceOps} first.
 *
 * @packageDocumentation
 */

/** What the domain needs from an instance, and the storage members it uses beyond the `@inst/storage` contract. */
export type { AssetsInstanceOps, AssetsEventLogStorage, AssetsStorageExtensions, RunlessAssetEvent } from './ops';
export { assetsOpsFromStorages, type AssetsStorages } from './from-storages';

/** Records and constants of the domain that `@inst/types` does not have yet. */
export {
  RUNLESS_RUN_ID,
  RUNLESS_JOB_NAME,
  AssetWipedData,
  FreshnessState,
  FreshnessStateEvaluation,
  FreshnessStateChange,
  FreshnessStateRecordBody,
  FreshnessStateRecord,
  AssetPartitionStatus,
  AssetCheckInstanceSupport,
  type StreamlineName,
  type AssetCheckHealthState,
  type AssetFreshnessHealthState,
  type AssetMaterializationHealthState,
  type MinimalAssetMaterializationHealthState,
} from './records';

export {
  /** A page of an asset's materialization records. */
  fetchMaterializations,
  /** A page of an asset's observation records. */
  fetchObservations,
  /** A page of an asset's failed-to-materialize records. */
  fetchFailedMaterializations,
  /** A page of an asset's planned materialization records (deprecated). */
  fetchPlannedMaterializations,
  /** Asset keys by prefix, with cursor paging. */
  getAssetKeys,
  /** Every asset key. */
  allAssetKeys,
  /** Whether the event log knows an asset. */
  hasAssetKey,
  /** Asset records of some assets or all. */
  getAssetRecords,
  /** The latest materialization entry of an asset. */
  getLatestMaterializationEvent,
  /** The latest materialization entry per asset. */
  getLatestMaterializationEvents,
  /** The code version of each asset's latest materialization. */
  getLatestMaterializationCodeVersions,
  /** The latest record carrying a data version. */
  getLatestDataVersionRecord,
  /** Storage and run id of the latest planned materialization. */
  getLatestPlannedMaterializationInfo,
  /** Partition keys materialized for an asset. */
  getMaterializedPartitions,
  /** The latest storage id per partition of an event type. */
  getLatestStorageIdByPartition,
  /** Tags of an asset's materialization events. */
  getEventTagsForAsset,
  /** The latest execution record of an asset check. */
  getLatestAssetCheckEvaluationRecord,
  /** The current freshness state record per asset. */
  getFreshnessStateRecords,
} from './queries';

export {
  /** Whether the asset status cache can be read. */
  canReadAssetStatusCache,
  /** Writes an asset's cached partition status. */
  updateAssetCachedStatusData,
  /** Clears the cached partition status of assets. */
  wipeAssetCachedStatus,
  /** Per-partition status of an asset from the refreshed status cache. */
  getStatusByPartition,
  /** Brings an asset's status cache up to date and returns it. */
  getAndUpdateAssetStatusCacheValue,
  /** A partitions definition over a fixed list of keys, as Dagster's StaticPartitionsDefinition. */
  staticPartitionsDefinition,
  type StatusPartitionsDefinition,
  type StatusCacheOps,
} from './status-cache';

export {
  /** Wipes the history of assets and reports ASSET_WIPED for each. */
  wipeAssets,
  /** Wipes the history of some partitions of an asset and reports ASSET_WIPED. */
  wipeAssetPartitions,
} from './wipe';

export {
  /** Records an asset event outside any run, after checking its type. */
  reportRunlessAssetEvent,
  /** Records an asset event outside any run (internal form). */
  _reportRunlessAssetEvent,
} from './runless';

export {
  /** Asset-check health per asset (none in OSS). */
  getAssetCheckHealthStateForAssets,
  /** Freshness health per asset (none in OSS). */
  getAssetFreshnessHealthStateForAssets,
  /** Materialization health per asset (none in OSS). */
  getAssetMaterializationHealthStateForAssets,
  /** Lightweight materialization health per asset (none in OSS). */
  getMinimalAssetMaterializationHealthStateForAssets,
  /** Gate: asset health queries (false in OSS). */
  dagsterAssetHealthQueriesSupported,
  /** Gate: failure events of one asset (false in OSS). */
  canReadFailureEventsForAsset,
  /** Gate: asset failure events (false in OSS). */
  canReadAssetFailureEvents,
  /** Gate: freshness policies (DAGSTER_ASSET_FRESHNESS_ENABLED, on by default). */
  internalAssetFreshnessEnabled,
  /** Gate: reading precomputed health (false in OSS). */
  streamlineReadAssetHealthSupported,
  /** Gate: requiring precomputed health (false in OSS). */
  streamlineReadAssetHealthRequired,
  /** Whether the instance supports asset checks. */
  getAssetCheckSupport,
} from './health';
