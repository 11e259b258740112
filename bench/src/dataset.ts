/**
 * The large read data set, loaded in two steps (a tenth, then the rest) into an instance's own databases with
 * the raw driver: runs with five tags each, one large run's events (in its shard on SQLite), and assets with
 * their materializations (in the index on SQLite) and `asset_keys` rows. Rows are serialized with the real
 * serdes through {@link RowTemplates}.
 *
 * Not loaded, because no measured query reads them: the run-shard copies of the materializations (SQLite) and
 * their `asset_event_tags` rows.
 */
import type { BackendName, ReadSizes } from './config';
import { GROWTH_FRACTION } from './config';
import type { InstanceHandle } from './backends';
import { openRawFor } from './backends';
import type { Backend } from './backends';
import { BENCH_JOB, RowTemplates, assetKeyOf, newRunId, runTags, streamEntry, timestampForms, type EventRow } from './data';
import type { RawRun, RawStore } from './raw/types';
import { now } from './stats';

/** What is loaded at one level. */
export interface Level {
  readonly runs: number;
  readonly bigRunEvents: number;
  readonly assets: number;
}

const BASE_TS = 1_731_000_000;
const CHUNK = 20_000;

export class ReadDataset {
  readonly handle: InstanceHandle;
  readonly raw: RawStore;
  readonly bigRunId: string;
  readonly sizes: ReadSizes;
  readonly #templates = new RowTemplates();
  readonly #runIds: string[] = [];
  #loaded: Level = { runs: 0, bigRunEvents: 1, assets: 0 };

  private constructor(handle: InstanceHandle, raw: RawStore, bigRunId: string, sizes: ReadSizes) {
    this.handle = handle;
    this.raw = raw;
    this.bigRunId = bigRunId;
    this.sizes = sizes;
  }

  static async open(backend: Backend, sizes: ReadSizes): Promise<ReadDataset> {
    const handle = await backend.openInstance('reads');
    const bigRunId = newRunId();
    // The large run and its first event go through the instance, so its shard is created as inst creates it.
    await handle.instance.createRun({ jobName: BENCH_JOB, runId: bigRunId });
    await handle.instance.handleNewEvent(streamEntry(bigRunId, 0, BASE_TS));
    const raw = await openRawFor(handle.spec);
    return new ReadDataset(handle, raw, bigRunId, sizes);
  }

  get backend(): BackendName {
    return this.handle.spec.backend;
  }

  get loaded(): Level {
    return this.#loaded;
  }

  /** The tenth (level 0) or the whole (level 1) of the configured sizes. */
  levelSizes(level: 0 | 1): Level {
    const d = level === 0 ? GROWTH_FRACTION : 1;
    return {
      runs: Math.max(1, Math.floor(this.sizes.runs / d)),
      bigRunEvents: Math.max(2, Math.floor(this.sizes.bigRunEvents / d)),
      assets: Math.max(1, Math.floor(this.sizes.assets / d)),
    };
  }

  /** Loads what is missing up to `target` (only grows); returns the seconds it took. */
  async load(target: Partial<Level>, log: (line: string) => void): Promise<number> {
    const start = now();
    const want: Level = {
      runs: Math.max(this.#loaded.runs, target.runs ?? 0),
      bigRunEvents: Math.max(this.#loaded.bigRunEvents, target.bigRunEvents ?? 0),
      assets: Math.max(this.#loaded.assets, target.assets ?? 0),
    };
    await this.#loadRuns(this.#loaded.runs, want.runs);
    this.#loaded = { ...this.#loaded, runs: want.runs };
    await this.#loadBigRun(this.#loaded.bigRunEvents, want.bigRunEvents);
    this.#loaded = { ...this.#loaded, bigRunEvents: want.bigRunEvents };
    await this.#loadAssets(this.#loaded.assets, want.assets);
    this.#loaded = want;
    await this.raw.analyze();
    const seconds = (now() - start) / 1000;
    log(`  loaded ${want.runs.toLocaleString('en-US')} runs, ${want.bigRunEvents.toLocaleString('en-US')}-event run, ${want.assets.toLocaleString('en-US')} assets × ${this.sizes.materializationsPerAsset} materializations in ${seconds.toFixed(1)} s`);
    return seconds;
  }

  #runIdOf(i: number): string {
    return this.#runIds[i % this.#runIds.length] ?? this.bigRunId;
  }

  async #loadRuns(from: number, to: number): Promise<void> {
    for (let start = from; start < to; start += CHUNK) {
      const end = Math.min(to, start + CHUNK);
      const runs: RawRun[] = [];
      for (let i = start; i < end; i++) {
        const runId = newRunId();
        this.#runIds.push(runId);
        const tags = runTags(i);
        runs.push({
          runId,
          jobName: BENCH_JOB,
          status: 'SUCCESS',
          body: this.#templates.runBody(runId, i),
          snapshotId: null,
          partition: tags['dagster/partition']!,
          partitionSet: tags['dagster/partition_set']!,
          backfillId: tags['dagster/backfill']!,
          tags: Object.entries(tags),
          timestamp: timestampForms(BASE_TS + i).column,
        });
      }
      await this.raw.bulkRuns(runs);
    }
  }

  async #loadBigRun(from: number, to: number): Promise<void> {
    for (let start = from; start < to; start += CHUNK) {
      const end = Math.min(to, start + CHUNK);
      const rows: EventRow[] = [];
      for (let i = start; i < end; i++) rows.push(this.#templates.streamRow(this.bigRunId, i, BASE_TS + i / 1000));
      await this.raw.bulkRunEvents(this.bigRunId, rows);
    }
  }

  async #loadAssets(from: number, to: number): Promise<void> {
    if (to <= from) return;
    const versions = this.sizes.materializationsPerAsset;
    const perChunk = Math.max(1, Math.floor(CHUNK / versions));
    for (let first = from; first < to; first += perChunk) {
      const last = Math.min(to, first + perChunk);
      // Versions outer, assets inner: an asset's materializations are spread over the log, as in life.
      const rows: EventRow[] = [];
      const meta: { asset: number; version: number; runId: string; ts: number }[] = [];
      for (let version = 0; version < versions; version++) {
        for (let asset = first; asset < last; asset++) {
          const runId = this.#runIdOf(asset * versions + version);
          const ts = BASE_TS + version * 3600 + asset / 1000;
          rows.push(this.#templates.materializationRow(runId, asset, ts, version));
          meta.push({ asset, version, runId, ts });
        }
      }
      const lastPositions = meta.flatMap((m, i) => (m.version === versions - 1 ? [i] : []));
      const ids = await this.raw.bulkAssetEvents(rows, lastPositions);
      await this.raw.bulkAssetKeys(
        lastPositions.map((position, k) => {
          const m = meta[position]!;
          return {
            assetKey: assetKeyOf(m.asset).toString(),
            lastMaterialization: this.#templates.lastMaterialization(m.runId, m.asset, m.ts, m.version, ids[k]!),
            lastRunId: m.runId,
            timestamp: timestampForms(m.ts).column,
          };
        }),
      );
    }
  }

  /** The range of cursors (storage ids) of the large run with at least `page` events after them. */
  cursorRange(page: number): Promise<{ min: number; max: number }> {
    return this.raw.cursorRange(this.bigRunId, page);
  }

  async close(): Promise<void> {
    await this.raw.close();
    await this.handle.close();
  }
}
