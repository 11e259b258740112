import type {
  BulkActionStatus,
  BulkActionsFilter,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterRun,
  ExecutionPlanSnapshot,
  JobSnapshot,
  PartitionBackfill,
  RemoteJobOrigin,
  RunPartitionData,
  RunRecord,
  RunsFilter,
} from '@inst/types';
import type { MigrationOptions, StorageLifecycle } from './common';

/** Group runs by job: the newest `bucketLimit` runs of each job name. */
export interface JobBucket {
  readonly jobNames: readonly string[];
  readonly bucketLimit?: number;
}

/** Group runs by a tag: the newest `bucketLimit` runs of each value of `tagKey`. */
export interface TagBucket {
  readonly tagKey: string;
  readonly tagValues: readonly string[];
  readonly bucketLimit?: number;
}

/**
 * Stores runs, their tags and snapshots, daemon heartbeats, backfills and the daemon key-value cursors
 * (Dagster's `RunStorage` + `DaemonCursorStorage`). Parameters follow Dagster's, in order.
 */
export interface RunStorage extends StorageLifecycle {
  /** Adds a run. Throws RunAlreadyExistsError for a taken id, SnapshotNotFoundError for an unknown job snapshot. */
  addRun(dagsterRun: DagsterRun): Promise<DagsterRun>;
  /** Moves a run's status for a run-status event (PIPELINE_START …); other events are ignored. */
  handleRunEvent(runId: string, event: DagsterEvent, updateTimestamp?: Date): Promise<void>;
  /** Runs matching the filter, newest first unless `ascending`; `cursor` is a run id (exclusive). */
  getRuns(filters?: RunsFilter, cursor?: string, limit?: number, bucketBy?: JobBucket | TagBucket, ascending?: boolean): Promise<DagsterRun[]>;
  getRunIds(filters?: RunsFilter, cursor?: string, limit?: number): Promise<string[]>;
  getRunsCount(filters?: RunsFilter): Promise<number>;
  /** The root run id and every run of the group (root first). Throws RunNotFoundError. */
  getRunGroup(runId: string): Promise<[string, DagsterRun[]]>;
  /** Run records (storage id, timestamps) ordered by `orderBy` (a runs column, default `id`). */
  getRunRecords(
    filters?: RunsFilter,
    limit?: number,
    orderBy?: string,
    ascending?: boolean,
    cursor?: string,
    bucketBy?: JobBucket | TagBucket,
  ): Promise<RunRecord[]>;
  /** Distinct tag values per key, keys sorted; `limit` counts (key, value) pairs. Empty `tagKeys` → []. */
  getRunTags(tagKeys: readonly string[], valuePrefix?: string, limit?: number): Promise<[string, Set<string>][]>;
  getRunTagKeys(): Promise<string[]>;
  /** Merges tags into the run (body, tag rows, partition columns). Throws RunNotFoundError. */
  addRunTags(runId: string, newTags: Readonly<Record<string, string>>): Promise<void>;
  hasRun(runId: string): Promise<boolean>;
  deleteRun(runId: string): Promise<void>;
  /** Latest run per partition of a partitioned job. */
  getRunPartitionData(runsFilter: RunsFilter): Promise<RunPartitionData[]>;
  /** Moves a run to another code location origin (updates the repository tag and the body). */
  replaceJobOrigin(run: DagsterRun, jobOrigin: RemoteJobOrigin): Promise<void>;
  /** Deletes runs, tags, snapshots, heartbeats and backfills. */
  wipe(): Promise<void>;

  // Snapshots: content-addressed, stored once by id.
  addSnapshot(snapshot: JobSnapshot | ExecutionPlanSnapshot, snapshotId?: string): Promise<string>;
  hasSnapshot(snapshotId: string): Promise<boolean>;
  addJobSnapshot(jobSnapshot: JobSnapshot, snapshotId?: string): Promise<string>;
  hasJobSnapshot(jobSnapshotId: string): Promise<boolean>;
  /** Throws SnapshotNotFoundError. */
  getJobSnapshot(jobSnapshotId: string): Promise<JobSnapshot>;
  addExecutionPlanSnapshot(executionPlanSnapshot: ExecutionPlanSnapshot, snapshotId?: string): Promise<string>;
  hasExecutionPlanSnapshot(executionPlanSnapshotId: string): Promise<boolean>;
  /** Throws SnapshotNotFoundError. */
  getExecutionPlanSnapshot(executionPlanSnapshotId: string): Promise<ExecutionPlanSnapshot>;

  // Daemon heartbeats.
  addDaemonHeartbeat(daemonHeartbeat: DaemonHeartbeat): Promise<void>;
  /** Latest heartbeat per daemon type. */
  getDaemonHeartbeats(): Promise<Map<string, DaemonHeartbeat>>;
  wipeDaemonHeartbeats(): Promise<void>;

  // Backfills.
  getBackfills(filters?: BulkActionsFilter, cursor?: string, limit?: number, status?: BulkActionStatus): Promise<PartitionBackfill[]>;
  getBackfillsCount(filters?: BulkActionsFilter): Promise<number>;
  getBackfill(backfillId: string): Promise<PartitionBackfill | undefined>;
  addBackfill(partitionBackfill: PartitionBackfill): Promise<void>;
  /** Throws BackfillNotFoundError. */
  updateBackfill(partitionBackfill: PartitionBackfill): Promise<void>;

  // Daemon cursors (the kvs table).
  getCursorValues(keys: Iterable<string>): Promise<Map<string, string>>;
  setCursorValues(pairs: Readonly<Record<string, string>>): Promise<void>;

  /** A stable id of this storage (instance_info), created on first use. */
  getRunStorageId(): Promise<string>;
  /** Required data migrations. */
  migrate(options?: MigrationOptions): Promise<void>;
  /** Optional data migrations for faster reads. */
  optimize(options?: MigrationOptions): Promise<void>;
  /** Whether a data migration (secondary index) has run. */
  hasBuiltIndex(name: string): Promise<boolean>;
  readonly supportsBucketQueries: boolean;
}
