/**
 * `tsx --conditions=@inst/source src/read-ratio.ts [sqlite|postgres] [rounds]`: the read ratios of section 3 on a
 * small data set, fast, for iterating on the read path. Inst and raw alternate call by call; besides the
 * median it prints the ratio of the minima, and of this process's CPU time (for SQLite all the work; load disturbs
 * it least).
 */
import { cpuUsage } from 'node:process';
import { createBackend } from './backends';
import type { BackendName } from './config';
import { openReadCases } from './read-cases';
import { now } from './stats';

const backendName = (process.argv[2] ?? 'sqlite') as BackendName;
const rounds = Number(process.argv[3] ?? 60);
const backend = createBackend(backendName);
try {
  const { dataset, records, latest } = await openReadCases(backend);
  const cases = [records, latest].map((c) => [c.name, c.inst, c.raw] as const);
  for (const [name, inst, raw] of cases) {
    const times = { inst: [] as number[], raw: [] as number[] };
    const cpu = { inst: [] as number[], raw: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      for (const [side, f] of i % 2 ? ([['raw', raw], ['inst', inst]] as const) : ([['inst', inst], ['raw', raw]] as const)) {
        const c = cpuUsage();
        const t = now();
        await f();
        times[side].push(now() - t);
        const d = cpuUsage(c);
        cpu[side].push((d.user + d.system) / 1000);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const min = (xs: number[]) => Math.min(...xs);
    console.log(
      `${backendName} ${name}: inst min ${min(times.inst).toFixed(2)} ms / p50 ${median(times.inst).toFixed(2)}; raw min ${min(times.raw).toFixed(2)} / p50 ${median(times.raw).toFixed(2)}; ratio min ${(min(times.inst) / min(times.raw)).toFixed(2)}× p50 ${(median(times.inst) / median(times.raw)).toFixed(2)}×; cpu p50 ${(median(cpu.inst) / median(cpu.raw)).toFixed(2)}× (${median(cpu.inst).toFixed(2)} / ${median(cpu.raw).toFixed(2)} ms)`,
    );
  }
  await dataset.close();
} finally {
  await backend.dispose();
}
