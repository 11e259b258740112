import type {
  AssetCheckExecutionRecord,
  AssetCheckExecutionRecordStatus,
  AssetCheckKey,
  AssetCheckSummaryRecord,
  AssetKey,
  AssetRecord,
  AssetRecordsFilter,
  AssetStatusCacheValue,
  ConcurrencyClaimStatus,
  ConcurrencyKeyInfo,
  DagsterEventType,
  DagsterRunStatsSnapshot,
  EventLogConnection,
  EventLogEntry,
  EventLogRecord,
  EventRecordsFilter,
  EventRecordsResult,
  PlannedMaterializationInfo,
  PoolLimit,
  RunStatusChangeRecordsFilter,
  RunStepKeyStatsSnapshot,
} from '@inst/types';
import type { MigrationOptions, PaginatedResults, StorageLifecycle } from './common';

/** One type or several: Dagster's `of_type` / `dagster_event_type` parameters. */
export type EventTypeSelection = DagsterEventType | Iterable<DagsterEventType>;

/** Dagster's watch callback: the entry and the cursor just after it. */
export type EventHandlerFn = (entry: EventLogEntry, cursor: string) => void;

/** An event met by a watcher, with the cursor to resume after it. */
export interface WatchedEvent {
  readonly record: EventLogRecord;
  readonly cursor: string;
}

export interface WatchOptions {
  /** Start after this cursor (an EventLogCursor string or a storage id); from the beginning when absent. */
  after?: string | number | null;
  /** Ends the stream. */
  signal?: AbortSignal;
  /**
   * A watcher retries failing queries (a database outage, refused connections) with back-off and
   * resumes from its cursor; after this many milliseconds without a successful query it ends with
   * a StorageError instead. Default: the storage's setting, by default never.
   */
  giveUpAfterMs?: number;
}

/** Options of {@link EventLogStorage.watchAllRuns}. */
export interface WatchAllRunsOptions extends WatchOptions {
  /** Only events of these types (the cursor still moves past the others). Default: every event. */
  eventTypes?: EventTypeSelection;
}

/**
 * Stores the append-only event log and everything indexed from it: asset keys and records, asset event tags,
 * asset check executions, dynamic partitions and concurrency slots (Dagster's `EventLogStorage`).
 */
export interface EventLogStorage extends StorageLifecycle {
  readonly isPersistent: boolean;
  /** SQLite keeps one event database per run; storage ids of run queries and cross-run queries then differ. */
  readonly isRunSharded: boolean;

  // Writing.
  storeEvent(event: EventLogEntry): Promise<void>;
  /** Stores several events in one transaction (materializations and observations). */
  storeEventBatch(events: readonly EventLogEntry[]): Promise<void>;
  deleteEvents(runId: string): Promise<void>;
  wipe(): Promise<void>;

  // Reading one run.
  /** Records of a run, ascending by default; `cursor` is an EventLogCursor string. */
  getRecordsForRun(runId: string, cursor?: string | null, ofType?: EventTypeSelection, limit?: number, ascending?: boolean): Promise<EventLogConnection>;
  /** Entries of a run; a number cursor is Dagster's legacy offset (skip n+1; -1 for all). */
  getLogsForRun(runId: string, cursor?: string | number | null, ofType?: EventTypeSelection, limit?: number, ascending?: boolean): Promise<EventLogEntry[]>;
  getStatsForRun(runId: string): Promise<DagsterRunStatsSnapshot>;
  getStepStatsForRun(runId: string, stepKeys?: readonly string[]): Promise<RunStepKeyStatsSnapshot[]>;

