import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InProcessRunLauncher } from '@inst/run-launcher';
import { defineJob } from '@inst/run-launcher';
import { DagsterEventType, DagsterRunStatus, RunNotFoundError } from '@inst/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

const etl = defineJob('etl', [
  { key: 'extract', fn: async (context) => { await context.log.info('extracting'); return [1, 2, 3]; } },
  {
    key: 'load',
    deps: ['extract'],
    fn: async (context) => {
      const rows = context.inputs.extract as number[];
      await context.reportAssetMaterialization({ assetKey: ['warehouse', 'numbers'], metadata: { rows: rows.length } });
    },
  },
]);

const broken = defineJob('broken', [
  { key: 'explode', fn: () => { throw new Error('the source table is gone'); } },
]);

describe('end to end on a SQLite home', () => {
  let home: string;
  let instance: Instance;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-e2e-'));
    // Launch at once: a home without run_coordinator queues runs for the run queue daemon, as in Dagster.
    writeFileSync(join(home, 'dagster.yaml'), 'run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\nrun_launcher:\n  module: dagster.core.launcher\n  class: SyncInMemoryRunLauncher\n');
    instance = await Instance.fromConfig(home);
    (instance.runLauncher as InProcessRunLauncher).registerJob(etl);
    (instance.runLauncher as InProcessRunLauncher).registerJob(broken);
  });

  afterEach(async () => {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('creates, launches and watches a run to SUCCESS through stored events', async () => {
    const run = await instance.createRun({ jobName: 'etl' });
    expect(run.status).toBe(DagsterRunStatus.NOT_STARTED);

    // The watcher starts before the launch and must see every event once, in order.
    const controller = new AbortController();
    const seen: { type: string | null; cursor: string }[] = [];
    const watching = (async () => {
      for await (const { record, cursor } of instance.watchRunEvents(run.runId, { signal: controller.signal, untilRunEnds: true })) {
        seen.push({ type: record.eventLogEntry.dagsterEventType ?? null, cursor });
      }
    })();

    const statuses: string[] = [];
    instance.addEventListener(run.runId, async (entry) => {
      if (entry.dagsterEventType?.startsWith('PIPELINE_')) statuses.push((await instance.getRunById(run.runId))!.status);
    });

    await instance.submitRun(run.runId);
    await watching;

    const stored = (await instance.getRecordsForRun(run.runId)).records;
    expect(seen.map((e) => e.type)).toEqual(stored.map((r) => r.eventLogEntry.dagsterEventType ?? null));
    expect(new Set(seen.map((e) => e.cursor)).size).toBe(seen.length);

    const runEvents = stored.map((r) => r.eventLogEntry.dagsterEventType).filter((t) => t?.startsWith('PIPELINE_'));
    expect(runEvents).toEqual([DagsterEventType.RUN_STARTING, DagsterEventType.RUN_START, DagsterEventType.RUN_SUCCESS]);
    expect(statuses).toEqual([DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.SUCCESS]);
    expect((await instance.getRunById(run.runId))!.status).toBe(DagsterRunStatus.SUCCESS);

    const stats = await instance.getRunStats(run.runId);
    expect(stats.stepsSucceeded).toBe(2);
    expect(stats.stepsFailed).toBe(0);
    expect(stats.materializations).toBe(1);
    expect(stats.startTime).not.toBeNull();
    expect(stats.endTime!).toBeGreaterThanOrEqual(stats.startTime!);
    const stepStats = await instance.getRunStepStats(run.runId);
    expect(stepStats.map((s) => [s.stepKey, s.status])).toEqual([
      ['extract', 'SUCCESS'],
      ['load', 'SUCCESS'],
    ]);
  });

  it('ends a failing job in FAILURE with its error in the event log', async () => {
    const run = await instance.createRun({ jobName: 'broken' });
    await instance.submitRun(run.runId);
    expect((await instance.getRunById(run.runId))!.status).toBe(DagsterRunStatus.FAILURE);
    const failures = await instance.allLogs(run.runId, DagsterEventType.STEP_FAILURE);
    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures[0]!.dagsterEvent!.eventSpecificData)).toContain('the source table is gone');
    expect((await instance.getRunStats(run.runId)).stepsFailed).toBe(1);
  });

  it('deleteRun removes the run and its events', async () => {
    const run = await instance.createRun({ jobName: 'etl' });
    await instance.submitRun(run.runId);
    expect((await instance.allLogs(run.runId)).length).toBeGreaterThan(5);
    await instance.deleteRun(run.runId);
    expect(await instance.hasRun(run.runId)).toBe(false);
    expect(await instance.getRunById(run.runId)).toBeUndefined();
    expect(await instance.allLogs(run.runId)).toEqual([]);
    await expect(instance.getRunGroup(run.runId)).rejects.toBeInstanceOf(RunNotFoundError);
  });

  it('opens the same home again and reads what was written', async () => {
    const run = await instance.createRun({ jobName: 'etl', tags: { team: 'data' } });
    await instance.submitRun(run.runId);
    await instance.dispose();
    instance = await Instance.fromConfig(home);
    const again = await instance.getRunById(run.runId);
    expect(again?.status).toBe(DagsterRunStatus.SUCCESS);
    expect(again?.tags).toEqual({ team: 'data' });
    expect(instance.getRef().home).toBe(home);
  });
});
