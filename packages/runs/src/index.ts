/**
 * `@inst/runs`: the runs and snapshots domain of inst — creating, re-executing, registering and querying runs,
 * reporting lifecycle changes made from outside a run, and job / execution plan snapshots. Every function takes
 * a {@link RunsInstanceOps} first.
 *
 * @packageDocumentation
 */

/** What the domain needs from an instance. */
export type { RunsInstanceOps } from './ops';
export { runsOpsFromStorages, type RunsStorages } from './from-storages';
/** Errors of this domain (InstError subclasses). */
export { RunConflictError, InvalidSubsetError } from './errors';
/** The asset graph shapes run creation reads (partitions, execution types). */
export type { RunAssetGraph, RunAssetNode, RunPartitionsDefinition } from './asset-graph';

export {
  /** The run with an id, or undefined. */
  getRunById,
  /** The run record with an id, or undefined. */
  getRunRecordById,
  /** Run records matching a filter. */
  getRunRecords,
  /** Runs matching a filter. */
  getRuns,
  /** Ids of runs matching a filter. */
  getRunIds,
  /** Number of runs matching a filter. */
  getRunsCount,
  /** Whether a run exists. */
  hasRun,
  /** Inserts a run as it is. */
  addRun,
  /** Deletes a run and its events. */
  deleteRun,
  /** Adds or replaces tags of a run. */
  addRunTags,
  /** Applies a run lifecycle event to the stored run. */
  handleRunEvent,
  /** A run's stats from its events. */
  getRunStats,
  /** A run's per-step stats from its events. */
  getRunStepStats,
  /** Distinct values of tag keys across runs. */
  getRunTags,
  /** Every tag key used on runs. */
  getRunTagKeys,
  /** A run's re-execution group. */
  getRunGroup,
  /** Partition, status and times of a partitioned job's runs. */
  getRunPartitionData,
} from './queries';

export {
  /** Creates a run, its snapshots and its planned events. */
  createRun,
  /** Creates a run of a job definition. */
  createRunForJob,
  /** Builds a run and stores its snapshots without adding it. */
  constructRunWithSnapshots,
  /** Builds a run without writing anything. */
  prepareRun,
  /** Stores a prepared run's snapshots. */
  persistSnapshots,
  /** The planned events of a run's plan, not written. */
  buildAssetPlannedEvents,
  /** Writes the planned events of a run's plan as one batch. */
  logAssetPlannedEvents,
  /** Whether a run's asset events are reported by another system. */
  assetsAreExternallyManaged,
  /** Whether a string is a UUID as Python's `uuid.UUID` reads it. */
  isUuid,
  type CreateRunOptions,
  type PrepareRunInit,
  type PreparedRun,
  type JobDefinitionLike,
} from './create-run';

export {
  /** Creates a re-execution of a run. */
  createReexecutedRun,
  /** Assets and checks a FROM_ASSET_FAILURE re-execution retries. */
  getKeysToReexecute,
  /** Steps and known state of a FROM_FAILURE re-execution. */
  buildResumeRetryReexecution,
  /** Re-execution strategies. */
  ReexecutionStrategy,
  /** Outputs produced by earlier runs of a re-execution chain. */
  PastExecutionState,
  type CreateReexecutedRunOptions,
  type ReexecutionRemoteJob,
  type ReexecutionCodeLocation,
} from './reexecution';

export {
  /** Registers an externally managed run idempotently. */
  registerManagedRun,
  /** Fields that differ between two runs. */
  runFieldDiff,
} from './managed-run';

export {
  /** Reports RUN_CANCELING. */
  reportRunCanceling,
  /** Reports RUN_CANCELED. */
  reportRunCanceled,
  /** Reports RUN_FAILURE. */
  reportRunFailed,
  /** Always false, as in Dagster OSS. */
  shouldStartBackgroundRunThread,
} from './lifecycle';

export {
  /** A stored job snapshot. */
  getJobSnapshot,
  /** Whether a job snapshot is stored. */
  hasJobSnapshot,
  /** Whether any snapshot is stored. */
  hasSnapshot,
  /** A job snapshot with its parent. */
  getHistoricalJob,
  /** Whether a job snapshot is stored. */
  hasHistoricalJob,
  /** A stored execution plan snapshot. */
  getExecutionPlanSnapshot,
  /** Stores a snapshot. */
  addSnapshot,
  /** Stores a job snapshot (and parent) once. */
  ensurePersistedJobSnapshot,
  /** Stores an execution plan snapshot once. */
  ensurePersistedExecutionPlanSnapshot,
  type HistoricalJob,
} from './snapshots';

export {
  /** Pool counts a run needs, from its plan. */
  computeRunOpConcurrencyInfoForSnapshot,
} from './plan';

export {
  /** Dagster's legacy tag normalization. */
  normalizeTags,
  /** Parent tags not copied to re-executions. */
  TAGS_TO_MAYBE_OMIT_ON_RETRY,
  /** Backfill tags. */
  BACKFILL_TAGS,
} from './tags';

/** The run domain: the heavy functions bound to one ops. */
export { runDomain, type RunDomain } from './run-domain';
