/**
 * Runs (`_core/storage/dagster_run.py`, `_core/storage/tags.py`, `_core/execution/stats.py`).
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '@inst/errors';
import { defineEnum, initRecord, registerRecord, replaceRecord, t, type EnumValue } from '@inst/serdes';
import { AssetCheckKey, AssetKey } from './assets';
import type { EventLogEntry } from './events';
import type { ExpectationResult } from './event-data';
import { initPlain, invariant, toFrozenSet } from './internal';
import { JobPythonOrigin, RemoteJobOrigin } from './origins';

/** The status of a run (stored as `PipelineRunStatus`). */
export const DagsterRunStatus = defineEnum(
  'DagsterRunStatus',
  {
    QUEUED: 'QUEUED',
    NOT_STARTED: 'NOT_STARTED',
    MANAGED: 'MANAGED',
    STARTING: 'STARTING',
    STARTED: 'STARTED',
    SUCCESS: 'SUCCESS',
    FAILURE: 'FAILURE',
    CANCELING: 'CANCELING',
    CANCELED: 'CANCELED',
  },
  { storageName: 'PipelineRunStatus' },
);
/** A member value of {@link DagsterRunStatus}. */
export type DagsterRunStatus = EnumValue<typeof DagsterRunStatus>;

/** Statuses of runs that may be using compute resources. */
export const IN_PROGRESS_RUN_STATUSES: readonly DagsterRunStatus[] = Object.freeze([
  DagsterRunStatus.STARTING,
  DagsterRunStatus.STARTED,
  DagsterRunStatus.CANCELING,
]);

/** Statuses of runs that are not using compute resources. */
export const NON_IN_PROGRESS_RUN_STATUSES: readonly DagsterRunStatus[] = Object.freeze([
  DagsterRunStatus.QUEUED,
  DagsterRunStatus.NOT_STARTED,
  DagsterRunStatus.SUCCESS,
  DagsterRunStatus.FAILURE,
  DagsterRunStatus.MANAGED,
  DagsterRunStatus.CANCELED,
]);

/** Statuses of runs that have finished. */
export const FINISHED_STATUSES: readonly DagsterRunStatus[] = Object.freeze([
  DagsterRunStatus.SUCCESS,
  DagsterRunStatus.FAILURE,
  DagsterRunStatus.CANCELED,
]);

/** Statuses of runs that have not finished. */
export const NOT_FINISHED_STATUSES: readonly DagsterRunStatus[] = Object.freeze([
  DagsterRunStatus.STARTING,
  DagsterRunStatus.STARTED,
  DagsterRunStatus.CANCELING,
  DagsterRunStatus.QUEUED,
  DagsterRunStatus.NOT_STARTED,
]);

/** Statuses of runs that can safely be canceled. */
export const CANCELABLE_RUN_STATUSES: readonly DagsterRunStatus[] = Object.freeze([DagsterRunStatus.STARTED, DagsterRunStatus.QUEUED]);

/** Why a run failed (the value of the `dagster/failure_reason` tag and of `JobFailureData.failureReason`). */
export const RunFailureReason = defineEnum('RunFailureReason', {
  UNEXPECTED_TERMINATION: 'UNEXPECTED_TERMINATION',
  RUN_EXCEPTION: 'RUN_EXCEPTION',
  STEP_FAILURE: 'STEP_FAILURE',
  JOB_INITIALIZATION_FAILURE: 'JOB_INITIALIZATION_FAILURE',
  START_TIMEOUT: 'START_TIMEOUT',
  RUN_WORKER_RESTART: 'RUN_WORKER_RESTART',
  UNKNOWN: 'UNKNOWN',
});
/** A member value of {@link RunFailureReason}. */
export type RunFailureReason = EnumValue<typeof RunFailureReason>;

