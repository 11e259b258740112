import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Instance } from '@inst/core';
import { buildAssetJob, defineAsset, Output } from '@inst/definitions';
import type { InProcessRunLauncher } from '@inst/run-launcher';
import { DagsterEventType } from '@inst/types';

/** Some numbers: an asset whose value the next asset reads. */
export const numbers = defineAsset({ key: 'numbers' }, async (context) => {
  await context.log.info('extracting numbers');
  console.log('extract: computing 5 squares'); // captured to the run's compute logs (<home>/storage/<run_id>/compute_logs)
  return Array.from({ length: 5 }, (_, i) => (i + 1) ** 2);
});

/** The numbers loaded into the warehouse (fails when the run config says `fail`). */
export const squares = defineAsset({ key: ['warehouse', 'squares'], ins: { numbers } }, (context, inputs) => {
  if (context.runConfig.fail) throw new Error('the warehouse refused the load');
  return new Output(inputs.numbers.length, { metadata: { rows: inputs.numbers.length } });
});

/** The job materializing both assets: its runs carry Dagster's job and execution plan snapshots. */
export const numbersJob = buildAssetJob('numbers', [numbers, squares]);

export interface QuickstartResult {
  readonly runId: string;
  readonly status: string;
  readonly streamed: number;
  readonly stepsSucceeded: number;
  readonly stepsFailed: number;
}

/**
 * Opens (or creates) the instance home, creates runs of the job, launches each in-process while a watcher
 * streams its events as they are stored, then prints each run's status and stats.
 */
export async function runQuickstart(home: string, print: (line: string) => void = console.log): Promise<QuickstartResult[]> {
  mkdirSync(home, { recursive: true });
  // A new home runs its jobs in this process (a home without config would use the child-process launcher).
  if (!existsSync(join(home, 'dagster.yaml')) && !existsSync(join(home, 'inst.yaml'))) {
    writeFileSync(join(home, 'dagster.yaml'), 'run_launcher:\n  module: dagster._core.launcher.sync_in_memory_run_launcher\n  class: SyncInMemoryRunLauncher\n');
  }
  await using instance = await Instance.fromConfig(home);
  (instance.runLauncher as InProcessRunLauncher).registerJob(numbersJob);
  print(`instance home: ${home}`);

  const results: QuickstartResult[] = [];
  for (const runConfig of [{}, { fail: true }]) {
    const run = await instance.createRunForJob(numbersJob, null, null, runConfig, null, null, { example: 'quickstart' });
    print(`\nrun ${run.runId} created (${run.status})`);

    let streamed = 0;
    const watcher = (async () => {
      for await (const { record } of instance.watchRunEvents(run.runId, { untilRunEnds: true })) {
        const entry = record.eventLogEntry;
        const what = entry.dagsterEventType ?? 'LOG';
        const step = entry.stepKey ? ` [${entry.stepKey}]` : '';
        print(`  ${new Date(entry.timestamp * 1000).toISOString()} ${what}${step} ${entry.dagsterEvent?.message ?? entry.userMessage}`);
        streamed++;
      }
    })();
    // Launch at once in this process (submitRun would hand the run to the queue, which the daemon drains).
    await instance.launchRun(run.runId);
    await watcher;

    const finished = (await instance.getRunById(run.runId))!;
    const stats = await instance.getRunStats(run.runId);
    const seconds = stats.endTime !== null && stats.startTime !== null ? (stats.endTime - stats.startTime).toFixed(3) : '?';
    print(`run ${run.runId}: ${finished.status} — ${stats.stepsSucceeded} steps succeeded, ${stats.stepsFailed} failed, ${stats.materializations} materializations, ${seconds}s`);
    results.push({ runId: run.runId, status: finished.status, streamed, stepsSucceeded: stats.stepsSucceeded, stepsFailed: stats.stepsFailed });
  }

  const total = await instance.getRunsCount();
  const materialized = await instance.getRecordsForRun(results[0]!.runId, undefined, DagsterEventType.ASSET_MATERIALIZATION);
  print(`\n${total} runs in ${home}; the first run materialized ${materialized.records.length} asset(s)`);
  return results;
}
