import { DisposedError } from '@inst/errors';
import type { AlembicVersion, EventHandlerFn, EventLogStorage, EventTypeSelection, MigrationOptions, PaginatedResults, WatchAllRunsOptions, WatchedEvent, WatchOptions } from '@inst/storage';
import {
  DagsterEventType,
  EventLogCursor,
  type AssetCheckExecutionRecord,
  type AssetCheckExecutionRecordStatus,
  type AssetCheckKey,
  type AssetCheckSummaryRecord,
  type AssetKey,
  type AssetRecord,
  type AssetRecordsFilter,
  type AssetStatusCacheValue,
  type ConcurrencyClaimStatus,
  type ConcurrencyKeyInfo,
  type DagsterRunStatsSnapshot,
  type EventLogConnection,
  type EventLogEntry,
  type EventLogRecord,
  type EventRecordsFilter,
  EventRecordsResult,
  type PlannedMaterializationInfo,
  type PoolLimit,
  type RunStatusChangeRecordsFilter,
  type RunStepKeyStatsSnapshot,
} from '@inst/types';
import { getRevision } from '../../introspect.js';
import { upgradeSchema } from '../../migrate.js';
import { HEAD_REVISION } from '../../revisions.js';
import { EVENT_LOG_METADATA } from '../../schema/tables.js';
import { readAllRunsPage } from './all-runs-page.js';
import * as assets from './assets.js';
import * as checks from './checks.js';
import * as concurrency from './concurrency.js';
import type { EventLogConnections } from './connections.js';
import { EventLogContext, type SqlEventLogStorageOptions } from './context.js';
import * as partitions from './dynamic-partitions.js';
import { migrateAssetKeyData, migrateAssetKeysIndexColumns } from './migrations.js';
import * as queries from './queries.js';
import * as repair from './index-repair.js';
import type { IndexRebuild, RunIndexRepair } from './index-repair.js';
import * as stats from './stats.js';
import { watchAllRuns, watchRun, watchStartCursor, type WatchRetryOptions } from './watch.js';
import * as write from './write.js';
import { eventTypeValues } from './rows.js';

/** Run events after which Dagster's callback watchers stop. */
const RUN_ENDING_EVENTS: ReadonlySet<DagsterEventType | null> = new Set([DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED]);

/** Dagster's secondary indexes of the event log, and the data migrations that build them. */
const EVENT_LOG_DATA_MIGRATIONS = [['asset_key_table', migrateAssetKeyData]] as const;
const ASSET_DATA_MIGRATIONS = [[assets.ASSET_KEY_INDEX_COLUMNS, migrateAssetKeysIndexColumns]] as const;

/**
 * Dagster's SQL event log storage over {@link EventLogConnections}: one database with global ids
 * (Postgres), or run-sharded as Dagster's default SQLite storage. Reads and writes what Dagster
 * reads and writes; see the modules of this folder for each part.
 */
