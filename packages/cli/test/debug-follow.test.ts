import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Instance } from '@inst/core';
import { defineJob as defineJobDefinition, defineOp, executionPlanSnapshot, jobSnapshot } from '@inst/definitions';
import { defineJob, type InProcessRunLauncher } from '@inst/run-launcher';
import { SqliteDriver } from '@inst/storage-sqlite';
import { AssetKey, DagsterEvent, DagsterEventType, DagsterRunStatus } from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectResult, DEFAULT_COORDINATOR_YAML, inst, instJson, makeHome, spawnInst, waitFor } from './support';

/*
 * `inst debug export` / `import` (Dagster's DebugRunPayload file) restoring a run into an empty home row for row,
 * and `inst run logs --follow` receiving events another process writes, ending when the run ends.
 */

const job = defineJob('etl', [
  { key: 'extract', fn: async (ctx) => ctx.log.info('extracting') },
  { key: 'load', fn: async (ctx) => ctx.reportAssetMaterialization({ assetKey: new AssetKey(['orders']) }) },
]);

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

async function rows(path: string, sql: string): Promise<unknown[]> {
  const db = await SqliteDriver.open(path);
  try {
    return await db.all(sql);
  } finally {
    await db.close();
  }
}

/** The rows a run is made of in a SQLite home, without autoincrement ids. */
async function runRows(home: string, runId: string) {
  const runsDb = join(home, 'history', 'runs.db');
  return {
    runs: await rows(runsDb, `SELECT run_id, snapshot_id, pipeline_name, status, run_body, partition, partition_set, backfill_id FROM runs WHERE run_id = '${runId}'`),
    tags: await rows(runsDb, `SELECT "key", value FROM run_tags WHERE run_id = '${runId}' ORDER BY "key", value`),
    snapshots: await rows(runsDb, 'SELECT snapshot_id, snapshot_body, snapshot_type FROM snapshots ORDER BY snapshot_id'),
    events: await rows(
      join(home, 'history', 'runs', `${runId}.db`),
      'SELECT run_id, event, dagster_event_type, timestamp, step_key, asset_key, partition FROM event_logs ORDER BY id',
    ),
  };
}

describe('inst debug', () => {
  let source: string;
  let runId: string;

  beforeAll(async () => {
    source = makeHome('debug-src', DEFAULT_COORDINATOR_YAML);
    homes.push(source);
    await using instance = await Instance.fromConfig(source);
    (instance.runLauncher as InProcessRunLauncher).registerJob(job);
    // The job's snapshots as a code location would store them (the in-process launcher runs the same steps).
    const definition = defineJobDefinition({ name: 'etl', ops: [defineOp({ name: 'extract' }, () => 1), defineOp({ name: 'load' }, () => 2)] });
    const run = await instance.createRun({ jobName: 'etl', tags: { owner: 'me' }, jobSnapshot: jobSnapshot(definition), executionPlanSnapshot: executionPlanSnapshot(definition) });
    await instance.submitRun(run.runId);
    runId = run.runId;
    expect((await instance.getRunById(runId))?.status).toBe(DagsterRunStatus.SUCCESS);
  });

  it('exports a run to a gzipped DebugRunPayload that imports into an empty home with identical rows', async () => {
    const file = join(source, 'run.gz');
    const exported = await instJson<{ runId: string; file: string; events: number; hasJobSnapshot: boolean; hasExecutionPlanSnapshot: boolean }>(source, ['debug', 'export', runId, file]);
    expect(exported).toMatchObject({ runId, file, hasJobSnapshot: true, hasExecutionPlanSnapshot: true });

    // Dagster's format: gzip of serialize_value(DebugRunPayload) with the storage field names.
    const document = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(document).sort()).toEqual(['__class__', 'event_list', 'execution_plan_snapshot', 'pipeline_run', 'pipeline_snapshot', 'version']);
    expect(document.__class__).toBe('DebugRunPayload');
    expect((document.pipeline_run as { __class__: string; run_id: string }).__class__).toBe('PipelineRun');
    expect((document.pipeline_run as { run_id: string }).run_id).toBe(runId);
    expect((document.pipeline_snapshot as { __class__: string }).__class__).toBe('PipelineSnapshot');
    expect((document.event_list as unknown[]).length).toBe(exported.events);
    expect(exported.events).toBeGreaterThan(5);

    const target = makeHome('debug-dst');
    homes.push(target);
    const imported = await instJson<{ imports: { runId: string; imported: boolean; events: number }[] }>(target, ['debug', 'import', file]);
    expect(imported.imports).toEqual([expect.objectContaining({ runId, imported: true, events: exported.events })]);
    expect(await runRows(target, runId)).toEqual(await runRows(source, runId));

    // A second import leaves the run as it is (no duplicate events), as Dagster's does.
    const again = await instJson<{ imports: { imported: boolean; events: number }[] }>(target, ['debug', 'import', file]);
    expect(again.imports).toEqual([expect.objectContaining({ imported: false, events: 0 })]);
    expect((await runRows(target, runId)).events).toHaveLength(exported.events);

    const [unknown, missingFile] = await Promise.all([inst(['--home', source, 'debug', 'export', 'nope', join(source, 'x.gz')]), inst(['--home', target, 'debug', 'import', join(target, 'missing.gz')])]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^inst: RUN_NOT_FOUND: Could not find run with run_id 'nope'\./);
    expect(missingFile.code).toBe(2);
  });
});

