/**
 * The backfill daemon (Dagster's `_daemon/backfill.py` + `_core/execution/job_backfill.py`): each REQUESTED backfill
 * creates its runs — one per partition, or one per partition range when the job's backfill policy allows several
 * partitions per run — in chunks, checkpointing `last_submitted_partition_name` after each chunk, and finding runs
 * it already created by their `dagster/backfill` tag, so a restarted daemon continues where it stopped and creates
 * no duplicate. A backfill moves REQUESTED → COMPLETED_SUCCESS / COMPLETED_FAILED once all its runs are submitted
 * and finished, → FAILED on an error it cannot retry; CANCELING (and FAILING) cancel its queued and running runs,
 * then → CANCELED (FAILED).
 *
 * Asset backfills here are backfills with an `asset_selection` over the partitions of an asset job (Dagster's
 * partition-set backfill with an asset selection): each run materializes the selection for its partitions.
 */
import {
  BulkActionsFilter,
  BulkActionStatus,
  BULK_ACTION_TERMINAL_STATUSES,
  DagsterRunStatus,
  NOT_FINISHED_STATUSES,
  RUN_TAGS,
  RunsFilter,
  SerializableErrorInfo,
  type PartitionBackfill,
} from '@inst/types';
import { executeAssetBackfillIteration } from './asset-backfills';
import { backfillRuns, cancelBackfillRuns, submitBackfillRun } from './backfill-runs';
import { SimulatedCrashError } from './crash';
import type { DaemonContext, DaemonDefinition } from './host';
import { createRunForRequest, loadLocations, type LoadedLocation, type RunCreator } from './locations';
import { RunBatch } from './run-batch';

/** Partitions (or ranges) submitted between two checkpoints (Dagster: 25). */
export const BACKFILL_CHECKPOINT_COUNT = 25;
/** Partitions (or ranges) per chunk when runs are written in batches (one transaction per chunk). */
export const BACKFILL_BATCH_CHUNK_SIZE = 500;
/** Runs canceled per iteration of a canceling backfill (Dagster's MAX_RUNS_CANCELED_PER_ITERATION). */

/** Crash points for failure-recovery tests. */
export type BackfillCrashPoint = 'RUN_CREATED' | 'CHUNK_SUBMITTED';

/** Options of {@link executeBackfillIteration}. */
export interface BackfillOptions {
  /** Partitions per chunk between checkpoints (default 25; 500 when runs are written in batches). */
  readonly chunkSize?: number;
  readonly createRun?: RunCreator;
  /** Submit each run through the coordinator (default true). */
  readonly submit?: boolean;
  readonly crashAt?: (point: BackfillCrashPoint, info: { backfillId: string; partition: string }) => void | Promise<void>;
  /** Runs created (and submitted) at once within a chunk (default 8; the pool of a Postgres instance runs them in parallel). */
  readonly concurrency?: number;
}

/** What one iteration did with one backfill. */
export interface BackfillIterationResult {
  readonly backfillId: string;
  readonly status: BulkActionStatus;
  readonly runsCreated: number;
  readonly runsCanceled: number;
}

const TERMINAL = new Set<string>(BULK_ACTION_TERMINAL_STATUSES);

