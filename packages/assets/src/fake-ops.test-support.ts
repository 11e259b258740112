/**
 * Test support (not exported): a small in-memory event log holding just what the assets domain reads, and a fake
 * AssetsInstanceOps whose public methods call this package's functions with the ops itself, as the facade's
 * adapter does.
 */
import {
  AssetEntry,
  AssetKey,
  AssetMaterialization,
  AssetMaterializationPlannedData,
  AssetObservation,
  AssetObservationData,
  AssetRecord,
  AssetRecordsFilter,
  DagsterEvent,
  DagsterEventType,
  EventLogCursor,
  EventLogEntry,
  EventLogRecord,
  EventRecordsResult,
  PlannedMaterializationInfo,
  StepMaterializationData,
  coerceLogLevel,
  type AssetCheckExecutionRecord,
  type AssetCheckKey,
  type AssetStatusCacheValue,
  type DagsterRun,
  type EventRecordsFilter,
  type RunsFilter,
} from '@inst/types';
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

function typeOf(record: EventLogRecord): string | null {
  return record.eventLogEntry.dagsterEvent?.eventTypeValue ?? null;
}

/** An append-only in-memory event log with asset indexes computed on read. */
export class FakeAssetEventLog {
  readonly records: EventLogRecord[] = [];
  /** Per asset (stored key string): records up to this storage id are hidden, as after a wipe. */
  readonly wipedThrough = new Map<string, number>();
  /** Storage ids of asset events hidden by a partition wipe. */
  readonly wipedRecords = new Set<number>();
  readonly cachedStatus = new Map<string, AssetStatusCacheValue>();
  readonly checkExecutions: AssetCheckExecutionRecord[] = [];
  readonly calls: string[] = [];
  canStoreAssetFailureEvents = false;
  #nextId = 1;

  async storeEvent(entry: EventLogEntry): Promise<void> {
    this.records.push(new EventLogRecord({ storageId: this.#nextId++, eventLogEntry: entry }));
  }

  /** Records of an asset since its last wipe, optionally of one type, ascending. */
  visible(key: AssetKey, type?: string): EventLogRecord[] {
    const wiped = this.wipedThrough.get(key.toString()) ?? 0;
    return this.records.filter(
      (r) => r.storageId > wiped && !this.wipedRecords.has(r.storageId) && r.assetKey?.equals(key) && (type === undefined || typeOf(r) === type),
    );
  }

  async getEventRecords(filter: EventRecordsFilter, limit?: number, ascending = false): Promise<EventLogRecord[]> {
    this.calls.push('getEventRecords');
    const bound = (cursor: unknown) => (typeof cursor === 'number' ? cursor : null);
    const after = bound(filter.afterCursor);
    const before = bound(filter.beforeCursor);
    let records = (filter.assetKey ? this.visible(filter.assetKey) : this.records).filter(
      (r) =>
        typeOf(r) === filter.eventType &&
        (!filter.assetPartitions || filter.assetPartitions.includes(r.partitionKey ?? '')) &&
        (after === null || r.storageId > after) &&
        (before === null || r.storageId < before) &&
        (!filter.storageIds || filter.storageIds.includes(r.storageId)),
    );
    if (!ascending) records = records.reverse();
    return limit === undefined ? records : records.slice(0, limit);
  }

  async #fetch(type: string, recordsFilter: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending = false): Promise<EventRecordsResult> {
    const filter = recordsFilter instanceof AssetKey ? new AssetRecordsFilter({ assetKey: recordsFilter }) : recordsFilter;
    const all = await this.getEventRecords(filter.toEventRecordsFilter(type as DagsterEventType, cursor, ascending), undefined, ascending);
    const records = all.slice(0, limit);
    const last = records.at(-1);
    return new EventRecordsResult({ records, cursor: last ? EventLogCursor.fromStorageId(last.storageId).toString() : (cursor ?? ''), hasMore: all.length > limit });
  }

  fetchMaterializations(f: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult> {
    this.calls.push('fetchMaterializations');
    return this.#fetch(DagsterEventType.ASSET_MATERIALIZATION, f, limit, cursor, ascending);
  }

  fetchObservations(f: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult> {
    this.calls.push('fetchObservations');
    return this.#fetch(DagsterEventType.ASSET_OBSERVATION, f, limit, cursor, ascending);
  }

  /** As the SQL storage pages it: the last record's cursor, else the given one, else storage id -1; has_more = len == limit. */
  async fetchPlannedMaterializations(f: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending = false): Promise<EventRecordsResult> {
    this.calls.push('fetchPlannedMaterializations');
    const filter = f instanceof AssetKey ? new AssetRecordsFilter({ assetKey: f }) : f;
    const records = await this.getEventRecords(filter.toEventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION_PLANNED, cursor, ascending), limit, ascending);
    const last = records.at(-1);
    const next = last ? EventLogCursor.fromStorageId(last.storageId).toString() : cursor || EventLogCursor.fromStorageId(-1).toString();
    return new EventRecordsResult({ records, cursor: next, hasMore: records.length === limit });
  }

  fetchFailedMaterializations(f: AssetKey | AssetRecordsFilter, limit: number, cursor?: string, ascending?: boolean): Promise<EventRecordsResult> {
    this.calls.push('fetchFailedMaterializations');
    return this.#fetch(DagsterEventType.ASSET_FAILED_TO_MATERIALIZE, f, limit, cursor, ascending);
  }

  /** Keys of every asset event ever stored (a wiped asset stays known), sorted by stored string. */
  #knownKeys(): AssetKey[] {
    const keys = new Map<string, AssetKey>();
    for (const r of this.records) if (r.assetKey) keys.set(r.assetKey.toString(), r.assetKey);
    return [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, key]) => key);
  }