/** Dagster's run tag names (`_core/storage/tags.py`, `_core/definitions/data_version.py`). */
export const RUN_TAGS = Object.freeze({
  SYSTEM_TAG_PREFIX: 'dagster/',
  HIDDEN_TAG_PREFIX: '.dagster/',
  REPOSITORY_LABEL: '.dagster/repository',
  SCHEDULE_NAME: 'dagster/schedule_name',
  SENSOR_NAME: 'dagster/sensor_name',
  TICK_ID: 'dagster/tick',
  BACKFILL_ID: 'dagster/backfill',
  PARENT_BACKFILL_ID: 'dagster/parent_backfill_id',
  ROOT_BACKFILL_ID: 'dagster/root_backfill_id',
  PARTITION_NAME: 'dagster/partition',
  /** Prefix of the per-dimension partition tags of multi-partitioned runs (`dagster/partition/<dimension>`). */
  MULTIDIMENSIONAL_PARTITION_PREFIX: 'dagster/partition/',
  ASSET_PARTITION_RANGE_START: 'dagster/asset_partition_range_start',
  ASSET_PARTITION_RANGE_END: 'dagster/asset_partition_range_end',
  PARTITION_SET: 'dagster/partition_set',
  PARENT_RUN_ID: 'dagster/parent_run_id',
  ROOT_RUN_ID: 'dagster/root_run_id',
  RESUME_RETRY: 'dagster/is_resume_retry',
  ASSET_RESUME_RETRY: 'dagster/is_asset_resume_retry',
  STEP_SELECTION: 'dagster/step_selection',
  OP_SELECTION: 'dagster/solid_selection',
  GRPC_INFO: '.dagster/grpc_info',
  SCHEDULED_EXECUTION_TIME: '.dagster/scheduled_execution_time',
  RUN_KEY: 'dagster/run_key',
  PRIORITY: 'dagster/priority',
  DOCKER_IMAGE: 'dagster/image',
  MAX_RETRIES: 'dagster/max_retries',
  RETRY_NUMBER: 'dagster/retry_number',
  RETRY_STRATEGY: 'dagster/retry_strategy',
  RETRY_ON_ASSET_OR_OP_FAILURE: 'dagster/retry_on_asset_or_op_failure',
  WILL_RETRY: 'dagster/will_retry',
  AUTO_RETRY_RUN_ID: 'dagster/auto_retry_run_id',
  MAX_RUNTIME_SECONDS: 'dagster/max_runtime',
  AUTO_MATERIALIZE: 'dagster/auto_materialize',
  AUTOMATION_CONDITION: 'dagster/from_automation_condition',
  ASSET_EVALUATION_ID: 'dagster/asset_evaluation_id',
  AUTO_OBSERVE: 'dagster/auto_observe',
  RUN_WORKER_ID: '.dagster/run_worker',
  GLOBAL_CONCURRENCY: 'dagster/concurrency_key',
  USER: 'user',
  REPORTING_USER: 'dagster/reporting_user',
  RUN_ISOLATION: 'dagster/isolation',
  RUN_FAILURE_REASON: 'dagster/failure_reason',
  LEGACY_COMPUTE_KIND: 'kind',
  COMPUTE_KIND: 'dagster/compute_kind',
  KIND_PREFIX: 'dagster/kind/',
  /** Prefix of the `.dagster/pool/<pool>` tags written for the pools a run uses. */
  POOL_PREFIX: '.dagster/pool/',
  EXTERNAL_JOB_SOURCE: 'dagster/external_job_source',
  EXTERNALLY_MANAGED_ASSETS: 'dagster/defer_asset_events',
  RUN_METRICS_POLLING_INTERVAL: '.dagster/run_metrics_polling_interval',
  RUN_METRICS_PYTHON_RUNTIME: '.dagster/python_runtime_metrics',
  DATA_VERSION: 'dagster/data_version',
  CODE_VERSION: 'dagster/code_version',
  DATA_VERSION_IS_USER_PROVIDED: 'dagster/data_version_is_user_provided',
  INPUT_DATA_VERSION_PREFIX: 'dagster/input_data_version',
  INPUT_EVENT_POINTER_PREFIX: 'dagster/input_event_pointer',
});

/** The run tag of one dimension of a multi-dimensional partition: `dagster/partition/<dimension>`. */
export function multidimensionalPartitionTag(dimension: string): string {
  return `${RUN_TAGS.MULTIDIMENSIONAL_PARTITION_PREFIX}${dimension}`;
}

/** Dagster's `get_boolean_tag_value`: `"false"` (any case) and absent tags are false, any other value true. */
export function booleanTagValue(value: string | null | undefined, defaultValue = false): boolean {
  if (value === null || value === undefined) return defaultValue;
  return value.toLowerCase() !== 'false';
}

