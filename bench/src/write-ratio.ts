/**
 * `tsx --conditions=@inst/source src/write-ratio.ts [sqlite|postgres] [rounds] [case]`: section 1's batch and single
 * write ratios on a small scale, for iterating on the write path. Besides wall time it prints the ratio of this
 * process's CPU time per event (user + system), which other load on the machine disturbs far less — for SQLite
 * all the work is in this process; for Postgres the server's share is not in it.
 */
import { cpuUsage } from 'node:process';
import { createBackend } from './backends';
import type { BackendName } from './config';
import { BENCH_JOB, assetKeyOf, eventRow, newRunId, plannedEntry, streamEntry } from './data';
import { now } from './stats';

const backendName = (process.argv[2] ?? 'sqlite') as BackendName;
const rounds = Number(process.argv[3] ?? 10);
/** Optional: only the cases whose name contains this text (`handleNewEvent`, `step`, `planned`). */
const only = process.argv[4];
const batch = 1000;
const backend = createBackend(backendName);
try {
  const handle = await backend.openInstance('write-ratio');
  const { store: raw } = await backend.freshRaw('write-ratio');
  const storage = handle.instance.eventLogStorage;
  const runs = { single: newRunId(), batched: newRunId(), planned: newRunId() };
  for (const runId of Object.values(runs)) await handle.instance.createRun({ jobName: BENCH_JOB, runId });
  let offset = 0;
  const single = backendName === 'sqlite' ? 500 : 100;
  const cases: [string, number, (r: number) => Promise<void>, (r: number) => Promise<void>][] = [];
  const batches = Array.from({ length: rounds * 2 }, () => Array.from({ length: batch }, () => streamEntry(runs.batched, offset++)));
  const batchRows = batches.map((b) => b.map(eventRow));
  cases.push(['storeEventBatch step', batch, (r) => storage.storeEventBatch(batches[2 * r]!), (r) => raw.insertEventBatch(batchRows[2 * r + 1]!)]);
  const planned = Array.from({ length: rounds * 2 }, () => Array.from({ length: batch }, (_, k) => plannedEntry(runs.planned, assetKeyOf(k))));
  const plannedRows = planned.map((b) => b.map(eventRow));
  cases.push(['storeEventBatch planned', batch, (r) => storage.storeEventBatch(planned[2 * r]!), (r) => raw.insertAssetEventBatch(plannedRows[2 * r + 1]!)]);
  const singles = Array.from({ length: rounds * 2 }, () => Array.from({ length: single }, () => streamEntry(runs.single, offset++)));
  const singleRows = singles.map((b) => b.map(eventRow));
  cases.push([
    'handleNewEvent',
    single,
    async (r) => {
      for (const e of singles[2 * r]!) await handle.instance.handleNewEvent(e);
    },
    async (r) => {
      for (const row of singleRows[2 * r + 1]!) await raw.insertEvent(row);
    },
  ]);
  for (const [name, n, inst, rawSide] of cases) {
    if (only && !name.includes(only)) continue;
    await inst(0);
    await rawSide(0);
    const wall = { inst: [] as number[], raw: [] as number[] };
    const cpu = { inst: [] as number[], raw: [] as number[] };
    for (let r = 1; r < rounds; r++) {
      for (const [side, f] of r % 2 ? ([['raw', rawSide], ['inst', inst]] as const) : ([['inst', inst], ['raw', rawSide]] as const)) {
        const c = cpuUsage();
        const t = now();
        await f(r);
        wall[side].push((now() - t) / n);
        const d = cpuUsage(c);
        cpu[side].push((d.user + d.system) / 1000 / n);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `${backendName} ${name}: inst/raw rate, wall p50 ${(median(wall.raw) / median(wall.inst)).toFixed(2)}, cpu p50 ${(median(cpu.raw) / median(cpu.inst)).toFixed(2)} (inst ${(1000 * median(cpu.inst)).toFixed(1)} µs cpu/event, raw ${(1000 * median(cpu.raw)).toFixed(1)})`,
    );
  }
  await handle.close();
} finally {
  await backend.dispose();
}