  async allAssetKeys(): Promise<AssetKey[]> {
    return this.#knownKeys();
  }

  async hasAssetKey(key: AssetKey): Promise<boolean> {
    return this.#knownKeys().some((k) => k.equals(key));
  }

  async getAssetKeys(prefix?: readonly string[], limit?: number, cursor?: string): Promise<AssetKey[]> {
    let keys = this.#knownKeys().filter((k) => !prefix || k.hasPrefix(prefix));
    if (cursor) keys = keys.filter((k) => k.toString() > cursor);
    return limit === undefined ? keys : keys.slice(0, limit);
  }

  async getAssetRecords(assetKeys?: readonly AssetKey[]): Promise<AssetRecord[]> {
    this.calls.push('getAssetRecords');
    const known = this.#knownKeys();
    const keys = assetKeys ? known.filter((k) => assetKeys.some((a) => a.equals(k))) : known;
    return keys.map((key) => {
      const lastMat = this.visible(key, DagsterEventType.ASSET_MATERIALIZATION).at(-1) ?? null;
      const lastPlanned = this.visible(key, DagsterEventType.ASSET_MATERIALIZATION_PLANNED).at(-1) ?? null;
      return new AssetRecord({
        storageId: known.indexOf(key) + 1,
        assetEntry: new AssetEntry({
          assetKey: key,
          lastMaterializationRecord: lastMat,
          lastRunId: lastMat?.runId ?? null,
          lastObservationRecord: this.visible(key, DagsterEventType.ASSET_OBSERVATION).at(-1) ?? null,
          lastPlannedMaterializationStorageId: lastPlanned?.storageId ?? null,
          lastPlannedMaterializationRunId: lastPlanned?.runId ?? null,
          cachedStatus: this.cachedStatus.get(key.toString()) ?? null,
        }),
      });
    });
  }

  async getLatestMaterializationEvents(assetKeys: readonly AssetKey[]): Promise<Map<AssetKey, EventLogEntry | null>> {
    return new Map(assetKeys.map((key) => [key, this.visible(key, DagsterEventType.ASSET_MATERIALIZATION).at(-1)?.eventLogEntry ?? null]));
  }

  async getEventTagsForAsset(assetKey: AssetKey, filterTags?: Readonly<Record<string, string>>, filterEventId?: number): Promise<Record<string, string>[]> {
    return this.visible(assetKey, DagsterEventType.ASSET_MATERIALIZATION)
      .filter((r) => filterEventId === undefined || r.storageId === filterEventId)
      .map((r) => ({ ...(r.eventLogEntry.tags ?? {}) }))
      .filter((tags) => Object.entries(filterTags ?? {}).every(([k, v]) => tags[k] === v));
  }

  async wipeAsset(assetKey: AssetKey): Promise<void> {
    this.calls.push(`wipeAsset:${assetKey.toUserString()}`);
    this.wipedThrough.set(assetKey.toString(), this.records.at(-1)?.storageId ?? 0);
    this.cachedStatus.delete(assetKey.toString());
  }