describe('inst run logs --follow', () => {
  /** A home with a started run and `inst run logs RUN --follow ARGS` following it. */
  async function follow(prefix: string, args: string[] = []) {
    const home = makeHome(prefix, DEFAULT_COORDINATOR_YAML);
    homes.push(home);
    const instance = await Instance.fromConfig(home);
    const run = await instance.createRun({ jobName: 'etl' });
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'etl' }), run.runId);
    const child = spawnInst(['--home', home, 'run', 'logs', run.runId, '--follow', ...args]);
    const done = collectResult(child);
    const output = { stdout: '' };
    child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
    return { instance, run, child, done, output };
  }

  it('prints stored events, then events another process writes, and ends when the run ends', async () => {
    const { instance, run, child, done, output } = await follow('follow', ['--json']);
    await using _ = instance;
    const lines = () => output.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { eventType: string | null; message: string });

    await waitFor(() => lines().some((e) => e.eventType === 'PIPELINE_START'), 'the stored RUN_START');
    // Written by this (another) process while the CLI follows.
    await instance.reportEngineEvent('written by the test process', run);
    await waitFor(() => lines().some((e) => e.message === 'written by the test process'), 'the new engine event');
    expect(child.exitCode).toBeNull();
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_SUCCESS, jobName: 'etl' }), run.runId);

    const result = await done;
    expect(result.code).toBe(0);
    expect(lines().map((e) => e.eventType)).toEqual(['PIPELINE_START', 'ENGINE_EVENT', 'PIPELINE_SUCCESS']);
  });

  it('stops cleanly on Ctrl-C while the run is still going (exit 130)', async () => {
    const { instance, child, done, output } = await follow('follow-int');
    await using _ = instance;
    await waitFor(() => output.stdout.includes('PIPELINE_START'), 'the stored RUN_START');
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr.trim()).toBe('inst: INTERRUPTED: interrupted: following the logs stopped');
  });

  it('fails with RUN_NOT_FOUND (exit 1) for a run that does not exist', async () => {
    const home = makeHome('follow-missing', DEFAULT_COORDINATOR_YAML);
    homes.push(home);
    const result = await inst(['--home', home, 'run', 'logs', 'no-such-run', '--follow']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('inst: RUN_NOT_FOUND: no run found with id no-such-run');
    expect(result.stdout).toBe('');
  });

  it('ends with RUN_NOT_FOUND (exit 1) when the followed run is deleted by another process', async () => {
    const { instance, run, done, output } = await follow('follow-deleted');
    await using _ = instance;
    await waitFor(() => output.stdout.includes('PIPELINE_START'), 'the stored RUN_START');
    await instance.deleteRun(run.runId);
    const result = await done;
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`inst: RUN_NOT_FOUND: run ${run.runId} was deleted while its logs were followed`);
  });
});
