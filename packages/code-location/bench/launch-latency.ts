/*
 * Submit → RUN_START latency of the child-process run launcher: each run is submitted (DefaultRunCoordinator, so
 * submit launches at once) and its worker process — a spare from the launcher's pool when one is ready — opens the
 * instance, loads the code location and writes RUN_START. Prints p50 / p90 / p99 / max in milliseconds as one JSON
 * line.
 *
 *   node --import tsx bench/launch-latency.ts [runs=30] [concurrency=1] [gapMs] [spareWorkers=2]
 *
 * `gapMs` pauses between a run's RUN_START and the next submit (a launcher that is not saturated: its spares are
 * ready); 0 measures back-to-back launches, where spares are started while the previous runs execute. Without it,
 * both: back to back, then 1000 ms apart.
 *
 * Workers run the built packages (dist/, as an installed inst does; user code still through tsx) unless
 * LAUNCH_BENCH_FROM=source or there is no build: then every worker compiles the workspace's TypeScript sources,
 * which is the development setup, not the product. A run with `--conditions=@inst/source` re-runs itself without
 * it for the built mode. It imports @inst/core by path (core depends on this package).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const fromSource = process.env.LAUNCH_BENCH_FROM === 'source' || !existsSync(dist('../dist/index.js')) || !existsSync(dist('../../core/dist/index.js'));
const withSourceCondition = process.execArgv.some((arg) => arg.includes('@inst/source'));
if (!fromSource && withSourceCondition) {
  const execArgv = process.execArgv.filter((arg) => !arg.includes('@inst/source'));
  const again = spawnSync(process.execPath, [...execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}
if (fromSource && !withSourceCondition) throw new Error('LAUNCH_BENCH_FROM=source needs node --conditions=@inst/source');

type CodeLocation = typeof import('../src/index');
const { ChildProcessCodeLocation, createRunForLocationJob } = (await import(fromSource ? '../src/index' : '../dist/index.js')) as CodeLocation;
const { Instance } = (await import(new URL(fromSource ? '../../core/src/index.ts' : '../../core/dist/index.js', import.meta.url).href)) as typeof import('../../core/src/index');
const RUN_START = 'PIPELINE_START';

const runs = Number(process.argv[2] ?? 30);
const concurrency = Number(process.argv[3] ?? 1);
const gapArg = process.argv[4];
const spareWorkers = Number(process.argv[5] ?? 2);
const locationDir = fileURLToPath(new URL('../test/fixtures/jobs/', import.meta.url));

const home = mkdtempSync(join(tmpdir(), 'inst-launch-bench-'));
writeFileSync(
  join(home, 'dagster.yaml'),
  `run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\nrun_launcher:\n  module: dagster.core.launcher\n  class: ChildProcessRunLauncher\n  config:\n    spare_workers: ${spareWorkers}\ntelemetry:\n  enabled: false\n`,
);
const instance = await Instance.fromConfig(home);
const location = new ChildProcessCodeLocation({ locationName: 'jobs', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir }, { output: 'ignore' });

async function startedAt(runId: string): Promise<number> {
  for (;;) {
    const [entry] = await instance.allLogs(runId, RUN_START as never);
    if (entry) return entry.timestamp;
    await new Promise((resolve) => setTimeout(resolve, 20)); // the RUN_START timestamp is what counts; a light poll leaves the CPU to the workers
  }
}

async function one(): Promise<number> {
  const run = await createRunForLocationJob(instance, location, 'quick_job');
  const submitted = Date.now() / 1000;
  await instance.submitRun(run.runId);
  return ((await startedAt(run.runId)) - submitted) * 1000;
}

async function measure(gap: number) {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < runs) {
        next++;
        latencies.push(await one());
        if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!);
  const [load1] = loadavg();
  return {
    bench: 'child-process launcher submit→RUN_START (ms)',
    case: `${fromSource ? 'workers from sources' : 'built packages'}, ${spareWorkers} spare workers, ${gap > 0 ? `${gap} ms between runs` : 'back to back'}`,
    runs,
    concurrency,
    gapMs: gap,
    spareWorkers,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
    loadAverage: +load1!.toFixed(2),
  };
}

// One warm-up run (the SQLite files, the pool's first spares).
await one();
// Without a gap argument: back to back (spares are replaced while runs execute), then 1 s apart (spares ready).
const results = [];
for (const gap of gapArg === undefined ? [0, 1000] : [Number(gapArg)]) {
  const result = await measure(gap);
  results.push(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
await (instance.runLauncher as { join(ms: number): Promise<void> }).join(120_000);
// The last line: one JSON object (what `pnpm bench` reads as the summary).
process.stdout.write(`${JSON.stringify({ bench: 'child-process launcher submit→RUN_START (ms)', figures: Object.fromEntries(results.map((r) => [r.case, { p50: r.p50, p99: r.p99 }])) })}\n`);
await location.dispose();
await instance.dispose();
rmSync(home, { recursive: true, force: true });
