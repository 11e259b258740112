/**
 * `tsx --conditions=@inst/source src/read-ratio.ts [sqlite|postgres] [rounds]`: the read ratios of section 3 on a
 * small data set, fast, for iterating on the read path. Inst and raw alternate call by call; besides the
 * median it prints the ratio of the minima, which a loaded machine disturbs least.
 */
import { EventLogCursor } from '@inst/types';
import { createBackend } from './backends';
import type { BackendName } from './config';
import { assetKeyOf } from './data';
import { ReadDataset } from './dataset';
import { now } from './stats';

const backendName = (process.argv[2] ?? 'sqlite') as BackendName;
const rounds = Number(process.argv[3] ?? 60);
const backend = createBackend(backendName);
try {
  const dataset = await ReadDataset.open(backend, { runs: 1000, bigRunEvents: 20_000, assets: 2000, materializationsPerAsset: 5, samples: 0 });
  await dataset.load(dataset.levelSizes(1), () => undefined);
  const { instance } = dataset.handle;
  const range = await dataset.cursorRange(1000);
  const keys = Array.from({ length: 1000 }, (_, i) => assetKeyOf(i));
  const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    [
      'getRecordsForRun page of 1000',
      () => instance.getRecordsForRun(dataset.bigRunId, EventLogCursor.fromStorageId(range.min).toString(), undefined, 1000),
      () => dataset.raw.recordsForRun(dataset.bigRunId, range.min, 1000),
    ],
    ['getLatestMaterializationEvents 1000', () => instance.getLatestMaterializationEvents(keys), () => dataset.raw.latestMaterializations(keys.map((k) => k.toString()))],
  ];
  for (const [name, inst, raw] of cases) {
    const times = { inst: [] as number[], raw: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      for (const [side, f] of i % 2 ? ([['raw', raw], ['inst', inst]] as const) : ([['inst', inst], ['raw', raw]] as const)) {
        const t = now();
        await f();
        times[side].push(now() - t);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const min = (xs: number[]) => Math.min(...xs);
    console.log(
      `${backendName} ${name}: inst min ${min(times.inst).toFixed(2)} ms / p50 ${median(times.inst).toFixed(2)}; raw min ${min(times.raw).toFixed(2)} / p50 ${median(times.raw).toFixed(2)}; ratio min ${(min(times.inst) / min(times.raw)).toFixed(2)}× p50 ${(median(times.inst) / median(times.raw)).toFixed(2)}×`,
    );
  }
  await dataset.close();
} finally {
  await backend.dispose();
}
