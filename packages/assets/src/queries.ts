import { warnOnce } from '@inst/errors';
import {
  AssetRecordsFilter,
  RUN_TAGS,
  type AssetKey,
  DagsterEventType,
  EventRecordsFilter,
  type EventRecordsResult,
  type AssetCheckExecutionRecord,
  type AssetCheckKey,
  type AssetRecord,
  type EventLogEntry,
  type EventLogRecord,
  type PlannedMaterializationInfo,
} from '@inst/types';
import { getByKey } from './keys';
import type { AssetsInstanceOps } from './ops';
import { FreshnessStateChange, FreshnessStateRecord } from './records';

/**
 * A page of an asset's ASSET_MATERIALIZATION records (Dagster's `fetch_materializations`): newest first unless
 * `ascending`, continuing after `cursor`; the result carries the next cursor and whether more follow.
 */
export function fetchMaterializations(
  ops: Pick<AssetsInstanceOps, 'eventLogStorage'>,
  recordsFilter: AssetKey | AssetRecordsFilter,
  limit: number,
  cursor?: string | null,
  ascending = false,
): Promise<EventRecordsResult> {
  return ops.eventLogStorage.fetchMaterializations(recordsFilter, limit, cursor ?? undefined, ascending);
}

/** A page of an asset's ASSET_OBSERVATION records (Dagster's `fetch_observations`); paging as {@link fetchMaterializations}. */
export function fetchObservations(
  ops: Pick<AssetsInstanceOps, 'eventLogStorage'>,
  recordsFilter: AssetKey | AssetRecordsFilter,
  limit: number,
  cursor?: string | null,
  ascending = false,
): Promise<EventRecordsResult> {
  return ops.eventLogStorage.fetchObservations(recordsFilter, limit, cursor ?? undefined, ascending);
}

/**
 * A page of an asset's ASSET_FAILED_TO_MATERIALIZE records (Dagster's `fetch_failed_materializations`); empty on
 * storages that do not keep failure events (Dagster OSS's SQL storages).
 */
export function fetchFailedMaterializations(
  ops: Pick<AssetsInstanceOps, 'eventLogStorage'>,
  recordsFilter: AssetKey | AssetRecordsFilter,
  limit: number,
  cursor?: string | null,
  ascending = false,
): Promise<EventRecordsResult> {
  return ops.eventLogStorage.fetchFailedMaterializations(recordsFilter, limit, cursor ?? undefined, ascending);
}

/**
 * A page of ASSET_MATERIALIZATION_PLANNED records (Dagster's deprecated `fetch_planned_materializations`), paged
 * like {@link fetchMaterializations}. Dagster ignores `cursor` when given a bare AssetKey; the storage applies it
 * always, so paging ends.
 */
export function fetchPlannedMaterializations(
  ops: Pick<AssetsInstanceOps, 'eventLogStorage'>,
  recordsFilter: AssetKey | AssetRecordsFilter,
  limit: number,
  cursor?: string | null,
  ascending = false,
): Promise<EventRecordsResult> {
  warnOnce('"fetchPlannedMaterializations" is deprecated and will be removed in 2.0.', 'DeprecationWarning');
  return ops.eventLogStorage.fetchPlannedMaterializations(recordsFilter, limit, cursor ?? undefined, ascending);
}

/** Asset keys known to the event log, ordered by their stored string, optionally under a prefix, after a cursor (a key's stored string), at most `limit`. */
export function getAssetKeys(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, prefix?: readonly string[] | null, limit?: number | null, cursor?: string | null): Promise<AssetKey[]> {
  return ops.eventLogStorage.getAssetKeys(prefix ?? undefined, limit ?? undefined, cursor ?? undefined);
}

/** Every asset key in the event log. */
export function allAssetKeys(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>): Promise<AssetKey[]> {
  return ops.eventLogStorage.allAssetKeys();
}

/** Whether the event log knows the asset (a wiped asset is still known). */
export function hasAssetKey(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKey: AssetKey): Promise<boolean> {
  return ops.eventLogStorage.hasAssetKey(assetKey);
}

/** The AssetRecord (latest materialization, observation, planned run, cached status …) of each key, or of every asset. */
export function getAssetRecords(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKeys?: readonly AssetKey[] | null): Promise<AssetRecord[]> {
  return ops.eventLogStorage.getAssetRecords(assetKeys ?? undefined);
}

/** The latest materialization entry of an asset, or null if it has none (since its last wipe). */
export async function getLatestMaterializationEvent(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKey: AssetKey): Promise<EventLogEntry | null> {
  const events = await ops.eventLogStorage.getLatestMaterializationEvents([assetKey]);
  return getByKey(events, assetKey) ?? null;
}

/** The latest materialization entry per asset key (null for an asset without one), keyed by the keys passed in. */
export function getLatestMaterializationEvents(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKeys: Iterable<AssetKey>): Promise<Map<AssetKey, EventLogEntry | null>> {
  return ops.eventLogStorage.getLatestMaterializationEvents([...assetKeys]);
}

/**
 * The code version of each asset's latest materialization: its `dagster/code_version` tag (Dagster writes the run
 * id there when the asset has no code version of its own); null for an asset never materialized or a
 * materialization without the tag. Reads through `ops.getLatestMaterializationEvents`.
 */
export async function getLatestMaterializationCodeVersions(
  ops: Pick<AssetsInstanceOps, 'getLatestMaterializationEvents'>,
  assetKeys: Iterable<AssetKey>,
): Promise<Map<AssetKey, string | null>> {
  // Python iterates the keys twice; an iterable may only be read once here, so it is read into a list first.
  const keys = [...assetKeys];
  const events = await ops.getLatestMaterializationEvents(keys);
  const result = new Map<AssetKey, string | null>();
  for (const key of keys) {
    const entry = getByKey(events, key) ?? null;
    result.set(key, entry?.tags?.[RUN_TAGS.CODE_VERSION] ?? null);
  }
  return result;
}

