/* Where the drain time goes: enqueue RUNS runs (BACKEND=sqlite|postgres), then drain them; PROFILE=1 writes a V8 CPU profile of the drain only to /tmp/q/drain.cpuprofile (summarize with bench/src/cpuprofile-summary.ts). BATCH=1 uses batched claims. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Instance } from '@inst/core';
import { createScratchDatabase } from '@inst/storage-postgres/testing';
import { RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin } from '@inst/types';
import { stringify } from 'yaml';
import { closeQueueLock, runQueueIteration } from '../src/index';

const RUNS = Number(process.env.RUNS ?? 2000);
const backend = process.env.BACKEND ?? 'sqlite';
const ORIGIN = new RemoteJobOrigin({ repositoryOrigin: new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'bench' }), repositoryName: '__repository__' }), jobName: 'job' });
const db = backend === 'postgres' ? await createScratchDatabase('inst_queue_prof') : undefined;
const home = mkdtempSync(join(tmpdir(), 'inst-queue-prof-'));
writeFileSync(join(home, 'dagster.yaml'), stringify({
  run_launcher: { module: '@inst/run-launcher', class: 'NoOpRunLauncher' },
  run_queue: { max_concurrent_runs: -1, tag_concurrency_limits: [{ key: 'tenant', value: { applyLimitPerUniqueValue: true }, limit: 100000 }, { key: 'team', value: 'a', limit: 100000 }, { key: 'db', limit: 100000 }], dequeue_use_threads: true, dequeue_num_workers: 8 },
  ...(db ? { storage: { postgres: { postgres_url: db.url } } } : {}),
}));
const instance = await Instance.fromConfig(home);
let t = performance.now();
for (let i = 0; i < RUNS; i++) {
  const run = await instance.createRun({ jobName: 'job', remoteJobOrigin: ORIGIN, tags: { tenant: `t${i % 50}`, team: i % 2 ? 'a' : 'b', ...(i % 5 === 0 ? { db: 'x' } : {}), 'dagster/priority': String(i % 3) } });
  await instance.submitRun(run.runId);
}
console.error('enqueue s', ((performance.now() - t) / 1000).toFixed(2));
const session = new Session();
if (process.env.PROFILE) { session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start'); }
t = performance.now();
let launched = 0;
for (;;) {
  const r = await runQueueIteration(instance, { pageSize: 1000, batchClaims: process.env.BATCH === '1' });
  launched += r.launched.length;
  if (r.claimed.length === 0) break;
}
const s = (performance.now() - t) / 1000;
if (process.env.PROFILE) { const { profile } = await session.post('Profiler.stop'); mkdirSync('/tmp/q', { recursive: true }); writeFileSync('/tmp/q/drain.cpuprofile', JSON.stringify(profile)); }
console.log(JSON.stringify({ backend, launched, s, rate: Math.round(launched / s) }));
await closeQueueLock(instance);
await instance.dispose();
await db?.drop();
