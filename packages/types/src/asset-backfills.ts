/**
 * The state of an asset backfill, as Dagster stores it in `PartitionBackfill.asset_backfill_data`
 * (`_core/execution/asset_backfill.py` `AssetBackfillData`, `_core/definitions/asset_graph_subset.py`
 * `AssetGraphSubset`).
 *
 * `AssetGraphSubset.partitions_subsets_by_asset_key` is keyed by AssetKey, so Dagster writes it as
 * `{"__mapping_items__": [[AssetKey, PartitionsSubset], …]}` (its `PartitionsSubsetMappingNamedTupleSerializer`
 * wraps the mapping in a `SerializableNonScalarKeyMapping`): here it is a `Map` (serdes writes a Map that way). Its
 * values are the partitions-subset records of `@inst/definitions` (`DefaultPartitionsSubset`,
 * `TimeWindowPartitionsSubset`, `KeyRangesPartitionsSubset`), and `backfill_start_time` is a
 * `TimestampWithTimezone` — both kept untyped here because they are registered by `@inst/definitions`, which
 * builds on this package.
 */
import { initRecord, registerRecord, replaceRecord, t } from '@inst/serdes';
import { AssetKey } from './assets';

/** Init of {@link AssetGraphSubset}. */
export interface AssetGraphSubsetInit {
  partitionsSubsetsByAssetKey?: ReadonlyMap<AssetKey, unknown>;
  nonPartitionedAssetKeys?: ReadonlySet<AssetKey>;
}

/** Asset partitions of an asset graph: a partitions subset per partitioned asset, plus unpartitioned assets. */
export class AssetGraphSubset {
  declare readonly partitionsSubsetsByAssetKey: ReadonlyMap<AssetKey, unknown>;
  declare readonly nonPartitionedAssetKeys: ReadonlySet<AssetKey>;
  constructor(init: AssetGraphSubsetInit = {}) {
    initRecord(this, {
      partitionsSubsetsByAssetKey: init.partitionsSubsetsByAssetKey ?? new Map(),
      nonPartitionedAssetKeys: init.nonPartitionedAssetKeys ?? new Set(),
    });
  }
}
registerRecord(AssetGraphSubset, {
  name: 'AssetGraphSubset',
  fields: {
    partitionsSubsetsByAssetKey: { type: t.any, default: () => new Map() },
    nonPartitionedAssetKeys: { type: t.set(t.record(AssetKey)), default: () => new Set() },
  },
});

/** Init of {@link AssetBackfillData}. */
export interface AssetBackfillDataInit {
  targetSubset: AssetGraphSubset;
  requestedRunsForTargetRoots: boolean;
  latestStorageId: number | null;
  materializedSubset: AssetGraphSubset;
  requestedSubset: AssetGraphSubset;
  failedAndDownstreamSubset: AssetGraphSubset;
  /** A `TimestampWithTimezone` of `@inst/definitions`. */
  backfillStartTime: { readonly timestamp: number; readonly timezone: string };
}

/**
 * Where an asset backfill stands: what it targets, what it requested, what got materialized, what failed (with
 * everything downstream of it in the target), and the event-log storage id it has read up to.
 */
export class AssetBackfillData {
  declare readonly targetSubset: AssetGraphSubset;
  declare readonly requestedRunsForTargetRoots: boolean;
  declare readonly latestStorageId: number | null;
  declare readonly materializedSubset: AssetGraphSubset;
  declare readonly requestedSubset: AssetGraphSubset;
  declare readonly failedAndDownstreamSubset: AssetGraphSubset;
  declare readonly backfillStartTime: { readonly timestamp: number; readonly timezone: string };
  constructor(init: AssetBackfillDataInit) {
    initRecord(this, init);
  }
  get backfillStartTimestamp(): number {
    return this.backfillStartTime.timestamp;
  }
  with(changes: Partial<AssetBackfillDataInit>): AssetBackfillData {
    return replaceRecord<AssetBackfillData>(this, changes);
  }
}
registerRecord(AssetBackfillData, {
  name: 'AssetBackfillData',
  fields: {
    targetSubset: { type: t.record(AssetGraphSubset) },
    requestedRunsForTargetRoots: { type: t.bool },
    latestStorageId: { type: t.nullable(t.int) },
    materializedSubset: { type: t.record(AssetGraphSubset) },
    requestedSubset: { type: t.record(AssetGraphSubset) },
    failedAndDownstreamSubset: { type: t.record(AssetGraphSubset) },
    backfillStartTime: { type: t.any },
  },
});