/** How a run affects the op concurrency slots available to other runs. */
export class RunOpConcurrency {
  declare readonly rootKeyCounts: Readonly<Record<string, number>>;
  declare readonly hasUnconstrainedRootNodes: boolean;
  declare readonly allPools: ReadonlySet<string> | null;
  constructor(init: { rootKeyCounts: Readonly<Record<string, number>>; hasUnconstrainedRootNodes: boolean; allPools?: Iterable<string> | null }) {
    initRecord(this, { ...init, allPools: init.allPools ? new Set(init.allPools) : null });
  }
}
registerRecord(RunOpConcurrency, {
  name: 'RunOpConcurrency',
  fields: {
    rootKeyCounts: { type: t.dict(t.int) },
    hasUnconstrainedRootNodes: { type: t.bool },
    allPools: { type: t.nullable(t.set(t.str)) },
  },
});

/** Init of {@link DagsterRun}. Sets and frozensets may be given as any iterable. */
export interface DagsterRunInit {
  jobName: string;
  /** A new UUID when absent, as Dagster's `make_new_run_id`. */
  runId?: string;
  runConfig?: Readonly<Record<string, unknown>>;
  assetSelection?: Iterable<AssetKey> | null;
  assetCheckSelection?: Iterable<AssetCheckKey> | null;
  opSelection?: readonly string[] | null;
  resolvedOpSelection?: Iterable<string> | null;
  stepKeysToExecute?: readonly string[] | null;
  status?: DagsterRunStatus;
  tags?: Readonly<Record<string, string>>;
  rootRunId?: string | null;
  parentRunId?: string | null;
  jobSnapshotId?: string | null;
  executionPlanSnapshotId?: string | null;
  remoteJobOrigin?: RemoteJobOrigin | null;
  jobCodeOrigin?: JobPythonOrigin | null;
  hasRepositoryLoadData?: boolean;
  runOpConcurrency?: RunOpConcurrency | null;
  /** A serialized-as-is PartitionsSubset (time window or key ranges), or null. */
  partitionsSubset?: unknown;
}

/** A run, as stored in `runs.run_body` (stored as `PipelineRun`). */
export class DagsterRun {
  declare readonly jobName: string;
  declare readonly runId: string;
  declare readonly runConfig: Readonly<Record<string, unknown>>;
  declare readonly assetSelection: ReadonlySet<AssetKey> | null;
  declare readonly assetCheckSelection: ReadonlySet<AssetCheckKey> | null;
  declare readonly opSelection: readonly string[] | null;
  declare readonly resolvedOpSelection: ReadonlySet<string> | null;
  declare readonly stepKeysToExecute: readonly string[] | null;
  declare readonly status: DagsterRunStatus;
  declare readonly tags: Readonly<Record<string, string>>;
  declare readonly rootRunId: string | null;
  declare readonly parentRunId: string | null;
  declare readonly jobSnapshotId: string | null;
  declare readonly executionPlanSnapshotId: string | null;
  declare readonly remoteJobOrigin: RemoteJobOrigin | null;
  declare readonly jobCodeOrigin: JobPythonOrigin | null;
  declare readonly hasRepositoryLoadData: boolean;
  declare readonly runOpConcurrency: RunOpConcurrency | null;
  declare readonly partitionsSubset: unknown;

  constructor(init: DagsterRunInit) {
    invariant(
      (init.rootRunId == null) === (init.parentRunId == null),
      'Must set both root_run_id and parent_run_id when creating a PipelineRun that belongs to a run group',
    );
    if (init.status === DagsterRunStatus.QUEUED) invariant(init.remoteJobOrigin, 'remote_job_origin is required for queued runs');
    initRecord(this, {
      ...init,
      runId: init.runId ?? randomUUID(),
      // Dagster builds these as frozensets; they are written as {"__frozenset__": [...]}.
      assetSelection: toFrozenSet(init.assetSelection),
      assetCheckSelection: toFrozenSet(init.assetCheckSelection),
      resolvedOpSelection: init.resolvedOpSelection == null || init.resolvedOpSelection instanceof Set ? init.resolvedOpSelection : new Set(init.resolvedOpSelection),
    });
  }

