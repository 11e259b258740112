/*
 * The UI on a big instance: a SQLite home seeded with many runs (statuses, jobs, tags) and many events (ten large
 * runs, plus runless asset materializations), then the JSON API's response times (each endpoint requested R times
 * after a warm-up) and the pages' load times in Debian's Chromium (navigation → the first row shown).
 *
 * Sizes: 100k runs and 1M events by default; --quick: 5k runs and 50k events; or --runs N --events N.
 * Usage: node --import tsx --conditions=@inst/source bench/big-instance.ts [--quick] [--runs N] [--events N]
 * Prints one JSON line per measurement ({"case":"sqlite, GET /api/runs (100000 runs)","p50":…,"p99":…} in ms);
 * the last stdout line is the summary: {"name":"ui-big-instance","runs":…,"events":…,"slowest":…,"p50":…,"p99":…}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Instance } from '@inst/core';
import { AssetKey, AssetMaterialization, DagsterRun, DagsterRunStatus, EventLogEntry } from '@inst/types';
import { chromium } from 'playwright-core';
import { startUiServer } from '../src/index';
import { buildClient } from '../scripts/build-client.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const RUNS = arg('--runs', quick ? 5000 : 100_000);
const EVENTS = arg('--events', quick ? 50_000 : 1_000_000);
const BIG_RUNS = 10;
const ASSETS = quick ? 200 : 1000;
const REPEATS = quick ? 10 : 20;

const STATUSES = [DagsterRunStatus.SUCCESS, DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELED];
const JOBS = ['etl', 'report', 'ingest', 'train', 'export'];

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const round = (x: number) => Math.round(x * 100) / 100;
  return { p50: round(at(50)), p99: round(at(99)), max: round(sorted.at(-1)!), n: sorted.length };
}

await buildClient();
const home = mkdtempSync(join(tmpdir(), 'inst-ui-big-'));
const instance = await Instance.fromConfig(home);
const seedStart = performance.now();
const runIds: string[] = [];
for (let i = 0; i < RUNS; i++) {
  const run = await instance.runStorage.addRun(
    new DagsterRun({ jobName: JOBS[i % JOBS.length]!, runId: crypto.randomUUID(), status: STATUSES[i % STATUSES.length]!, tags: { team: ['a', 'b', 'c'][i % 3]!, shard: String(i % 100) } }),
  );
  runIds.push(run.runId);
}
// The large runs: EVENTS spread over BIG_RUNS runs (log lines at several levels, over a few steps).
const bigRuns: string[] = [];
const perRun = Math.floor((EVENTS - ASSETS) / BIG_RUNS);
const t0 = Date.now() / 1000 - 3600;
for (let r = 0; r < BIG_RUNS; r++) {
  const run = await instance.createRun({ jobName: 'big', status: DagsterRunStatus.STARTED });
  bigRuns.push(run.runId);
  for (let i = 0; i < perRun; i += 1000) {
    const batch: EventLogEntry[] = [];
    for (let j = i; j < Math.min(perRun, i + 1000); j++) {
      batch.push(new EventLogEntry({ errorInfo: null, level: [10, 20, 20, 30, 40][j % 5]!, userMessage: `line ${j} of a big run`, runId: run.runId, timestamp: t0 + j / 100, stepKey: `step_${j % 8}`, jobName: 'big', dagsterEvent: null }));
    }
    await instance.eventLogStorage.storeEventBatch(batch);
  }
}
for (let i = 0; i < ASSETS; i++) await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: new AssetKey(['warehouse', `table_${i}`]), metadata: { rows: i } }));
const seedSeconds = Math.round((performance.now() - seedStart) / 100) / 10;
console.error(`seeded ${RUNS} runs and ${perRun * BIG_RUNS + ASSETS} events in ${seedSeconds}s`);

const uiInstance = await Instance.fromConfig(home);
const ui = await startUiServer({ instance: uiInstance, port: 0 });
const figures: { what: string; p50: number; p99: number }[] = [];
const label = `(${RUNS} runs, ${perRun * BIG_RUNS + ASSETS} events)`;
const report = (what: string, samples: number[]) => {
  const s = summary(samples);
  figures.push({ what, p50: s.p50, p99: s.p99 });
  console.log(JSON.stringify({ name: 'ui-big-instance', case: `sqlite, ${what} ${label}`, ...s }));
};
try {
  const big = bigRuns[0]!;
  const middleRun = runIds[Math.floor(RUNS / 2)]!;
  const endpoints: [string, string][] = [
    ['GET /api/runs', '/api/runs'],
    ['GET /api/runs deep page', `/api/runs?cursor=${middleRun}`],
    ['GET /api/runs status=FAILURE', '/api/runs?status=FAILURE'],
    ['GET /api/runs tag team=b', '/api/runs?tag=team%3Db'],
    ['GET /api/runs/:id', `/api/runs/${big}`],
    ['GET /api/runs/:id/events first page', `/api/runs/${big}/events`],
    ['GET /api/assets', '/api/assets'],
    ['GET /api/asset', '/api/asset?key=warehouse%2Ftable_0'],
    ['GET /api/instigators', '/api/instigators'],
    ['GET /api/backfills', '/api/backfills'],
  ];
  for (const [what, path] of endpoints) {
    const samples: number[] = [];
    for (let i = -2; i < REPEATS; i++) {
      const start = performance.now();
      const response = await fetch(`${ui.url}${path}`);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      if (i >= 0) samples.push(performance.now() - start);
    }
    report(what, samples);
  }

  // Pages in the browser: navigation until the first row is shown.
  const browser = await chromium.launch({ executablePath: process.env.INST_UI_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    const pages: [string, string, string][] = [
      ['page /', '/', '[data-testid=run-row]'],
      ['page /runs/:id (large run)', `/runs/${big}`, '[data-testid=event-row]'],
      ['page /assets', '/assets', '[data-testid=asset-row]'],
    ];
    for (const [what, path, selector] of pages) {
      const samples: number[] = [];
      for (let i = -1; i < Math.min(REPEATS, 5); i++) {
        await page.goto('about:blank');
        const start = performance.now();
        await page.goto(`${ui.url}${path}`);
        await page.locator(selector).first().waitFor({ timeout: 60_000 });
        if (i >= 0) samples.push(performance.now() - start);
      }
      report(what, samples);
    }
  } finally {
    await browser.close();
  }
  const slowest = figures.reduce((a, b) => (b.p50 > a.p50 ? b : a));
  console.log(JSON.stringify({ name: 'ui-big-instance', case: `sqlite, slowest ${slowest.what} ${label}`, runs: RUNS, events: perRun * BIG_RUNS + ASSETS, seedSeconds, slowest: slowest.what, p50: slowest.p50, p99: slowest.p99 }));
} finally {
  await ui.close();
  await uiInstance.dispose();
  await instance.dispose();
  rmSync(home, { recursive: true, force: true });
}