  // Watching.
  /** The run's events after a cursor as they are stored; ends on the signal. */
  watch(runId: string, options?: WatchOptions): AsyncIterable<WatchedEvent>;
  /** Dagster's callback form: calls `callback` for each new event after `cursor` until `endWatch`. */
  watch(runId: string, cursor: string | null | undefined, callback: EventHandlerFn): void;
  endWatch(runId: string, callback: EventHandlerFn): void;
  /**
   * Every event of every run stored after `after` (a storage id or its cursor), each once and in
   * storage-id order, even while several processes write different runs at once; ends on `signal`.
   * The ids are those of `getLogsForAllRunsByLogId` (index ids on run-sharded SQLite, which indexes
   * only asset and run-status events). Optional: storages without global ids may leave it out.
   */
  watchAllRuns?(options?: WatchAllRunsOptions): AsyncIterable<WatchedEvent>;

  // Reading across runs.
  getEventRecords(eventRecordsFilter: EventRecordsFilter, limit?: number, ascending?: boolean): Promise<EventLogRecord[]>;
  fetchMaterializations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult>;
  fetchObservations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult>;
  fetchPlannedMaterializations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult>;
  /** Empty on the SQL storages, as in Dagster OSS (`canStoreAssetFailureEvents` is false). */
  fetchFailedMaterializations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult>;
  fetchRunStatusChanges(recordsFilter: DagsterEventType | RunStatusChangeRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult>;
  /** Events of every run by storage id (not on run-sharded storage). */
  getLogsForAllRunsByLogId(afterCursor?: number, dagsterEventType?: EventTypeSelection, limit?: number): Promise<Map<number, EventLogEntry>>;
  getMaximumRecordId(): Promise<number | null>;
  readonly canStoreAssetFailureEvents: boolean;

  // Assets.
  getAssetRecords(assetKeys?: readonly AssetKey[]): Promise<AssetRecord[]>;
  hasAssetKey(assetKey: AssetKey): Promise<boolean>;
  allAssetKeys(): Promise<AssetKey[]>;
  /** Keys ordered by their stored string; `cursor` is such a string (exclusive). */
  getAssetKeys(prefix?: readonly string[], limit?: number, cursor?: string): Promise<AssetKey[]>;
  /** Keyed by the AssetKey instances passed in. */
  getLatestMaterializationEvents(assetKeys: readonly AssetKey[]): Promise<Map<AssetKey, EventLogEntry | null>>;
  getEventTagsForAsset(assetKey: AssetKey, filterTags?: Readonly<Record<string, string>>, filterEventId?: number): Promise<Record<string, string>[]>;
  getAssetRunIds(assetKey: AssetKey): Promise<string[]>;
  /** Hides the asset's history (events are kept; reads filter on the wipe time). */
  wipeAsset(assetKey: AssetKey): Promise<void>;
  /**
   * Hides the asset events (materializations, observations, planned and failed materializations) of some
   * partitions of an asset, in one transaction; Dagster's SQL storages raise NotImplementedError here. Asset
   * queries stop finding them while each run's event log keeps them. The asset, its other partitions and its
   * check executions stay; its latest materialization and run id are recomputed from what remains and its
   * cached status is dropped. InvalidArgumentError, before anything is written, for anything but an AssetKey
   * and a non-empty list of non-empty strings.
   */
  wipeAssetPartitions(assetKey: AssetKey, partitionKeys: readonly string[]): Promise<void>;
  canCacheAssetStatusData(): boolean;
  updateAssetCachedStatusData(assetKey: AssetKey, cacheValues: AssetStatusCacheValue): Promise<void>;
  wipeAssetCachedStatus(assetKey: AssetKey): Promise<void>;
  getMaterializationCountByPartition(assetKeys: readonly AssetKey[], afterCursor?: number): Promise<Map<AssetKey, Map<string, number>>>;
  getMaterializedPartitions(assetKey: AssetKey, beforeCursor?: number, afterCursor?: number): Promise<Set<string>>;
  getLatestStorageIdByPartition(assetKey: AssetKey, eventType: DagsterEventType, partitions?: Iterable<string>): Promise<Map<string, number>>;
  getLatestTagsByPartition(
    assetKey: AssetKey,
    eventType: DagsterEventType,
    tagKeys: readonly string[],
    assetPartitions?: readonly string[],
    beforeCursor?: number,
    afterCursor?: number,
  ): Promise<Map<string, Record<string, string>>>;
  /** Partition → [run id, planned event storage id] of planned runs with no materialization since. */
  getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(assetKey: AssetKey, afterStorageId?: number): Promise<Map<string, [string, number]>>;
  getLatestPlannedMaterializationInfo(assetKey: AssetKey, partition?: string): Promise<PlannedMaterializationInfo | null>;
  getUpdatedDataVersionPartitions(assetKey: AssetKey, partitions: Iterable<string>, sinceStorageId: number): Promise<Set<string>>;

  // Dynamic partitions.
  getDynamicPartitions(partitionsDefName: string): Promise<string[]>;
  getPaginatedDynamicPartitions(partitionsDefName: string, limit: number, ascending: boolean, cursor?: string): Promise<PaginatedResults<string>>;
  hasDynamicPartition(partitionsDefName: string, partitionKey: string): Promise<boolean>;
  /** Adds the keys not present yet, in the given order (idempotent). */
  addDynamicPartitions(partitionsDefName: string, partitionKeys: readonly string[]): Promise<void>;
  deleteDynamicPartition(partitionsDefName: string, partitionKey: string): Promise<void>;

  // Concurrency pools.
  readonly supportsGlobalConcurrencyLimits: boolean;
  getConcurrencyKeys(): Promise<Set<string>>;
  getPoolLimits(): Promise<PoolLimit[]>;
  /** Sets the slot count of a key (0..1000); claimed slots above the new count are removed when freed. */
  setConcurrencySlots(concurrencyKey: string, num: number): Promise<void>;
  /** Creates the key's limit from the default pool limit; false when there is no default. */
  initializeConcurrencyLimitToDefault(concurrencyKey: string): Promise<boolean>;
  deleteConcurrencyLimit(concurrencyKey: string): Promise<void>;
  getConcurrencyInfo(concurrencyKey: string): Promise<ConcurrencyKeyInfo>;
  claimConcurrencySlot(concurrencyKey: string, runId: string, stepKey: string, priority?: number): Promise<ConcurrencyClaimStatus>;
  checkConcurrencyClaim(concurrencyKey: string, runId: string, stepKey: string): Promise<ConcurrencyClaimStatus>;
  getConcurrencyRunIds(): Promise<Set<string>>;
  freeConcurrencySlotsForRun(runId: string): Promise<void>;
  freeConcurrencySlotForStep(runId: string, stepKey: string): Promise<void>;

  // Asset checks.
  getAssetCheckExecutionHistory(
    checkKey: AssetCheckKey,
    limit: number,
    cursor?: number,
    status?: Iterable<AssetCheckExecutionRecordStatus>,
  ): Promise<AssetCheckExecutionRecord[]>;
  /** Keyed by the AssetCheckKey instances passed in; keys without executions are absent. */
  getLatestAssetCheckExecutionByKey(checkKeys: readonly AssetCheckKey[]): Promise<Map<AssetCheckKey, AssetCheckExecutionRecord>>;
  getAssetCheckSummaryRecords(checkKeys: readonly AssetCheckKey[]): Promise<Map<AssetCheckKey, AssetCheckSummaryRecord>>;

  // Maintenance.
  reindexEvents(options?: MigrationOptions): Promise<void>;
  reindexAssets(options?: MigrationOptions): Promise<void>;
  /**
   * Optional: rebuilds what a storage derives from its primary event rows — on run-sharded SQLite,
   * `index.db`'s event copies, `asset_keys`, indexed tags and check executions from the run shards.
   * `reindex()` calls it when present.
   */
  rebuildIndex?(options?: MigrationOptions): Promise<unknown>;
  hasSecondaryIndex(name: string): Promise<boolean>;
  enableSecondaryIndex(name: string): Promise<void>;
}