  async wipeAssetPartitions(assetKey: AssetKey, partitionKeys: readonly string[]): Promise<void> {
    this.calls.push(`wipeAssetPartitions:${assetKey.toUserString()}:${partitionKeys.join(',')}`);
    for (const r of this.visible(assetKey)) if (r.partitionKey && partitionKeys.includes(r.partitionKey)) this.wipedRecords.add(r.storageId);
    this.cachedStatus.delete(assetKey.toString());
  }

  canCacheAssetStatusData(): boolean {
    return true;
  }

  async updateAssetCachedStatusData(assetKey: AssetKey, cacheValues: AssetStatusCacheValue): Promise<void> {
    this.calls.push(`updateAssetCachedStatusData:${assetKey.toUserString()}`);
    this.cachedStatus.set(assetKey.toString(), cacheValues);
  }

  async wipeAssetCachedStatus(assetKey: AssetKey): Promise<void> {
    this.calls.push(`wipeAssetCachedStatus:${assetKey.toUserString()}`);
    this.cachedStatus.delete(assetKey.toString());
  }

  async getMaterializedPartitions(assetKey: AssetKey, beforeCursor?: number, afterCursor?: number): Promise<Set<string>> {
    this.calls.push(`getMaterializedPartitions:${afterCursor ?? ''}`);
    return new Set(
      this.visible(assetKey, DagsterEventType.ASSET_MATERIALIZATION)
        .filter((r) => r.partitionKey && (beforeCursor === undefined || r.storageId < beforeCursor) && (afterCursor === undefined || r.storageId > afterCursor))
        .map((r) => r.partitionKey!),
    );
  }

  async getLatestStorageIdByPartition(assetKey: AssetKey, eventType: DagsterEventType, partitions?: Iterable<string>): Promise<Map<string, number>> {
    const wanted = partitions ? new Set(partitions) : null;
    const result = new Map<string, number>();
    for (const r of this.visible(assetKey, eventType)) if (r.partitionKey && (!wanted || wanted.has(r.partitionKey))) result.set(r.partitionKey, r.storageId);
    return result;
  }

  async getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(assetKey: AssetKey, afterStorageId?: number): Promise<Map<string, [string, number]>> {
    this.calls.push(`attemptsWithoutMaterializations:${afterStorageId ?? ''}`);
    const planned = new Map<string, EventLogRecord>();
    for (const r of this.visible(assetKey, DagsterEventType.ASSET_MATERIALIZATION_PLANNED)) {
      if (r.partitionKey && (afterStorageId === undefined || r.storageId > afterStorageId)) planned.set(r.partitionKey, r);
    }
    const materializations = this.visible(assetKey, DagsterEventType.ASSET_MATERIALIZATION);
    const result = new Map<string, [string, number]>();
    for (const [partition, r] of planned) {
      if (!materializations.some((m) => m.partitionKey === partition && m.storageId > r.storageId)) result.set(partition, [r.runId, r.storageId]);
    }
    return result;
  }

