/**
 * Asset backfills over an asset graph (Dagster's `execute_asset_backfill_iteration`): a backfill whose body holds
 * an `AssetBackfillData` (`PartitionBackfill.asset_backfill_data`) instead of a partition set.
 *
 * Each iteration of a REQUESTED asset backfill:
 * 1. the first time, requests the target roots (target partitions with no parent asset in the target);
 * 2. later, reads ASSET_MATERIALIZATION records after `latest_storage_id` (all runs, kept when the run carries this
 *    backfill's `dagster/backfill` tag) into `materialized_subset`, and the asset partitions of this backfill's
 *    FAILURE / CANCELED runs that did not materialize — with everything downstream of them in the target — into
 *    `failed_and_downstream_subset`;
 * 3. requests the target partitions not requested yet whose parents in the target are all materialized: one run
 *    per (job, partition), selecting the ready assets, tagged `dagster/backfill` + `dagster/partition` + the
 *    backfill's tags; runs are created and submitted in chunks of 25 and the updated data is stored after each
 *    chunk, so a restarted daemon continues where it stopped;
 * 4. completes (COMPLETED_SUCCESS, or COMPLETED_FAILED with failures) once every target partition is materialized
 *    or failed-and-downstream and no run of the backfill is unfinished.
 * A CANCELING asset backfill cancels its runs, keeps recording what they materialized or failed (without adding the
 * downstream of failures, as Dagster's `get_canceling_asset_backfill_iteration_data`), and is CANCELED
 * once every requested partition is accounted for or no run is left unfinished.
 *
 * Where inst is simpler than Dagster (see the package README):
 * - partition mappings are identity between partitioned assets (an unpartitioned asset depends on every partition
 *   of a partitioned parent, and the other way round) and subsets are
 *   `DefaultPartitionsSubset`s (static/dynamic key sets); time-window and key-range subsets fail the backfill with a
 *   NotSupportedError; the legacy `serialized_asset_backfill_data` string is read and written back in that form
 *   (./legacy-asset-backfill-data);
 * - a child is requested once its parents have materialized; Dagster also puts a child in its parent's run when
 *   both have the same partitioning and backfill policy (the snapshot here does not tell partitionings apart);
 * - instead of `submitting_run_requests` + `reserved_run_ids`, an iteration first counts the asset partitions of
 *   runs this backfill already created (by tag) as requested, so a crash between creating runs and storing the
 *   data creates no duplicate run.
 */
import { DefaultPartitionsSubset, TimestampWithTimezone } from '@inst/definitions';
import { NotSupportedError } from '@inst/errors';
import {
  AssetBackfillData,
  AssetGraphSubset,
  AssetKey,
  AssetRecordsFilter,
  BulkActionStatus,
  DagsterRunStatus,
  NOT_FINISHED_STATUSES,
  RUN_TAGS,
  RunsFilter,
  type DagsterRun,
  type PartitionBackfill,
} from '@inst/types';
import type { BackfillIteration } from './backfills';
import { backfillRuns, cancelBackfillRuns, submitBackfillRun } from './backfill-runs';
import type { DaemonContext } from './host';
import { readLegacyAssetBackfillData, writeLegacyAssetBackfillData, type LegacyPartitionsDefs } from './legacy-asset-backfill-data';
import { createRunForRequest, type LoadedLocation } from './locations';

/** Runs submitted between two writes of the backfill data (Dagster's DAGSTER_ASSET_BACKFILL_RUN_CHUNK_SIZE default). */
export const ASSET_BACKFILL_RUN_CHUNK_SIZE = 25;
/** Materialization records read per page (Dagster's MATERIALIZATION_CHUNK_SIZE). */
const MATERIALIZATION_CHUNK_SIZE = 1000;
/** Dagster's implicit job of every asset: the job an asset backfill runs when an asset is in it. */
const IMPLICIT_ASSET_JOB_NAME = '__ASSET_JOB';

/**
 * The state of a new asset backfill of `targetSubset` (Dagster's `AssetBackfillData.empty`): nothing requested,
 * materialized or failed yet; store it as `PartitionBackfill.assetBackfillData` of a REQUESTED backfill.
 */
export function emptyAssetBackfillData(targetSubset: AssetGraphSubset, backfillStartTimestamp: number): AssetBackfillData {
  const empty = new AssetGraphSubset();
  return new AssetBackfillData({
    targetSubset,
    requestedRunsForTargetRoots: false,
    latestStorageId: null,
    materializedSubset: empty,
    requestedSubset: empty,
    failedAndDownstreamSubset: empty,
    backfillStartTime: new TimestampWithTimezone({ timestamp: backfillStartTimestamp, timezone: 'UTC' }),
  });
}

