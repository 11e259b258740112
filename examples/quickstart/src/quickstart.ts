import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunForLocationJob, loadWorkspace } from '@inst/code-location';
import { Instance } from '@inst/core';
import { runDaemonHost, silentLogger } from '@inst/daemon-host';
import { DagsterEventType } from '@inst/types';
import { startUiServer, type UiServer } from '@inst/ui';

/** The code location file (its default export is the Definitions). */
export const DEFS_FILE = fileURLToPath(new URL('./defs.ts', import.meta.url));

const LEGACY_CONFIG = 'run_launcher:\n  module: dagster._core.launcher.sync_in_memory_run_launcher\n  class: SyncInMemoryRunLauncher\n';

export interface QuickstartResult {
  readonly runId: string;
  readonly status: string;
  readonly streamed: number;
  readonly stepsSucceeded: number;
  readonly stepsFailed: number;
  /** Pid of the run worker process that executed the run (from its "Started process for run" engine event). */
  readonly workerPid: number | null;
}

export interface QuickstartOptions {
  /** Port of the web UI (default 0: any free port). */
  readonly uiPort?: number;
  /**
   * Keep the daemon host and the UI running after the two runs have ended, until this signal aborts (`npm run demo
   * -- --ui` passes one that Ctrl-C aborts).
   */
  readonly serveUntil?: AbortSignal;
}

/** What the web UI served while the daemon host ran: its address, the runs it lists and the daemons it reports. */
export interface QuickstartUiView {
  readonly url: string;
  readonly runIds: readonly string[];
  readonly daemons: readonly { readonly daemonType: string; readonly healthy: boolean | null }[];
}

/**
 * The control plane end to end: opens (or creates) the instance home with Dagster's defaults (queued runs,
 * one OS process per run), loads the code location in a code server, submits two runs of its job (one fails),
 * runs the daemon host until both runs have finished — the run queue daemon launches them, each in a run worker
 * process — while watchers stream their events as they are stored, then prints each run's status and stats.
 */
export async function runQuickstart(
  home: string,
  print: (line: string) => void = console.log,
  options: QuickstartOptions = {},
): Promise<{ runs: QuickstartResult[]; ui: QuickstartUiView }> {
  mkdirSync(home, { recursive: true });
  // An earlier version of this example ran runs in process and wrote this config; the defaults are what it shows now.
  const config = join(home, 'dagster.yaml');
  if (existsSync(config) && readFileSync(config, 'utf8') === LEGACY_CONFIG) rmSync(config);
  await using instance = await Instance.fromConfig(home);
  await using workspace = await loadWorkspace({ file: DEFS_FILE });
  const location = workspace.locations[0]!;
  print(`instance home: ${home}; code location ${location.name} (${DEFS_FILE})`);
  // The web UI (`inst ui`) over the same instance: it shows the runs live while the daemon host launches them.
  await using ui = await startUiServer({ instance, workspace, port: options.uiPort ?? 0 });
  print(`web UI: ${ui.url}`);

  const runs = [];
  for (const runConfig of [{}, { fail: true }]) {
    const run = await createRunForLocationJob(instance, location, 'numbers', { runConfig, tags: { example: 'quickstart' } });
    await instance.submitRun(run.runId);
    print(`run ${run.runId} submitted (${(await instance.getRunById(run.runId))!.status}); live at ${ui.url}/runs/${run.runId}`);
    runs.push(run);
  }

  const watchers = runs.map(async (run) => {
    let streamed = 0;
    let workerPid: number | null = null;
    for await (const { record } of instance.watchRunEvents(run.runId, { untilRunEnds: true })) {
      const entry = record.eventLogEntry;
      const what = entry.dagsterEventType ?? 'LOG';
      const step = entry.stepKey ? ` [${entry.stepKey}]` : '';
      const message = entry.dagsterEvent?.message ?? entry.userMessage;
      const pid = /^Started process for run \(pid: (\d+)\)/.exec(message);
      if (pid) workerPid = Number(pid[1]);
      print(`  ${run.runId.slice(0, 8)} ${new Date(entry.timestamp * 1000).toISOString()} ${what}${step} ${message}`);
      streamed++;
    }
    return { streamed, workerPid };
  });

  // The daemon host (run queue, monitoring, …) runs until both runs have ended.
  const stop = new AbortController();
  const host = runDaemonHost({ instance, workspace, signal: stop.signal, handleProcessSignals: false, log: silentLogger });
  let watched: { streamed: number; workerPid: number | null }[];
  let view: QuickstartUiView;
  try {
    watched = await Promise.all(watchers);
    view = await readUi(ui);
    print(`the UI lists ${view.runIds.length} runs; daemons: ${view.daemons.map((d) => `${d.daemonType} ${d.healthy ? 'healthy' : 'unhealthy'}`).join(', ')}`);
    if (options.serveUntil && !options.serveUntil.aborted) {
      print(`the daemon host and the UI keep running at ${ui.url} — Ctrl-C to stop`);
      await new Promise((resolve) => options.serveUntil!.addEventListener('abort', resolve, { once: true }));
    }
  } finally {
    stop.abort();
    await host;
  }

  const results: QuickstartResult[] = [];
  for (const [index, run] of runs.entries()) {
    const finished = (await instance.getRunById(run.runId))!;
    const stats = await instance.getRunStats(run.runId);
    const seconds = stats.endTime !== null && stats.startTime !== null ? (stats.endTime - stats.startTime).toFixed(3) : '?';
    print(
      `run ${run.runId}: ${finished.status} in worker pid ${watched[index]!.workerPid ?? '?'} — ${stats.stepsSucceeded} steps succeeded, ${stats.stepsFailed} failed, ${stats.materializations} materializations, ${seconds}s`,
    );
    results.push({ runId: run.runId, status: finished.status, streamed: watched[index]!.streamed, stepsSucceeded: stats.stepsSucceeded, stepsFailed: stats.stepsFailed, workerPid: watched[index]!.workerPid });
  }

  const total = await instance.getRunsCount();
  const materialized = await instance.getRecordsForRun(results[0]!.runId, undefined, DagsterEventType.ASSET_MATERIALIZATION);
  print(`\n${total} runs in ${home}; the first run materialized ${materialized.records.length} asset(s)`);
  return { runs: results, ui: view };
}

/** Reads the UI's own JSON API, as its pages do. */
async function readUi(ui: UiServer): Promise<QuickstartUiView> {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${ui.url}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const { runs } = await get<{ runs: { runId: string }[] }>('/api/runs?tag=example%3Dquickstart');
  const { daemons } = await get<{ daemons: { daemonType: string; healthy: boolean | null; required: boolean }[] }>('/api/daemons');
  return { url: ui.url, runIds: runs.map((r) => r.runId), daemons: daemons.filter((d) => d.required) };
}
