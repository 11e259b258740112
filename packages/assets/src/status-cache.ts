import { DeserializationError } from '@inst/errors';
import { compareCodePoints, pyJsonString, sha1Hex } from '@inst/serdes';
import { AssetStatusCacheValue, DagsterRunStatus, FINISHED_STATUSES, RunsFilter, type AssetKey, type AssetRecord } from '@inst/types';
import { checkAssetKey, checkAssetKeyList } from './keys';
import type { AssetsInstanceOps } from './ops';
import { AssetPartitionStatus } from './records';

/**
 * What the asset status cache needs of a partitions definition. Dagster passes its Python `PartitionsDefinition`
 * (static, dynamic, time-window, multi); here the caller supplies these four members. A definition whose keys
 * depend on the instance (dynamic partitions) resolves them before building this object.
 * {@link staticPartitionsDefinition} builds one for a list of keys, byte-compatible with Dagster's
 * `StaticPartitionsDefinition`.
 */
export interface StatusPartitionsDefinition {
  /** Dagster's `get_serializable_unique_identifier()`: stored as the cache's `partitionsDefId`; a change rebuilds the cache. */
  serializableUniqueIdentifier(): string;
  /** Whether a partition key belongs to the definition (Dagster's `get_validated_partition_keys` keeps only those). */
  hasPartitionKey(partitionKey: string): boolean;
  /** The stored form of a set of keys (Dagster's `PartitionsSubset.serialize()`). */
  serializeSubset(partitionKeys: ReadonlySet<string>): string;
  /** The keys of a stored subset (Dagster's `partitions_def.deserialize_subset`). */
  deserializeSubset(serialized: string): ReadonlySet<string>;
}

/**
 * A {@link StatusPartitionsDefinition} over a fixed list of keys, writing what Dagster's `StaticPartitionsDefinition`
 * writes: the id is the SHA-1 of Python's `json.dumps(keys)`, and subsets are `DefaultPartitionsSubset`s
 * (`{"version": 1, "subset": [sorted keys]}`; a bare JSON list, the old form, is read too).
 */
export function staticPartitionsDefinition(partitionKeys: readonly string[]): StatusPartitionsDefinition {
  const keys = [...partitionKeys];
  const keySet = new Set(keys);
  const id = sha1Hex(pyJsonList(keys));
  return {
    serializableUniqueIdentifier: () => id,
    hasPartitionKey: (key) => keySet.has(key),
    serializeSubset: (subset) => `{"version": 1, "subset": ${pyJsonList([...subset].sort(compareCodePoints))}}`,
    deserializeSubset: (serialized) => {
      const data: unknown = JSON.parse(serialized);
      if (Array.isArray(data)) return new Set(data.map(String));
      const { version, subset } = (data ?? {}) as { version?: unknown; subset?: unknown };
      if (version !== 1 || !Array.isArray(subset)) {
        throw new DeserializationError(`Attempted to deserialize partition subset with version ${String(version)}, but only version 1 is supported.`, '$.version');
      }
      return new Set(subset.map(String));
    },
  };
}

/** Python's `json.dumps(list_of_str)`. */
function pyJsonList(items: readonly string[]): string {
  return `[${items.map(pyJsonString).join(', ')}]`;
}

/** Whether the event storage can read the asset status cache (`canReadAssetStatusCache`, else `canCacheAssetStatusData`). */
export function canReadAssetStatusCache(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>): boolean {
  const storage = ops.eventLogStorage;
  return storage.canReadAssetStatusCache ? storage.canReadAssetStatusCache() : storage.canCacheAssetStatusData();
}

function canWriteAssetStatusCache(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>): boolean {
  const storage = ops.eventLogStorage;
  return storage.canWriteAssetStatusCache ? storage.canWriteAssetStatusCache() : storage.canCacheAssetStatusData();
}

/** Writes the cached partition status of an asset. */
export function updateAssetCachedStatusData(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKey: AssetKey, cacheValues: AssetStatusCacheValue): Promise<void> {
  return ops.eventLogStorage.updateAssetCachedStatusData(assetKey, cacheValues);
}

/** Clears the cached partition status of each asset. `assetKeys` must be an array of AssetKeys (checked before anything is cleared). */
export async function wipeAssetCachedStatus(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>, assetKeys: readonly AssetKey[]): Promise<void> {
  checkAssetKeyList(assetKeys, 'assetKeys');
  for (const assetKey of assetKeys) await ops.eventLogStorage.wipeAssetCachedStatus(assetKey);
}

/** The part of {@link AssetsInstanceOps} the status cache uses. */
export type StatusCacheOps = Pick<
  AssetsInstanceOps,
  'eventLogStorage' | 'getAssetRecords' | 'getMaterializedPartitions' | 'getLatestPlannedMaterializationInfo' | 'updateAssetCachedStatusData' | 'getRuns'