  get isFinished(): boolean {
    return FINISHED_STATUSES.includes(this.status);
  }
  get isCancelable(): boolean {
    return CANCELABLE_RUN_STATUSES.includes(this.status);
  }
  get isSuccess(): boolean {
    return this.status === DagsterRunStatus.SUCCESS;
  }
  get isFailure(): boolean {
    return this.status === DagsterRunStatus.FAILURE;
  }
  get isFailureOrCanceled(): boolean {
    return this.status === DagsterRunStatus.FAILURE || this.status === DagsterRunStatus.CANCELED;
  }
  /** Whether the run retries another run from the point of failure. */
  get isResumeRetry(): boolean {
    return this.tags[RUN_TAGS.RESUME_RETRY] === 'true';
  }
  /** Whether the run failed, will be retried by the retry daemon, and the retry is not launched yet. */
  get isCompleteAndWaitingToRetry(): boolean {
    if (this.status !== DagsterRunStatus.FAILURE) return false;
    return booleanTagValue(this.tags[RUN_TAGS.WILL_RETRY]) && this.tags[RUN_TAGS.AUTO_RETRY_RUN_ID] === undefined;
  }
  /** The parent run id (Dagster's compat name). */
  get previousRunId(): string | null {
    return this.parentRunId;
  }
  /** The root run id from the `dagster/root_run_id` tag. */
  getRootRunId(): string | null {
    return this.tags[RUN_TAGS.ROOT_RUN_ID] ?? null;
  }
  /** The parent run id from the `dagster/parent_run_id` tag. */
  getParentRunId(): string | null {
    return this.tags[RUN_TAGS.PARENT_RUN_ID] ?? null;
  }
  /** The tags written to `run_tags`: see {@link tagsForStorage}. */
  tagsForStorage(): Record<string, string> {
    return tagsForStorage(this);
  }

  withStatus(status: DagsterRunStatus): DagsterRun {
    if (status === DagsterRunStatus.QUEUED) invariant(this.remoteJobOrigin, 'external_pipeline_origin is required for queued runs');
    return replaceRecord<DagsterRun>(this, { status });
  }
  withJobOrigin(origin: RemoteJobOrigin): DagsterRun {
    return replaceRecord<DagsterRun>(this, { remoteJobOrigin: origin });
  }
  withTags(tags: Readonly<Record<string, string>>): DagsterRun {
    return replaceRecord<DagsterRun>(this, { tags });
  }

  static tagsForSchedule(schedule: { name: string }): Record<string, string> {
    return { [RUN_TAGS.SCHEDULE_NAME]: schedule.name };
  }
  static tagsForSensor(sensor: { name: string }): Record<string, string> {
    return { [RUN_TAGS.SENSOR_NAME]: sensor.name };
  }
  static tagsForBackfillId(backfillId: string): Record<string, string> {
    return { [RUN_TAGS.BACKFILL_ID]: backfillId };
  }
  static tagsForTickId(tickId: string, hasEvaluations = false): Record<string, string> {
    return {
      [RUN_TAGS.TICK_ID]: tickId,
      ...(hasEvaluations ? { [RUN_TAGS.AUTOMATION_CONDITION]: 'true', [RUN_TAGS.ASSET_EVALUATION_ID]: tickId } : {}),
    };
  }
}

/** The one field rename of long-gone run bodies that is not a plain rename: `selector` → name and op subset. */
function migrateOldRunBody(stored: Record<string, unknown>): Record<string, unknown> {
  if (!('environment_dict' in stored || 'previous_run_id' in stored || 'selector' in stored || 'solid_subset' in stored)) return stored;
  const out = { ...stored };
  if ('environment_dict' in out) {
    out.run_config = out.environment_dict;
    delete out.environment_dict;
  }
  if ('previous_run_id' in out && !('parent_run_id' in out && 'root_run_id' in out)) {
    out.parent_run_id = out.previous_run_id;
    out.root_run_id = out.previous_run_id;
    delete out.previous_run_id;
  }
  if ('selector' in out) {
    const selector = out.selector;
    if (selector instanceof ExecutionSelector && (out.pipeline_name === undefined || out.pipeline_name === null)) out.pipeline_name = selector.name;
    delete out.selector;
  }
  if ('solid_subset' in out) {
    out.solids_to_execute = out.solid_subset;
    delete out.solid_subset;
  }
  return out;
}