/**
 * The latest record carrying a data version (Dagster's `get_latest_data_version_record`): an observation when
 * `isSource` is true, a materialization when false, and when undefined a materialization, else an observation.
 * Optionally of one partition, and with a storage id strictly between `afterCursor` and `beforeCursor`. Reads
 * through `ops.fetchMaterializations` / `ops.fetchObservations`.
 */
export async function getLatestDataVersionRecord(
  ops: Pick<AssetsInstanceOps, 'fetchMaterializations' | 'fetchObservations'>,
  key: AssetKey,
  isSource?: boolean | null,
  partitionKey?: string | null,
  beforeCursor?: number | null,
  afterCursor?: number | null,
): Promise<EventLogRecord | null> {
  const recordsFilter = new AssetRecordsFilter({
    assetKey: key,
    // Python's `[partition_key] if partition_key else None`: an empty key means any partition.
    assetPartitions: partitionKey ? [partitionKey] : null,
    beforeStorageId: beforeCursor ?? null,
    afterStorageId: afterCursor ?? null,
  });
  const latestObservation = async () => (await ops.fetchObservations(recordsFilter, 1)).records[0] ?? null;
  const latestMaterialization = async () => (await ops.fetchMaterializations(recordsFilter, 1)).records[0] ?? null;
  if (isSource === true) return latestObservation();
  if (isSource === false) return latestMaterialization();
  // Either kind of asset: a materialization means a materializable asset; otherwise look for observations.
  return (await latestMaterialization()) ?? latestObservation();
}

/** Storage id and run id of the latest planned materialization of an asset (or of one partition), or null. */
export function getLatestPlannedMaterializationInfo(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKey: AssetKey, partition?: string | null): Promise<PlannedMaterializationInfo | null> {
  return ops.eventLogStorage.getLatestPlannedMaterializationInfo(assetKey, partition ?? undefined);
}

/** Partition keys materialized for an asset, optionally only by events with a storage id in (afterCursor, beforeCursor). */
export function getMaterializedPartitions(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKey: AssetKey, beforeCursor?: number | null, afterCursor?: number | null): Promise<Set<string>> {
  return ops.eventLogStorage.getMaterializedPartitions(assetKey, beforeCursor ?? undefined, afterCursor ?? undefined);
}

/** The latest storage id per partition of an asset's events of one type, optionally for some partitions only. */
export function getLatestStorageIdByPartition(
  ops: Pick<AssetsInstanceOps, 'eventLogStorage'>,
  assetKey: AssetKey,
  eventType: DagsterEventType,
  partitions?: Iterable<string> | null,
): Promise<Map<string, number>> {
  return ops.eventLogStorage.getLatestStorageIdByPartition(assetKey, eventType, partitions ?? undefined);
}

/**
 * The tags of an asset's materialization events: of the events carrying all `filterTags` (say one dimension of a
 * multi-partition), or of the event `filterEventId`; one map per event.
 */
export function getEventTagsForAsset(
  ops: Pick<AssetsInstanceOps, 'eventLogStorage'>,
  assetKey: AssetKey,
  filterTags?: Readonly<Record<string, string>> | null,
  filterEventId?: number | null,
): Promise<Record<string, string>[]> {
  return ops.eventLogStorage.getEventTagsForAsset(assetKey, filterTags ?? undefined, filterEventId ?? undefined);
}

/** The latest execution record of an asset check, or null. */
export async function getLatestAssetCheckEvaluationRecord(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetCheckKey: AssetCheckKey): Promise<AssetCheckExecutionRecord | null> {
  const latest = await ops.eventLogStorage.getLatestAssetCheckExecutionByKey([assetCheckKey]);
  return getByKey(latest, assetCheckKey) ?? null;
}

/**
 * The current freshness state record per asset key, from event storage (keys without a record are absent). A
 * storage without freshness state records (the `@inst/storage` contract does not require them) answers an empty map.
 */
export async function getFreshnessStateRecords(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, keys: readonly AssetKey[]): Promise<Map<AssetKey, FreshnessStateRecord>> {
  const storage = ops.eventLogStorage;
  if (storage.getFreshnessStateRecords) return storage.getFreshnessStateRecords(keys);
  // Without a storage query of its own: the newest stored FRESHNESS_STATE_CHANGE of each key, newest first by
  // storage id (the events carry their key in the event body, not in the asset_key column), paged.
  const wanted = new Map(keys.map((key) => [key.toString(), key] as const));
  const out = new Map<AssetKey, FreshnessStateRecord>();
  let beforeCursor: number | null = null;
  while (wanted.size > 0) {
    const page = await storage.getEventRecords(
      new EventRecordsFilter({ eventType: DagsterEventType.FRESHNESS_STATE_CHANGE, ...(beforeCursor === null ? {} : { beforeCursor }) }),
      FRESHNESS_PAGE,
      false,
    );
    for (const record of page) {
      const data = record.eventLogEntry.dagsterEvent?.eventSpecificData;
      if (!(data instanceof FreshnessStateChange)) continue;
      const key = wanted.get(data.key.toString());
      if (!key) continue;
      out.set(key, FreshnessStateRecord.fromEventLogEntry(record.eventLogEntry));
      wanted.delete(data.key.toString());
    }
    if (page.length < FRESHNESS_PAGE) break;
    beforeCursor = page[page.length - 1]!.storageId;
  }
  return out;
}

const FRESHNESS_PAGE = 1000;