>;

/**
 * The status of each of `partitionKeys` of an asset (Dagster's `get_status_by_partition`): IN_PROGRESS, else
 * FAILED, else MATERIALIZED, else null — read from the asset status cache after bringing it up to date (see
 * {@link getAndUpdateAssetStatusCacheValue}). Null when the asset has no materialization or planned
 * materialization, so no cache value exists.
 */
export async function getStatusByPartition(
  ops: StatusCacheOps,
  assetKey: AssetKey,
  partitionKeys: readonly string[],
  partitionsDef: StatusPartitionsDefinition,
): Promise<Map<string, AssetPartitionStatus | null> | null> {
  const cached = await getAndUpdateAssetStatusCacheValue(ops, assetKey, partitionsDef);
  if (!cached) return null;
  const materialized = subsetOf(partitionsDef, cached.serializedMaterializedPartitionSubset);
  const failed = subsetOf(partitionsDef, cached.serializedFailedPartitionSubset);
  const inProgress = subsetOf(partitionsDef, cached.serializedInProgressPartitionSubset);
  const statusByPartition = new Map<string, AssetPartitionStatus | null>();
  for (const key of partitionKeys) {
    statusByPartition.set(
      key,
      inProgress.has(key)
        ? AssetPartitionStatus.IN_PROGRESS
        : failed.has(key)
          ? AssetPartitionStatus.FAILED
          : materialized.has(key)
            ? AssetPartitionStatus.MATERIALIZED
            : null,
    );
  }
  return statusByPartition;
}

/**
 * Brings an asset's status cache up to date and returns it (Dagster's `get_and_update_asset_status_cache_value`).
 * A stored value built for the same partitions definition is updated incrementally: partitions materialized since
 * its latest storage id are added (and leave the failed set), and planned partitions without a materialization
 * since the earliest in-progress one are looked up by run — a FAILURE run marks them failed, a run not finished
 * marks them in progress, a deleted run leaves them alone. Otherwise the value is rebuilt from all materialized
 * partitions. The new value is written back through `ops.updateAssetCachedStatusData` when it changed and the
 * storage can write the cache. Null when the asset has neither a materialization nor a planned one.
 */
export async function getAndUpdateAssetStatusCacheValue(
  ops: StatusCacheOps,
  assetKey: AssetKey,
  partitionsDef?: StatusPartitionsDefinition | null,
): Promise<AssetStatusCacheValue | null> {
  checkAssetKey(assetKey, 'assetKey');
  const assetRecord = (await ops.getAssetRecords([assetKey]))[0] ?? null;
  const stored = assetRecord?.assetEntry.cachedStatus ?? null;
  const useStored = stored !== null && partitionsDef != null && stored.partitionsDefId === partitionsDef.serializableUniqueIdentifier();
  const updated = await buildStatusCache(ops, assetKey, partitionsDef ?? null, useStored ? stored : null, assetRecord);
  if (updated && canWriteAssetStatusCache(ops) && !sameCacheValue(updated, stored)) {
    await ops.updateAssetCachedStatusData(assetKey, updated);
  }
  return updated;
}

async function lastPlannedStorageId(ops: StatusCacheOps, assetKey: AssetKey, assetRecord: AssetRecord | null): Promise<number> {
  if (ops.eventLogStorage.assetRecordsHaveLastPlannedMaterializationStorageId) {
    return assetRecord?.assetEntry.lastPlannedMaterializationStorageId ?? 0;
  }
  return (await ops.getLatestPlannedMaterializationInfo(assetKey))?.storageId ?? 0;
}