interface AssetNode {
  readonly key: AssetKey;
  readonly parents: readonly string[];
  readonly children: string[];
  readonly jobNames: readonly string[];
  readonly partitioned: boolean;
  readonly loaded: LoadedLocation;
}

/** The asset graph of the loaded locations, by `AssetKey.toDbString()`. */
function assetGraphOf(locations: readonly LoadedLocation[]): Map<string, AssetNode> {
  const nodes = new Map<string, AssetNode>();
  for (const loaded of locations) {
    for (const node of loaded.snapshot.assetNodes ?? []) {
      const key = new AssetKey([...node.assetKey]);
      nodes.set(key.toDbString(), {
        key,
        parents: node.dependencyKeys.map((path) => new AssetKey([...path]).toDbString()),
        children: [],
        jobNames: node.jobNames,
        partitioned: node.partitioned,
        loaded,
      });
    }
  }
  for (const [id, node] of nodes) for (const parent of node.parents) nodes.get(parent)?.children.push(id);
  return nodes;
}

/** Asset partitions to compute with: partition keys per partitioned asset, plus unpartitioned assets. */
class AssetPartitions {
  readonly keys = new Map<string, AssetKey>();
  readonly partitions = new Map<string, Set<string>>();
  readonly unpartitioned = new Set<string>();

  static of(subset: AssetGraphSubset): AssetPartitions {
    const result = new AssetPartitions();
    for (const [key, value] of subset.partitionsSubsetsByAssetKey) {
      if (!(value instanceof DefaultPartitionsSubset)) {
        const kind = (value as object | null)?.constructor?.name ?? typeof value;
        throw new NotSupportedError(`Asset backfill of ${key.toUserString()}: partitions subsets of kind ${kind} are not supported by inst yet (only DefaultPartitionsSubset)`);
      }
      for (const partition of value.subset) result.add(key, partition);
    }
    for (const key of subset.nonPartitionedAssetKeys) result.add(key, null);
    return result;
  }

  add(key: AssetKey, partition: string | null): void {
    const id = key.toDbString();
    this.keys.set(id, key);
    if (partition === null) this.unpartitioned.add(id);
    else {
      let set = this.partitions.get(id);
      if (!set) this.partitions.set(id, (set = new Set()));
      set.add(partition);
    }
  }
  has(id: string, partition: string | null): boolean {
    return partition === null ? this.unpartitioned.has(id) : (this.partitions.get(id)?.has(partition) ?? false);
  }
  get size(): number {
    let n = this.unpartitioned.size;
    for (const set of this.partitions.values()) n += set.size;
    return n;
  }
  *[Symbol.iterator](): IterableIterator<[string, string | null]> {
    for (const [id, set] of this.partitions) for (const partition of set) yield [id, partition];
    for (const id of this.unpartitioned) yield [id, null];
  }
  union(other: AssetPartitions): AssetPartitions {
    const result = this.copy();
    for (const [id, partition] of other) result.add(other.keys.get(id)!, partition);
    return result;
  }
  minus(other: AssetPartitions): AssetPartitions {
    const result = new AssetPartitions();
    for (const [id, partition] of this) if (!other.has(id, partition)) result.add(this.keys.get(id)!, partition);
    return result;
  }
  copy(): AssetPartitions {
    return this.minus(new AssetPartitions());
  }
  /** Dagster's AssetGraphSubset: a DefaultPartitionsSubset per partitioned asset, in the order they were added. */
  toSubset(): AssetGraphSubset {
    const byKey = new Map<AssetKey, DefaultPartitionsSubset>();
    for (const [id, set] of this.partitions) if (set.size > 0) byKey.set(this.keys.get(id)!, new DefaultPartitionsSubset({ subset: new Set(set) }));
    return new AssetGraphSubset({
      partitionsSubsetsByAssetKey: byKey,
      nonPartitionedAssetKeys: new Set([...this.unpartitioned].map((id) => this.keys.get(id)!)),
    });
  }
}

