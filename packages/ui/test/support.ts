/*
 * What the browser tests share: a temporary instance home whose runs execute in real run worker processes, the
 * UI server over it, Debian's Chromium driven by playwright-core, and waits on conditions (never on the clock).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunForLocationJob, loadWorkspace, type Workspace } from '@inst/code-location';
import { Instance } from '@inst/core';
import type { DagsterRun } from '@inst/types';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startUiServer, type UiServer } from '../src/index';

export const DEFS = fileURLToPath(new URL('./fixtures/defs.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** A bound that only says a test is stuck (a loaded two-core machine is slow, never this slow). */
export const BOUND_MS = 120_000;

export const CHROMIUM = process.env.INST_UI_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Chromium, headless; playwright gives it a fresh temporary profile (user-data-dir) per launch. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: BOUND_MS,
  });
}

export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Fixture {
  home: string;
  instance: Instance;
  workspace: Workspace;
  ui: UiServer;
  /** Creates a run of a job of the fixture's code location and submits it (launched at once in a worker process). */
  launch(jobName: string, options?: { runConfig?: Record<string, unknown>; tags?: Record<string, string>; partitionKey?: string }): Promise<DagsterRun>;
  finished(runId: string): Promise<DagsterRun>;
  dispose(): Promise<void>;
}

/** A temporary home (runs launch at submit, each in its own worker process) with the UI served over it. */
export async function startFixture(): Promise<Fixture> {
  const home = mkdtempSync(join(tmpdir(), 'inst-ui-home-'));
  writeFileSync(
    join(home, 'dagster.yaml'),
    ['run_coordinator:', '  module: dagster.core.run_coordinator', '  class: DefaultRunCoordinator', 'run_launcher:', '  module: dagster.core.launcher', '  class: DefaultRunLauncher', ''].join('\n'),
  );
  const instance = await Instance.fromConfig(home);
  const workspace = await loadWorkspace({ file: [DEFS] });
  const location = workspace.locations[0]!;
  // The UI opens the home itself, as `inst ui` does: its instance is not the one that launched the runs.
  const uiInstance = await Instance.fromConfig(home);
  const ui = await startUiServer({ instance: uiInstance, port: 0, workspace });
  return {
    home,
    instance,
    workspace,
    ui,
    async launch(jobName, options = {}) {
      const run = await createRunForLocationJob(instance, location, jobName, { runConfig: options.runConfig ?? {}, tags: options.tags ?? {}, partitionKey: options.partitionKey ?? null });
      return instance.submitRun(run.runId);
    },
    finished: (runId) =>
      until(`run ${runId} to finish`, async () => {
        const run = await instance.getRunById(runId);
        return run?.isFinished ? run : null;
      }),
    async dispose() {
      await ui.close();
      const launcher = instance.runLauncher as { activeWorkers?: Map<string, number>; join?: (ms: number) => Promise<void> };
      for (const pid of launcher.activeWorkers?.values() ?? []) if (pid > 0) process.kill(pid, 'SIGKILL');
      await launcher.join?.(BOUND_MS);
      await workspace.dispose();
      await uiInstance.dispose();
      await instance.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Runs a TypeScript snippet in another OS process (tsx, workspace sources); resolves to its stdout. */
export function runInAnotherProcess(source: string, dir: string): Promise<string> {
  const script = join(dir, `snippet-${process.hrtime.bigint()}.mts`);
  writeFileSync(script, source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@inst/source', script], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`snippet exited ${code}: ${err}`))));
  });
}

export const CORE_ENTRY = new URL('../../core/src/index.ts', import.meta.url).href;

export async function openPage(browser: Browser, url: string): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(BOUND_MS);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url);
  return { page, dialogs };
}
