import { EventLogCursor } from '@inst/types';
import type { Backend } from './backends';
import { assetKeyOf } from './data';
import { ReadDataset } from './dataset';

/** One read of section 3, small scale: the instance's call and the raw driver's equivalent. */
export interface ReadCase {
  readonly name: string;
  readonly inst: () => Promise<unknown>;
  readonly raw: () => Promise<unknown>;
}

/** The small read data set (for read-ratio.ts and read-profile.ts), loaded, with its two read cases. */
export async function openReadCases(backend: Backend): Promise<{ dataset: ReadDataset; records: ReadCase; latest: ReadCase }> {
  const dataset = await ReadDataset.open(backend, { runs: 1000, bigRunEvents: 20_000, assets: 2000, materializationsPerAsset: 5, samples: 0 });
  await dataset.load(dataset.levelSizes(1), () => undefined);
  const { instance } = dataset.handle;
  const range = await dataset.cursorRange(1000);
  const keys = Array.from({ length: 1000 }, (_, i) => assetKeyOf(i));
  return {
    dataset,
    records: {
      name: 'getRecordsForRun page of 1000',
      inst: () => instance.getRecordsForRun(dataset.bigRunId, EventLogCursor.fromStorageId(range.min).toString(), undefined, 1000),
      raw: () => dataset.raw.recordsForRun(dataset.bigRunId, range.min, 1000),
    },
    latest: {
      name: 'getLatestMaterializationEvents 1000',
      inst: () => instance.getLatestMaterializationEvents(keys),
      raw: () => dataset.raw.latestMaterializations(keys.map((k) => k.toString())),
    },
  };
}
