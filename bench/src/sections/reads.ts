/**
 * Section 3 — reads at scale: `getRuns` with a tag filter, `getRecordsForRun` pages, `fetchMaterializations`
 * for one asset and `getLatestMaterializationEvents` for 1,000 assets — p50/p99 at a tenth of the data and at
 * all of it (the growth), each beside the raw driver running the same SQL on the same database.
 */
import { EventLogCursor, RunsFilter } from '@inst/types';
import { BACKFILL_TAG_VALUES, READ_LIMITS } from '../config';
import type { SectionContext } from '../context';
import type { ReadDataset } from '../dataset';
import { assetKeyOf } from '../data';
import { latency, now, type Latency } from '../stats';

/** A deterministic pseudo-random sequence (so both sides and both sizes ask comparable questions). */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Times `n` interleaved calls of each side (inst first on even samples, raw first on odd). */
async function measure(n: number, make: (i: number) => { inst: () => Promise<unknown>; raw: () => Promise<unknown> }): Promise<{ inst: Latency; raw: Latency }> {
  const inst: number[] = [];
  const raw: number[] = [];
  const warmup = Math.min(3, n);
  for (let i = -warmup; i < n; i++) {
    const call = make(i + warmup);
    const order = i % 2 === 0 ? (['inst', 'raw'] as const) : (['raw', 'inst'] as const);
    for (const side of order) {
      const start = now();
      await call[side]();
      const ms = now() - start;
      if (i >= 0) (side === 'inst' ? inst : raw).push(ms);
    }
  }
  return { inst: latency(inst), raw: latency(raw) };
}

interface QuerySpec {
  readonly name: string;
  readonly samples: number;
  readonly make: (dataset: ReadDataset) => Promise<(i: number) => { inst: () => Promise<unknown>; raw: () => Promise<unknown> }>;
  readonly rawName: string;
}

function querySpecs(samples: number): QuerySpec[] {
  return [
    {
      name: `getRuns, tag filter (1% of runs), limit ${READ_LIMITS.runs}`,
      samples,
      rawName: 'same SELECT (tag semi-join, ORDER BY id DESC LIMIT), JSON.parse of run_body',
      make: (dataset) => {
        const next = rng(7);
        const instance = dataset.handle.instance;
        return Promise.resolve(() => {
          const value = `bf_${String(Math.floor(next() * BACKFILL_TAG_VALUES)).padStart(3, '0')}`;
          return {
            inst: () => instance.getRuns(new RunsFilter({ tags: { 'dagster/backfill': value } }), undefined, READ_LIMITS.runs),
            raw: () => dataset.raw.runsByTag('dagster/backfill', value, READ_LIMITS.runs),
          };
        });
      },
    },
    {
      name: `getRecordsForRun, a page of ${READ_LIMITS.recordsPage} at a random cursor`,
      samples,
      rawName: 'same SELECT (run_id, id > cursor, ORDER BY id LIMIT), JSON.parse of each event',
      make: async (dataset) => {
        const next = rng(11);
        const instance = dataset.handle.instance;
        const range = await dataset.cursorRange(READ_LIMITS.recordsPage);
        return () => {
          const after = range.min + Math.floor(next() * (range.max - range.min + 1));
          return {
            inst: () => instance.getRecordsForRun(dataset.bigRunId, EventLogCursor.fromStorageId(after).toString(), undefined, READ_LIMITS.recordsPage),
            raw: () => dataset.raw.recordsForRun(dataset.bigRunId, after, READ_LIMITS.recordsPage),
          };
        };
      },
    },
    {
      name: `fetchMaterializations, one asset, limit ${READ_LIMITS.materializations}`,
      samples,
      rawName: 'same SELECT (type, asset_key, ORDER BY id DESC LIMIT), JSON.parse of each event',
      make: (dataset) => {
        const next = rng(13);
        const instance = dataset.handle.instance;
        const assets = dataset.loaded.assets;
        return Promise.resolve(() => {
          const key = assetKeyOf(Math.floor(next() * assets));
          return {
            inst: () => instance.fetchMaterializations(key, READ_LIMITS.materializations),
            raw: () => dataset.raw.materializations(key.toString(), READ_LIMITS.materializations),
          };
        });
      },
    },
    {
      name: `getLatestMaterializationEvents, ${READ_LIMITS.latestAssets.toLocaleString('en-US')} assets`,
      samples: Math.max(5, Math.floor(samples / 4)),
      rawName: 'SELECT … FROM asset_keys WHERE asset_key IN (…) (Postgres: = ANY($1)), JSON.parse of last_materialization',
      make: (dataset) => {
        const next = rng(17);
        const instance = dataset.handle.instance;
        const assets = dataset.loaded.assets;
        const count = Math.min(READ_LIMITS.latestAssets, assets);
        return Promise.resolve(() => {
          // `count` distinct assets from a random start (wrapping), so each call reads different rows.
          const first = Math.floor(next() * assets);
          const keys = Array.from({ length: count }, (_, k) => assetKeyOf((first + k * 7) % assets));
          const unique = [...new Map(keys.map((key) => [key.toString(), key])).values()];
          return {
            inst: () => instance.getLatestMaterializationEvents(unique),
            raw: () => dataset.raw.latestMaterializations(unique.map((key) => key.toString())),
          };
        });
      },
    },
  ];
}

export async function readsSection(ctx: SectionContext): Promise<void> {
  const dataset = await ctx.dataset();
  const specs = querySpecs(ctx.sizes.reads.samples);
  const byLevel: { inst: Latency; raw: Latency }[][] = [];
  for (const level of [0, 1] as const) {
    const target = dataset.levelSizes(level);
    await dataset.load(target, ctx.log);
    const results: { inst: Latency; raw: Latency }[] = [];
    for (const spec of specs) {
      const make = await spec.make(dataset);
      results.push(await measure(spec.samples, make));
      ctx.log(`    ${spec.name}: inst p50 ${results.at(-1)!.inst.p50.toFixed(2)} ms, raw p50 ${results.at(-1)!.raw.p50.toFixed(2)} ms`);
    }
    byLevel.push(results);
  }
  const full = dataset.levelSizes(1);
  specs.forEach((spec, q) => {
    const small = byLevel[0]![q]!;
    const big = byLevel[1]![q]!;
    const growth = big.inst.p50 / small.inst.p50;
    ctx.record({
      kind: 'latency',
      section: 'reads',
      backend: ctx.backend.name,
      name: spec.name,
      inst: big.inst,
      raw: big.raw,
      ratio: big.inst.p50 / big.raw.p50,
      growth: { inst: growth, raw: big.raw.p50 / small.raw.p50, from: small.inst, rawFrom: small.raw },
      rawName: spec.rawName,
      target: { text: 'growth < 2× for 10× data', met: growth < 2 },
      note: `at ${full.runs.toLocaleString('en-US')} runs, ${(full.bigRunEvents + full.assets * dataset.sizes.materializationsPerAsset).toLocaleString('en-US')} events (one run of ${full.bigRunEvents.toLocaleString('en-US')}), ${full.assets.toLocaleString('en-US')} assets; growth from a tenth`,
    });
  });
}
