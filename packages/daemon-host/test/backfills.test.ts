import type { Instance } from '@inst/core';
import {
  AssetKey,
  BulkActionStatus,
  DagsterEvent,
  DagsterEventType,
  DagsterRunStatus,
  PartitionBackfill,
  RUN_TAGS,
  RunsFilter,
  type DagsterRun,
} from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { executeBackfillIteration } from '../src/backfills';
import { SimulatedCrashError } from '../src/crash';
import { createRunForRequest, repositoryOriginOf } from '../src/locations';
import type { JobSnapshotEntryLike } from '../src/workspace';
import { pgAvailable } from '@inst/storage-postgres/testing';
import { Clock, contextFor, fakeLocation, postgresInstance, tempInstance, workspaceOf } from './fixtures';

let instance: Instance | undefined;
afterEach(async () => {
  if (!disposePg) await instance?.dispose();
  instance = undefined;
});

const T0 = Date.parse('2024-06-01T00:00:00Z') / 1000;
const keys = (n: number) => Array.from({ length: n }, (_, i) => `p${String(i).padStart(5, '0')}`);

let disposePg: (() => Promise<void>) | undefined;
afterEach(async () => {
  if (disposePg) {
    instance = undefined;
    await disposePg();
    disposePg = undefined;
  }
});
const pgUp = await pgAvailable();

async function setup(job: JobSnapshotEntryLike = { name: 'the_job', partitioned: true }, backend: 'sqlite' | 'postgres' = 'sqlite') {
  if (backend === 'postgres') {
    const pg = await postgresInstance();
    disposePg = pg.dispose;
    instance = pg.instance;
  } else instance = await tempInstance();
  const loc = fakeLocation({ snapshot: { jobs: [job] } });
  const snapshot = await loc.snapshot();
  const repositoryOrigin = repositoryOriginOf(loc, snapshot);
  const clock = new Clock(T0);
  return { inst: instance, loc, clock, ctx: contextFor(instance, workspaceOf(loc), clock), repositoryOrigin };
}

function backfillOf(
  repositoryOrigin: ReturnType<typeof repositoryOriginOf>,
  jobName: string,
  partitionNames: string[],
  extra: Partial<ConstructorParameters<typeof PartitionBackfill>[0]> = {},
): PartitionBackfill {
  return new PartitionBackfill({
    backfillId: 'bfabcdef',
    status: BulkActionStatus.REQUESTED,
    fromFailure: false,
    tags: { team: 'data' },
    backfillTimestamp: T0,
    partitionSetOrigin: repositoryOrigin.getPartitionSetOrigin(`${jobName}_partition_set`),
    partitionNames,
    ...extra,
  });
}

async function runsOf(inst: Instance, backfillId = 'bfabcdef'): Promise<DagsterRun[]> {
  return inst.getRuns(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: backfillId } }));
}

async function finish(inst: Instance, runs: DagsterRun[], type: string = DagsterEventType.RUN_SUCCESS): Promise<void> {
  for (const run of runs) await inst.reportDagsterEvent(new DagsterEvent({ eventTypeValue: type, jobName: run.jobName }), run.runId);
}