  async getLatestPlannedMaterializationInfo(assetKey: AssetKey, partition?: string): Promise<PlannedMaterializationInfo | null> {
    this.calls.push('getLatestPlannedMaterializationInfo');
    const r = this.visible(assetKey, DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
      .filter((p) => partition === undefined || p.partitionKey === partition)
      .at(-1);
    return r ? new PlannedMaterializationInfo({ storageId: r.storageId, runId: r.runId }) : null;
  }

  async getLatestAssetCheckExecutionByKey(checkKeys: readonly AssetCheckKey[]): Promise<Map<AssetCheckKey, AssetCheckExecutionRecord>> {
    const result = new Map<AssetCheckKey, AssetCheckExecutionRecord>();
    for (const key of checkKeys) {
      const latest = this.checkExecutions.filter((e) => e.key.equals(key)).at(-1);
      if (latest) result.set(key, latest);
    }
    return result;
  }

  asStorage(): AssetsEventLogStorage {
    return this as unknown as AssetsEventLogStorage;
  }
}

export interface FakeOps extends AssetsInstanceOps {
  readonly log: FakeAssetEventLog;
  readonly runs: Map<string, DagsterRun>;
  /** Filters `getRuns` was called with. */
  readonly runQueries: RunsFilter[];
}

/** A fake instance: the in-memory event log, runs in a map, public methods wired to this package's functions (overridable). */
export function createFakeOps(options: { env?: Record<string, string>; storage?: Partial<Record<string, unknown>>; overrides?: Partial<AssetsInstanceOps> } = {}): FakeOps {
  const log = new FakeAssetEventLog();
  Object.assign(log, options.storage ?? {});
  const runs = new Map<string, DagsterRun>();
  const runQueries: RunsFilter[] = [];
  const ops: FakeOps = {
    log,
    runs,
    runQueries,
    eventLogStorage: log.asStorage(),
    env: options.env ?? {},
    // What @inst/events' reportDagsterEvent does: wrap in an entry of the run and store it.
    reportDagsterEvent: async (dagsterEvent, runId, logLevel = 20) => {
      await log.storeEvent(
        new EventLogEntry({
          userMessage: '',
          level: coerceLogLevel(logLevel),
          jobName: dagsterEvent.jobName,
          runId,
          errorInfo: null,
          timestamp: 1_700_000_000.5,
          stepKey: dagsterEvent.stepKey,
          dagsterEvent,
        }),
      );
    },
    _reportRunlessAssetEvent: (event) => _reportRunlessAssetEvent(ops, event),
    fetchMaterializations: (...args) => fetchMaterializations(ops, ...args),
    fetchObservations: (...args) => fetchObservations(ops, ...args),
    getLatestMaterializationEvents: (keys) => getLatestMaterializationEvents(ops, keys),
    getAssetRecords: (keys) => getAssetRecords(ops, keys),
    getMaterializedPartitions: (...args) => getMaterializedPartitions(ops, ...args),
    getLatestPlannedMaterializationInfo: (...args) => getLatestPlannedMaterializationInfo(ops, ...args),
    updateAssetCachedStatusData: (...args) => updateAssetCachedStatusData(ops, ...args),
    getRuns: async (filter) => {
      if (filter) runQueries.push(filter);
      return [...runs.values()].filter((run) => !filter?.runIds || filter.runIds.includes(run.runId));
    },
    ...options.overrides,
  };
  return ops;
}

function entry(runId: string, dagsterEvent: DagsterEvent, timestamp = 1_700_000_000.25): EventLogEntry {
  return new EventLogEntry({ userMessage: '', level: 20, jobName: dagsterEvent.jobName, runId, errorInfo: null, timestamp, dagsterEvent });
}

/** Stores an ASSET_MATERIALIZATION of a key (or partition) in a run; returns its storage id. */
export async function materialize(
  ops: FakeOps,
  key: AssetKey,
  init: { partition?: string; runId?: string; tags?: Record<string, string> } = {},
): Promise<number> {
  const materialization = new AssetMaterialization({ assetKey: key, partition: init.partition ?? null, tags: init.tags ?? null });
  const event = new DagsterEvent({
    eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION,
    jobName: 'etl',
    eventSpecificData: new StepMaterializationData({ materialization }),
  });
  await ops.log.storeEvent(entry(init.runId ?? 'run-1', event));
  return ops.log.records.at(-1)!.storageId;
}

/** Stores an ASSET_OBSERVATION of a key (or partition); returns its storage id. */
export async function observe(ops: FakeOps, key: AssetKey, init: { partition?: string; tags?: Record<string, string> } = {}): Promise<number> {
  const assetObservation = new AssetObservation({ assetKey: key, partition: init.partition ?? null, tags: init.tags ?? {} });
  const event = new DagsterEvent({ eventTypeValue: DagsterEventType.ASSET_OBSERVATION, jobName: 'etl', eventSpecificData: new AssetObservationData({ assetObservation }) });
  await ops.log.storeEvent(entry('run-1', event));
  return ops.log.records.at(-1)!.storageId;
}

/** Stores an ASSET_MATERIALIZATION_PLANNED of a key (or partition) in a run; returns its storage id. */
export async function plan(ops: FakeOps, key: AssetKey, runId: string, partition?: string): Promise<number> {
  const event = new DagsterEvent({
    eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    jobName: 'etl',
    eventSpecificData: new AssetMaterializationPlannedData({ assetKey: key, partition: partition ?? null }),
  });
  await ops.log.storeEvent(entry(runId, event));
  return ops.log.records.at(-1)!.storageId;
}
