/*
 * Submit → RUN_START latency of the child-process run launcher: each run is submitted (DefaultRunCoordinator, so
 * submit launches at once) and its worker process starts, opens the instance, loads the code location and writes
 * RUN_START. Prints p50 / p90 / p99 / max in milliseconds as one JSON line.
 *
 *   node --import tsx --conditions=@inst/source bench/launch-latency.ts [runs=30] [concurrency=1] [gapMs=0]
 *
 * `gapMs` pauses between a run's RUN_START and the next submit (a launcher that is not saturated: its spare
 * worker is ready); 0 measures back-to-back launches.
 *
 * It imports @inst/core by path (core depends on this package, so this package cannot depend on core).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DagsterEventType } from '@inst/types';
import { ChildProcessCodeLocation, createRunForLocationJob, type ChildProcessRunLauncher } from '../src/index';

const { Instance } = (await import(new URL('../../core/src/index.ts', import.meta.url).href)) as typeof import('../../core/src/index');

const runs = Number(process.argv[2] ?? 30);
const concurrency = Number(process.argv[3] ?? 1);
const gapMs = Number(process.argv[4] ?? 0);
const locationDir = fileURLToPath(new URL('../test/fixtures/jobs/', import.meta.url));

const home = mkdtempSync(join(tmpdir(), 'inst-launch-bench-'));
writeFileSync(
  join(home, 'dagster.yaml'),
  'run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\nrun_launcher:\n  module: dagster.core.launcher\n  class: ChildProcessRunLauncher\ntelemetry:\n  enabled: false\n',
);
const instance = await Instance.fromConfig(home);
const location = new ChildProcessCodeLocation({ locationName: 'jobs', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir }, { output: 'ignore' });

async function startedAt(runId: string): Promise<number> {
  for (;;) {
    const [entry] = await instance.allLogs(runId, DagsterEventType.RUN_START);
    if (entry) return entry.timestamp;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function one(): Promise<number> {
  const run = await createRunForLocationJob(instance, location, 'quick_job');
  const submitted = Date.now() / 1000;
  await instance.submitRun(run.runId);
  return ((await startedAt(run.runId)) - submitted) * 1000;
}

// One warm-up run (tsx's transform cache, the SQLite files).
await one();
const latencies: number[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < runs) {
      next++;
      latencies.push(await one());
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }),
);
await (instance.runLauncher as ChildProcessRunLauncher).join(120_000);
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
process.stdout.write(
  `${JSON.stringify({ bench: 'child-process launcher submit→RUN_START (ms)', runs, concurrency, gapMs, p50: Math.round(at(0.5)), p90: Math.round(at(0.9)), p99: Math.round(at(0.99)), max: Math.round(at(1)) })}\n`,
);
await location.dispose();
await instance.dispose();
rmSync(home, { recursive: true, force: true });