describe('job backfills', () => {
  // On Postgres: on SQLite every submitted run gets its own event-log shard file (Dagster's layout), ~25 runs/s here.
  it.skipIf(!pgUp)('a 1,000-partition backfill on Postgres creates one run per partition with Dagster tags, then completes when its runs finish', async () => {
    const { inst, ctx, clock, repositoryOrigin } = await setup(undefined, 'postgres');
    const partitions = keys(1000);
    await inst.addBackfill(backfillOf(repositoryOrigin, 'the_job', partitions));
    const started = performance.now();
    const [result] = await executeBackfillIteration(ctx);
    const seconds = (performance.now() - started) / 1000;
    console.log(`1,000-partition backfill: ${result!.runsCreated} runs created and submitted in ${seconds.toFixed(2)} s (${(result!.runsCreated / seconds).toFixed(0)} runs/s)`);
    expect(result!.runsCreated).toBe(1000);
    const runs = await runsOf(inst);
    expect(runs).toHaveLength(1000);
    expect(new Set(runs.map((r) => r.tags[RUN_TAGS.PARTITION_NAME]))).toEqual(new Set(partitions));
    const run = runs[0]!;
    expect(run.tags[RUN_TAGS.PARTITION_SET]).toBe('the_job_partition_set');
    expect(run.tags.team).toBe('data');
    expect(run.status).toBe(DagsterRunStatus.QUEUED);
    let backfill = (await inst.getBackfill('bfabcdef'))!;
    expect(backfill.status).toBe(BulkActionStatus.REQUESTED); // runs not finished yet
    expect(backfill.lastSubmittedPartitionName).toBe(partitions.at(-1));

    await finish(inst, runs);
    clock.t = T0 + 30;
    await executeBackfillIteration(ctx);
    backfill = (await inst.getBackfill('bfabcdef'))!;
    expect(backfill.status).toBe(BulkActionStatus.COMPLETED_SUCCESS);
    expect(backfill.backfillEndTimestamp).toBe(T0 + 30);
    expect(await runsOf(inst)).toHaveLength(1000); // nothing created twice
  }, 240_000);

  it('completes COMPLETED_FAILED when a run failed', async () => {
    const { inst, ctx, repositoryOrigin } = await setup();
    await inst.addBackfill(backfillOf(repositoryOrigin, 'the_job', keys(5)));
    await executeBackfillIteration(ctx);
    const runs = await runsOf(inst);
    await finish(inst, runs.slice(1));
    await finish(inst, runs.slice(0, 1), DagsterEventType.RUN_FAILURE);
    await executeBackfillIteration(ctx);
    expect((await inst.getBackfill('bfabcdef'))!.status).toBe(BulkActionStatus.COMPLETED_FAILED);
  });

  it('a daemon killed mid-backfill continues from its checkpoint and creates no duplicate', async () => {
    const { inst, ctx, repositoryOrigin } = await setup();
    const partitions = keys(100);
    await inst.addBackfill(backfillOf(repositoryOrigin, 'the_job', partitions));
    let created = 0;
    await expect(
      executeBackfillIteration(ctx, {
        chunkSize: 25,
        crashAt: (point) => {
          if (point === 'RUN_CREATED' && ++created === 40) throw new SimulatedCrashError(point);
        },
      }),
    ).rejects.toThrow(SimulatedCrashError);
    const afterCrash = (await inst.getBackfill('bfabcdef'))!;
    expect(afterCrash.status).toBe(BulkActionStatus.REQUESTED);
    expect(afterCrash.lastSubmittedPartitionName).toBe(partitions[24]);
    expect((await runsOf(inst)).length).toBeGreaterThanOrEqual(40); // the second chunk was part-way through
    await executeBackfillIteration(ctx);
    const runs = await runsOf(inst);
    expect(runs).toHaveLength(100);
    expect(new Set(runs.map((r) => r.tags[RUN_TAGS.PARTITION_NAME])).size).toBe(100);
  });

  it('a run created just before a crash, never submitted, is submitted by the restarted daemon', async () => {
    const { inst, ctx, repositoryOrigin } = await setup();
    await inst.addBackfill(backfillOf(repositoryOrigin, 'the_job', keys(3)));
    let created = 0;
    const crashing = {
      createRun: createRunForRequest, // one run at a time: created, then submitted
      concurrency: 1,
      crashAt: (point: string) => {
        if (point === 'RUN_CREATED' && ++created === 2) throw new SimulatedCrashError(point);
      },
    };
    await expect(executeBackfillIteration(ctx, crashing)).rejects.toThrow(SimulatedCrashError);
    expect((await runsOf(inst)).map((r) => r.status).sort()).toEqual([DagsterRunStatus.NOT_STARTED, DagsterRunStatus.QUEUED]);
    await executeBackfillIteration(ctx, { createRun: createRunForRequest });
    const runs = await runsOf(inst);
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.status === DagsterRunStatus.QUEUED)).toBe(true);
  });

  it('cancelling stops new runs and cancels the queued ones, then the backfill is CANCELED', async () => {
    const { inst, ctx, repositoryOrigin } = await setup();
    await inst.addBackfill(backfillOf(repositoryOrigin, 'the_job', keys(50)));
    await executeBackfillIteration(ctx, {
      chunkSize: 10,
      crashAt: async (point) => {
        if (point === 'CHUNK_SUBMITTED') {
          // A user cancels while the first chunk is being submitted.
          const b = (await inst.getBackfill('bfabcdef'))!;
          if (b.status === BulkActionStatus.REQUESTED) await inst.updateBackfill(b.withStatus(BulkActionStatus.CANCELING));
        }
      },
    });
    let runs = await runsOf(inst);
    expect(runs.length).toBeLessThan(50);
    expect(runs.length).toBeGreaterThan(0);
    expect((await inst.getBackfill('bfabcdef'))!.status).toBe(BulkActionStatus.CANCELING);
    await executeBackfillIteration(ctx);
    runs = await runsOf(inst);
    expect(runs.every((r) => r.status === DagsterRunStatus.CANCELED)).toBe(true);
    const backfill = (await inst.getBackfill('bfabcdef'))!;
    expect(backfill.status).toBe(BulkActionStatus.CANCELED);
    expect(backfill.backfillEndTimestamp).not.toBeNull();
  });

  it('fails a backfill whose job is not in the workspace', async () => {
    const { inst, ctx, repositoryOrigin } = await setup();
    await inst.addBackfill(backfillOf(repositoryOrigin, 'missing_job', keys(3)));
    await executeBackfillIteration(ctx);
    const backfill = (await inst.getBackfill('bfabcdef'))!;
    expect(backfill.status).toBe(BulkActionStatus.FAILED);
    expect(backfill.error?.message).toContain('missing_job');
  });
});

describe('asset backfills', () => {
  it('runs an asset selection over its partitions, in ranges as the backfill policy allows, and completes', async () => {
    const { inst, ctx, repositoryOrigin } = await setup({ name: '__ASSET_JOB', partitioned: true, backfillPolicy: { maxPartitionsPerRun: 4 } });
    const partitions = keys(10);
    await inst.addBackfill(backfillOf(repositoryOrigin, '__ASSET_JOB', partitions, { assetSelection: [new AssetKey(['raw']), new AssetKey(['clean'])] }));
    await executeBackfillIteration(ctx);
    const runs = await runsOf(inst);
    const ranges = runs.map((r) => [r.tags[RUN_TAGS.ASSET_PARTITION_RANGE_START], r.tags[RUN_TAGS.ASSET_PARTITION_RANGE_END]]).sort();
    expect(ranges).toEqual([
      ['p00000', 'p00003'],
      ['p00004', 'p00007'],
      ['p00008', 'p00009'],
    ]);
    expect(runs.every((r) => r.tags[RUN_TAGS.PARTITION_NAME] === undefined)).toBe(true);
    expect([...(runs[0]!.assetSelection ?? [])].map((k) => k.path.join('/')).sort()).toEqual(['clean', 'raw']);
    await executeBackfillIteration(ctx);
    expect(await runsOf(inst)).toHaveLength(3);
    await finish(inst, runs);
    await executeBackfillIteration(ctx);
    expect((await inst.getBackfill('bfabcdef'))!.status).toBe(BulkActionStatus.COMPLETED_SUCCESS);
  });
});
