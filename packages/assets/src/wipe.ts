import { InvalidArgumentError, NotSupportedError } from '@inst/errors';
import { DagsterEvent, type AssetKey } from '@inst/types';
import { checkAssetKey, checkAssetKeyList } from './keys';
import type { AssetsInstanceOps } from './ops';
import { AssetEventTypeValue, AssetWipedData, RUNLESS_JOB_NAME, RUNLESS_RUN_ID } from './records';

function assetWipedEvent(assetKey: AssetKey, partitionKeys: readonly string[] | null): DagsterEvent {
  return new DagsterEvent({
    eventTypeValue: AssetEventTypeValue.ASSET_WIPED,
    eventSpecificData: new AssetWipedData({ assetKey, partitionKeys }),
    jobName: RUNLESS_JOB_NAME,
  });
}

/**
 * Wipes the event history of each asset (Dagster's `wipe_assets`): for each key in order, the storage's
 * `wipeAsset`, then a runless ASSET_WIPED event (run id and job name `''`, no partitions) through
 * `ops.reportDagsterEvent`. `assetKeys` must be an array of AssetKeys; it is checked before anything is wiped.
 */
export async function wipeAssets(ops: Pick<AssetsInstanceOps, 'eventLogStorage' | 'reportDagsterEvent'>, assetKeys: readonly AssetKey[]): Promise<void> {
  checkAssetKeyList(assetKeys, 'assetKeys');
  for (const assetKey of assetKeys) {
    await ops.eventLogStorage.wipeAsset(assetKey);
    await ops.reportDagsterEvent(assetWipedEvent(assetKey, null), RUNLESS_RUN_ID);
  }
}

/**
 * Wipes the event history of some partitions of an asset (Dagster's `wipe_asset_partitions`): the storage's
 * `wipeAssetPartitions`, then a runless ASSET_WIPED event listing the partition keys through
 * `ops.reportDagsterEvent`. Throws NotSupportedError, writing nothing, when the storage cannot wipe partitions
 * (as Dagster's SQL storages raise NotImplementedError), and InvalidArgumentError for a bad key or partition list.
 */
export async function wipeAssetPartitions(ops: Pick<AssetsInstanceOps, 'eventLogStorage' | 'reportDagsterEvent'>, assetKey: AssetKey, partitionKeys: readonly string[]): Promise<void> {
  checkAssetKey(assetKey, 'assetKey');
  if (!Array.isArray(partitionKeys) || !partitionKeys.every((key) => typeof key === 'string')) {
    throw new InvalidArgumentError('partitionKeys must be a list of strings', { ids: { assetKey: assetKey.toUserString() } });
  }
  const storage = ops.eventLogStorage;
  if (!storage.wipeAssetPartitions) {
    throw new NotSupportedError('Partitioned asset wipe is not supported yet for this event log storage.', { ids: { assetKey: assetKey.toUserString() } });
  }
  await storage.wipeAssetPartitions(assetKey, partitionKeys);
  await ops.reportDagsterEvent(assetWipedEvent(assetKey, partitionKeys), RUNLESS_RUN_ID);
}
