/*
 * Dequeue throughput of the run queue: N queued runs with tag limits, a launcher that does nothing
 * (NoOpRunLauncher), iterations until the queue is empty; runs per second from the first iteration to the last.
 * Backends: SQLite (a home on disk), Postgres (a scratch database), and Postgres with two daemon processes.
 *
 *   pnpm --filter @inst/run-queue bench            # N = 5000
 *   RUNS=20000 pnpm --filter @inst/run-queue bench
 *
 * MODES=default (batched claims, as the daemon host runs the queue) and/or per-run (one reportDagsterEvent per
 * claim); BACKENDS=postgres skips SQLite. The two-daemon case claims at most 1000 runs per iteration, so that both
 * daemons take turns. Prints one JSON line per case, then a last line with one JSON object of all the figures.
 * Enqueueing is not timed (it is the submitter's cost).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Instance } from '@inst/core';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import { DagsterRunStatus, RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin, RunsFilter } from '@inst/types';
import { stringify } from 'yaml';
import { closeQueueLock, runQueueIteration } from '../src/index';

const RUNS = Number(process.env.RUNS ?? 5000);
const ORIGIN = new RemoteJobOrigin({
  repositoryOrigin: new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'bench' }), repositoryName: '__repository__' }),
  jobName: 'job',
});
const QUEUE = {
  max_concurrent_runs: -1,
  tag_concurrency_limits: [
    { key: 'tenant', value: { applyLimitPerUniqueValue: true }, limit: 100_000 },
    { key: 'team', value: 'a', limit: 100_000 },
    { key: 'db', limit: 100_000 },
  ],
  dequeue_use_threads: true,
  dequeue_num_workers: 8,
};

async function makeHome(postgresUrl?: string): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'inst-queue-bench-'));
  writeFileSync(
    join(home, 'dagster.yaml'),
    stringify({
      run_launcher: { module: '@inst/run-launcher', class: 'NoOpRunLauncher' },
      run_queue: QUEUE,
      ...(postgresUrl ? { storage: { postgres: { postgres_url: postgresUrl } } } : {}),
    }),
  );
  return home;
}

async function enqueue(instance: Instance, n: number): Promise<void> {
  // Eight submitters at once: enqueueing is not what is measured.
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, () => enqueueNext()));
  async function enqueueNext(): Promise<void> {
    while (next < n) {
      const i = next++;
      const run = await instance.createRun({
        jobName: 'job',
        remoteJobOrigin: ORIGIN,
        tags: { tenant: `t${i % 50}`, team: i % 2 ? 'a' : 'b', ...(i % 5 === 0 ? { db: 'x' } : {}), 'dagster/priority': String(i % 3) },
      });
      await instance.submitRun(run.runId);
    }
  }
}

async function drain(instance: Instance, batchClaims: boolean): Promise<number> {
  let launched = 0;
  for (;;) {
    const result = await runQueueIteration(instance, { pageSize: 1000, batchClaims });
    launched += result.launched.length;
    if (result.claimed.length === 0) return launched;
  }
}

async function single(backend: 'sqlite' | 'postgres', batchClaims: boolean, url?: string) {
  const home = await makeHome(url);
  const instance = await Instance.fromConfig(home);
  await enqueue(instance, RUNS);
  const started = performance.now();
  const launched = await drain(instance, batchClaims);
  const seconds = (performance.now() - started) / 1000;
  await closeQueueLock(instance);
  await instance.dispose();
  rmSync(home, { recursive: true, force: true });
  return { case: `${backend}, one daemon${batchClaims ? '' : ', per-run claims'}`, runs: launched, seconds: +seconds.toFixed(3), runsPerSecond: Math.round(launched / seconds) };
}

async function twoDaemons(url: string, batchClaims: boolean) {
  const home = await makeHome(url);
  const instance = await Instance.fromConfig(home);
  await enqueue(instance, RUNS);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const startAt = Date.now() + 3000;
  const children = [0, 1].map(
    () =>
      new Promise<{ launched: number; startedAt: number; finishedAt: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', tsx, '--conditions=@inst/source', join(import.meta.dirname, 'drain-child.ts'), home, String(startAt), batchClaims ? '1' : '0'], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`child exited ${code}`))));
      }),
  );
  const results = await Promise.all(children);
  if (process.env.DEBUG) console.error(JSON.stringify(results));
  // From the first iteration of either daemon (their start-up is not the queue's cost) to the last one's end.
  const seconds = (Math.max(...results.map((r) => r.finishedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000;
  const launched = results.reduce((n, r) => n + r.launched, 0);
  const queued = await instance.getRunsCount(new RunsFilter({ statuses: [DagsterRunStatus.QUEUED] }));
  await instance.dispose();
  rmSync(home, { recursive: true, force: true });
  return {
    case: `postgres, two daemon processes${batchClaims ? '' : ', per-run claims'}`,
    runs: launched,
    perDaemon: results.map((r) => r.launched),
    leftQueued: queued,
    seconds: +seconds.toFixed(3),
    runsPerSecond: Math.round(launched / seconds),
  };
}

// `default`: batched claims, as the daemon host runs the queue; `per-run`: one reportDagsterEvent per claim.
const modes = (process.env.MODES ?? 'default,per-run').split(',').map((m) => m !== 'per-run');
const results: { case: string; runsPerSecond: number }[] = [];
const report = (result: { case: string; runsPerSecond: number }) => {
  results.push(result);
  console.log(JSON.stringify(result));
};
if (process.env.BACKENDS !== 'postgres') for (const batch of modes) report(await single('sqlite', batch));
if (await pgAvailable()) {
  for (const batch of modes) {
    for (const run of [(url: string) => single('postgres', batch, url), (url: string) => twoDaemons(url, batch)]) {
      const db = await createScratchDatabase('inst_queue_bench');
      try {
        report(await run(db.url));
      } finally {
        await db.drop();
      }
    }
  }
}
// The last line: one JSON object with every figure (what `pnpm bench` reads).
const [load1] = loadavg();
console.log(
  JSON.stringify({
    bench: 'run queue dequeue throughput (runs/s), tag limits, no-op launcher',
    runs: RUNS,
    loadAverage: +load1!.toFixed(2),
    runsPerSecond: Object.fromEntries(results.map((r) => [r.case, r.runsPerSecond])),
  }),
);