export class SqlEventLogStorage implements EventLogStorage {
  readonly #ctx: EventLogContext;
  readonly #disposed = new AbortController();
  readonly #callbackWatches = new Map<string, Map<EventHandlerFn, AbortController>>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(connections: EventLogConnections, options: SqlEventLogStorageOptions = {}) {
    this.#ctx = new EventLogContext(connections, options);
  }

  /** The connections this storage reads and writes (for backends and tests). */
  get connections(): EventLogConnections {
    return this.#ctx.connections;
  }

  get isPersistent(): boolean {
    return this.#ctx.connections.isPersistent;
  }

  get isRunSharded(): boolean {
    return this.#ctx.connections.isRunSharded;
  }

  /** False: the SQL storages do not keep ASSET_FAILED_TO_MATERIALIZE records (Dagster OSS). */
  get canStoreAssetFailureEvents(): boolean {
    return false;
  }

  /** True: the concurrency tables are part of every schema inst opens (Dagster 1.8.12 on). */
  get supportsGlobalConcurrencyLimits(): boolean {
    return true;
  }

  // ---------------------------------------------------------------------------- writing

  storeEvent(event: EventLogEntry): Promise<void> {
    return write.storeEvents(this.#ctx, [event]);
  }

  storeEventBatch(events: readonly EventLogEntry[]): Promise<void> {
    return write.storeEvents(this.#ctx, events);
  }

  deleteEvents(runId: string): Promise<void> {
    return write.deleteEvents(this.#ctx, runId);
  }

  wipe(): Promise<void> {
    return write.wipe(this.#ctx);
  }

  // ---------------------------------------------------------------------------- one run

  getRecordsForRun(runId: string, cursor?: string | null, ofType?: EventTypeSelection, limit?: number, ascending = true): Promise<EventLogConnection> {
    return queries.getRecordsForRun(this.#ctx, runId, cursor, ofType, limit, ascending);
  }

  getLogsForRun(runId: string, cursor?: string | number | null, ofType?: EventTypeSelection, limit?: number, ascending = true): Promise<EventLogEntry[]> {
    return queries.getLogsForRun(this.#ctx, runId, cursor, ofType, limit, ascending);
  }

  getStatsForRun(runId: string): Promise<DagsterRunStatsSnapshot> {
    return stats.getStatsForRun(this.#ctx, runId);
  }

  getStepStatsForRun(runId: string, stepKeys?: readonly string[]): Promise<RunStepKeyStatsSnapshot[]> {
    return stats.getStepStatsForRun(this.#ctx, runId, stepKeys);
  }

  // ---------------------------------------------------------------------------- watching

  watch(runId: string, options?: WatchOptions): AsyncIterable<WatchedEvent>;
  watch(runId: string, cursor: string | null | undefined, callback: EventHandlerFn): void;
  watch(runId: string, optionsOrCursor?: WatchOptions | string | null, callback?: EventHandlerFn): AsyncIterable<WatchedEvent> | undefined {
    if (typeof callback === 'function') {
      this.#watchWithCallback(runId, typeof optionsOrCursor === 'string' ? optionsOrCursor : null, callback);
      return undefined;
    }
    const options = (typeof optionsOrCursor === 'object' && optionsOrCursor !== null ? optionsOrCursor : {}) as WatchOptions;
    const start = watchStartCursor(options.after);
    const signal = options.signal ? AbortSignal.any([options.signal, this.#disposed.signal]) : this.#disposed.signal;
    return { [Symbol.asyncIterator]: () => this.#watchRun(runId, start, signal, options.giveUpAfterMs) };
  }

  /**
   * Every event of every run after `after`, each once and in storage-id order, until the signal
   * aborts or the storage is disposed — gap-free under concurrent writers (see `watchAllRuns` in
   * `./watch.ts`). Ids are those of {@link SqlEventLogStorage.getLogsForAllRunsByLogId}.
   */
  watchAllRuns(options: WatchAllRunsOptions = {}): AsyncIterable<WatchedEvent> {
    const start = watchStartCursor(options.after);
    const after = start === null ? 0 : EventLogCursor.parse(start).storageId();
    const types = eventTypeValues(options.eventTypes);
    const signal = options.signal ? AbortSignal.any([options.signal, this.#disposed.signal]) : this.#disposed.signal;
    return {
      [Symbol.asyncIterator]: () => {
        if (this.#closed) throw new DisposedError('event log storage');
        const connections = this.#ctx.connections;
        return watchAllRuns(
          {
            identity: connections.identity,
            readAllRunsPage: (afterId, wanted, limit) => readAllRunsPage(this.#ctx, afterId, wanted, limit),
            ...(connections.allRunsChangeProbe ? { changeProbe: () => connections.allRunsChangeProbe!() } : {}),
            retry: this.#watchRetry('all runs', options.giveUpAfterMs),
          },
          after,
          types,
          signal,
        );
      },
    };
  }

  /** How a watch rides out failing queries: the storage's setting, logging one line when an outage starts and one when it ends. */
  #watchRetry(what: string, giveUpAfterMs: number | undefined): WatchRetryOptions {
    const logger = this.#ctx.logger;
    const configured = this.#ctx.watchRetry;
    return {
      ...configured,
      ...(giveUpAfterMs === undefined ? {} : { giveUpAfterMs }),
      onRetry:
        configured?.onRetry ??
        ((error, failingForMs) => {
          if (error === undefined) logger.warn(`Event watch on ${what} recovered after ${Math.round(failingForMs)} ms`);
          else if (failingForMs === 0) logger.warn(`Event watch on ${what}: query failed, retrying: ${error instanceof Error ? error.message : String(error)}`);
        }),
    };
  }

  #watchRun(runId: string, after: string | null, signal: AbortSignal, giveUpAfterMs?: number): AsyncGenerator<WatchedEvent> {
    if (this.#closed) throw new DisposedError('event log storage');
    const connections = this.#ctx.connections;
    const retry = this.#watchRetry(`run ${runId}`, giveUpAfterMs);
    return watchRun(
      {
        identity: connections.identity,
        getRecordsForRun: (id, cursor, limit) => this.getRecordsForRun(id, cursor, undefined, limit),
        ...(connections.changeProbe ? { changeProbe: (id: string) => connections.changeProbe!(id) } : {}),
        retry,
      },
      runId,
      after,
      signal,
    );
  }

  /**
   * Dagster's callback watch: each new event goes to `callback` (a throwing callback is logged and
   * the watch goes on); the watch ends at `endWatch`, on dispose, or after a run-ending event.
   */
  #watchWithCallback(runId: string, cursor: string | null, callback: EventHandlerFn): void {
    const start = watchStartCursor(cursor);
    this.endWatch(runId, callback);
    const controller = new AbortController();
    let byCallback = this.#callbackWatches.get(runId);
    if (!byCallback) this.#callbackWatches.set(runId, (byCallback = new Map()));
    byCallback.set(callback, controller);
    const signal = AbortSignal.any([controller.signal, this.#disposed.signal]);
    const loop = (async () => {
      try {
        for await (const { record, cursor: next } of { [Symbol.asyncIterator]: () => this.#watchRun(runId, start, signal) }) {
          try {
            callback(record.eventLogEntry, next);
          } catch (error) {
            this.#ctx.logger.warn(`Exception in callback for event watch on run ${runId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          }
          if (RUN_ENDING_EVENTS.has(record.eventLogEntry.dagsterEventType)) break;
        }
      } catch (error) {
        if (!signal.aborted) this.#ctx.logger.warn(`Event watch on run ${runId} stopped: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        if (this.#callbackWatches.get(runId)?.get(callback) === controller) this.endWatch(runId, callback);
      }
    })();
    this.#running.add(loop);
    void loop.finally(() => this.#running.delete(loop));
  }

  endWatch(runId: string, callback: EventHandlerFn): void {
    const byCallback = this.#callbackWatches.get(runId);
    const controller = byCallback?.get(callback);
    if (!byCallback || !controller) return;
    controller.abort();
    byCallback.delete(callback);
    if (byCallback.size === 0) this.#callbackWatches.delete(runId);
  }

  // ---------------------------------------------------------------------------- across runs

  getEventRecords(eventRecordsFilter: EventRecordsFilter, limit?: number, ascending = false): Promise<EventLogRecord[]> {
    return queries.getEventRecords(this.#ctx, eventRecordsFilter, limit, ascending);
  }

  fetchMaterializations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending = false): Promise<EventRecordsResult> {
    return queries.fetchAssetEvents(this.#ctx, DagsterEventType.ASSET_MATERIALIZATION, recordsFilter, limit, cursor, ascending);
  }

  fetchObservations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending = false): Promise<EventRecordsResult> {
    return queries.fetchAssetEvents(this.#ctx, DagsterEventType.ASSET_OBSERVATION, recordsFilter, limit, cursor, ascending);
  }

  fetchPlannedMaterializations(recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending = false): Promise<EventRecordsResult> {
    return queries.fetchAssetEvents(this.#ctx, DagsterEventType.ASSET_MATERIALIZATION_PLANNED, recordsFilter, limit, cursor, ascending);
  }

  fetchFailedMaterializations(_recordsFilter: AssetKey | AssetRecordsFilter, _limit: number, cursor?: string): Promise<EventRecordsResult> {
    return Promise.resolve(new EventRecordsResult({ records: [], cursor: cursor ?? '', hasMore: false }));
  }

  fetchRunStatusChanges(recordsFilter: DagsterEventType | RunStatusChangeRecordsFilter, limit: number, cursor?: string, ascending = false): Promise<EventRecordsResult> {
    return queries.fetchRunStatusChanges(this.#ctx, recordsFilter, limit, cursor, ascending);
  }

  getLogsForAllRunsByLogId(afterCursor = -1, dagsterEventType?: EventTypeSelection, limit?: number): Promise<Map<number, EventLogEntry>> {
    return queries.getLogsForAllRunsByLogId(this.#ctx, afterCursor, dagsterEventType, limit);
  }

  getMaximumRecordId(): Promise<number | null> {
    return queries.getMaximumRecordId(this.#ctx);
  }

  // ---------------------------------------------------------------------------- assets

  getAssetRecords(assetKeys?: readonly AssetKey[]): Promise<AssetRecord[]> {
    return assets.getAssetRecords(this.#ctx, assetKeys);
  }

  hasAssetKey(assetKey: AssetKey): Promise<boolean> {
    return assets.hasAssetKey(this.#ctx, assetKey);
  }

  allAssetKeys(): Promise<AssetKey[]> {
    return assets.allAssetKeys(this.#ctx);
  }

  getAssetKeys(prefix?: readonly string[], limit?: number, cursor?: string): Promise<AssetKey[]> {
    return assets.getAssetKeys(this.#ctx, prefix, limit, cursor);
  }

  getLatestMaterializationEvents(assetKeys: readonly AssetKey[]): Promise<Map<AssetKey, EventLogEntry | null>> {
    return assets.getLatestMaterializationEvents(this.#ctx, assetKeys);
  }

  getEventTagsForAsset(assetKey: AssetKey, filterTags?: Readonly<Record<string, string>>, filterEventId?: number): Promise<Record<string, string>[]> {
    return assets.getEventTagsForAsset(this.#ctx, assetKey, filterTags, filterEventId);
  }

  getAssetRunIds(assetKey: AssetKey): Promise<string[]> {
    return assets.getAssetRunIds(this.#ctx, assetKey);
  }

  wipeAsset(assetKey: AssetKey): Promise<void> {
    return assets.wipeAsset(this.#ctx, assetKey);
  }

  /**
   * Hides the asset events of some partitions (see {@link EventLogStorage.wipeAssetPartitions}): on one
   * database their rows lose `asset_key` and `partition`; run-sharded, their index copies are deleted.
   */
  wipeAssetPartitions(assetKey: AssetKey, partitionKeys: readonly string[]): Promise<void> {
    return assets.wipeAssetPartitions(this.#ctx, assetKey, partitionKeys);
  }

  /** True; whether the column exists is probed on each write (older databases just skip the cache). */
  canCacheAssetStatusData(): boolean {
    return true;
  }

  updateAssetCachedStatusData(assetKey: AssetKey, cacheValues: AssetStatusCacheValue): Promise<void> {
    return assets.updateAssetCachedStatusData(this.#ctx, assetKey, cacheValues);
  }

  wipeAssetCachedStatus(assetKey: AssetKey): Promise<void> {
    return assets.wipeAssetCachedStatus(this.#ctx, assetKey);
  }

  getMaterializationCountByPartition(assetKeys: readonly AssetKey[], afterCursor?: number): Promise<Map<AssetKey, Map<string, number>>> {
    return assets.getMaterializationCountByPartition(this.#ctx, assetKeys, afterCursor);
  }

  getMaterializedPartitions(assetKey: AssetKey, beforeCursor?: number, afterCursor?: number): Promise<Set<string>> {
    return assets.getMaterializedPartitions(this.#ctx, assetKey, beforeCursor, afterCursor);
  }

  getLatestStorageIdByPartition(assetKey: AssetKey, eventType: DagsterEventType, partitionKeys?: Iterable<string>): Promise<Map<string, number>> {
    return assets.getLatestStorageIdByPartition(this.#ctx, assetKey, eventType, partitionKeys);
  }

  getLatestTagsByPartition(
    assetKey: AssetKey,
    eventType: DagsterEventType,
    tagKeys: readonly string[],
    assetPartitions?: readonly string[],
    beforeCursor?: number,
    afterCursor?: number,
  ): Promise<Map<string, Record<string, string>>> {
    return assets.getLatestTagsByPartition(this.#ctx, assetKey, eventType, tagKeys, assetPartitions, beforeCursor, afterCursor);
  }

  getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(assetKey: AssetKey, afterStorageId?: number): Promise<Map<string, [string, number]>> {
    return assets.getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(this.#ctx, assetKey, afterStorageId);
  }

  getLatestPlannedMaterializationInfo(assetKey: AssetKey, partition?: string): Promise<PlannedMaterializationInfo | null> {
    return queries.getLatestPlannedMaterializationInfo(this.#ctx, assetKey, partition);
  }

  getUpdatedDataVersionPartitions(assetKey: AssetKey, partitionKeys: Iterable<string>, sinceStorageId: number): Promise<Set<string>> {
    return assets.getUpdatedDataVersionPartitions(this.#ctx, assetKey, partitionKeys, sinceStorageId);
  }

  // ---------------------------------------------------------------------------- dynamic partitions

  getDynamicPartitions(partitionsDefName: string): Promise<string[]> {
    return partitions.getDynamicPartitions(this.#ctx, partitionsDefName);
  }

  getPaginatedDynamicPartitions(partitionsDefName: string, limit: number, ascending: boolean, cursor?: string): Promise<PaginatedResults<string>> {
    return partitions.getPaginatedDynamicPartitions(this.#ctx, partitionsDefName, limit, ascending, cursor);
  }

  hasDynamicPartition(partitionsDefName: string, partitionKey: string): Promise<boolean> {
    return partitions.hasDynamicPartition(this.#ctx, partitionsDefName, partitionKey);
  }

  addDynamicPartitions(partitionsDefName: string, partitionKeys: readonly string[]): Promise<void> {
    return partitions.addDynamicPartitions(this.#ctx, partitionsDefName, partitionKeys);
  }

  deleteDynamicPartition(partitionsDefName: string, partitionKey: string): Promise<void> {
    return partitions.deleteDynamicPartition(this.#ctx, partitionsDefName, partitionKey);
  }

  // ---------------------------------------------------------------------------- concurrency

  getConcurrencyKeys(): Promise<Set<string>> {
    return concurrency.getConcurrencyKeys(this.#ctx);
  }

  getPoolLimits(): Promise<PoolLimit[]> {
    return concurrency.getPoolLimits(this.#ctx);
  }

  setConcurrencySlots(concurrencyKey: string, num: number): Promise<void> {
    return concurrency.setConcurrencySlots(this.#ctx, concurrencyKey, num);
  }

  initializeConcurrencyLimitToDefault(concurrencyKey: string): Promise<boolean> {
    return concurrency.initializeConcurrencyLimitToDefault(this.#ctx, concurrencyKey);
  }

  deleteConcurrencyLimit(concurrencyKey: string): Promise<void> {
    return concurrency.deleteConcurrencyLimit(this.#ctx, concurrencyKey);
  }

  getConcurrencyInfo(concurrencyKey: string): Promise<ConcurrencyKeyInfo> {
    return concurrency.getConcurrencyInfo(this.#ctx, concurrencyKey);
  }

  claimConcurrencySlot(concurrencyKey: string, runId: string, stepKey: string, priority?: number): Promise<ConcurrencyClaimStatus> {
    return concurrency.claimConcurrencySlot(this.#ctx, concurrencyKey, runId, stepKey, priority);
  }

  checkConcurrencyClaim(concurrencyKey: string, runId: string, stepKey: string): Promise<ConcurrencyClaimStatus> {
    return concurrency.checkConcurrencyClaim(this.#ctx, concurrencyKey, runId, stepKey);
  }

  getConcurrencyRunIds(): Promise<Set<string>> {
    return concurrency.getConcurrencyRunIds(this.#ctx);
  }

  freeConcurrencySlotsForRun(runId: string): Promise<void> {
    return concurrency.freeConcurrencySlotsForRun(this.#ctx, runId);
  }

  freeConcurrencySlotForStep(runId: string, stepKey: string): Promise<void> {
    return concurrency.freeConcurrencySlotForStep(this.#ctx, runId, stepKey);
  }

  // ---------------------------------------------------------------------------- asset checks

  getAssetCheckExecutionHistory(
    checkKey: AssetCheckKey,
    limit: number,
    cursor?: number,
    status?: Iterable<AssetCheckExecutionRecordStatus>,
  ): Promise<AssetCheckExecutionRecord[]> {
    return checks.getAssetCheckExecutionHistory(this.#ctx, checkKey, limit, cursor, status);
  }

  getLatestAssetCheckExecutionByKey(checkKeys: readonly AssetCheckKey[]): Promise<Map<AssetCheckKey, AssetCheckExecutionRecord>> {
    return checks.getLatestAssetCheckExecutionByKey(this.#ctx, checkKeys);
  }

  getAssetCheckSummaryRecords(checkKeys: readonly AssetCheckKey[]): Promise<Map<AssetCheckKey, AssetCheckSummaryRecord>> {
    return checks.getAssetCheckSummaryRecords(this.#ctx, checkKeys);
  }

  // ---------------------------------------------------------------------------- maintenance

  async #applyDataMigrations(migrations: readonly (readonly [string, (ctx: EventLogContext, options: MigrationOptions) => Promise<void>])[], options: MigrationOptions): Promise<void> {
    const print = options.printFn;
    for (const [name, migrate] of migrations) {
      if (!options.forceRebuildAll && (await this.#ctx.hasSecondaryIndex(name))) {
        print?.(`Skipping already applied data migration: ${name}`);
        continue;
      }
      print?.(`Starting data migration: ${name}`);
      await migrate(this.#ctx, options);
      await this.#ctx.markSecondaryIndexBuilt(name);
      print?.(`Finished data migration: ${name}`);
    }
  }

  reindexEvents(options: MigrationOptions = {}): Promise<void> {
    return this.#applyDataMigrations(EVENT_LOG_DATA_MIGRATIONS, options);
  }

  reindexAssets(options: MigrationOptions = {}): Promise<void> {
    return this.#applyDataMigrations(ASSET_DATA_MIGRATIONS, options);
  }

  /**
   * Run-sharded: makes the index's copies of one run's asset and run-status events match the run's
   * shard (see `repairRunIndex`); a no-op on one database.
   */
  repairRunIndex(runId: string): Promise<RunIndexRepair> {
    return repair.repairRunIndex(this.#ctx, runId);
  }

  /**
   * Run-sharded: rebuilds the index's event copies, `asset_keys`, indexed tags and check executions
   * from every run's shard (see `rebuildIndex`), then marks the event-log secondary indexes built.
   * A no-op on one database, where there is nothing to rebuild from.
   */
  async rebuildIndex(options: MigrationOptions = {}): Promise<IndexRebuild> {
    if (!this.isRunSharded) return { runs: 0, events: 0 };
    options.printFn?.('Rebuilding the event log index from the run shards...');
    const result = await repair.rebuildIndex(this.#ctx);
    for (const [name] of [...EVENT_LOG_DATA_MIGRATIONS, ...ASSET_DATA_MIGRATIONS]) await this.#ctx.markSecondaryIndexBuilt(name);
    options.printFn?.(`Rebuilt the event log index: ${result.events} events from ${result.runs} runs`);
    return result;
  }

  hasSecondaryIndex(name: string): Promise<boolean> {
    return this.#ctx.hasSecondaryIndex(name);
  }

  enableSecondaryIndex(name: string): Promise<void> {
    return this.#ctx.markSecondaryIndexBuilt(name);
  }

  /** Brings the index database and, run-sharded, every run database up to the head schema. */
  async upgrade(options: MigrationOptions = {}): Promise<void> {
    const log = options.printFn;
    const connections = this.#ctx.connections;
    if (connections.isRunSharded) {
      const runIds = await connections.runIds();
      log?.(`Updating event log storage for ${runIds.length} runs...`);
      for (const runId of runIds) await upgradeSchema(await connections.forRun(runId), EVENT_LOG_METADATA, log ? { log } : {});
    }
    log?.('Updating event log storage for the index database...');
    await upgradeSchema(connections.index, EVENT_LOG_METADATA, log ? { log } : {});
    this.#ctx.forgetSchema();
  }

  async alembicVersion(): Promise<AlembicVersion | undefined> {
    const current = await getRevision(this.#ctx.index);
    return { current: current ?? undefined, head: HEAD_REVISION };
  }

  /** Nothing to tune: connections are the backend's. */
  optimizeForWebserver(): Promise<void> {
    return Promise.resolve();
  }

  /** Ends every watch, then releases the connections. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#disposed.abort();
    this.#callbackWatches.clear();
    await Promise.allSettled([...this.#running]);
    await this.#ctx.connections.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
