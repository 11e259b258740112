/**
 * The bench's child process: writes watched events into a home (or database) another process watches, or
 * reads a large run whole while its peak RSS growth is sampled. Started by `child-process.ts`.
 */
import { openInstance, openRawFor } from './backends';
import { RAW_CHANNEL, watchMessage, type ChildRequest, type ChildResponse } from './child-protocol';
import { entryOf, eventRow } from './data';
import { RawPgStore } from './raw/postgres';
import { RssSampler, now, sleep, wallNow } from './stats';

function send(message: ChildResponse): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
  });
}

async function watchWriter(request: Extract<ChildRequest, { mode: 'watch-writer' }>): Promise<void> {
  const entries = Array.from({ length: request.count }, (_, seq) => entryOf(request.runId, null, { message: watchMessage(seq), stepKey: 'watched' }));
  const sendTimes: number[] = [];
  if (request.side === 'inst') {
    const instance = await openInstance(request.spec);
    try {
      await send({ type: 'ready' });
      await waitForGo();
      for (const entry of entries) {
        sendTimes.push(wallNow());
        await instance.handleNewEvent(entry);
        await sleep(request.intervalMs + Math.random() * (request.jitterMs ?? 0));
      }
    } finally {
      await instance.dispose();
    }
  } else {
    const raw = await openRawFor(request.spec);
    try {
      const rows = entries.map(eventRow);
      await send({ type: 'ready' });
      await waitForGo();
      for (const row of rows) {
        sendTimes.push(wallNow());
        await raw.insertEvent(row);
        if (raw instanceof RawPgStore) await raw.client.query('SELECT pg_notify($1, $2)', [RAW_CHANNEL, request.runId]);
        await sleep(request.intervalMs + Math.random() * (request.jitterMs ?? 0));
      }
    } finally {
      await raw.close();
    }
  }
  await send({ type: 'written', sendTimes });
}

async function memory(request: Extract<ChildRequest, { mode: 'memory' }>): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let count = 0;
  let sampler: RssSampler;
  let start: number;
  let heapBaseline = 0;
  const begin = () => {
    gc?.();
    heapBaseline = process.memoryUsage().heapUsed;
    sampler = new RssSampler(10);
    start = now();
  };
  if (request.method === 'raw-page') {
    const raw = await openRawFor(request.spec);
    try {
      await raw.recordsForRun(request.runId, 0, 1); // opens the connection / shard before the baseline
      begin();
      let after = 0;
      for (;;) {
        const page = await raw.recordsForRun(request.runId, after, request.pageSize);
        count += page.count;
        after = page.lastId;
        if (page.count < request.pageSize) break;
      }
    } finally {
      await raw.close();
    }
  } else {
    const instance = await openInstance(request.spec);
    try {
      await instance.getRecordsForRun(request.runId, null, undefined, 1);
      begin();
      if (request.method === 'inst-page') {
        let cursor: string | null = null;
        for (;;) {
          const page = await instance.getRecordsForRun(request.runId, cursor, undefined, request.pageSize);
          count += page.records.length;
          cursor = page.cursor;
          if (!page.hasMore) break;
        }
      } else {
        const controller = new AbortController();
        for await (const _watched of instance.watchRunEvents(request.runId, { signal: controller.signal })) {
          if (++count >= request.count) controller.abort();
        }
      }
    } finally {
      await instance.dispose();
    }
  }
  const ms = now() - start!;
  const peakGrowthBytes = sampler!.stop();
  gc?.();
  const retainedHeapBytes = process.memoryUsage().heapUsed - heapBaseline;
  await send({ type: 'memory', peakGrowthBytes, retainedHeapBytes, count, ms });
}

const request = JSON.parse(process.argv[2]!) as ChildRequest;
try {
  if (request.mode === 'watch-writer') await watchWriter(request);
  else await memory(request);
} catch (error) {
  await send({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
process.exit(0);
