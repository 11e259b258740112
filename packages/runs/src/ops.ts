import type { EventLogStorage, EventTypeSelection, RunStorage } from '@inst/storage';
import type { DagsterEvent, DagsterEventBatchMetadata, DagsterRun, EventLogEntry, ExecutionPlanSnapshot, PartitionBackfill, RunRecord } from '@inst/types';

/**
 * Everything the runs and snapshots domain needs from an instance (Dagster's `RunInstanceOps`).
 *
 * The two storages are used directly where Dagster's instance uses its private `_run_storage` /
 * `_event_storage`; every other member is a **public method of the instance** under its camel name, so an
 * adapter that forwards to the instance lets a subclass override (say `getRunById`) and be seen by this domain.
 */
export interface RunsInstanceOps {
  /** The instance's run storage (runs, tags, snapshots). */
  readonly runStorage: RunStorage;
  /** The instance's event log storage (deleting a run's events, writing planned events as one batch). */
  readonly eventLogStorage: EventLogStorage;

  /** `instance.getRunById`: the run, or undefined. */
  getRunById(runId: string): Promise<DagsterRun | undefined>;
  /** `instance.getRunRecordById`: the run record, or undefined (used by `getRunById`). */
  getRunRecordById(runId: string): Promise<RunRecord | undefined>;
  /** `instance.hasRun`. */
  hasRun(runId: string): Promise<boolean>;
  /** `instance.getExecutionPlanSnapshot`: throws SnapshotNotFoundError for an unknown id. */
  getExecutionPlanSnapshot(snapshotId: string): Promise<ExecutionPlanSnapshot>;
  /** `instance.allLogs`: the event log entries of a run, optionally of some types only. */
  allLogs(runId: string, ofType?: EventTypeSelection): Promise<EventLogEntry[]>;
  /**
   * `instance.reportDagsterEvent`: wraps the event in an EventLogEntry (level `logLevel`, default INFO) and hands
   * it to `handleNewEvent`, which stores it and moves the run's status for run events.
   */
  reportDagsterEvent(dagsterEvent: DagsterEvent, runId: string, logLevel?: string | number, batchMetadata?: DagsterEventBatchMetadata | null): Promise<void>;
  /**
   * `instance.getBackfill`: only needed to carry backfill tags onto a re-execution (`useParentRunTags`). Without
   * it, the backfill counts as unknown and backfill tags are dropped, as Dagster does for a finished backfill.
   */
  getBackfill?(backfillId: string): Promise<PartitionBackfill | undefined>;
}
