/**
 * What the daemons need of code locations: the `CodeLocation` of `@inst/code-location` (CONTRACTS), narrowed to
 * the members the scheduler, sensor and backfill daemons call. Any object with these members works, so the host
 * does not depend on how user code is loaded.
 */
import type { RunRequest, ScheduleEvaluation, SensorEvaluation } from '@inst/definitions';

// The evaluation shapes are @inst/definitions' own (what a code location's evaluate calls return).
/** A run request, as a schedule or sensor evaluation returns it. */
export type RunRequestLike = RunRequest;
/** A schedule evaluation. */
export type ScheduleEvaluationLike = ScheduleEvaluation;
/** A sensor evaluation. */
export type SensorEvaluationLike = SensorEvaluation;

/** A schedule in a location's snapshot. */
export interface ScheduleSnapshotLike {
  name: string;
  jobName: string;
  cronSchedule: string | readonly string[];
  executionTimezone?: string | null;
  /** `RUNNING` or `STOPPED`. */
  defaultStatus?: string | null;
  /** Whether the schedule's job is partitioned (Dagster catches up only for those). */
  hasPartitions?: boolean;
}

/** A sensor in a location's snapshot. */
export interface SensorSnapshotLike {
  name: string;
  jobNames?: readonly string[];
  minIntervalSeconds?: number | null;
  /** `RUNNING` or `STOPPED`. */
  defaultStatus?: string | null;
  sensorType?: string | null;
}

/** A job in a location's snapshot. */
export interface JobSnapshotEntryLike {
  name: string;
  /** A `JobSnapshot` of `@inst/types` (stored with the run when present). */
  jobSnapshot?: unknown;
  /** Whether the job is partitioned. */
  partitioned?: boolean;
  /** The job's backfill policy (asset jobs): runs cover up to `maxPartitionsPerRun` partitions (null: all in one). */
  backfillPolicy?: { maxPartitionsPerRun?: number | null } | null;
}

/** An asset in a location's snapshot (what the asset backfill daemon reads of the asset graph). */
export interface AssetNodeSnapshotLike {
  /** The asset key's path. */
  assetKey: readonly string[];
  dependencyKeys: readonly (readonly string[])[];
  jobNames: readonly string[];
  partitioned: boolean;
}

/** What a code location's snapshot lists. */
export interface CodeLocationSnapshotLike {
  /** Dagster names the repository of a `Definitions` `__repository__`. */
  repositoryName?: string;
  jobs?: readonly JobSnapshotEntryLike[];
  schedules?: readonly ScheduleSnapshotLike[];
  sensors?: readonly SensorSnapshotLike[];
  assetNodes?: readonly AssetNodeSnapshotLike[];
}

/** A code location, as far as the daemons use it. */
export interface CodeLocationLike {
  readonly name: string;
  /** The location's origin (a `CodeLocationOrigin` of `@inst/types`); a registered origin by name when absent. */
  readonly origin?: unknown;
  snapshot(): Promise<CodeLocationSnapshotLike>;
  /** A full code location (`@inst/code-location`) also plans runs; runs then carry its execution plan and code origin. */
  executionPlan?(jobName: string, options?: { stepKeysToExecute?: readonly string[] | null; runConfig?: Record<string, unknown> }): Promise<unknown>;
  partitionKeys?(jobName: string): Promise<string[]>;
  evaluateSchedule(name: string, context: { scheduledExecutionTime: number; timezone?: string }): Promise<ScheduleEvaluationLike>;
  evaluateSensor(
    name: string,
    context: { cursor: string | null; lastTickCompletionTime: number | null; lastRunKey: string | null; lastSensorStartTime: number | null },
  ): Promise<SensorEvaluationLike>;
}

/** A set of loaded code locations (`Workspace` of `@inst/code-location`). */
export interface WorkspaceLike {
  readonly locations: readonly CodeLocationLike[];
  dispose?(): Promise<void>;
}
