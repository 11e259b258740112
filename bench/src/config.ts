/**
 * Benchmark sizes. `full` is what `pnpm bench` runs (the sizes), `quick` what `pnpm bench --quick`
 * and CI run (seconds), `tiny` what the vitest smoke test runs (every section, smallest sizes).
 */

export type BenchMode = 'full' | 'quick' | 'tiny';
export type BackendName = 'sqlite' | 'postgres';
export type SectionName = 'writes' | 'runs' | 'reads' | 'watch' | 'memory' | 'reliability' | 'control-plane';
export const SECTIONS: readonly SectionName[] = ['writes', 'runs', 'reads', 'watch', 'memory', 'reliability', 'control-plane'];
export const BACKENDS: readonly BackendName[] = ['sqlite', 'postgres'];

/** Sizes per backend where they differ (Postgres commits cost an fsync each, so fewer single-row writes). */
export interface WriteSizes {
  /** Events written one at a time, per side (instance and raw), split over the rounds. */
  readonly single: number;
  /** Events written in batches, per side, split over the rounds. */
  readonly batched: number;
  /** Events per `storeEventBatch` call / raw transaction. */
  readonly batchSize: number;
  /** Alternating instance/raw rounds; the median round counts. */
  readonly rounds: number;
}

export interface ReadSizes {
  /** Runs in the run storage at full size (a tenth of everything is measured first). */
  readonly runs: number;
  /** Events of the one large run (also read whole by the memory section). */
  readonly bigRunEvents: number;
  /** Assets, each with {@link materializationsPerAsset} materializations. */
  readonly assets: number;
  readonly materializationsPerAsset: number;
  /** Timed calls per query and size (p50/p99 over these). */
  readonly samples: number;
}

/** Sizes of the reliability section (issue #10). */
export interface ReliabilitySizes {
  /** Events per side for the write-lock cost (Postgres), split over the rounds. */
  readonly events: number;
  readonly rounds: number;
  /** Concurrent writers on one run for the second write-lock figure. */
  readonly writers: number;
  /** Concurrent claimers and the slots they share; rounds of all claimers claiming once. */
  readonly claimers: number;
  readonly slots: number;
  readonly claimRounds: number;
}

export interface BenchSizes {
  readonly reliability: ReliabilitySizes;
  readonly writes: Record<BackendName, WriteSizes>;
  /** Runs created and submitted per side and backend. */
  readonly runs: Record<BackendName, number>;
  readonly reads: ReadSizes;
  /** Watch latency samples (events) in process and across processes. */
  readonly watchSamples: number;
  readonly watchCrossSamples: number;
  /** Milliseconds between watched writes. */
  readonly watchIntervalMs: number;
  /**
   * Cross-process samples with sparse writes (one every 300–1,300 ms), which let the watcher's poll back off;
   * 0 skips that measurement.
   */
  readonly watchSparseSamples: number;
}

export const SIZES: Record<BenchMode, BenchSizes> = {
  full: {
    writes: {
      sqlite: { single: 16_000, batched: 160_000, batchSize: 1000, rounds: 8 },
      postgres: { single: 4000, batched: 64_000, batchSize: 1000, rounds: 8 },
    },
    runs: { sqlite: 2400, postgres: 1500 },
    reads: { runs: 100_000, bigRunEvents: 1_000_000, assets: 10_000, materializationsPerAsset: 20, samples: 200 },
    watchSamples: 300,
    watchCrossSamples: 200,
    watchIntervalMs: 10,
    watchSparseSamples: 20,
    reliability: { events: 4000, rounds: 6, writers: 8, claimers: 100, slots: 5, claimRounds: 6 },
  },
  quick: {
    writes: {
      sqlite: { single: 900, batched: 6000, batchSize: 500, rounds: 3 },
      postgres: { single: 300, batched: 3000, batchSize: 500, rounds: 3 },
    },
    runs: { sqlite: 60, postgres: 60 },
    reads: { runs: 2000, bigRunEvents: 10_000, assets: 500, materializationsPerAsset: 20, samples: 30 },
    watchSamples: 40,
    watchCrossSamples: 20,
    watchIntervalMs: 10,
    watchSparseSamples: 0,
    reliability: { events: 600, rounds: 3, writers: 8, claimers: 20, slots: 5, claimRounds: 3 },
  },
  tiny: {
    writes: {
      sqlite: { single: 60, batched: 300, batchSize: 50, rounds: 3 },
      postgres: { single: 30, batched: 150, batchSize: 50, rounds: 3 },
    },
    runs: { sqlite: 20, postgres: 10 },
    reads: { runs: 200, bigRunEvents: 1000, assets: 50, materializationsPerAsset: 4, samples: 5 },
    watchSamples: 5,
    watchCrossSamples: 4,
    watchIntervalMs: 10,
    watchSparseSamples: 0,
    reliability: { events: 60, rounds: 3, writers: 4, claimers: 6, slots: 2, claimRounds: 3 },
  },
};

/** The fraction of the data the growth is measured from. */
export const GROWTH_FRACTION = 10;

/** Limits of the timed read calls. */
export const READ_LIMITS = {
  /** getRuns with a tag filter. */
  runs: 50,
  /** getRecordsForRun page size (the watcher's page size). */
  recordsPage: 1000,
  /** fetchMaterializations for one asset. */
  materializations: 10,
  /** getLatestMaterializationEvents: this many assets (or all when fewer). */
  latestAssets: 1000,
} as const;

/** Runs in the read data set carry `dagster/backfill` = one of this many values (1% each). */
export const BACKFILL_TAG_VALUES = 100;
