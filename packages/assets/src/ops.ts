import type { EventLogStorage } from '@inst/storage';
import type {
  AssetKey,
  AssetMaterialization,
  AssetObservation,
  AssetCheckEvaluation,
  AssetRecord,
  AssetRecordsFilter,
  AssetStatusCacheValue,
  DagsterEvent,
  DagsterRun,
  EventLogEntry,
  EventRecordsResult,
  PlannedMaterializationInfo,
  RunsFilter,
} from '@inst/types';
import type { FreshnessStateChange, FreshnessStateEvaluation, FreshnessStateRecord } from './records';

/** An event `reportRunlessAssetEvent` records outside any run. */
export type RunlessAssetEvent = AssetMaterialization | AssetObservation | AssetCheckEvaluation | FreshnessStateEvaluation | FreshnessStateChange;

/**
 * Members of Dagster's `EventLogStorage` that the `@inst/storage` contract does not declare. Each is optional: a
 * storage that lacks one gets the base class's answer (noted on each member).
 */
export interface AssetsStorageExtensions {
  /** Whether the asset status cache can be read; `canCacheAssetStatusData()` when absent. */
  canReadAssetStatusCache?(): boolean;
  /** Whether the asset status cache can be written; `canCacheAssetStatusData()` when absent. */
  canWriteAssetStatusCache?(): boolean;
  /** Whether the storage has the asset check tables; true when absent (Dagster's base class). */
  readonly supportsAssetChecks?: boolean;
  /** Whether asset records carry the last planned materialization's storage id; false when absent. */
  readonly assetRecordsHaveLastPlannedMaterializationStorageId?: boolean;
  /** The current freshness state per asset; without it there are none. Keyed by the AssetKey instances passed in. */
  getFreshnessStateRecords?(keys: readonly AssetKey[]): Promise<Map<AssetKey, FreshnessStateRecord>>;
}

/** The event log storage as the assets domain sees it. */
export type AssetsEventLogStorage = EventLogStorage & AssetsStorageExtensions;

/**
 * Everything the assets domain needs from an instance (Dagster's `AssetInstanceOps`).
 *
 * The event log storage is used directly where Dagster's instance uses its private `_event_storage`; every method
 * is a **public method of the instance** under its camel name, so an adapter that forwards to the instance lets a
 * subclass override (say `reportDagsterEvent` or `fetchMaterializations`) and be seen by this domain.
 */
export interface AssetsInstanceOps {
  /** The instance's event log storage: asset keys, records, events, status cache, asset checks. */
  readonly eventLogStorage: AssetsEventLogStorage;
  /** The environment `internalAssetFreshnessEnabled` reads (`DAGSTER_ASSET_FRESHNESS_ENABLED`); `process.env` when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;

  /** `instance.reportDagsterEvent`: wraps the event in an EventLogEntry of the run (INFO by default) and stores it. */
  reportDagsterEvent(dagsterEvent: DagsterEvent, runId: string, logLevel?: number | string): Promise<void>;
  /** `instance._reportRunlessAssetEvent`: records an asset event outside any run (see `_reportRunlessAssetEvent`). */
  _reportRunlessAssetEvent(assetEvent: RunlessAssetEvent): Promise<void>;
  /** `instance.fetchMaterializations` (used by `getLatestDataVersionRecord`). */
  fetchMaterializations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string | null, ascending?: boolean): Promise<EventRecordsResult>;
  /** `instance.fetchObservations` (used by `getLatestDataVersionRecord`). */
  fetchObservations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string | null, ascending?: boolean): Promise<EventRecordsResult>;
  /** `instance.getLatestMaterializationEvents` (used by `getLatestMaterializationCodeVersions`). */
  getLatestMaterializationEvents(assetKeys: Iterable<AssetKey>): Promise<Map<AssetKey, EventLogEntry | null>>;
  /** `instance.getAssetRecords` (the status cache reads the stored cache value and latest ids from it). */
  getAssetRecords(assetKeys?: readonly AssetKey[] | null): Promise<readonly AssetRecord[]>;
  /** `instance.getMaterializedPartitions` (status cache). */
  getMaterializedPartitions(assetKey: AssetKey, beforeCursor?: number | null, afterCursor?: number | null): Promise<Set<string>>;
  /** `instance.getLatestPlannedMaterializationInfo` (status cache, when asset records lack the planned id). */
  getLatestPlannedMaterializationInfo(assetKey: AssetKey, partition?: string | null): Promise<PlannedMaterializationInfo | null>;
  /** `instance.updateAssetCachedStatusData` (the status cache writes its refreshed value back). */
  updateAssetCachedStatusData(assetKey: AssetKey, cacheValues: AssetStatusCacheValue): Promise<void>;
  /** `instance.getRuns`: the status cache asks which runs of planned partitions finished, failed or still run. */
  getRuns(filters?: RunsFilter): Promise<readonly DagsterRun[]>;
}