registerRecord(DagsterRun, {
  name: 'DagsterRun',
  storageName: 'PipelineRun',
  fields: {
    jobName: { type: t.str, stored: 'pipeline_name' },
    runId: { type: t.str },
    runConfig: { type: t.dict(), default: () => ({}) },
    assetSelection: { type: t.nullable(t.set(t.record(AssetKey))) },
    assetCheckSelection: { type: t.nullable(t.set(t.record(AssetCheckKey))) },
    opSelection: { type: t.nullable(t.list(t.str)), stored: 'solid_selection' },
    resolvedOpSelection: { type: t.nullable(t.set(t.str)), stored: 'solids_to_execute' },
    stepKeysToExecute: { type: t.nullable(t.list(t.str)) },
    status: { type: t.enum(DagsterRunStatus), default: DagsterRunStatus.NOT_STARTED },
    tags: { type: t.dict(t.str), default: () => ({}) },
    rootRunId: { type: t.nullable(t.str) },
    parentRunId: { type: t.nullable(t.str) },
    jobSnapshotId: { type: t.nullable(t.str), stored: 'pipeline_snapshot_id' },
    executionPlanSnapshotId: { type: t.nullable(t.str) },
    remoteJobOrigin: { type: t.nullable(t.record(RemoteJobOrigin)), stored: 'external_pipeline_origin' },
    jobCodeOrigin: { type: t.nullable(t.record(JobPythonOrigin)), stored: 'pipeline_code_origin' },
    hasRepositoryLoadData: { type: t.bool, default: false },
    runOpConcurrency: { type: t.nullable(t.record(RunOpConcurrency)) },
    partitionsSubset: { type: t.any },
  },
  oldFields: { mode: null },
  beforeUnpack: migrateOldRunBody,
});

/** The old `selector` field of run bodies (read only, to migrate them). */
export class ExecutionSelector {
  declare readonly name: string;
  declare readonly solidSubset: readonly string[] | null;
  constructor(init: { name: string; solidSubset?: readonly string[] | null }) {
    initRecord(this, init);
  }
}
registerRecord(ExecutionSelector, {
  name: 'ExecutionSelector',
  fields: { name: { type: t.str }, solidSubset: { type: t.nullable(t.list(t.str)) } },
});

/**
 * The tags written to `run_tags` for a run: `.dagster/repository` = `<repository>@<location>` when the run has a
 * remote origin, `.dagster/pool/<pool>` = `true` for each pool it uses, then the run's own tags (which win).
 */
export function tagsForStorage(run: DagsterRun): Record<string, string> {
  const repositoryTags: Record<string, string> = run.remoteJobOrigin ? { [RUN_TAGS.REPOSITORY_LABEL]: run.remoteJobOrigin.repositoryOrigin.getLabel() } : {};
  const poolTags: Record<string, string> = {};
  for (const pool of run.runOpConcurrency?.allPools ?? []) poolTags[`${RUN_TAGS.POOL_PREFIX}${pool}`] = 'true';
  return { ...repositoryTags, ...poolTags, ...run.tags };
}

/** Init of {@link RunRecord}. */
export interface RunRecordInit {
  storageId: number;
  dagsterRun: DagsterRun;
  createTimestamp: Date;
  updateTimestamp: Date;
  startTime?: number | null;
  endTime?: number | null;
}

/** A row of `runs`: the run with its storage id and times. Not serdes. */
export class RunRecord {
  declare readonly storageId: number;
  declare readonly dagsterRun: DagsterRun;
  declare readonly createTimestamp: Date;
  declare readonly updateTimestamp: Date;
  /** Unix seconds the run started, once it has. */
  declare readonly startTime: number | null;
  /** Unix seconds the run ended, once it has. */
  declare readonly endTime: number | null;
  constructor(init: RunRecordInit) {
    initPlain(this, init, { startTime: null, endTime: null });
  }
}

/** Init of {@link DagsterRunStatsSnapshot}. */
export interface DagsterRunStatsSnapshotInit {
  runId: string;
  stepsSucceeded: number;
  stepsFailed: number;
  materializations: number;
  expectations: number;
  enqueuedTime?: number | null;
  launchTime?: number | null;
  startTime?: number | null;
  endTime?: number | null;
}

/** Counts and times of a run computed from its events (stored as `PipelineRunStatsSnapshot`). */
export class DagsterRunStatsSnapshot {
  declare readonly runId: string;
  declare readonly stepsSucceeded: number;
  declare readonly stepsFailed: number;
  declare readonly materializations: number;
  declare readonly expectations: number;
  declare readonly enqueuedTime: number | null;
  declare readonly launchTime: number | null;
  declare readonly startTime: number | null;
  declare readonly endTime: number | null;
  constructor(init: DagsterRunStatsSnapshotInit) {
    initRecord(this, init);
  }
}
registerRecord(DagsterRunStatsSnapshot, {
  name: 'DagsterRunStatsSnapshot',
  storageName: 'PipelineRunStatsSnapshot',
  fields: {
    runId: { type: t.str },
    stepsSucceeded: { type: t.int },
    stepsFailed: { type: t.int },
    materializations: { type: t.int },
    expectations: { type: t.int },
    enqueuedTime: { type: t.nullable(t.float) },
    launchTime: { type: t.nullable(t.float) },
    startTime: { type: t.nullable(t.float) },
    endTime: { type: t.nullable(t.float) },
  },
});

