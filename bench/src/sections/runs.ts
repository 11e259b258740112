/**
 * Section 2 — runs: `createRun` with tags and Dagster's own job / execution plan snapshots, and `submitRun`
 * through the DefaultRunCoordinator (its launcher starts nothing), runs/s, against the raw driver writing the
 * same rows.
 */
import { prepareRun } from '@inst/runs';
import { serializeValue } from '@inst/serdes';
import { toSqlTimestamp } from '@inst/storage-sql';
import { AssetMaterializationPlannedData, DagsterEvent, DagsterEventType, DagsterRunStatus, EventLogEntry, RUN_TAGS, type DagsterRun } from '@inst/types';
import { alternateRounds, shares, type SectionContext } from '../context';
import { dagsterJobs, eventRow, newRunId, runTags, type EventRow, type JobSnapshots } from '../data';
import type { RawRun } from '../raw/types';

const INFO = 20;

/** The run inst would store, as the raw side's rows. */
function rawRunOf(run: DagsterRun): RawRun {
  const tags = run.tags;
  return {
    runId: run.runId,
    jobName: run.jobName,
    status: run.status,
    body: serializeValue(run),
    snapshotId: run.jobSnapshotId,
    partition: tags[RUN_TAGS.PARTITION_NAME] ?? null,
    partitionSet: tags[RUN_TAGS.PARTITION_SET] ?? null,
    backfillId: tags[RUN_TAGS.BACKFILL_ID] ?? null,
    tags: Object.entries(tags),
    timestamp: toSqlTimestamp(new Date()),
  };
}

/** The planned events `createRun` writes for a run of the job: one per asset output of the plan's steps. */
function plannedRows(run: DagsterRun, job: JobSnapshots): EventRow[] {
  const plan = job.executionPlanSnapshot;
  const toExecute = new Set(plan.stepKeysToExecute ?? []);
  const timestamp = Date.now() / 1000;
  const rows: EventRow[] = [];
  for (const step of plan.steps) {
    if (!toExecute.has(step.key)) continue;
    for (const output of step.outputs) {
      const assetKey = output.properties?.assetKey;
      if (!assetKey) continue;
      const event = new DagsterEvent({
        eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
        jobName: run.jobName,
        message: `${run.jobName} intends to materialize asset ${assetKey.toString()}`,
        eventSpecificData: new AssetMaterializationPlannedData({ assetKey, partition: null, partitionsSubset: null }),
        stepKey: step.key,
      });
      rows.push(eventRow(new EventLogEntry({ errorInfo: null, level: 10, userMessage: '', runId: run.runId, timestamp, stepKey: step.key, jobName: run.jobName, dagsterEvent: event })));
    }
  }
  return rows;
}

/** The RUN_STARTING entry `launchRun` reports, as a row. */
function startingRow(run: DagsterRun): EventRow {
  const event = new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_STARTING, jobName: run.jobName });
  return eventRow(new EventLogEntry({ errorInfo: null, level: INFO, userMessage: '', runId: run.runId, timestamp: Date.now() / 1000, stepKey: null, jobName: run.jobName, dagsterEvent: event }));
}

