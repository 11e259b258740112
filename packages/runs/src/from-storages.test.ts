import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorages } from '@inst/storage-sqlite';
import { DagsterEventType, DagsterRunStatus, RunsFilter } from '@inst/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runsOpsFromStorages } from './from-storages';
import { createRun, deleteRun, getRunById, getRuns, reportRunCanceling } from './index';

describe('runsOpsFromStorages: @inst/runs alone over real SQLite storages', () => {
  let home: string;
  let storages: Awaited<ReturnType<typeof openSqliteStorages>>;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-runs-alone-'));
    storages = await openSqliteStorages(home);
  });

  afterEach(async () => {
    await storages.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('creates, reads, reports on and deletes runs in two lines of setup', async () => {
    const ops = runsOpsFromStorages({ runStorage: storages.runStorage, eventLogStorage: storages.eventLogStorage });
    const run = await createRun(ops, { jobName: 'etl', tags: { team: 'data' } });
    expect((await getRunById(ops, run.runId))?.tags.team).toBe('data');
    expect((await getRuns(ops)).map((r) => r.runId)).toEqual([run.runId]);

    // A run event is stored and moves the run's status, as through an instance.
    await reportRunCanceling(ops, run, 'stop');
    expect((await getRunById(ops, run.runId))?.status).toBe(DagsterRunStatus.CANCELING);
    expect((await ops.allLogs(run.runId)).map((e) => e.dagsterEventType)).toContain(DagsterEventType.RUN_CANCELING);

    await deleteRun(ops, run.runId);
    expect(await ops.hasRun(run.runId)).toBe(false);
  });

  it('an override is seen by the other members, as a subclass override is through an instance', async () => {
    const seen: string[] = [];
    const ops = runsOpsFromStorages(
      { runStorage: storages.runStorage, eventLogStorage: storages.eventLogStorage },
      {
        getRunRecordById: async (runId) => {
          seen.push(runId);
          return (await storages.runStorage.getRunRecords(new RunsFilter({ runIds: [runId] })))[0];
        },
      },
    );
    const run = await createRun(ops, { jobName: 'etl' });
    expect((await getRunById(ops, run.runId))?.runId).toBe(run.runId);
    expect(seen).toContain(run.runId);
  });
});
