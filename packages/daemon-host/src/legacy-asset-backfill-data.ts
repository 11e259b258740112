/**
 * The legacy form of an asset backfill's state: `PartitionBackfill.serialized_asset_backfill_data`, the JSON string
 * of Dagster's `AssetBackfillData.serialize()` (`requested_runs_for_target_roots`, `serialized_target_subset`,
 * `latest_storage_id`, `serialized_requested_subset`, `serialized_materialized_subset`, `serialized_failed_subset`),
 * each subset an `AssetGraphSubset.to_storage_dict()` whose partitions subsets are themselves JSON strings
 * (`DefaultPartitionsSubset.serialize()`: `{"version": 1, "subset": [...]}`, or a bare list in older ones).
 *
 * Backfills stored this way keep it (Dagster's `with_asset_backfill_data` writes the form the backfill already
 * uses). The partitions-def ids and class names are not known here, so they are written back as read from the
 * target subset (a definition that changed since is not detected).
 */
import { DefaultPartitionsSubset, TimestampWithTimezone } from '@inst/definitions';
import { NotSupportedError } from '@inst/errors';
import { pyJsonString } from '@inst/serdes';
import { AssetBackfillData, AssetGraphSubset, AssetKey } from '@inst/types';

interface StorageDict {
  partitions_subsets_by_asset_key: Record<string, string>;
  serializable_partitions_def_ids_by_asset_key?: Record<string, string | null>;
  partitions_def_class_names_by_asset_key?: Record<string, string>;
  non_partitioned_asset_keys: string[];
}

/** What the legacy string says of each asset's partitions definition, kept to write it back. */
export interface LegacyPartitionsDefs {
  readonly ids: Readonly<Record<string, string | null>>;
  readonly classNames: Readonly<Record<string, string>>;
}

function subsetOf(dict: StorageDict, field: string): AssetGraphSubset {
  const byKey = new Map<AssetKey, DefaultPartitionsSubset>();
  for (const [userString, serialized] of Object.entries(dict.partitions_subsets_by_asset_key)) {
    const parsed = JSON.parse(serialized) as unknown;
    const keys = Array.isArray(parsed) ? parsed : (parsed as { version?: number; subset?: unknown }).subset;
    if (!Array.isArray(keys) || (!Array.isArray(parsed) && (parsed as { version?: number }).version !== 1)) {
      throw new NotSupportedError(`serialized_asset_backfill_data ${field} of ${userString}: only DefaultPartitionsSubset (version 1) subsets are supported by inst yet`);
    }
    byKey.set(AssetKey.fromUserString(userString), new DefaultPartitionsSubset({ subset: new Set(keys.map(String)) }));
  }
  return new AssetGraphSubset({ partitionsSubsetsByAssetKey: byKey, nonPartitionedAssetKeys: new Set(dict.non_partitioned_asset_keys.map((k) => AssetKey.fromUserString(k))) });
}

/** Reads a legacy `serialized_asset_backfill_data` string. */
export function readLegacyAssetBackfillData(serialized: string, backfillStartTimestamp: number): { data: AssetBackfillData; defs: LegacyPartitionsDefs } {
  const doc = JSON.parse(serialized) as Record<string, unknown>;
  const target = doc.serialized_target_subset as StorageDict;
  return {
    data: new AssetBackfillData({
      targetSubset: subsetOf(target, 'serialized_target_subset'),
      requestedRunsForTargetRoots: Boolean(doc.requested_runs_for_target_roots),
      latestStorageId: (doc.latest_storage_id as number | null) ?? null,
      requestedSubset: subsetOf(doc.serialized_requested_subset as StorageDict, 'serialized_requested_subset'),
      materializedSubset: subsetOf(doc.serialized_materialized_subset as StorageDict, 'serialized_materialized_subset'),
      failedAndDownstreamSubset: subsetOf(doc.serialized_failed_subset as StorageDict, 'serialized_failed_subset'),
      backfillStartTime: new TimestampWithTimezone({ timestamp: backfillStartTimestamp, timezone: 'UTC' }),
    }),
    defs: { ids: target.serializable_partitions_def_ids_by_asset_key ?? {}, classNames: target.partitions_def_class_names_by_asset_key ?? {} },
  };
}

/** `{"a": x, "b": y}` as Python's json.dumps writes a dict. */
function pyDict(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${pyJsonString(k)}: ${v}`).join(', ')}}`;
}

function storageDict(subset: AssetGraphSubset, defs: LegacyPartitionsDefs): string {
  const parts = [...subset.partitionsSubsetsByAssetKey].map(([key, value]) => [key.toUserString(), value as DefaultPartitionsSubset] as const);
  const subsetString = (s: DefaultPartitionsSubset) => `{"version": 1, "subset": [${[...s.subset].map(pyJsonString).join(', ')}]}`;
  return pyDict([
    ['partitions_subsets_by_asset_key', pyDict(parts.map(([k, s]) => [k, pyJsonString(subsetString(s))]))],
    ['serializable_partitions_def_ids_by_asset_key', pyDict(parts.map(([k]) => [k, defs.ids[k] == null ? 'null' : pyJsonString(defs.ids[k]!)]))],
    ['partitions_def_class_names_by_asset_key', pyDict(parts.map(([k]) => [k, pyJsonString(defs.classNames[k] ?? 'StaticPartitionsDefinition')]))],
    ['non_partitioned_asset_keys', `[${[...subset.nonPartitionedAssetKeys].map((k) => pyJsonString(k.toUserString())).join(', ')}]`],
  ]);
}

/** Writes the data back in the legacy string form, field order as Dagster's `AssetBackfillData.serialize()`. */
export function writeLegacyAssetBackfillData(data: AssetBackfillData, defs: LegacyPartitionsDefs): string {
  return pyDict([
    ['requested_runs_for_target_roots', data.requestedRunsForTargetRoots ? 'true' : 'false'],
    ['serialized_target_subset', storageDict(data.targetSubset, defs)],
    ['latest_storage_id', data.latestStorageId === null ? 'null' : String(data.latestStorageId)],
    ['serialized_requested_subset', storageDict(data.requestedSubset, defs)],
    ['serialized_materialized_subset', storageDict(data.materializedSubset, defs)],
    ['serialized_failed_subset', storageDict(data.failedAndDownstreamSubset, defs)],
  ]);
}