export async function runsSection(ctx: SectionContext): Promise<void> {
  const total = ctx.sizes.runs[ctx.backend.name];
  const rounds = ctx.sizes.writes[ctx.backend.name].rounds;
  const handle = await ctx.backend.openInstance('runs');
  const { store: raw } = await ctx.backend.freshRaw('runs');
  const instance = handle.instance;
  const { opJob, assetJob } = dagsterJobs();
  try {
    await raw.addSnapshots([opJob, assetJob]);
    const create = (job: JobSnapshots, i: number, runId: string) =>
      instance.createRun({
        jobName: job.jobName,
        runId,
        tags: runTags(i),
        jobSnapshot: job.jobSnapshot,
        executionPlanSnapshot: job.executionPlanSnapshot,
      });
    // Warm-up (and the snapshots, stored once).
    for (let i = 0; i < 20; i++) {
      const run = await create(opJob, i, newRunId());
      await instance.submitRun(run.runId);
      await create(assetJob, i, newRunId());
    }

    const counts = shares(total, rounds);
    const prepared = (job: JobSnapshots) =>
      counts.map((n) =>
        Array.from({ length: n }, (_, i) => {
          const runId = newRunId();
          return { runId, i, raw: rawRunOf(prepareRun({ jobName: job.jobName, runId, tags: runTags(i), jobSnapshot: job.jobSnapshot, executionPlanSnapshot: job.executionPlanSnapshot }).run) };
        }),
      );

    // ---- creation, op job
    const instRuns = prepared(opJob);
    const rawRuns = prepared(opJob);
    ctx.log(`  createRun (op job): ${total} runs per side`);
    const [instCreate, rawCreate] = await alternateRounds(rounds, [
      {
        name: 'inst',
        run: async (r) => {
          for (const run of instRuns[r]!) await create(opJob, run.i, run.runId);
          return instRuns[r]!.length;
        },
      },
      {
        name: 'raw',
        run: async (r) => {
          for (const run of rawRuns[r]!) await raw.createRun(run.raw);
          return rawRuns[r]!.length;
        },
      },
    ]);
    ctx.record({
      kind: 'throughput',
      section: 'runs',
      backend: ctx.backend.name,
      name: 'createRun, 5 tags + job & plan snapshots (op job)',
      unit: 'runs/s',
      inst: instCreate!,
      raw: rawCreate!,
      ratio: instCreate! / rawCreate!,
      rawName: 'one transaction: snapshot check, runs row, run_tags rows',
      ...(ctx.backend.name === 'sqlite' ? { target: { text: '≥ 2,000 runs/s', met: instCreate! >= 2000 } } : {}),
    });

    // ---- submission through the coordinator, of the runs just created
    const submitted = instRuns.map((round) => round.map((run) => run.runId));
    const rawSubmits = rawRuns.map((round) =>
      round.map((run) => {
        const dagsterRun = prepareRun({ jobName: opJob.jobName, runId: run.runId, tags: runTags(run.i), jobSnapshot: opJob.jobSnapshot, executionPlanSnapshot: opJob.executionPlanSnapshot }).run;
        return { runId: run.runId, row: startingRow(dagsterRun), body: serializeValue(dagsterRun.withStatus(DagsterRunStatus.STARTING)) };
      }),
    );
    ctx.log(`  submitRun: ${total} runs per side`);
    const [instSubmit, rawSubmit] = await alternateRounds(rounds, [
      {
        name: 'inst',
        run: async (r) => {
          for (const runId of submitted[r]!) await instance.submitRun(runId);
          return submitted[r]!.length;
        },
      },
      {
        name: 'raw',
        run: async (r) => {
          for (const s of rawSubmits[r]!) await raw.submitRun(s.runId, s.row, s.body, DagsterRunStatus.STARTING, toSqlTimestamp(new Date()));
          return rawSubmits[r]!.length;
        },
      },
    ]);
    const launched = instance.runLauncher.launched;
    ctx.record({
      kind: 'throughput',
      section: 'runs',
      backend: ctx.backend.name,
      name: 'submitRun via DefaultRunCoordinator (no-op launcher)',
      unit: 'runs/s',
      inst: instSubmit!,
      raw: rawSubmit!,
      ratio: instSubmit! / rawSubmit!,
      rawName:
        ctx.backend.name === 'sqlite'
          ? 'RUN_STARTING row into the run shard (created) + index copy, runs UPDATE'
          : 'one transaction: RUN_STARTING row, runs UPDATE',
      ...(ctx.backend.name === 'sqlite' ? { target: { text: '≥ 2,000 runs/s', met: instSubmit! >= 2000 } } : {}),
      note: `${launched} runs reached the launcher`,
    });

    // ---- creation, asset job (planned events are written with the run)
    const assetCount = Math.max(rounds, Math.floor(total / 3));
    const assetShares = shares(assetCount, rounds);
    const instAssetRuns = assetShares.map((n) => Array.from({ length: n }, (_, i) => ({ runId: newRunId(), i })));
    const rawAssetRuns = assetShares.map((n) =>
      Array.from({ length: n }, (_, i) => {
        const runId = newRunId();
        const run = prepareRun({ jobName: assetJob.jobName, runId, tags: runTags(i), jobSnapshot: assetJob.jobSnapshot, executionPlanSnapshot: assetJob.executionPlanSnapshot }).run;
        return { raw: rawRunOf(run), planned: plannedRows(run, assetJob) };
      }),
    );
    const plannedPerRun = rawAssetRuns[0]![0]?.planned.length ?? 0;
    ctx.log(`  createRun (asset job, ${plannedPerRun} planned events each): ${assetCount} runs per side`);
    const [instAsset, rawAsset] = await alternateRounds(rounds, [
      {
        name: 'inst',
        run: async (r) => {
          for (const run of instAssetRuns[r]!) await create(assetJob, run.i, run.runId);
          return instAssetRuns[r]!.length;
        },
      },
      {
        name: 'raw',
        run: async (r) => {
          for (const run of rawAssetRuns[r]!) {
            await raw.createRun(run.raw);
            if (run.planned.length) await raw.insertAssetEventBatch(run.planned);
          }
          return rawAssetRuns[r]!.length;
        },
      },
    ]);
    ctx.record({
      kind: 'throughput',
      section: 'runs',
      backend: ctx.backend.name,
      name: `createRun, asset job (+${plannedPerRun} planned events)`,
      unit: 'runs/s',
      inst: instAsset!,
      raw: rawAsset!,
      ratio: instAsset! / rawAsset!,
      rawName: ctx.backend.name === 'sqlite' ? 'run rows, then the planned events into a new run shard + index.db' : 'run rows, then the planned events batch',
      ...(ctx.backend.name === 'sqlite' ? { target: { text: '≥ 2,000 runs/s', met: instAsset! >= 2000 } } : {}),
    });
  } finally {
    await raw.close();
    await handle.close();
  }
}
