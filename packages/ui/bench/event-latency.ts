/*
 * Event stored → visible in the run page: a run page is open in Debian's Chromium (playwright-core) over a SQLite
 * home served by the UI; events of that run are written one at a time, by another OS process (a writer child that
 * writes on request) and by this process, and the page notes (MutationObserver) when each one's row appears.
 * Latency = the time the row appeared (page clock) − the time the write resolved (writer clock); both clocks are
 * this machine's wall clock (performance.timeOrigin + performance.now()).
 *
 * Usage: node --import tsx --conditions=@inst/source bench/event-latency.ts [--quick] [--events N]
 * Prints one JSON line per case; the last stdout line is the summary for the other-process case:
 * {"name":"ui-event-latency","case":"sqlite, another process","p50":…,"p99":…,"max":…,"n":…,"p50Ms":…,"p99Ms":…}
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Instance } from '@inst/core';
import { DagsterRunStatus } from '@inst/types';
import { chromium } from 'playwright-core';
import { startUiServer } from '../src/index';
import { buildClient } from '../scripts/build-client.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const eventsArg = args.indexOf('--events');
const N = eventsArg >= 0 ? Number(args[eventsArg + 1]) : quick ? 30 : 300;
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const CORE_ENTRY = new URL('../../core/src/index.ts', import.meta.url).href;

const wallMs = () => performance.timeOrigin + performance.now();

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1)!), n: sorted.length };
}

/** A child process that writes an engine event of the run for each stdin line and answers with the write's end time. */
function startWriter(home: string, runId: string) {
  const script = join(home, 'writer.mts');
  writeFileSync(
    script,
    [
      `import { createInterface } from 'node:readline';`,
      `import { Instance } from ${JSON.stringify(CORE_ENTRY)};`,
      `const instance = await Instance.fromConfig(${JSON.stringify(home)});`,
      `const run = await instance.getRunById(${JSON.stringify(runId)});`,
      `process.stdout.write('ready\\n');`,
      `for await (const marker of createInterface({ input: process.stdin })) {`,
      `  await instance.reportEngineEvent(marker, run);`,
      `  process.stdout.write(String(performance.timeOrigin + performance.now()) + '\\n');`,
      `}`,
      `await instance.dispose();`,
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@inst/source', script], { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error('the writer process ended');
    return line.value;
  };
  return {
    ready: next(),
    async write(marker: string): Promise<number> {
      child.stdin.write(`${marker}\n`);
      return Number(await next());
    },
    close: () => new Promise<void>((resolve) => (child.stdin.end(), child.once('exit', () => resolve()))),
  };
}

await buildClient();
const home = mkdtempSync(join(tmpdir(), 'inst-ui-bench-'));
const instance = await Instance.fromConfig(home);
const uiInstance = await Instance.fromConfig(home);
const ui = await startUiServer({ instance: uiInstance, port: 0 });
const browser = await chromium.launch({ executablePath: process.env.INST_UI_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const run = await instance.createRun({ jobName: 'bench', status: DagsterRunStatus.STARTED });
  const page = await browser.newPage();
  await page.goto(`${ui.url}/runs/${run.runId}`);
  await page.locator('.live.on').waitFor({ timeout: 60_000 });
  // The page records when a row with each marker first appears, on its own clock.
  // (Browser code as text: this program is typed for Node.)
  await page.evaluate(`(() => {
    const seen = (window.seen = {});
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid=event-row] .message')) {
        const text = el.textContent ?? '';
        if (text.startsWith('bench-') && !(text in seen)) seen[text] = performance.timeOrigin + performance.now();
      }
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  })()`);
  // A function, not text: the page's CSP forbids evaluating strings.
  const seenAt = (marker: string) =>
    page.waitForFunction((m) => (globalThis as unknown as { seen: Record<string, number> }).seen[m], marker, { timeout: 60_000, polling: 10 }).then((h) => h.jsonValue() as Promise<number>);

  const writer = startWriter(home, run.runId);
  await writer.ready;
  const cases: [string, (marker: string) => Promise<number>][] = [
    ['sqlite, same process', async (marker) => (await instance.reportEngineEvent(marker, run), wallMs())],
    ['sqlite, another process', (marker) => writer.write(marker)],
  ];
  const results: Record<string, ReturnType<typeof summary>> = {};
  for (const [name, write] of cases) {
    const samples: number[] = [];
    for (let i = 0; i < N; i++) {
      const marker = `bench-${name.replace(/\W+/g, '-')}-${i}`;
      const stored = await write(marker);
      samples.push(Math.max(0, (await seenAt(marker)) - stored));
    }
    results[name] = summary(samples);
    if (name !== 'sqlite, another process') console.log(JSON.stringify({ name: 'ui-event-latency', case: name, ...results[name] }));
  }
  await writer.close();
  const main = results['sqlite, another process']!;
  console.log(JSON.stringify({ name: 'ui-event-latency', case: 'sqlite, another process', ...main, p50Ms: main.p50, p99Ms: main.p99 }));
} finally {
  await browser.close();
  await ui.close();
  await uiInstance.dispose();
  await instance.dispose();
  rmSync(home, { recursive: true, force: true });
}
