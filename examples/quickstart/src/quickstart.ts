import { mkdirSync } from 'node:fs';
import { Instance } from '@inst/core';
import type { InProcessRunLauncher } from '@inst/run-launcher';
import { defineJob } from '@inst/run-launcher';
import { DagsterEventType } from '@inst/types';

/** A small job: extract some numbers, then load them and report an asset materialization. */
export const numbersJob = defineJob('numbers', [
  {
    key: 'extract',
    fn: async (context) => {
      await context.log.info('extracting numbers');
      console.log('extract: computing 5 squares'); // captured to the run's compute logs (<home>/storage/<run_id>/compute_logs)
      return Array.from({ length: 5 }, (_, i) => (i + 1) ** 2);
    },
  },
  {
    key: 'load',
    deps: ['extract'],
    fn: async (context) => {
      const rows = context.inputs.extract as number[];
      if (context.runConfig.fail) throw new Error('the warehouse refused the load');
      await context.reportAssetMaterialization({ assetKey: ['warehouse', 'squares'], metadata: { rows: rows.length } });
      return rows.length;
    },
  },
]);

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
  await using instance = await Instance.fromConfig(home);
  (instance.runLauncher as InProcessRunLauncher).registerJob(numbersJob);
  print(`instance home: ${home}`);

  const results: QuickstartResult[] = [];
  for (const runConfig of [{}, { fail: true }]) {
    const run = await instance.createRun({ jobName: numbersJob.name, runConfig, tags: { example: 'quickstart' } });
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
