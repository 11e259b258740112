/**
 * Job and execution plan snapshots: content-addressed (the id is the SHA-1 of the serialized bytes) and stored
 * once in run storage.
 */
import { InvariantViolationError } from '@inst/errors';
import { createExecutionPlanSnapshotId, createJobSnapshotId, type ExecutionPlanSnapshot, type JobSnapshot } from '@inst/types';
import type { RunsInstanceOps } from './ops';

/**
 * A stored job snapshot with its parent (Dagster's `HistoricalJob`, minus the Python-only indexes): what a run's
 * `jobSnapshotId` points at. `parentJobSnapshot` is set when the job is a subset (its snapshot has a lineage).
 */
export interface HistoricalJob {
  /** The job's name. */
  readonly name: string;
  readonly jobSnapshot: JobSnapshot;
  /** The id the snapshot is stored under. */
  readonly identifyingJobSnapshotId: string;
  readonly parentJobSnapshot: JobSnapshot | null;
}

/** The stored job snapshot; throws SnapshotNotFoundError for an unknown id. */
export function getJobSnapshot(ops: RunsInstanceOps, snapshotId: string): Promise<JobSnapshot> {
  return ops.runStorage.getJobSnapshot(snapshotId);
}

/** Whether a job snapshot with this id is stored. */
export function hasJobSnapshot(ops: RunsInstanceOps, snapshotId: string): Promise<boolean> {
  return ops.runStorage.hasJobSnapshot(snapshotId);
}

/** Whether any snapshot (job or execution plan) with this id is stored. */
export function hasSnapshot(ops: RunsInstanceOps, snapshotId: string): Promise<boolean> {
  return ops.runStorage.hasSnapshot(snapshotId);
}

/** The job snapshot and, when it is a subset, its parent snapshot; throws SnapshotNotFoundError. */
export async function getHistoricalJob(ops: RunsInstanceOps, snapshotId: string): Promise<HistoricalJob> {
  const jobSnapshot = await ops.runStorage.getJobSnapshot(snapshotId);
  const parentJobSnapshot = jobSnapshot.lineageSnapshot ? await ops.runStorage.getJobSnapshot(jobSnapshot.lineageSnapshot.parentSnapshotId) : null;
  return Object.freeze({ name: jobSnapshot.name, jobSnapshot, identifyingJobSnapshotId: snapshotId, parentJobSnapshot });
}

/** Whether a job snapshot with this id is stored (the same check as {@link hasJobSnapshot}). */
export function hasHistoricalJob(ops: RunsInstanceOps, snapshotId: string): Promise<boolean> {
  return ops.runStorage.hasJobSnapshot(snapshotId);
}

/** The stored execution plan snapshot; throws SnapshotNotFoundError for an unknown id. */
export function getExecutionPlanSnapshot(ops: RunsInstanceOps, snapshotId: string): Promise<ExecutionPlanSnapshot> {
  return ops.runStorage.getExecutionPlanSnapshot(snapshotId);
}

/** Stores a job or execution plan snapshot under its content id. */
export async function addSnapshot(ops: RunsInstanceOps, snapshot: JobSnapshot | ExecutionPlanSnapshot): Promise<void> {
  await ops.runStorage.addSnapshot(snapshot);
}

/**
 * Stores the job snapshot (and a subset's parent snapshot) unless already stored, and returns its id. A parent
 * whose id differs from the lineage's only warns, as in Dagster.
 */
export async function ensurePersistedJobSnapshot(ops: RunsInstanceOps, jobSnapshot: JobSnapshot, parentJobSnapshot?: JobSnapshot | null): Promise<string> {
  if (jobSnapshot.lineageSnapshot && parentJobSnapshot) {
    const parentSnapshotId = createJobSnapshotId(parentJobSnapshot);
    if (jobSnapshot.lineageSnapshot.parentSnapshotId !== parentSnapshotId) {
      process.emitWarning(
        `Stored parent snapshot ID ${parentSnapshotId} did not match the parent snapshot ID ${jobSnapshot.lineageSnapshot.parentSnapshotId} on the subsetted job`,
      );
    }
    if (!(await ops.runStorage.hasJobSnapshot(parentSnapshotId))) await ops.runStorage.addJobSnapshot(parentJobSnapshot, parentSnapshotId);
  }
  const jobSnapshotId = createJobSnapshotId(jobSnapshot);
  if (!(await ops.runStorage.hasJobSnapshot(jobSnapshotId))) {
    const returned = await ops.runStorage.addJobSnapshot(jobSnapshot, jobSnapshotId);
    if (returned !== jobSnapshotId) {
      throw new InvariantViolationError(`Job snapshot stored under ${returned}, expected ${jobSnapshotId}`, { ids: { snapshotId: jobSnapshotId } });
    }
  }
  return jobSnapshotId;
}

/** Throws unless the plan was made for this job snapshot (checked before anything is written). */
export function checkPlanMatchesJob(executionPlanSnapshot: ExecutionPlanSnapshot, jobSnapshotId: string): void {
  if (executionPlanSnapshot.jobSnapshotId !== jobSnapshotId) {
    throw new InvariantViolationError(
      `Snapshot mismatch: Snapshot ID in execution plan snapshot is "${executionPlanSnapshot.jobSnapshotId}" and snapshot_id created in memory is "${jobSnapshotId}"`,
      { ids: { snapshotId: jobSnapshotId } },
    );
  }
}

/** Stores the execution plan snapshot unless already stored, and returns its id; the plan must belong to the job snapshot. */
export async function ensurePersistedExecutionPlanSnapshot(ops: RunsInstanceOps, executionPlanSnapshot: ExecutionPlanSnapshot, jobSnapshotId: string): Promise<string> {
  checkPlanMatchesJob(executionPlanSnapshot, jobSnapshotId);
  const snapshotId = createExecutionPlanSnapshotId(executionPlanSnapshot);
  if (!(await ops.runStorage.hasExecutionPlanSnapshot(snapshotId))) {
    const returned = await ops.runStorage.addExecutionPlanSnapshot(executionPlanSnapshot, snapshotId);
    if (returned !== snapshotId) {
      throw new InvariantViolationError(`Execution plan snapshot stored under ${returned}, expected ${snapshotId}`, { ids: { snapshotId } });
    }
  }
  return snapshotId;
}