async function buildStatusCache(
  ops: StatusCacheOps,
  assetKey: AssetKey,
  partitionsDef: StatusPartitionsDefinition | null,
  stored: AssetStatusCacheValue | null,
  assetRecord: AssetRecord | null,
): Promise<AssetStatusCacheValue | null> {
  const lastMaterializationId = assetRecord?.assetEntry.lastMaterializationStorageId ?? null;
  const lastPlannedId = await lastPlannedStorageId(ops, assetKey, assetRecord);
  const latestStorageId = Math.max(lastMaterializationId ?? 0, lastPlannedId);
  if (!latestStorageId) return null;
  if (!partitionsDef) return new AssetStatusCacheValue({ latestStorageId });

  let failed = stored?.serializedFailedPartitionSubset ? new Set(partitionsDef.deserializeSubset(stored.serializedFailedPartitionSubset)) : new Set<string>();
  // Look again at planned events from the earliest one still in progress (hence the - 1), else after the cache.
  const inProgressCursor = stored ? (stored.earliestInProgressMaterializationEventId ? stored.earliestInProgressMaterializationEventId - 1 : stored.latestStorageId) : null;

  let materialized: Set<string>;
  if (stored) {
    let newPartitions = new Set<string>();
    if (lastMaterializationId && lastMaterializationId > stored.latestStorageId) {
      newPartitions = validated(partitionsDef, await ops.getMaterializedPartitions(assetKey, null, stored.latestStorageId));
    }
    materialized = new Set([...subsetOf(partitionsDef, stored.serializedMaterializedPartitionSubset), ...newPartitions]);
    // A new materialization of a partition clears its failure.
    failed = new Set([...failed].filter((key) => !newPartitions.has(key)));
  } else {
    materialized = validated(partitionsDef, await ops.getMaterializedPartitions(assetKey));
  }

  const [failedSubset, inProgress, earliestInProgress] = await buildFailedAndInProgress(ops, assetKey, partitionsDef, lastPlannedId, failed, inProgressCursor);
  return new AssetStatusCacheValue({
    latestStorageId,
    partitionsDefId: partitionsDef.serializableUniqueIdentifier(),
    serializedMaterializedPartitionSubset: partitionsDef.serializeSubset(materialized),
    serializedFailedPartitionSubset: partitionsDef.serializeSubset(failedSubset),
    serializedInProgressPartitionSubset: partitionsDef.serializeSubset(inProgress),
    earliestInProgressMaterializationEventId: earliestInProgress,
  });
}

/** Dagster's `RUN_FETCH_BATCH_SIZE`: run ids per `getRuns` call. */
const RUN_FETCH_BATCH_SIZE = 100;

async function buildFailedAndInProgress(
  ops: StatusCacheOps,
  assetKey: AssetKey,
  partitionsDef: StatusPartitionsDefinition,
  lastPlannedId: number,
  failedSubset: Set<string>,
  afterStorageId: number | null,
): Promise<[Set<string>, Set<string>, number | null]> {
  let incomplete = new Map<string, [string, number]>();
  // Only ask storage when something was planned since the cursor.
  if (lastPlannedId && (!afterStorageId || lastPlannedId > afterStorageId)) {
    incomplete = await ops.eventLogStorage.getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(assetKey, afterStorageId ?? undefined);
  }

  const failedPartitions = new Set<string>();
  const inProgressPartitions = new Set<string>();
  let cursor: number | null = null;
  if (incomplete.size > 0) {
    const finished = new Map<string, DagsterRunStatus>();
    const unfinished = new Set<string>();
    const runIds = [...new Set([...incomplete.values()].map(([runId]) => runId))];
    for (let i = 0; i < runIds.length; i += RUN_FETCH_BATCH_SIZE) {
      for (const run of await ops.getRuns(new RunsFilter({ runIds: runIds.slice(i, i + RUN_FETCH_BATCH_SIZE) }))) {
        if (FINISHED_STATUSES.includes(run.status)) finished.set(run.runId, run.status);
        else unfinished.add(run.runId);
      }
    }
    for (const [partition, [runId, eventId]] of incomplete) {
      if (finished.has(runId)) {
        if (finished.get(runId) === DagsterRunStatus.FAILURE) failedPartitions.add(partition);
      } else if (unfinished.has(runId)) {
        inProgressPartitions.add(partition);
        // Keep the earliest planned event still in progress, to look at it again next time.
        if (cursor === null || eventId < cursor) cursor = eventId;
      }
      // A run neither finished nor unfinished was deleted: its partitions are neither failed nor in progress.
    }
  }
  const failed = failedPartitions.size > 0 ? new Set([...failedSubset, ...validated(partitionsDef, failedPartitions)]) : failedSubset;
  return [failed, validated(partitionsDef, inProgressPartitions), cursor];
}

function validated(partitionsDef: StatusPartitionsDefinition, keys: Iterable<string>): Set<string> {
  return new Set([...keys].filter((key) => partitionsDef.hasPartitionKey(key)));
}

function subsetOf(partitionsDef: StatusPartitionsDefinition, serialized: string | null): ReadonlySet<string> {
  return serialized ? partitionsDef.deserializeSubset(serialized) : new Set();
}

/** Python's NamedTuple equality of two cache values. */
function sameCacheValue(a: AssetStatusCacheValue, b: AssetStatusCacheValue | null): boolean {
  return (
    b !== null &&
    a.latestStorageId === b.latestStorageId &&
    a.partitionsDefId === b.partitionsDefId &&
    a.serializedMaterializedPartitionSubset === b.serializedMaterializedPartitionSubset &&
    a.serializedFailedPartitionSubset === b.serializedFailedPartitionSubset &&
    a.serializedInProgressPartitionSubset === b.serializedInProgressPartitionSubset &&
    a.earliestInProgressMaterializationEventId === b.earliestInProgressMaterializationEventId
  );
}
