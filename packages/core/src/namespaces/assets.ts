import type { AssetKey, EventLogRecord } from '@inst/types';
import type { Instance } from '../instance';
import { DEFAULT_PAGE_SIZE, type LongOperationOptions, type P, type PageOptions, type R, chunked, pages } from './support';

/** Options of the paged asset event queries (`assets.materializations`, `.observations`, …). */
export interface AssetEventsOptions {
  /** An asset key or an AssetRecordsFilter. */
  filter: P<'fetchMaterializations'>[0];
  limit: P<'fetchMaterializations'>[1];
  cursor?: P<'fetchMaterializations'>[2];
  ascending?: P<'fetchMaterializations'>[3];
}

/** Options of `assets.iterateMaterializations` / `.iterateObservations`. */
export interface AssetEventsIterateOptions extends PageOptions {
  filter: P<'fetchMaterializations'>[0];
  ascending?: boolean;
}

/** Options of `assets.wipe`: the keys, wiped one at a time (progress per key; the signal stops between keys). */
export interface AssetsWipeOptions extends LongOperationOptions {
  assetKeys: P<'wipeAssets'>[0];
}

const keyLabel = (key: AssetKey): string => (typeof key?.toUserString === 'function' ? key.toUserString() : String(key));

/** Assets: `instance.assets.materializations({ filter, limit })`, `.records()`, `.wipe({ assetKeys, signal })` … */
export function assetsNamespace(instance: Instance) {
  const iterate = (fetch: (...args: P<'fetchMaterializations'>) => R<'fetchMaterializations'>) =>
    ({ filter, ascending = false, pageSize = DEFAULT_PAGE_SIZE, signal }: AssetEventsIterateOptions): AsyncGenerator<EventLogRecord, void, undefined> =>
      pages(signal, async (cursor) => {
        const page = await fetch(filter, pageSize, cursor, ascending);
        return { items: page.records, cursor: page.cursor, hasMore: page.hasMore };
      });
  return {
    materializations: (o: AssetEventsOptions): R<'fetchMaterializations'> => instance.fetchMaterializations(o.filter, o.limit, o.cursor, o.ascending),
    observations: (o: AssetEventsOptions): R<'fetchObservations'> => instance.fetchObservations(o.filter, o.limit, o.cursor, o.ascending),
    failedMaterializations: (o: AssetEventsOptions): R<'fetchFailedMaterializations'> => instance.fetchFailedMaterializations(o.filter, o.limit, o.cursor, o.ascending),
    plannedMaterializations: (o: AssetEventsOptions): R<'fetchPlannedMaterializations'> => instance.fetchPlannedMaterializations(o.filter, o.limit, o.cursor, o.ascending),
    /** Every materialization matching the filter (newest first unless `ascending`), a page at a time; ends on the signal. */
    iterateMaterializations: iterate((...args: P<'fetchMaterializations'>) => instance.fetchMaterializations(...args)),
    /** Every observation matching the filter, a page at a time; ends on the signal. */
    iterateObservations: iterate((...args: P<'fetchObservations'>) => instance.fetchObservations(...args)),
    keys: (o: { prefix?: P<'getAssetKeys'>[0]; limit?: P<'getAssetKeys'>[1]; cursor?: P<'getAssetKeys'>[2] } = {}): R<'getAssetKeys'> =>
      instance.getAssetKeys(o.prefix, o.limit, o.cursor),
    allKeys: (): R<'allAssetKeys'> => instance.allAssetKeys(),
    has: (assetKey: P<'hasAssetKey'>[0]): R<'hasAssetKey'> => instance.hasAssetKey(assetKey),
    records: (assetKeys?: P<'getAssetRecords'>[0]): R<'getAssetRecords'> => instance.getAssetRecords(assetKeys),
    latestMaterialization: (assetKey: P<'getLatestMaterializationEvent'>[0]): R<'getLatestMaterializationEvent'> => instance.getLatestMaterializationEvent(assetKey),
    latestMaterializations: (assetKeys: P<'getLatestMaterializationEvents'>[0]): R<'getLatestMaterializationEvents'> => instance.getLatestMaterializationEvents(assetKeys),
    latestCodeVersions: (assetKeys: P<'getLatestMaterializationCodeVersions'>[0]): R<'getLatestMaterializationCodeVersions'> => instance.getLatestMaterializationCodeVersions(assetKeys),
    latestDataVersionRecord: (o: {
      key: P<'getLatestDataVersionRecord'>[0];
      isSource?: P<'getLatestDataVersionRecord'>[1];
      partitionKey?: P<'getLatestDataVersionRecord'>[2];
      beforeCursor?: P<'getLatestDataVersionRecord'>[3];
      afterCursor?: P<'getLatestDataVersionRecord'>[4];
    }): R<'getLatestDataVersionRecord'> => instance.getLatestDataVersionRecord(o.key, o.isSource, o.partitionKey, o.beforeCursor, o.afterCursor),
    latestPlannedMaterializationInfo: (o: { assetKey: P<'getLatestPlannedMaterializationInfo'>[0]; partition?: P<'getLatestPlannedMaterializationInfo'>[1] }): R<'getLatestPlannedMaterializationInfo'> =>
      instance.getLatestPlannedMaterializationInfo(o.assetKey, o.partition),
    materializedPartitions: (o: { assetKey: P<'getMaterializedPartitions'>[0]; beforeCursor?: P<'getMaterializedPartitions'>[1]; afterCursor?: P<'getMaterializedPartitions'>[2] }): R<'getMaterializedPartitions'> =>
      instance.getMaterializedPartitions(o.assetKey, o.beforeCursor, o.afterCursor),
    latestStorageIdByPartition: (o: { assetKey: P<'getLatestStorageIdByPartition'>[0]; eventType: P<'getLatestStorageIdByPartition'>[1]; partitions?: P<'getLatestStorageIdByPartition'>[2] }): R<'getLatestStorageIdByPartition'> =>
      instance.getLatestStorageIdByPartition(o.assetKey, o.eventType, o.partitions),
    statusByPartition: (o: { assetKey: P<'getStatusByPartition'>[0]; partitionKeys: P<'getStatusByPartition'>[1]; partitionsDef: P<'getStatusByPartition'>[2] }): R<'getStatusByPartition'> =>
      instance.getStatusByPartition(o.assetKey, o.partitionKeys, o.partitionsDef),
    eventTags: (o: { assetKey: P<'getEventTagsForAsset'>[0]; filterTags?: P<'getEventTagsForAsset'>[1]; filterEventId?: P<'getEventTagsForAsset'>[2] }): R<'getEventTagsForAsset'> =>
      instance.getEventTagsForAsset(o.assetKey, o.filterTags, o.filterEventId),
    canReadStatusCache: (): R<'canReadAssetStatusCache'> => instance.canReadAssetStatusCache(),
    updateCachedStatus: (o: { assetKey: P<'updateAssetCachedStatusData'>[0]; cacheValues: P<'updateAssetCachedStatusData'>[1] }): R<'updateAssetCachedStatusData'> =>
      instance.updateAssetCachedStatusData(o.assetKey, o.cacheValues),
    wipeCachedStatus: (assetKeys: P<'wipeAssetCachedStatus'>[0]): R<'wipeAssetCachedStatus'> => instance.wipeAssetCachedStatus(assetKeys),
    /**
     * Wipes each asset's event history (one `wipeAssets` call per key: a key is wiped whole or not at all). The
     * signal stops it between keys, rejecting with the signal's reason; `onProgress` sees each key.
     */
    wipe: ({ assetKeys, ...options }: AssetsWipeOptions): Promise<void> =>
      chunked('wipeAssets', [...(assetKeys as Iterable<AssetKey>)], keyLabel, (key) => instance.wipeAssets([key]), options),
    wipePartitions: (o: { assetKey: P<'wipeAssetPartitions'>[0]; partitionKeys: P<'wipeAssetPartitions'>[1] }): R<'wipeAssetPartitions'> =>
      instance.wipeAssetPartitions(o.assetKey, o.partitionKeys),
    reportRunlessEvent: (assetEvent: P<'reportRunlessAssetEvent'>[0]): R<'reportRunlessAssetEvent'> => instance.reportRunlessAssetEvent(assetEvent),
    latestCheckEvaluation: (assetCheckKey: P<'getLatestAssetCheckEvaluationRecord'>[0]): R<'getLatestAssetCheckEvaluationRecord'> => instance.getLatestAssetCheckEvaluationRecord(assetCheckKey),
    checkSupport: (): R<'getAssetCheckSupport'> => instance.getAssetCheckSupport(),
    freshnessStates: (keys: P<'getFreshnessStateRecords'>[0]): R<'getFreshnessStateRecords'> => instance.getFreshnessStateRecords(keys),
    checkHealth: (assetKeys: P<'getAssetCheckHealthStateForAssets'>[0]): R<'getAssetCheckHealthStateForAssets'> => instance.getAssetCheckHealthStateForAssets(assetKeys),
    freshnessHealth: (assetKeys: P<'getAssetFreshnessHealthStateForAssets'>[0]): R<'getAssetFreshnessHealthStateForAssets'> => instance.getAssetFreshnessHealthStateForAssets(assetKeys),
    materializationHealth: (assetKeys: P<'getAssetMaterializationHealthStateForAssets'>[0]): R<'getAssetMaterializationHealthStateForAssets'> =>
      instance.getAssetMaterializationHealthStateForAssets(assetKeys),
    minimalMaterializationHealth: (assetKeys: P<'getMinimalAssetMaterializationHealthStateForAssets'>[0]): R<'getMinimalAssetMaterializationHealthStateForAssets'> =>
      instance.getMinimalAssetMaterializationHealthStateForAssets(assetKeys),
    healthQueriesSupported: (): R<'dagsterAssetHealthQueriesSupported'> => instance.dagsterAssetHealthQueriesSupported(),
    canReadFailureEventsFor: (assetRecord: P<'canReadFailureEventsForAsset'>[0]): R<'canReadFailureEventsForAsset'> => instance.canReadFailureEventsForAsset(assetRecord),
    canReadFailureEvents: (): R<'canReadAssetFailureEvents'> => instance.canReadAssetFailureEvents(),
    internalFreshnessEnabled: (): R<'internalAssetFreshnessEnabled'> => instance.internalAssetFreshnessEnabled(),
    streamlineReadHealthSupported: (streamlineName: P<'streamlineReadAssetHealthSupported'>[0]): R<'streamlineReadAssetHealthSupported'> => instance.streamlineReadAssetHealthSupported(streamlineName),
    streamlineReadHealthRequired: (streamlineName: P<'streamlineReadAssetHealthRequired'>[0]): R<'streamlineReadAssetHealthRequired'> => instance.streamlineReadAssetHealthRequired(streamlineName),
  };
}

export type AssetsNamespace = ReturnType<typeof assetsNamespace>;
