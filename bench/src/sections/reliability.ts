/**
 * Section 6 — reliability costs (issue #10):
 *
 * - Postgres only: the cost of gap-free watching. Each event-storing transaction takes a per-run
 *   advisory lock so that a run's ids commit in order (`serializeRunWrites`, the default); measured
 *   against the same storages with it off, with one writer and with eight concurrent writers on
 *   one run (the case the lock serializes).
 * - Postgres only: the cost of gap-free ALL-RUNS watching. `watchAllRuns` waits at a hole in the
 *   storage ids until the write transactions in flight when it saw the hole have ended; measured as
 *   events delivered per second to one all-runs watcher while `writers` writers store events of
 *   `writers` different runs at once, against the same watch with the waiting off
 *   (`gapFreeAllRunsWatch: false`, which may skip events: the skipped count is in the note).
 * - Both backends: concurrency slot claims per second — twenty concurrent claimers sharing five
 *   slots, each claiming until it holds a slot, then freeing it — against the bare slot semaphore
 *   in raw SQL on the same tables (one UPDATE … SKIP LOCKED to take a slot, one to free it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlEventLogStorage, SqlExecutor } from '@inst/storage-sql';
import { openPostgresStorages } from '@inst/storage-postgres';
import { createScratchDatabase } from '@inst/storage-postgres/testing';
import { openSqliteStorages } from '@inst/storage-sqlite';
import { ConcurrencySlotStatus } from '@inst/types';
import { alternateRounds, shares, type SectionContext } from '../context';
import { newRunId, streamEntry } from '../data';
import { sleep } from '../stats';

interface Opened {
  readonly eventLogStorage: SqlEventLogStorage;
  readonly index: SqlExecutor;
  dispose(): Promise<void>;
}

async function openStorages(ctx: SectionContext, label: string, serializeRunWrites = true, gapFreeAllRunsWatch = true): Promise<Opened> {
  if (ctx.backend.name === 'postgres') {
    const db = await createScratchDatabase(`inst_bench_rel_${label}`);
    const storages = await openPostgresStorages(
      { url: db.url },
      { poolSize: 8, serializeRunWrites, gapFreeAllRunsWatch, logger: { warn: () => {} }, onConnectionError: () => {} },
    );
    return {
      eventLogStorage: storages.eventLogStorage,
      index: storages.driver,
      dispose: async () => {
        await storages.dispose();
        await db.drop();
      },
    };
  }
  const home = mkdtempSync(join(tmpdir(), `inst-bench-rel-${label}-`));
  const storages = await openSqliteStorages(home);
  return {
    eventLogStorage: storages.eventLogStorage,
    index: storages.layout.index,
    dispose: async () => {
      await storages.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function gapFreeCost(ctx: SectionContext): Promise<void> {
  const { events, rounds, writers } = ctx.sizes.reliability;
  const locked = await openStorages(ctx, 'locked', true);
  const unlocked = await openStorages(ctx, 'unlocked', false);
  try {
    let n = 0;
    const write = async (storage: SqlEventLogStorage, runId: string, count: number, concurrency: number): Promise<number> => {
      const per = shares(count, concurrency);
      await Promise.all(
        per.map(async (k) => {
          for (let i = 0; i < k; i++) await storage.storeEvent(streamEntry(runId, n++));
        }),
      );
      return count;
    };
    for (const storage of [locked, unlocked]) await write(storage.eventLogStorage, newRunId(), 50, 1); // warm up
    for (const concurrency of [1, writers]) {
      const runs = { locked: newRunId(), unlocked: newRunId() };
      const share = shares(events, rounds);
      const [withLock, without] = await alternateRounds(rounds, [
        { name: 'locked', run: (r) => write(locked.eventLogStorage, runs.locked, share[r]!, concurrency) },
        { name: 'unlocked', run: (r) => write(unlocked.eventLogStorage, runs.unlocked, share[r]!, concurrency) },
      ]);
      ctx.record({
        kind: 'throughput',
        section: 'reliability',
        backend: ctx.backend.name,
        name: `storeEvent with the per-run write lock, ${concurrency} writer${concurrency > 1 ? 's' : ''} on one run`,
        unit: 'events/s',
        inst: withLock!,
        raw: without!,
        ratio: withLock! / without!,
        rawName: 'the same storages with serializeRunWrites: false (ids may then commit out of order)',
        note: 'the cost of gap-free per-run delivery; raw here is inst without the lock, not the raw driver',
      });
    }
  } finally {
    await locked.dispose();
    await unlocked.dispose();
  }
}

async function allRunsWatchCost(ctx: SectionContext): Promise<void> {
  const { events, rounds, writers } = ctx.sizes.reliability;
  const gapFree = await openStorages(ctx, 'allruns_gapfree', true, true);
  const trusting = await openStorages(ctx, 'allruns_trusting', true, false);
  const skipped = { gapFree: 0, trusting: 0 };
  try {
    let n = 0;
    const round = async (opened: Opened, side: keyof typeof skipped, count: number): Promise<number> => {
      const storage = opened.eventLogStorage;
      const start = (await storage.getMaximumRecordId()) ?? 0;
      const controller = new AbortController();
      let delivered = 0;
      let last = start;
      let target = Number.POSITIVE_INFINITY;
      let reached: () => void = () => {};
      const done = new Promise<void>((resolve) => (reached = resolve));
      const watching = (async () => {
        for await (const { record } of storage.watchAllRuns!({ after: start, signal: controller.signal })) {
          delivered++;
          last = record.storageId;
          if (last >= target) reached();
        }
      })();
      const runIds = Array.from({ length: writers }, () => newRunId());
      await Promise.all(
        shares(count, writers).map(async (k, w) => {
          for (let i = 0; i < k; i++) await storage.storeEvent(streamEntry(runIds[w]!, n++));
        }),
      );
      target = (await storage.getMaximumRecordId()) ?? 0;
      if (last < target) await done;
      controller.abort();
      await watching;
      skipped[side] += count - delivered;
      return count;
    };
    for (const opened of [gapFree, trusting]) await round(opened, opened === gapFree ? 'gapFree' : 'trusting', 50); // warm up
    skipped.gapFree = 0;
    skipped.trusting = 0;
    const share = shares(events, rounds);
    const [withWait, without] = await alternateRounds(rounds, [
      { name: 'gap-free', run: (r) => round(gapFree, 'gapFree', share[r]!) },
      { name: 'trusting', run: (r) => round(trusting, 'trusting', share[r]!) },
    ]);
    ctx.record({
      kind: 'throughput',
      section: 'reliability',
      backend: ctx.backend.name,
      name: `watchAllRuns, events stored and delivered, ${writers} writers on ${writers} runs`,
      unit: 'events/s',
      inst: withWait!,
      raw: without!,
      ratio: withWait! / without!,
      rawName: 'the same watch with gapFreeAllRunsWatch: false (trusts ids as read; may skip events)',
      note: `the cost of gap-free all-runs delivery; events skipped over all rounds: gap-free ${skipped.gapFree}, without ${skipped.trusting}`,
    });
  } finally {
    await gapFree.dispose();
    await trusting.dispose();
  }
}

async function claims(ctx: SectionContext): Promise<void> {
  const { claimers, slots, claimRounds } = ctx.sizes.reliability;
  const opened = await openStorages(ctx, 'claims');
  const storage = opened.eventLogStorage;
  try {
    await storage.setConcurrencySlots('bench_inst', slots);
    await storage.setConcurrencySlots('bench_raw', slots);
    let calls = 0;
    const instRound = async (r: number): Promise<number> => {
      const runId = newRunId();
      const before = calls;
      await Promise.all(
        Array.from({ length: claimers }, async (_, i) => {
          const step = `step_${r}_${i}`;
          for (let tries = 0; ; tries++) {
            calls++;
            const status = await storage.claimConcurrencySlot('bench_inst', runId, step);
            if (status.slotStatus === ConcurrencySlotStatus.CLAIMED) break;
            if (tries > 1_000_000) throw new Error('a claim never succeeded');
            await sleep(1);
          }
          await storage.freeConcurrencySlotForStep(runId, step);
        }),
      );
      void before;
      return claimers;
    };
    const index = opened.index;
    const takeSql =
      ctx.backend.name === 'postgres'
        ? `UPDATE concurrency_slots SET run_id = ?, step_key = ? WHERE id = (SELECT id FROM concurrency_slots WHERE concurrency_key = ? AND step_key IS NULL LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`
        : `UPDATE concurrency_slots SET run_id = ?, step_key = ? WHERE id = (SELECT id FROM concurrency_slots WHERE concurrency_key = ? AND step_key IS NULL LIMIT 1) RETURNING id`;
    let rawCalls = 0;
    const rawRound = async (): Promise<number> => {
      const runId = newRunId();
      const before = rawCalls;
      await Promise.all(
        Array.from({ length: claimers }, async (_, i) => {
          const step = `raw_${i}`;
          for (;;) {
            rawCalls++;
            const taken = await index.get<{ id: number }>(takeSql, [runId, step, 'bench_raw']);
            if (taken) {
              await index.run('UPDATE concurrency_slots SET run_id = NULL, step_key = NULL WHERE id = ?', [taken.id]);
              return;
            }
            await sleep(1);
          }
        }),
      );
      void before;
      return claimers;
    };
    await instRound(-1);
    await rawRound();
    const [inst, raw] = await alternateRounds(claimRounds, [
      { name: 'inst', run: instRound },
      { name: 'raw', run: rawRound },
    ]);
    ctx.record({
      kind: 'throughput',
      section: 'reliability',
      backend: ctx.backend.name,
      name: `claimConcurrencySlot, ${claimers} claimers / ${slots} slots (each claims until it holds a slot, then frees it)`,
      unit: 'granted claims/s',
      note: `claim calls (including the polls of blocked claimers): inst ${calls}, raw ${rawCalls}`,
      inst: inst!,
      raw: raw!,
      ratio: inst! / raw!,
      rawName: 'bare slot semaphore: UPDATE … WHERE id = (SELECT … SKIP LOCKED) RETURNING to take, UPDATE to free (no pending-step queue)',
    });
  } finally {
    await opened.dispose();
  }
}

export async function reliabilitySection(ctx: SectionContext): Promise<void> {
  if (ctx.backend.name === 'postgres') {
    await gapFreeCost(ctx);
    await allRunsWatchCost(ctx);
  }
  await claims(ctx);
}
