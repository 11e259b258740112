/**
 * Section 1 — event writes: `handleNewEvent` one at a time against raw single-row inserts, and
 * `storeEventBatch` against raw batched inserts (ordinary step events, and planned asset events which also
 * touch the asset index), events/s.
 */
import { serializeValue } from '@inst/serdes';
import type { EventLogEntry } from '@inst/types';
import { alternateRounds, shares, type SectionContext } from '../context';
import { BENCH_JOB, assetKeyOf, eventRow, newRunId, plannedEntry, streamEntry, type EventRow } from '../data';
import { now } from '../stats';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function writesSection(ctx: SectionContext): Promise<void> {
  const sizes = ctx.sizes.writes[ctx.backend.name];
  const handle = await ctx.backend.openInstance('writes');
  const { store: raw } = await ctx.backend.freshRaw('writes');
  // The diagnostic side (raw insert + serializeValue) gets its own database, so each side's tables grow alike.
  const { store: rawSerdes } = await ctx.backend.freshRaw('writes_serdes');
  const instance = handle.instance;
  const storage = instance.eventLogStorage;
  try {
    const runs = { single: newRunId(), batched: newRunId(), planned: newRunId(), warm: newRunId() };
    for (const runId of Object.values(runs)) await instance.createRun({ jobName: BENCH_JOB, runId });

    // Warm up both sides (JIT, statement caches, shard files).
    const warm = Array.from({ length: 200 }, (_, i) => streamEntry(runs.warm, i));
    for (const entry of warm) await instance.handleNewEvent(entry);
    for (const row of warm.map(eventRow)) await raw.insertEvent(row);
    await storage.storeEventBatch(warm);
    await raw.insertEventBatch(warm.map(eventRow));
    for (const row of warm.map(eventRow)) await rawSerdes.insertEvent(row);

    // ---- one at a time
    const singleShares = shares(sizes.single, sizes.rounds);
    let offset = 0;
    const singleEntries: EventLogEntry[][] = singleShares.map((n) => {
      const list = Array.from({ length: n }, (_, k) => streamEntry(runs.single, offset + k));
      offset += n;
      return list;
    });
    const singleRows: EventRow[][] = singleEntries.map((list) => list.map(eventRow));
    ctx.log(`  one at a time: ${sizes.single} events per side in ${sizes.rounds} rounds`);
    const [instSingle, rawSingle, rawSerdesSingle] = await alternateRounds(sizes.rounds, [
      {
        name: 'inst',
        run: async (r) => {
          for (const entry of singleEntries[r]!) await instance.handleNewEvent(entry);
          return singleEntries[r]!.length;
        },
      },
      {
        name: 'raw',
        run: async (r) => {
          for (const row of singleRows[r]!) await raw.insertEvent(row);
          return singleRows[r]!.length;
        },
      },
      {
        // The raw insert with the serialization inst has to do in the loop: separates serdes from storage overhead.
        name: 'raw+serdes',
        run: async (r) => {
          for (const entry of singleEntries[r]!) await rawSerdes.insertEvent(eventRow(entry));
          return singleEntries[r]!.length;
        },
      },
    ]);
    ctx.record({
      kind: 'throughput',
      section: 'writes',
      backend: ctx.backend.name,
      name: 'handleNewEvent, one at a time',
      unit: 'events/s',
      inst: instSingle!,
      raw: rawSingle!,
      ratio: instSingle! / rawSingle!,
      rawName: 'single-row INSERT … RETURNING id (autocommit), pre-serialized rows',
      target: { text: '≥ 0.7 of raw single-row', met: instSingle! / rawSingle! >= 0.7 },
      note: `raw with serializeValue in the loop: ${Math.round(rawSerdesSingle!)} events/s (inst/that = ${(instSingle! / rawSerdesSingle!).toFixed(2)})`,
    });

    // ---- batched: ordinary step events
    const batchShares = shares(sizes.batched, sizes.rounds);
    offset = 0;
    const batchEntries: EventLogEntry[][][] = batchShares.map((n) => {
      const list = Array.from({ length: n }, (_, k) => streamEntry(runs.batched, offset + k));
      offset += n;
      return chunks(list, sizes.batchSize);
    });
    const batchRows: EventRow[][][] = batchEntries.map((round) => round.map((batch) => batch.map(eventRow)));
    ctx.log(`  batched step events: ${sizes.batched} events per side, batches of ${sizes.batchSize}`);
    const [instBatch, rawBatch, rawSerdesBatch] = await alternateRounds(sizes.rounds, [
      {
        name: 'inst',
        run: async (r) => {
          for (const batch of batchEntries[r]!) await storage.storeEventBatch(batch);
          return batchShares[r]!;
        },
      },
      {
        name: 'raw',
        run: async (r) => {
          for (const batch of batchRows[r]!) await raw.insertEventBatch(batch);
          return batchShares[r]!;
        },
      },
      {
        name: 'raw+serdes',
        run: async (r) => {
          for (const batch of batchEntries[r]!) await rawSerdes.insertEventBatch(batch.map(eventRow));
          return batchShares[r]!;
        },
      },
    ]);
    ctx.record({
      kind: 'throughput',
      section: 'writes',
      backend: ctx.backend.name,
      name: `storeEventBatch, step events (${sizes.batchSize}/batch)`,
      unit: 'events/s',
      inst: instBatch!,
      raw: rawBatch!,
      ratio: instBatch! / rawBatch!,
      rawName: ctx.backend.name === 'sqlite' ? 'prepared INSERT in one transaction per batch' : 'one prepared multi-row INSERT … VALUES per batch',
      target: { text: '≥ 0.8 of raw batched', met: instBatch! / rawBatch! >= 0.8 },
      note: `raw with serializeValue in the loop: ${Math.round(rawSerdesBatch!)} events/s (inst/that = ${(instBatch! / rawSerdesBatch!).toFixed(2)})`,
    });

    // ---- batched: planned asset events (the asset index is written too)
    const plannedShares = shares(Math.max(sizes.batchSize, Math.floor(sizes.batched / 2)), sizes.rounds);
    const plannedEntries: EventLogEntry[][][] = plannedShares.map((n) =>
      chunks(
        Array.from({ length: n }, (_, k) => plannedEntry(runs.planned, assetKeyOf(k % sizes.batchSize))),
        sizes.batchSize,
      ),
    );
    const plannedRows: EventRow[][][] = plannedEntries.map((round) => round.map((batch) => batch.map(eventRow)));
    ctx.log(`  batched planned events: ${plannedShares.reduce((a, b) => a + b, 0)} events per side`);
    const [instPlanned, rawPlanned] = await alternateRounds(sizes.rounds, [
      {
        name: 'inst',
        run: async (r) => {
          for (const batch of plannedEntries[r]!) await storage.storeEventBatch(batch);
          return plannedShares[r]!;
        },
      },
      {
        name: 'raw',
        run: async (r) => {
          for (const batch of plannedRows[r]!) await raw.insertAssetEventBatch(batch);
          return plannedShares[r]!;
        },
      },
    ]);
    ctx.record({
      kind: 'throughput',
      section: 'writes',
      backend: ctx.backend.name,
      name: `storeEventBatch, planned asset events (${sizes.batchSize}/batch)`,
      unit: 'events/s',
      inst: instPlanned!,
      raw: rawPlanned!,
      ratio: instPlanned! / rawPlanned!,
      rawName:
        ctx.backend.name === 'sqlite'
          ? 'one transaction on the run shard + one on index.db: rows, index copies, asset_keys upserts'
          : 'one transaction: multi-row INSERT of the rows + multi-row asset_keys upsert',
      target: { text: '≥ 0.8 of raw batched', met: instPlanned! / rawPlanned! >= 0.8 },
    });

    // Where the time of one event goes: serializing it, for reference.
    const sample = singleEntries[0]!.slice(0, 200);
    const start = now();
    for (let k = 0; k < 5; k++) for (const entry of sample) serializeValue(entry);
    const serializeUs = ((now() - start) * 1000) / (5 * sample.length);
    ctx.log(`  serializeValue of one step event: ${serializeUs.toFixed(1)} µs`);
  } finally {
    await rawSerdes.close();
    await raw.close();
    await handle.close();
  }
}
