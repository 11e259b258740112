/**
 * `tsx --conditions=@inst/source src/write-layers.ts [sqlite|postgres] [n]`: CPU time per single write at each
 * layer of the instance (the argument check alone, the event log storage, the facade), to see which layer's
 * overhead a change cuts. Fresh entries each time, so no layer gets a record it has already seen.
 */
import { cpuUsage } from 'node:process';
// The facade's check alone (not exported from @inst/core): measured through its source.
import { checkArguments } from '../../packages/core/src/arguments';
import { createBackend } from './backends';
import type { BackendName } from './config';
import { BENCH_JOB, eventRow, newRunId, streamEntry } from './data';

const backendName = (process.argv[2] ?? 'sqlite') as BackendName;
const n = Number(process.argv[3] ?? (backendName === 'sqlite' ? 5000 : 1000));
const backend = createBackend(backendName);
try {
  const handle = await backend.openInstance('write-layers');
  const { store: raw } = await backend.freshRaw('write-layers');
  const instance = handle.instance;
  const runId = newRunId();
  await instance.createRun({ jobName: BENCH_JOB, runId });
  let offset = 0;
  const fresh = () => Array.from({ length: n }, () => streamEntry(runId, offset++));
  const layers: [string, (entries: ReturnType<typeof fresh>) => Promise<void>][] = [
    ['build entries only', async () => {}],
    ['checkArguments(handleNewEvent)', async (es) => { for (const e of es) checkArguments('handleNewEvent', [e]); }],
    ['raw insert (eventRow included)', async (es) => { for (const e of es) await raw.insertEvent(eventRow(e)); }],
    ['eventLogStorage.storeEvent', async (es) => { for (const e of es) await instance.eventLogStorage.storeEvent(e); }],
    ['instance.storeEvent', async (es) => { for (const e of es) await instance.storeEvent(e); }],
    ['instance.handleNewEvent', async (es) => { for (const e of es) await instance.handleNewEvent(e); }],
    ['handleNewEvent, storage stubbed', async (es) => {
      // The facade and events layers alone: the storage's storeEvent replaced by a no-op for this layer.
      const storage = instance.eventLogStorage as { storeEvent: (e: unknown) => Promise<void> };
      const original = storage.storeEvent;
      storage.storeEvent = async () => {};
      try {
        for (const e of es) await instance.handleNewEvent(e);
      } finally {
        storage.storeEvent = original;
      }
    }],
  ];
  const results: Record<string, number> = {};
  for (let round = 0; round < 5; round++) {
    for (const [name, f] of layers) {
      const entries = fresh();
      const c = cpuUsage();
      await f(entries);
      const d = cpuUsage(c);
      const us = (d.user + d.system) / n;
      results[name] = Math.min(results[name] ?? Infinity, us);
    }
  }
  for (const [name, us] of Object.entries(results)) console.log(`${name.padEnd(34)} ${us.toFixed(1)} µs cpu/event (best of 5)`);
  await handle.close();
  console.log(JSON.stringify({ backend: backendName, n, usPerEvent: results }));
} finally {
  await backend.dispose();
}