/** The asset partitions a run of the backfill targets: its asset selection × its partition (or range). */
function runAssetPartitions(run: DagsterRun, target: AssetPartitions): [AssetKey, string | null][] {
  const partition = run.tags[RUN_TAGS.PARTITION_NAME] ?? null;
  const result: [AssetKey, string | null][] = [];
  for (const key of run.assetSelection ?? []) {
    const id = key.toDbString();
    if (partition !== null && target.has(id, partition)) result.push([key, partition]);
    else if (partition === null && target.has(id, null)) result.push([key, null]);
  }
  return result;
}

/**
 * The target asset partitions of `neighbor` that one partition of an asset relates to: the same partition when both
 * are partitioned (identity mapping), every target partition when only the neighbor is, else the unpartitioned asset.
 */
function relatedUnits(neighbor: AssetNode, partition: string | null, target: AssetPartitions): [string, string | null][] {
  const id = neighbor.key.toDbString();
  if (!neighbor.partitioned) return [[id, null]];
  if (partition !== null) return [[id, partition]];
  return [...(target.partitions.get(id) ?? [])].map((p) => [id, p]);
}

/** Adds the asset partitions downstream of `failed` that the backfill targets. */
function withDownstream(failed: AssetPartitions, target: AssetPartitions, graph: Map<string, AssetNode>): AssetPartitions {
  const result = failed.copy();
  const queue = [...failed];
  while (queue.length > 0) {
    const [id, partition] = queue.pop()!;
    for (const child of graph.get(id)?.children ?? []) {
      const node = graph.get(child)!;
      for (const [childId, childPartition] of relatedUnits(node, partition, target)) {
        if (target.has(childId, childPartition) && !result.has(childId, childPartition)) {
          result.add(node.key, childPartition);
          queue.push([childId, childPartition]);
        }
      }
    }
  }
  return result;
}

/** Materialized and failed asset partitions of the backfill's runs, read from the event log after the cursor. */
async function readProgress(
  ctx: DaemonContext,
  backfillId: string,
  data: AssetBackfillData,
  target: AssetPartitions,
  runs: readonly DagsterRun[],
  graph: Map<string, AssetNode>,
  downstream: boolean,
): Promise<{ materialized: AssetPartitions; failed: AssetPartitions }> {
  const runIds = new Set(runs.map((r) => r.runId));
  const materialized = AssetPartitions.of(data.materializedSubset);
  for (const id of new Set([...target.partitions.keys(), ...target.unpartitioned])) {
    const assetKey = target.keys.get(id)!;
    let cursor: string | null = null;
    for (;;) {
      const page = await ctx.instance.fetchMaterializations(
        new AssetRecordsFilter({ assetKey, afterStorageId: data.latestStorageId }),
        MATERIALIZATION_CHUNK_SIZE,
        cursor,
      );
      for (const record of page.records) {
        if (!runIds.has(record.runId)) continue;
        const partition = record.partitionKey;
        if (target.has(id, partition)) materialized.add(assetKey, partition);
      }
      if (!page.hasMore) break;
      cursor = page.cursor;
    }
  }
  const failed = new AssetPartitions();
  for (const run of runs) {
    if (run.status !== DagsterRunStatus.FAILURE && run.status !== DagsterRunStatus.CANCELED) continue;
    // A failed run that will be retried automatically is not a failure of the backfill yet.
    if (run.status === DagsterRunStatus.FAILURE && run.tags[RUN_TAGS.WILL_RETRY] === 'true') continue;
    for (const [key, partition] of runAssetPartitions(run, target)) if (!materialized.has(key.toDbString(), partition)) failed.add(key, partition);
  }
  const previouslyFailed = AssetPartitions.of(data.failedAndDownstreamSubset);
  return { materialized, failed: previouslyFailed.union(downstream ? withDownstream(failed, target, graph) : failed).minus(materialized) };
}

/** The job that materializes an asset: the implicit asset job when the asset is in it, else its first job. */
function jobOf(node: AssetNode): string {
  if (node.jobNames.includes(IMPLICIT_ASSET_JOB_NAME)) return IMPLICIT_ASSET_JOB_NAME;
  const job = node.jobNames[0];
  if (!job) throw new NotSupportedError(`Asset ${node.key.toUserString()} is in no job of its code location, so no backfill run can materialize it`);
  return job;
}

interface AssetRunRequest {
  readonly loaded: LoadedLocation;
  readonly jobName: string;
  readonly partition: string | null;
  readonly assets: AssetKey[];
}

