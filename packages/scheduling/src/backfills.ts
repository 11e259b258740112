/**
 * Backfills (Dagster's backfill members of the instance), kept in run storage, and the two backfill feature gates.
 */
import type { BulkActionsFilter, BulkActionStatus, PartitionBackfill } from '@inst/types';
import { opt } from './internal';
import type { SchedulingInstanceOps } from './ops';


/**
 * Backfills, newest first, matching `filters` (statuses, creation time, tags, job name, ids) and `status`, after the
 * backfill id `cursor` (exclusive), at most `limit`.
 */
export async function getBackfills(
  ops: Pick<SchedulingInstanceOps, 'runStorage'>,
  filters?: BulkActionsFilter | null,
  cursor?: string | null,
  limit?: number | null,
  status?: BulkActionStatus | null,
): Promise<PartitionBackfill[]> {
  return ops.runStorage.getBackfills(opt(filters), opt(cursor), opt(limit), opt(status));
}

/** How many backfills match `filters`. */
export async function getBackfillsCount(
  ops: Pick<SchedulingInstanceOps, 'runStorage'>,
  filters?: BulkActionsFilter | null,
): Promise<number> {
  return ops.runStorage.getBackfillsCount(opt(filters));
}

/** The backfill with that id, or undefined. */
export async function getBackfill(
  ops: Pick<SchedulingInstanceOps, 'runStorage'>,
  backfillId: string,
): Promise<PartitionBackfill | undefined> {
  return ops.runStorage.getBackfill(backfillId);
}

/** Stores a new backfill. */
export async function addBackfill(
  ops: Pick<SchedulingInstanceOps, 'runStorage'>,
  partitionBackfill: PartitionBackfill,
): Promise<void> {
  await ops.runStorage.addBackfill(partitionBackfill);
}

/** Replaces a stored backfill (status, progress, cursor …); BackfillNotFoundError for an unknown id. */
export async function updateBackfill(
  ops: Pick<SchedulingInstanceOps, 'runStorage'>,
  partitionBackfill: PartitionBackfill,
): Promise<void> {
  await ops.runStorage.updateBackfill(partitionBackfill);
}

/** Whether each backfill keeps its own logs: false, as in Dagster OSS (a hook for instance subclasses). */
export function backfillLogStorageEnabled(_ops?: unknown): boolean {
  return false;
}

/** Whether declarative automation submits its work as backfills: false, as in Dagster OSS (a hook for subclasses). */
export function daRequestBackfills(_ops?: unknown): boolean {
  return false;
}