/** One pass over every REQUESTED / CANCELING backfill, oldest first. */
export async function executeBackfillIteration(ctx: DaemonContext, options: BackfillOptions = {}): Promise<BackfillIterationResult[]> {
  const { instance, log } = ctx;
  const backfills: PartitionBackfill[] = [];
  for (const status of [BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, 'FAILING' as BulkActionStatus]) {
    if (!Object.values(BulkActionStatus).includes(status)) continue; // FAILING only where the enum has it
    backfills.push(...(await instance.getBackfills(new BulkActionsFilter({ statuses: [status] }))));
  }
  backfills.sort((a, b) => a.backfillTimestamp - b.backfillTimestamp);
  if (backfills.length === 0) return [];
  const locations = await loadLocations(ctx.workspace, (location, error) => log.error(`Could not load code location ${location.name}`, { error: String(error) }));
  const results: BackfillIterationResult[] = [];
  for (const listed of backfills) {
    if (ctx.signal.aborted) break;
    const backfill = await instance.getBackfill(listed.backfillId);
    if (!backfill || TERMINAL.has(backfill.status)) continue;
    try {
      results.push(
        backfill.isAssetBackfill
          ? await executeAssetBackfillIteration(ctx, backfill, locations, options)
          : await executeJobBackfillIteration(ctx, backfill, locations, options),
      );
    } catch (error) {
      if (error instanceof SimulatedCrashError) throw error;
      log.error(`Backfill ${backfill.backfillId} failed`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      const current = (await instance.getBackfill(backfill.backfillId)) ?? backfill;
      await instance.updateBackfill(
        current.withStatus(BulkActionStatus.FAILED).withError(SerializableErrorInfo.fromError(error)).withEndTimestamp(ctx.now()),
      );
      results.push({ backfillId: backfill.backfillId, status: BulkActionStatus.FAILED, runsCreated: 0, runsCanceled: 0 });
    }
  }
  return results;
}

function findLocation(backfill: PartitionBackfill, locations: readonly LoadedLocation[]): LoadedLocation | undefined {
  const origin = backfill.partitionSetOrigin;
  if (!origin) return undefined;
  const locationName = origin.repositoryOrigin.codeLocationOrigin.locationName;
  return locations.find((l) => l.location.name === locationName && l.repositoryOrigin.repositoryName === origin.repositoryOrigin.repositoryName);
}

/** A chunk item: one partition, or a range of partitions for one run. */
interface ChunkItem {
  readonly keys: readonly string[];
}

/** One iteration of one job or asset backfill. */
export type BackfillIteration = (
  ctx: DaemonContext,
  backfill: PartitionBackfill,
  locations: readonly LoadedLocation[],
  options: BackfillOptions,
) => Promise<BackfillIterationResult>;

const executeJobBackfillIteration: BackfillIteration = async (ctx, backfill, locations, options) => {
  const { instance, log } = ctx;
  const id = backfill.backfillId;
  if (backfill.status === BulkActionStatus.CANCELING || (backfill.status as string) === 'FAILING') {
    const { canceled, done } = await cancelBackfillRuns(ctx, backfill);
    if (!done) return { backfillId: id, status: backfill.status, runsCreated: 0, runsCanceled: canceled };
    const final = backfill.status === BulkActionStatus.CANCELING ? BulkActionStatus.CANCELED : BulkActionStatus.FAILED;
    const current = (await instance.getBackfill(id)) ?? backfill;
    await instance.updateBackfill(current.withStatus(final).withEndTimestamp(ctx.now()));
    return { backfillId: id, status: final, runsCreated: 0, runsCanceled: canceled };
  }

  const jobName = backfill.jobName;
  const partitionNames = backfill.partitionNames ?? [];
  if (!jobName || !backfill.partitionSetOrigin) {
    throw new Error(`Backfill ${id} has no partition set and no asset backfill data`);
  }
  const loaded = findLocation(backfill, locations);
  if (!loaded) throw new Error(`Backfill ${id}: code location ${backfill.partitionSetOrigin.repositoryOrigin.codeLocationOrigin.locationName} is not loaded`);
  const jobEntry = loaded.snapshot.jobs?.find((j) => j.name === jobName);
  if (!jobEntry) throw new Error(`Backfill ${id}: job ${jobName} not found in code location ${loaded.location.name}`);
  const maxPerRun = jobEntry.backfillPolicy?.maxPartitionsPerRun;
  const ranged = jobEntry.backfillPolicy != null;

  const indexOf = new Map(partitionNames.map((key, i) => [key, i]));
  // Idempotency: partitions (and ranges) of runs this backfill already created.
  const existing = await backfillRuns(ctx, id);
  const done = new Set<string>();
  for (const run of existing) {
    const partition = run.tags[RUN_TAGS.PARTITION_NAME];
    if (partition) done.add(partition);
    const start = run.tags[RUN_TAGS.ASSET_PARTITION_RANGE_START];
    const end = run.tags[RUN_TAGS.ASSET_PARTITION_RANGE_END];
    if (start && end) {
      const i = indexOf.get(start) ?? -1;
      const j = indexOf.get(end) ?? -1;
      if (i >= 0 && j >= i) for (const k of partitionNames.slice(i, j + 1)) done.add(k);
    }
  }
  if (existing.length > 0) log.info(`Found ${existing.length} existing runs for backfill ${id}, skipping`);
  const submit = options.submit ?? true;
  // A run created just before a crash was never submitted: submit it now, or the backfill would wait for it forever.
  if (submit) for (const run of existing) if (run.status === DagsterRunStatus.NOT_STARTED) await submitBackfillRun(ctx, id, run.runId);
  const checkpointIndex = backfill.lastSubmittedPartitionName ? (indexOf.get(backfill.lastSubmittedPartitionName) ?? -1) : -1;
  const remaining = partitionNames.slice(checkpointIndex + 1).filter((k) => !done.has(k));

  const items: ChunkItem[] = [];
  if (ranged) {
    const size = maxPerRun && maxPerRun > 0 ? maxPerRun : Number.POSITIVE_INFINITY;
    // Contiguous runs of remaining keys in partition order, split by the policy's size.
    let current: string[] = [];
    let lastIndex = -2;
    for (const key of remaining) {
      const index = indexOf.get(key)!;
      if (current.length > 0 && (index !== lastIndex + 1 || current.length >= size)) {
        items.push({ keys: current });
        current = [];
      }
      current.push(key);
      lastIndex = index;
    }
    if (current.length > 0) items.push({ keys: current });
  } else {
    for (const key of remaining) items.push({ keys: [key] });
  }

  // The batched path writes each chunk's runs (and their enqueue events) at once; see ./run-batch.
  const batch = options.createRun ? null : RunBatch.for(instance, submit);
  const createRun = options.createRun ?? createRunForRequest;
  const chunkSize = options.chunkSize ?? (batch ? BACKFILL_BATCH_CHUNK_SIZE : BACKFILL_CHECKPOINT_COUNT);
  const partitionSetName = backfill.partitionSetName!;
  const assetSelection = backfill.assetSelection ? [...backfill.assetSelection].map((key) => [...key.path]) : null;
  let created = 0;
  let current = backfill;
  for (let i = 0; i < items.length; i += chunkSize) {
    if (ctx.signal.aborted) return { backfillId: id, status: current.status, runsCreated: created, runsCanceled: 0 };
    const chunk = items.slice(i, i + chunkSize);
    const runOptions = (item: ChunkItem) => {
      const partitionTags: Record<string, string> =
        item.keys.length === 1 && !ranged
          ? { [RUN_TAGS.PARTITION_NAME]: item.keys[0]! }
          : { [RUN_TAGS.ASSET_PARTITION_RANGE_START]: item.keys[0]!, [RUN_TAGS.ASSET_PARTITION_RANGE_END]: item.keys[item.keys.length - 1]! };
      return {
        jobName,
        tags: {
          ...partitionTags,
          [RUN_TAGS.PARTITION_SET]: partitionSetName,
          ...backfill.tags,
          [RUN_TAGS.BACKFILL_ID]: id,
        },
        runConfig: (backfill.runConfig as Record<string, unknown> | null) ?? {},
        assetSelection,
      };
    };
    if (batch) {
      for (const item of chunk) await createRunForRequest(batch.creator, loaded, runOptions(item));
      await batch.flush();
      for (const item of chunk) {
        created++;
        await options.crashAt?.('RUN_CREATED', { backfillId: id, partition: item.keys[0]! });
      }
    } else {
      const makeRun = async (item: ChunkItem): Promise<void> => {
        const run = await createRun(instance, loaded, runOptions(item));
        created++;
        await options.crashAt?.('RUN_CREATED', { backfillId: id, partition: item.keys[0]! });
        if (submit) await submitBackfillRun(ctx, id, run.runId);
      };
      await forEachConcurrently(chunk, options.concurrency ?? 8, makeRun);
    }
    await options.crashAt?.('CHUNK_SUBMITTED', { backfillId: id, partition: chunk[chunk.length - 1]!.keys.at(-1)! });
    // Re-read: a cancel stops the backfill between chunks.
    const fresh = await instance.getBackfill(id);
    if (!fresh || fresh.status !== BulkActionStatus.REQUESTED) {
      log.info(`Backfill ${id} is no longer REQUESTED (${fresh?.status}); stopping after ${created} runs`);
      return { backfillId: id, status: fresh?.status ?? current.status, runsCreated: created, runsCanceled: 0 };
    }
    current = fresh.withPartitionCheckpoint(chunk[chunk.length - 1]!.keys.at(-1)!);
    await instance.updateBackfill(current);
  }

  // All submitted: complete once every run has finished.
  if (partitionNames.length > 0 && current.lastSubmittedPartitionName !== partitionNames[partitionNames.length - 1]) {
    current = current.withPartitionCheckpoint(partitionNames[partitionNames.length - 1]!);
    await instance.updateBackfill(current);
  }
  const unfinished = await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: id }, statuses: [...NOT_FINISHED_STATUSES] }));
  if (unfinished > 0) return { backfillId: id, status: current.status, runsCreated: created, runsCanceled: 0 };
  const failed = await instance.getRunsCount(
    new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: id }, statuses: [DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED] }),
  );
  const final = failed > 0 ? BulkActionStatus.COMPLETED_FAILED : BulkActionStatus.COMPLETED_SUCCESS;
  const latest = (await instance.getBackfill(id)) ?? current;
  if (latest.status !== BulkActionStatus.REQUESTED) return { backfillId: id, status: latest.status, runsCreated: created, runsCanceled: 0 };
  await instance.updateBackfill(latest.withStatus(final).withEndTimestamp(ctx.now()));
  return { backfillId: id, status: final, runsCreated: created, runsCanceled: 0 };
};

/** Runs `fn` over `items` with at most `limit` at once; the first error is thrown after the started ones settle. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < items.length && failure === null) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== null) throw failure;
}

/** The BACKFILL daemon: every 30 s, as Dagster. */
export function backfillDaemon(options: BackfillOptions = {}): DaemonDefinition {
  return {
    daemonType: 'BACKFILL',
    intervalSeconds: 30,
    async runIteration(ctx) {
      await executeBackfillIteration(ctx, options);
    },
  };
}