/** One run request per (location, job, partition), selecting every ready asset of it (Dagster groups them so). */
function groupRunRequests(ready: AssetPartitions, graph: Map<string, AssetNode>): AssetRunRequest[] {
  const requests = new Map<string, AssetRunRequest>();
  for (const [id, partition] of ready) {
    const node = graph.get(id)!;
    const jobName = jobOf(node);
    const group = `${node.loaded.location.name}\u0000${jobName}\u0000${partition ?? ''}`;
    let request = requests.get(group);
    if (!request) requests.set(group, (request = { loaded: node.loaded, jobName, partition, assets: [] }));
    request.assets.push(node.key);
  }
  return [...requests.values()];
}

/** Stores the data on the backfill as Dagster's `with_asset_backfill_data` does: in the form the backfill uses. */
async function storeData(ctx: DaemonContext, backfill: PartitionBackfill, data: AssetBackfillData, legacy: LegacyPartitionsDefs | null): Promise<PartitionBackfill> {
  const updated = legacy ? backfill.withAssetBackfillData(writeLegacyAssetBackfillData(data, legacy), null) : backfill.withAssetBackfillData(null, data);
  await ctx.instance.updateBackfill(updated);
  return updated;
}

/** One iteration of an asset backfill (REQUESTED or CANCELING). */
export const executeAssetBackfillIteration: BackfillIteration = async (ctx, backfill, locations, options) => {
  const { instance, log } = ctx;
  const id = backfill.backfillId;
  let data: AssetBackfillData;
  let legacy: LegacyPartitionsDefs | null = null;
  if (backfill.serializedAssetBackfillData !== null) {
    ({ data, defs: legacy } = readLegacyAssetBackfillData(backfill.serializedAssetBackfillData, backfill.backfillTimestamp));
  } else if (backfill.assetBackfillData instanceof AssetBackfillData) {
    data = backfill.assetBackfillData;
  } else {
    throw new NotSupportedError(`Backfill ${id}: its asset_backfill_data is not an AssetBackfillData`);
  }
  const graph = assetGraphOf(locations);
  const target = AssetPartitions.of(data.targetSubset);
  for (const assetId of target.keys.keys()) {
    if (!graph.has(assetId)) throw new NotSupportedError(`Backfill ${id}: asset ${target.keys.get(assetId)!.toUserString()} is no longer in the workspace`);
  }
  // Read the cursor before the records, so nothing written meanwhile is skipped next time.
  const nextLatestStorageId = (await instance.eventLogStorage.getMaximumRecordId()) ?? 0;
  const runs = await backfillRuns(ctx, id);
  const unfinished = () => instance.getRunsCount(backfillRunsFilter(id, NOT_FINISHED_STATUSES));

  if (backfill.status !== BulkActionStatus.REQUESTED && backfill.status !== BulkActionStatus.CANCELING) {
    // Dagster's asset iteration has branches only for REQUESTED and CANCELING (a forced CANCELED is skipped).
    return { backfillId: id, status: backfill.status, runsCreated: 0, runsCanceled: 0 };
  }
  if (backfill.status === BulkActionStatus.CANCELING) {
    const { canceled, done } = await cancelBackfillRuns(ctx, backfill);
    const afterCancel = await backfillRuns(ctx, id);
    const { materialized, failed } = await readProgress(ctx, id, data, target, afterCancel, graph, false); // Dagster adds no downstream here
    const updatedData = data.with({ materializedSubset: materialized.toSubset(), failedAndDownstreamSubset: failed.toSubset(), latestStorageId: nextLatestStorageId });
    const requested = AssetPartitions.of(data.requestedSubset);
    const accounted = requested.minus(materialized).minus(failed).size === 0;
    let current = await storeData(ctx, (await instance.getBackfill(id)) ?? backfill, updatedData, legacy);
    if (accounted || done) {
      if (!accounted) log.warn(`Asset backfill ${id}: all runs are finished but some requested partitions are neither materialized nor failed; canceling anyway`);
      current = current.withStatus(BulkActionStatus.CANCELED).withEndTimestamp(ctx.now());
      await instance.updateBackfill(current);
    }
    return { backfillId: id, status: current.status, runsCreated: 0, runsCanceled: canceled };
  }

  let materialized: AssetPartitions;
  let failed: AssetPartitions;
  if (!data.requestedRunsForTargetRoots) {
    materialized = new AssetPartitions();
    failed = new AssetPartitions();
  } else {
    ({ materialized, failed } = await readProgress(ctx, id, data, target, runs, graph, true));
  }
  // Asset partitions of runs already created count as requested (a crash may have come before the data was stored),
  // and a run created but never submitted is submitted now (Dagster resubmits its reserved runs the same way).
  const submit = options.submit ?? true;
  for (const run of runs) if (submit && run.status === DagsterRunStatus.NOT_STARTED) await submitBackfillRun(ctx, id, run.runId);
  let requested = AssetPartitions.of(data.requestedSubset);
  for (const run of runs) for (const [key, partition] of runAssetPartitions(run, target)) requested.add(key, partition);

  const ready = new AssetPartitions();
  for (const [assetId, partition] of target) {
    if (requested.has(assetId, partition) || failed.has(assetId, partition) || materialized.has(assetId, partition)) continue;
    const node = graph.get(assetId)!;
    // Parents outside the workspace or outside this backfill do not hold it back.
    const parentsDone = node.parents.every((parent) => {
      const parentNode = graph.get(parent);
      if (!parentNode) return true;
      return relatedUnits(parentNode, partition, target).every(([pid, pp]) => !target.has(pid, pp) || materialized.has(pid, pp));
    });
    if (parentsDone) ready.add(node.key, partition);
  }

  let currentData = data.with({
    requestedRunsForTargetRoots: true,
    latestStorageId: nextLatestStorageId,
    materializedSubset: materialized.toSubset(),
    failedAndDownstreamSubset: failed.toSubset(),
    requestedSubset: requested.toSubset(),
  });
  let current = await storeData(ctx, (await instance.getBackfill(id)) ?? backfill, currentData, legacy);

  const requests = groupRunRequests(ready, graph);
  const createRun = options.createRun ?? createRunForRequest;
  const chunkSize = options.chunkSize ?? ASSET_BACKFILL_RUN_CHUNK_SIZE;
  let created = 0;
  for (let i = 0; i < requests.length; i += chunkSize) {
    if (ctx.signal.aborted) return { backfillId: id, status: current.status, runsCreated: created, runsCanceled: 0 };
    const chunk = requests.slice(i, i + chunkSize);
    for (const request of chunk) {
      const run = await createRun(instance, request.loaded, {
        jobName: request.jobName,
        tags: {
          ...(request.partition !== null ? { [RUN_TAGS.PARTITION_NAME]: request.partition } : {}),
          ...backfill.tags,
          [RUN_TAGS.BACKFILL_ID]: id,
        },
        assetSelection: request.assets.map((key) => [...key.path]),
      });
      created++;
      for (const key of request.assets) requested.add(key, request.partition);
      await options.crashAt?.('RUN_CREATED', { backfillId: id, partition: request.partition ?? '' });
      if (submit) await submitBackfillRun(ctx, id, run.runId);
    }
    requested = requested.copy();
    // Re-read between chunks: a cancel stops the backfill, and what was requested is stored before going on.
    const fresh = await instance.getBackfill(id);
    if (!fresh) return { backfillId: id, status: current.status, runsCreated: created, runsCanceled: 0 };
    currentData = currentData.with({ requestedSubset: requested.toSubset() });
    current = await storeData(ctx, fresh, currentData, legacy);
    await options.crashAt?.('CHUNK_SUBMITTED', { backfillId: id, partition: chunk.at(-1)!.partition ?? '' });
    if (fresh.status !== BulkActionStatus.REQUESTED) {
      log.info(`Backfill ${id} is no longer REQUESTED (${fresh.status}); stopping after ${created} runs`);
      return { backfillId: id, status: fresh.status, runsCreated: created, runsCanceled: 0 };
    }
  }
  if (created > 0) log.info(`Asset backfill ${id}: requested ${created} runs`);

  // Complete once every target partition has a final state and no run of the backfill is unfinished.
  if (materialized.union(failed).size < target.size || (await unfinished()) > 0) {
    return { backfillId: id, status: current.status, runsCreated: created, runsCanceled: 0 };
  }
  const final = failed.size > 0 ? BulkActionStatus.COMPLETED_FAILED : BulkActionStatus.COMPLETED_SUCCESS;
  const latest = (await instance.getBackfill(id)) ?? current;
  if (latest.status !== BulkActionStatus.REQUESTED) return { backfillId: id, status: latest.status, runsCreated: created, runsCanceled: 0 };
  await instance.updateBackfill(latest.withStatus(final).withEndTimestamp(ctx.now()));
  return { backfillId: id, status: final, runsCreated: created, runsCanceled: 0 };
};

function backfillRunsFilter(backfillId: string, statuses: readonly DagsterRunStatus[]): RunsFilter {
  return new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: backfillId }, statuses: [...statuses] });
}
