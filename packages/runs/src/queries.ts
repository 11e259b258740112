/**
 * Run CRUD and queries: thin passes to run / event log storage, as Dagster's `RunMethods` and `instance.py`.
 */
import type { JobBucket, TagBucket } from '@inst/storage';
import {
  RunsFilter,
  type DagsterEvent,
  type DagsterRun,
  type DagsterRunStatsSnapshot,
  type RunPartitionData,
  type RunRecord,
  type RunStepKeyStatsSnapshot,
} from '@inst/types';
import type { RunsInstanceOps } from './ops';

/** The run with this id, or undefined; goes through `ops.getRunRecordById` as Dagster's instance does. */
export async function getRunById(ops: RunsInstanceOps, runId: string): Promise<DagsterRun | undefined> {
  const record = await ops.getRunRecordById(runId);
  return record?.dagsterRun;
}

/** The run record (run, storage id, timestamps) for a run id; undefined for an empty id or an unknown run. */
export async function getRunRecordById(ops: RunsInstanceOps, runId: string): Promise<RunRecord | undefined> {
  if (!runId) return undefined;
  const records = await ops.runStorage.getRunRecords(new RunsFilter({ runIds: [runId] }), 1);
  return records[0];
}

/** Run records matching the filter, ordered by `orderBy` (default the storage id), newest first unless `ascending`. */
export function getRunRecords(
  ops: RunsInstanceOps,
  filters?: RunsFilter,
  limit?: number,
  orderBy?: string,
  ascending = false,
  cursor?: string,
  bucketBy?: JobBucket | TagBucket,
): Promise<RunRecord[]> {
  return ops.runStorage.getRunRecords(filters, limit, orderBy, ascending, cursor, bucketBy);
}

/** Runs matching the filter, with cursor paging (a run id, exclusive) and optional bucketing. */
export function getRuns(
  ops: RunsInstanceOps,
  filters?: RunsFilter,
  cursor?: string,
  limit?: number,
  bucketBy?: JobBucket | TagBucket,
  ascending = false,
): Promise<DagsterRun[]> {
  return ops.runStorage.getRuns(filters, cursor, limit, bucketBy, ascending);
}

/** Ids of the runs matching the filter. */
export function getRunIds(ops: RunsInstanceOps, filters?: RunsFilter, cursor?: string, limit?: number): Promise<string[]> {
  return ops.runStorage.getRunIds(filters, cursor, limit);
}

/** Number of runs matching the filter. */
export function getRunsCount(ops: RunsInstanceOps, filters?: RunsFilter): Promise<number> {
  return ops.runStorage.getRunsCount(filters);
}

/** Whether the run exists in run storage. */
export function hasRun(ops: RunsInstanceOps, runId: string): Promise<boolean> {
  return ops.runStorage.hasRun(runId);
}

/** Inserts a run as it is (no snapshots, no planned events); throws RunAlreadyExistsError for a taken id. */
export function addRun(ops: RunsInstanceOps, dagsterRun: DagsterRun): Promise<DagsterRun> {
  return ops.runStorage.addRun(dagsterRun);
}

/** Deletes the run from run storage, then all its events from the event log (Dagster's order). */
export async function deleteRun(ops: RunsInstanceOps, runId: string): Promise<void> {
  await ops.runStorage.deleteRun(runId);
  await ops.eventLogStorage.deleteEvents(runId);
}

/** Adds or replaces tags on an existing run; throws RunNotFoundError for an unknown run. */
export function addRunTags(ops: RunsInstanceOps, runId: string, newTags: Readonly<Record<string, string>>): Promise<void> {
  return ops.runStorage.addRunTags(runId, newTags);
}

/** Applies a run lifecycle event (status, start/end times) to the stored run. */
export function handleRunEvent(ops: RunsInstanceOps, runId: string, event: DagsterEvent, updateTimestamp?: Date): Promise<void> {
  return ops.runStorage.handleRunEvent(runId, event, updateTimestamp);
}

/** Counts and times of a run computed from its events. */
export function getRunStats(ops: RunsInstanceOps, runId: string): Promise<DagsterRunStatsSnapshot> {
  return ops.eventLogStorage.getStatsForRun(runId);
}

/** Per-step stats of a run computed from its events, optionally for some steps only. */
export function getRunStepStats(ops: RunsInstanceOps, runId: string, stepKeys?: readonly string[]): Promise<RunStepKeyStatsSnapshot[]> {
  return ops.eventLogStorage.getStepStatsForRun(runId, stepKeys);
}

/** Distinct values of each requested tag key across runs, optionally only values with a prefix. */
export function getRunTags(ops: RunsInstanceOps, tagKeys: readonly string[], valuePrefix?: string, limit?: number): Promise<[string, Set<string>][]> {
  return ops.runStorage.getRunTags(tagKeys, valuePrefix, limit);
}

/** Every tag key used on runs. */
export function getRunTagKeys(ops: RunsInstanceOps): Promise<string[]> {
  return ops.runStorage.getRunTagKeys();
}

/** The root run id and every run of the run's re-execution group; the storage throws RunNotFoundError. */
export function getRunGroup(ops: RunsInstanceOps, runId: string): Promise<[string, DagsterRun[]] | undefined> {
  return ops.runStorage.getRunGroup(runId);
}

/** Partition, status and times of the latest run of each partition of a partitioned job. */
export function getRunPartitionData(ops: RunsInstanceOps, runsFilter: RunsFilter): Promise<RunPartitionData[]> {
  return ops.runStorage.getRunPartitionData(runsFilter);
}