/** The status of a step in step stats. */
export const StepEventStatus = defineEnum('StepEventStatus', {
  SKIPPED: 'SKIPPED',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  IN_PROGRESS: 'IN_PROGRESS',
});
/** A member value of {@link StepEventStatus}. */
export type StepEventStatus = EnumValue<typeof StepEventStatus>;

/** A start/end pair in step stats (attempts, markers). */
export class RunStepMarker {
  declare readonly startTime: number | null;
  declare readonly endTime: number | null;
  declare readonly key: string | null;
  constructor(init: { startTime?: number | null; endTime?: number | null; key?: string | null } = {}) {
    initRecord(this, init);
  }
}
registerRecord(RunStepMarker, {
  name: 'RunStepMarker',
  fields: { startTime: { type: t.nullable(t.float) }, endTime: { type: t.nullable(t.float) }, key: { type: t.nullable(t.str) } },
});

/** Init of {@link RunStepKeyStatsSnapshot}. */
export interface RunStepKeyStatsSnapshotInit {
  runId: string;
  stepKey: string;
  status?: StepEventStatus | null;
  startTime?: number | null;
  endTime?: number | null;
  materializationEvents?: readonly EventLogEntry[];
  expectationResults?: readonly ExpectationResult[];
  attempts?: number | null;
  attemptsList?: readonly RunStepMarker[];
  markers?: readonly RunStepMarker[];
  partialAttemptStart?: number | null;
}

/** Stats of one step of a run, computed from its events. */
export class RunStepKeyStatsSnapshot {
  declare readonly runId: string;
  declare readonly stepKey: string;
  declare readonly status: StepEventStatus | null;
  declare readonly startTime: number | null;
  declare readonly endTime: number | null;
  declare readonly materializationEvents: readonly EventLogEntry[];
  declare readonly expectationResults: readonly ExpectationResult[];
  declare readonly attempts: number | null;
  declare readonly attemptsList: readonly RunStepMarker[];
  declare readonly markers: readonly RunStepMarker[];
  declare readonly partialAttemptStart: number | null;
  constructor(init: RunStepKeyStatsSnapshotInit) {
    initRecord(this, init);
  }
}
registerRecord(RunStepKeyStatsSnapshot, {
  name: 'RunStepKeyStatsSnapshot',
  fields: {
    runId: { type: t.str },
    stepKey: { type: t.str },
    status: { type: t.nullable(t.enum(StepEventStatus)) },
    startTime: { type: t.nullable(t.float) },
    endTime: { type: t.nullable(t.float) },
    // Typed loosely here (EventLogEntry / ExpectationResult live in modules that import this one).
    materializationEvents: { type: t.list(), default: () => [] },
    expectationResults: { type: t.list(), default: () => [] },
    attempts: { type: t.nullable(t.int) },
    attemptsList: { type: t.list(t.record(RunStepMarker)), default: () => [] },
    markers: { type: t.list(t.record(RunStepMarker)), default: () => [] },
    partialAttemptStart: { type: t.nullable(t.float) },
  },
});

/** Status and times of the run of one partition. */
export class RunPartitionData {
  declare readonly runId: string;
  declare readonly partition: string;
  declare readonly status: DagsterRunStatus;
  declare readonly startTime: number | null;
  declare readonly endTime: number | null;
  constructor(init: { runId: string; partition: string; status: DagsterRunStatus; startTime?: number | null; endTime?: number | null }) {
    initRecord(this, init);
  }
}
registerRecord(RunPartitionData, {
  name: 'RunPartitionData',
  fields: {
    runId: { type: t.str },
    partition: { type: t.str },
    status: { type: t.enum(DagsterRunStatus) },
    startTime: { type: t.nullable(t.float) },
    endTime: { type: t.nullable(t.float) },
  },
});

/** Coerces a status given as the enum value or its name. */
export function toDagsterRunStatus(status: string): DagsterRunStatus {
  if (!(status in DagsterRunStatus)) throw new InvalidArgumentError(`${JSON.stringify(status)} is not a DagsterRunStatus`);
  return status as DagsterRunStatus;
}

