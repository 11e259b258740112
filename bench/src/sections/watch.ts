/**
 * Section 4 — watch latency: from just before `handleNewEvent` to the moment a watcher (`watchRunEvents`) has
 * the event, in the same process and with the writer in a child process on the same home / database.
 *
 * The raw floors: in process, an INSERT followed by the cursor SELECT on the same connection; across
 * processes, a raw child INSERTs and the parent notices with the cheapest change signal the driver offers —
 * `PRAGMA data_version` polled every millisecond (SQLite), LISTEN/NOTIFY (Postgres) — then SELECTs.
 */
import pg from 'pg';
import { BENCH_JOB, entryOf, eventRow, newRunId } from '../data';
import { Child } from '../child-process';
import { RAW_CHANNEL, watchMessage, watchSeq } from '../child-protocol';
import type { SectionContext } from '../context';
import type { InstanceSpec } from '../backends';
import { RawPgStore } from '../raw/postgres';
import { RawSqliteStore } from '../raw/sqlite';
import type { RawStore } from '../raw/types';
import { latency, sleep, wallNow, type Latency } from '../stats';
import type { BenchInstance } from '../backends';

/** Watches a run through the instance, recording when each sequence number arrives. */
function watchInst(instance: BenchInstance, runId: string, expected: number): { received: Map<number, number>; done: Promise<void>; stop: () => void } {
  const received = new Map<number, number>();
  const controller = new AbortController();
  const done = (async () => {
    try {
      for await (const { record } of instance.watchRunEvents(runId, { signal: controller.signal })) {
        const seq = watchSeq(record.eventLogEntry.userMessage);
        if (seq >= 0 && !received.has(seq)) received.set(seq, wallNow());
        if (received.size >= expected) break;
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return { received, done, stop: () => controller.abort() };
}

/** Waits for `done`, or gives up `graceMs` after the writer finished. */
async function settle(done: Promise<void>, stop: () => void, graceMs: number): Promise<void> {
  const timer = sleep(graceMs).then(stop);
  await Promise.race([done, timer]);
  stop();
  await done.catch(() => {});
}

function latencies(send: readonly number[], received: Map<number, number>): { latency: Latency; missing: number } {
  const samples: number[] = [];
  send.forEach((t, seq) => {
    const got = received.get(seq);
    if (got !== undefined) samples.push(got - t);
  });
  return { latency: latency(samples), missing: send.length - samples.length };
}

/** The raw cross-process watcher: change signal, then the cursor SELECT. */
async function watchRaw(spec: InstanceSpec, raw: RawStore, runId: string, expected: number): Promise<{ received: Map<number, number>; done: Promise<void>; stop: () => void }> {
  const received = new Map<number, number>();
  let stopped = false;
  let after = 0;
  const drain = async () => {
    const rows = await raw.eventsAfter(runId, after, 1000);
    const at = wallNow();
    for (const row of rows) {
      const seq = watchSeq(row.event);
      if (seq >= 0 && !received.has(seq)) received.set(seq, at);
      after = row.id;
    }
  };
  if (raw instanceof RawSqliteStore) {
    let version = raw.dataVersion(runId);
    const done = (async () => {
      while (!stopped && received.size < expected) {
        await sleep(1);
        const current = raw.dataVersion(runId);
        if (current !== version) {
          version = current;
          await drain();
        }
      }
    })();
    return { received, done, stop: () => (stopped = true) };
  }
  if (spec.backend !== 'postgres') throw new Error('raw watcher: unexpected store');
  const listener = new pg.Client({ connectionString: spec.url });
  listener.on('error', () => {});
  await listener.connect();
  await listener.query(`LISTEN ${RAW_CHANNEL}`);
  let wake: (() => void) | null = null;
  let pending = false;
  listener.on('notification', () => {
    pending = true;
    wake?.();
  });
  const done = (async () => {
    try {
      while (!stopped && received.size < expected) {
        if (!pending) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        if (stopped) break;
        pending = false;
        await drain();
      }
    } finally {
      await listener.end().catch(() => {});
    }
  })();
  return {
    received,
    done,
    stop: () => {
      stopped = true;
      wake?.();
    },
  };
}

export async function watchSection(ctx: SectionContext): Promise<void> {
  const { watchSamples, watchCrossSamples, watchIntervalMs } = ctx.sizes;
  const handle = await ctx.backend.openInstance('watch');
  const { store: raw, spec: rawSpec } = await ctx.backend.freshRaw('watch');
  const instance = handle.instance;
  try {
    // ---- in process
    const runId = newRunId();
    await instance.createRun({ jobName: BENCH_JOB, runId });
    await instance.handleNewEvent(entryOf(runId, null, { message: 'start', stepKey: 'watched' }));
    const watcher = watchInst(instance, runId, watchSamples);
    await sleep(50);
    const sendInst: number[] = [];
    for (let seq = 0; seq < watchSamples; seq++) {
      const entry = entryOf(runId, null, { message: watchMessage(seq), stepKey: 'watched' });
      sendInst.push(wallNow());
      await instance.handleNewEvent(entry);
      await sleep(watchIntervalMs);
    }
    await settle(watcher.done, watcher.stop, 5000);
    const inProcess = latencies(sendInst, watcher.received);

    // Raw floor in process: insert, then read it back by cursor.
    const rawRunId = newRunId();
    const rawFloor: number[] = [];
    let after = 0;
    for (let seq = 0; seq < watchSamples + 3; seq++) {
      const row = eventRow(entryOf(rawRunId, null, { message: watchMessage(seq), stepKey: 'watched' }));
      const start = wallNow();
      await raw.insertEvent(row);
      const rows = await raw.eventsAfter(rawRunId, after, 1000);
      if (seq >= 3) rawFloor.push(wallNow() - start);
      after = rows.at(-1)?.id ?? after;
      await sleep(watchIntervalMs);
    }
    const rawIn = latency(rawFloor);
    ctx.record({
      kind: 'latency',
      section: 'watch',
      backend: ctx.backend.name,
      name: 'handleNewEvent → watchRunEvents, same process',
      inst: inProcess.latency,
      raw: rawIn,
      ratio: inProcess.latency.p50 / rawIn.p50,
      rawName: 'INSERT then cursor SELECT on one connection',
      target: { text: 'p99 < 50 ms', met: inProcess.missing === 0 && inProcess.latency.p99 < 50 },
      ...(inProcess.missing ? { note: `${inProcess.missing} events never reached the watcher` } : {}),
    });

    // ---- across processes
    const crossInst = async (count: number, intervalMs: number, jitterMs: number) => {
      const crossRunId = newRunId();
      await instance.createRun({ jobName: BENCH_JOB, runId: crossRunId });
      const writer = new Child({ mode: 'watch-writer', spec: handle.spec, runId: crossRunId, count, intervalMs, jitterMs, side: 'inst' });
      try {
        await writer.next();
        const crossWatcher = watchInst(instance, crossRunId, count);
        await sleep(100);
        writer.send({ type: 'go' });
        const written = await writer.next();
        if (written.type !== 'written') throw new Error(`unexpected child answer ${written.type}`);
        await settle(crossWatcher.done, crossWatcher.stop, 5000);
        return latencies(written.sendTimes, crossWatcher.received);
      } finally {
        await writer.close();
      }
    };
    const cross = await crossInst(watchCrossSamples, watchIntervalMs, 0);

    const rawCrossRunId = newRunId();
    if (raw instanceof RawPgStore) await raw.eventsAfter(rawCrossRunId, 0, 1);
    else (raw as RawSqliteStore).shard(rawCrossRunId); // the shard exists before the child writes
    const rawWriter = new Child({ mode: 'watch-writer', spec: rawSpec, runId: rawCrossRunId, count: watchCrossSamples, intervalMs: watchIntervalMs, side: 'raw' });
    let rawCross: { latency: Latency; missing: number };
    try {
      await rawWriter.next();
      const rawWatcher = await watchRaw(rawSpec, raw, rawCrossRunId, watchCrossSamples);
      await sleep(100);
      rawWriter.send({ type: 'go' });
      const written = await rawWriter.next();
      if (written.type !== 'written') throw new Error(`unexpected child answer ${written.type}`);
      await settle(rawWatcher.done, rawWatcher.stop, 5000);
      rawCross = latencies(written.sendTimes, rawWatcher.received);
    } finally {
      await rawWriter.close();
    }
    ctx.record({
      kind: 'latency',
      section: 'watch',
      backend: ctx.backend.name,
      name: 'handleNewEvent → watchRunEvents, across processes',
      inst: cross.latency,
      raw: rawCross.latency,
      ratio: cross.latency.p50 / rawCross.latency.p50,
      rawName: ctx.backend.name === 'sqlite' ? 'raw child INSERTs; PRAGMA data_version polled every 1 ms, then SELECT' : 'raw child INSERTs + NOTIFY; LISTEN, then SELECT',
      target: { text: 'p99 < 300 ms', met: cross.missing === 0 && cross.latency.p99 < 300 },
      ...(cross.missing || rawCross.missing ? { note: `${cross.missing} (inst) / ${rawCross.missing} (raw) events never reached the watcher` } : {}),
    });

    if (ctx.sizes.watchSparseSamples > 0) {
      const sparse = await crossInst(ctx.sizes.watchSparseSamples, 300, 1000);
      ctx.record({
        kind: 'latency',
        section: 'watch',
        backend: ctx.backend.name,
        name: 'across processes, sparse writes (one per 0.3–1.3 s)',
        inst: sparse.latency,
        raw: rawCross.latency,
        ratio: sparse.latency.p50 / rawCross.latency.p50,
        rawName: 'the raw floor of the dense run (its change signal does not back off)',
        target: { text: 'p99 < 300 ms', met: sparse.missing === 0 && sparse.latency.p99 < 300 },
        ...(sparse.missing ? { note: `${sparse.missing} events never reached the watcher` } : {}),
      });
    }
  } finally {
    await raw.close();
    await handle.close();
  }
}
