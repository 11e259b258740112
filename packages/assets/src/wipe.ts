import { InvalidArgumentError } from '@inst/errors';
import { DagsterEvent, DagsterEventType, type AssetKey } from '@inst/types';
import { checkAssetKey, checkAssetKeyList } from './keys';
import type { AssetsInstanceOps } from './ops';
import { AssetWipedData, RUNLESS_JOB_NAME, RUNLESS_RUN_ID } from './records';

function assetWipedEvent(assetKey: AssetKey, partitionKeys: readonly string[] | null): DagsterEvent {
  return new DagsterEvent({
    eventTypeValue: DagsterEventType.ASSET_WIPED,
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
 * `wipeAssetPartitions` (the contract member of `@inst/storage`; inst's SQL storages support it, where Dagster's
 * raise NotImplementedError), then a runless ASSET_WIPED event listing the partition keys through
 * `ops.reportDagsterEvent`. InvalidArgumentError, before anything is written, for a bad key or for anything but a
 * non-empty list of strings; an error of the storage (say NotSupportedError from a storage that cannot wipe
 * partitions) is passed on and no event is reported.
 */
export async function wipeAssetPartitions(ops: Pick<AssetsInstanceOps, 'eventLogStorage' | 'reportDagsterEvent'>, assetKey: AssetKey, partitionKeys: readonly string[]): Promise<void> {
  checkAssetKey(assetKey, 'assetKey');
  if (!Array.isArray(partitionKeys) || partitionKeys.length === 0 || !partitionKeys.every((key) => typeof key === 'string')) {
    throw new InvalidArgumentError('partitionKeys must be a non-empty list of strings', { ids: { assetKey: assetKey.toUserString() } });
  }
  await ops.eventLogStorage.wipeAssetPartitions(assetKey, partitionKeys);
  await ops.reportDagsterEvent(assetWipedEvent(assetKey, partitionKeys), RUNLESS_RUN_ID);
}
