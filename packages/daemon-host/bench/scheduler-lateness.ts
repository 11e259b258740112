/**
 * Benchmark: scheduler tick lateness. S schedules tick every minute; for M simulated minutes the scheduler pass
 * starts where the daemon starts it (the minute + 1 ms) and the clock then advances with real time, so a tick's
 * lateness is how long after its scheduled time its run was created and submitted (tick end - scheduled time).
 *
 *   node --conditions=@inst/source --import tsx bench/scheduler-lateness.ts [--schedules 50] [--minutes 5] [--backend sqlite|postgres|both]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Instance } from '@inst/core';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import { InstigatorState, InstigatorStatus, InstigatorType, ScheduleInstigatorData } from '@inst/types';
import { remoteSchedules, repositoryOriginOf } from '../src/locations';
import { silentLogger } from '../src/logger';
import { launchScheduledRuns, nextSchedulerIterationTime } from '../src/scheduler';

const { values } = parseArgs({ options: { schedules: { type: 'string', default: '50' }, minutes: { type: 'string', default: '5' }, backend: { type: 'string', default: 'both' } } });
const S = Number(values.schedules);
const M = Number(values.minutes);

async function measure(label: string, instance: Instance): Promise<void> {
  const names = Array.from({ length: S }, (_, i) => `every_minute_${i}`);
  const snapshot = { jobs: [{ name: 'bench_job' }], schedules: names.map((name) => ({ name, jobName: 'bench_job', cronSchedule: '* * * * *' })) };
  const location = { name: 'bench', snapshot: async () => snapshot, evaluateSchedule: async () => ({ runRequests: [{}] }), evaluateSensor: async () => ({ runRequests: [] }) };
  const loaded = { location, snapshot, repositoryOrigin: repositoryOriginOf(location, snapshot) };
  let base = Math.floor(Date.now() / 1000 / 60) * 60;
  for (const schedule of remoteSchedules(loaded)) {
    await instance.addInstigatorState(
      new InstigatorState({
        origin: schedule.origin,
        instigatorType: InstigatorType.SCHEDULE,
        status: InstigatorStatus.RUNNING,
        instigatorData: new ScheduleInstigatorData({ cronSchedule: schedule.cronSchedule, startTimestamp: base + 1 }),
      }),
    );
  }
  const lateness: number[] = [];
  for (let minute = 0; minute < M; minute++) {
    const start = nextSchedulerIterationTime(base);
    base = start - 0.001;
    const realStart = performance.now();
    const now = () => start + (performance.now() - realStart) / 1000;
    const ctx = { instance, workspace: { locations: [location] }, signal: new AbortController().signal, now, log: silentLogger, daemonId: randomUUID() };
    const results = await launchScheduledRuns(ctx);
    for (const schedule of remoteSchedules(loaded)) {
      const [tick] = await instance.getTicks(schedule.origin.getId(), schedule.selectorId, null, null, 1);
      if (tick && results.some((r) => r.scheduleName === schedule.name && r.ticks.length > 0)) lateness.push(tick.tickData.endTimestamp! - tick.tickData.timestamp);
    }
  }
  lateness.sort((a, b) => a - b);
  const q = (p: number) => Number(lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))]!.toFixed(3));
  console.log(JSON.stringify({ bench: 'scheduler-tick-lateness', backend: label, schedules: S, minutes: M, ticks: lateness.length, p50Seconds: q(0.5), p99Seconds: q(0.99), maxSeconds: q(1) }));
}

if (values.backend === 'sqlite' || values.backend === 'both') {
  const home = mkdtempSync(join(tmpdir(), 'inst-bench-'));
  writeFileSync(join(home, 'dagster.yaml'), '');
  const instance = await Instance.fromConfig(home);
  try {
    await measure('sqlite', instance);
  } finally {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}
if ((values.backend === 'postgres' || values.backend === 'both') && (await pgAvailable())) {
  const scratch = await createScratchDatabase('inst_bench_sched');
  const home = mkdtempSync(join(tmpdir(), 'inst-bench-'));
  writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`);
  const instance = await Instance.fromConfig(home);
  try {
    await measure('postgres', instance);
  } finally {
    await instance.dispose();
    await scratch.drop();
    rmSync(home, { recursive: true, force: true });
  }
}
