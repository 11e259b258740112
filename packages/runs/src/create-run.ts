/**
 * Run creation (Dagster's `RunDomain.create_run`, `construct_run_with_snapshots`, `create_run_for_job` and the
 * planned-event logging).
 *
 * Everything that can reject the input — argument checks, tag normalization, snapshot/plan agreement, the
 * run's own invariants, partition tags — is checked before the first write, so bad input writes nothing.
 * Then: snapshots (content-addressed, stored once), the run, and the planned events as one batch.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, InvariantViolationError } from '@inst/errors';
import { PyEnumValue, replaceRecord } from '@inst/serdes';
import {
  AssetCheckEvaluationPlanned,
  AssetMaterializationPlannedData,
  DagsterEvent,
  DagsterEventBatchMetadata,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  RUN_TAGS,
  booleanTagValue,
  createExecutionPlanSnapshotId,
  createJobSnapshotId,
  toDagsterRunStatus,
  type AssetCheckKey,
  type AssetKey,
  type ExecutionPlanSnapshot,
  type ExecutionStepOutputSnap,
  type ExecutionStepSnap,
  type JobPythonOrigin,
  type JobSnapshot,
  type RemoteJobOrigin,
} from '@inst/types';
import type { RunAssetGraph, RunPartitionsDefinition } from './asset-graph';
import type { RunsInstanceOps } from './ops';
import { computeRunOpConcurrencyInfoForSnapshot } from './plan';
import { checkPlanMatchesJob, ensurePersistedExecutionPlanSnapshot, ensurePersistedJobSnapshot } from './snapshots';
import { AIRFLOW_EXECUTION_DATE_STR, IS_AIRFLOW_INGEST_PIPELINE_STR, normalizeTags } from './tags';

/** Python's `logging.DEBUG`: the level of planned events. */
const DEBUG = 10;

/** Options of {@link createRun}: Dagster's keyword-only `create_run` parameters, camelCased. */
export interface CreateRunOptions {
  jobName: string;
  /** A UUID (any form Python's `uuid.UUID` reads); a new one is generated when absent. */
  runId?: string | null;
  runConfig?: Readonly<Record<string, unknown>> | null;
  /** Default NOT_STARTED. The enum or its name. */
  status?: DagsterRunStatus | string | null;
  /** Non-string values are stored as their JSON text (Dagster's legacy tag normalization). */
  tags?: Readonly<Record<string, unknown>> | null;
  /** Set together with `parentRunId` for a re-execution. */
  rootRunId?: string | null;
  parentRunId?: string | null;
  stepKeysToExecute?: readonly string[] | null;
  /** Needs `jobSnapshot`; its `jobSnapshotId` must be that snapshot's id. */
  executionPlanSnapshot?: ExecutionPlanSnapshot | null;
  jobSnapshot?: JobSnapshot | null;
  /** The full job's snapshot when `jobSnapshot` is a subset; needs `jobSnapshot`. */
  parentJobSnapshot?: JobSnapshot | null;
  /** Any iterable; stored as a frozenset. Exclusive with the op selections. */
  assetSelection?: Iterable<AssetKey> | null;
  /** Any iterable; stored as a frozenset. A non-empty one is exclusive with the op selections. */
  assetCheckSelection?: Iterable<AssetCheckKey> | null;
  resolvedOpSelection?: Iterable<string> | null;
  opSelection?: readonly string[] | null;
  /** Required for QUEUED runs. */
  remoteJobOrigin?: RemoteJobOrigin | null;
  jobCodeOrigin?: JobPythonOrigin | null;
  /** The asset graph (see {@link RunAssetGraph}); optional in TypeScript. */
  assetGraph?: RunAssetGraph | null;
}

/** A run ready to be written: the run, and the (execution-type adjusted) snapshots it points at. */
export interface PreparedRun {
  readonly run: DagsterRun;
  readonly jobSnapshot: JobSnapshot | null;
  readonly parentJobSnapshot: JobSnapshot | null;
  readonly executionPlanSnapshot: ExecutionPlanSnapshot | null;
}

/**
 * Creates a run (Dagster's `create_run`): validates the arguments, stores the job / parent / plan snapshots
 * that are not stored yet, adds the run (status NOT_STARTED unless given), and — unless the run's
 * `dagster/defer_asset_events` tag says its assets are managed elsewhere — writes the ASSET_MATERIALIZATION_PLANNED
 * and ASSET_CHECK_EVALUATION_PLANNED events of the plan's steps as one batch.
 */
export async function createRun(ops: RunsInstanceOps, options: CreateRunOptions): Promise<DagsterRun> {
  if (typeof options.jobName !== 'string') throw new InvalidArgumentError('jobName must be a string');
  if (options.runId && !isUuid(options.runId)) throw new InvalidArgumentError(`run_id must be a valid UUID. Got ${options.runId}`, { ids: { runId: options.runId } });
  if ((options.rootRunId || options.parentRunId) && !(options.rootRunId && options.parentRunId)) {
    throw new InvariantViolationError(
      'If root_run_id or parent_run_id is passed, this is a re-execution scenario and root_run_id and parent_run_id must both be passed.',
      { ids: { rootRunId: options.rootRunId ?? undefined, parentRunId: options.parentRunId ?? undefined } },
    );
  }
  if (options.parentJobSnapshot && !options.jobSnapshot) throw new InvariantViolationError('If parent_job_snapshot is set, job_snapshot should also be.');

  const assetSelection = options.assetSelection == null ? null : [...options.assetSelection];
  const assetCheckSelection = options.assetCheckSelection == null ? null : [...options.assetCheckSelection];
  const resolvedOpSelection = options.resolvedOpSelection == null ? null : [...options.resolvedOpSelection];
  // An empty check selection means "no checks", which an op job also has; only a non-empty one conflicts.
  if (assetSelection !== null || (assetCheckSelection !== null && assetCheckSelection.length > 0)) {
    if (options.opSelection != null) throw new InvariantViolationError('Cannot pass op_selection with either of asset_selection or asset_check_selection');
    if (resolvedOpSelection !== null) {
      throw new InvariantViolationError('Cannot pass resolved_op_selection with either of asset_selection or asset_check_selection');
    }
  }

  const prepared = prepareRun({
    ...options,
    runId: options.runId || randomUUID(),
    tags: normalizeTags(options.tags),
    status: options.status == null ? null : toDagsterRunStatus(options.status),
    assetSelection,
    assetCheckSelection,
    resolvedOpSelection,
  });
  const plan = options.executionPlanSnapshot ?? null;
  const plannedEvents =
    plan && !assetsAreExternallyManaged(prepared.run) ? await buildAssetPlannedEvents(ops, prepared.run, plan, options.assetGraph ?? null) : [];

  await persistSnapshots(ops, prepared);
  const run = await ops.runStorage.addRun(prepared.run);
  await storePlannedEvents(ops, run.runId, plannedEvents);
  return run;
}

/** Whether the run's `dagster/defer_asset_events` tag says another system reports its asset events. */
export function assetsAreExternallyManaged(run: DagsterRun): boolean {
  return booleanTagValue(run.tags[RUN_TAGS.EXTERNALLY_MANAGED_ASSETS], false);
}

/** The init of {@link prepareRun}: {@link CreateRunOptions} with a run id and normalized values. */
export interface PrepareRunInit extends Omit<CreateRunOptions, 'runId' | 'tags' | 'status'> {
  runId: string;
  tags: Readonly<Record<string, string>>;
  status?: DagsterRunStatus | null;
}

/**
 * Builds the run a creation would store, without writing (the pure half of Dagster's
 * `construct_run_with_snapshots`): airflow execution date, snapshot ids, execution types filled from the asset
 * graph, op concurrency, and the compact partitions subset. Throws for inconsistent input.
 */
export function prepareRun(init: PrepareRunInit): PreparedRun {
  let tags = init.tags;
  // https://github.com/dagster-io/dagster/issues/2403: airflow ingestion runs need an execution date.
  if (IS_AIRFLOW_INGEST_PIPELINE_STR in tags && !(AIRFLOW_EXECUTION_DATE_STR in tags)) {
    tags = { ...tags, [AIRFLOW_EXECUTION_DATE_STR]: isoNowWithOffset() };
  }
  const jobSnapshot = init.jobSnapshot ?? null;
  let plan = init.executionPlanSnapshot ?? null;
  if (!jobSnapshot && plan) {
    throw new InvariantViolationError(
      'It is illegal to have an execution plan snapshot and not have a pipeline snapshot. It is possible to have no execution plan snapshot since we persist runs that do not successfully compile execution plans in the scheduled case.',
    );
  }
  const jobSnapshotId = jobSnapshot ? createJobSnapshotId(jobSnapshot) : null;

  let partitionsDefinition: RunPartitionsDefinition | null = null;
  const assetGraph = init.assetGraph ?? null;
  if (plan && assetGraph) {
    const adjusted = adjustPlanForAssetGraph(plan, assetGraph);
    plan = adjusted.plan;
    partitionsDefinition = adjusted.partitionsDefinition;
  }
  if (plan && jobSnapshotId) checkPlanMatchesJob(plan, jobSnapshotId);
  const executionPlanSnapshotId = plan && jobSnapshotId ? createExecutionPlanSnapshotId(plan) : null;

  const run = new DagsterRun({
    jobName: init.jobName,
    runId: init.runId,
    runConfig: init.runConfig ?? {},
    assetSelection: init.assetSelection ?? null,
    assetCheckSelection: init.assetCheckSelection ?? null,
    opSelection: init.opSelection ?? null,
    resolvedOpSelection: init.resolvedOpSelection ?? null,
    stepKeysToExecute: init.stepKeysToExecute ?? null,
    status: init.status ?? DagsterRunStatus.NOT_STARTED,
    tags,
    rootRunId: init.rootRunId ?? null,
    parentRunId: init.parentRunId ?? null,
    jobSnapshotId,
    executionPlanSnapshotId,
    remoteJobOrigin: init.remoteJobOrigin ?? null,
    jobCodeOrigin: init.jobCodeOrigin ?? null,
    hasRepositoryLoadData: plan != null && plan.repositoryLoadData != null,
    runOpConcurrency: plan ? computeRunOpConcurrencyInfoForSnapshot(plan) : null,
    partitionsSubset: partitionsDefinition ? runPartitionsSubset(partitionsDefinition, tags) : null,
  });
  return { run, jobSnapshot, parentJobSnapshot: init.parentJobSnapshot ?? null, executionPlanSnapshot: plan && jobSnapshotId ? plan : null };
}

/** Stores the snapshots of a prepared run that are not stored yet. */
export async function persistSnapshots(ops: RunsInstanceOps, prepared: PreparedRun): Promise<void> {
  if (!prepared.jobSnapshot) return;
  const jobSnapshotId = await ensurePersistedJobSnapshot(ops, prepared.jobSnapshot, prepared.parentJobSnapshot);
  if (prepared.executionPlanSnapshot) await ensurePersistedExecutionPlanSnapshot(ops, prepared.executionPlanSnapshot, jobSnapshotId);
}

/**
 * Dagster's `construct_run_with_snapshots`: builds the run (see {@link prepareRun}) and stores its snapshots,
 * without adding the run.
 */
export async function constructRunWithSnapshots(ops: RunsInstanceOps, init: PrepareRunInit): Promise<DagsterRun> {
  const prepared = prepareRun(init);
  await persistSnapshots(ops, prepared);
  return prepared.run;
}

/**
 * Gives asset outputs that lack an execution type the asset graph's (snapshots from older versions), and picks
 * the partitions definition of the first asset the graph knows (Dagster assumes a run's partitioned assets share one).
 */
function adjustPlanForAssetGraph(plan: ExecutionPlanSnapshot, assetGraph: RunAssetGraph): { plan: ExecutionPlanSnapshot; partitionsDefinition: RunPartitionsDefinition | null } {
  let partitionsDefinition: RunPartitionsDefinition | null = null;
  let changed = false;
  const steps = plan.steps.map((step) => {
    let stepChanged = false;
    const outputs = step.outputs.map((output) => {
      const properties = output.properties;
      const node = properties?.assetKey ? assetGraph.get(properties.assetKey) : undefined;
      if (!properties || !node) return output;
      partitionsDefinition ??= node.partitionsDef ?? null;
      if (properties.assetExecutionType != null || node.executionType == null) return output;
      stepChanged = true;
      const executionType = typeof node.executionType === 'string' ? new PyEnumValue('AssetExecutionType', node.executionType) : node.executionType;
      return replaceRecord<ExecutionStepOutputSnap>(output, { properties: replaceRecord(properties, { assetExecutionType: executionType }) });
    });
    if (!stepChanged) return step;
    changed = true;
    return replaceRecord<ExecutionStepSnap>(step, { outputs });
  });
  return { plan: changed ? replaceRecord<ExecutionPlanSnapshot>(plan, { steps }) : plan, partitionsDefinition };
}

/** The partition range a run targets from its tags: `dagster/partition`, or both range tags (not both kinds). */
function runPartitionRange(tags: Readonly<Record<string, string>>): [string, string] | null {
  const partition = tags[RUN_TAGS.PARTITION_NAME];
  const start = tags[RUN_TAGS.ASSET_PARTITION_RANGE_START];
  const end = tags[RUN_TAGS.ASSET_PARTITION_RANGE_END];
  const range: [string, string] | null = start !== undefined && end !== undefined ? [start, end] : null;
  if (partition !== undefined && range) {
    throw new InvariantViolationError(
      `Cannot have ${RUN_TAGS.ASSET_PARTITION_RANGE_START} or ${RUN_TAGS.ASSET_PARTITION_RANGE_END} tags set along with ${RUN_TAGS.PARTITION_NAME}`,
    );
  }
  return partition !== undefined ? [partition, partition] : range;
}

function runPartitionsSubset(partitionsDefinition: RunPartitionsDefinition, tags: Readonly<Record<string, string>>): unknown {
  const range = runPartitionRange(tags);
  if (!range) return null;
  // Only subsets that are stored compactly (time windows, named dynamic partitions) go on the run.
  return partitionsDefinition.runPartitionsSubset?.(range[0], range[1]) ?? null;
}

/**
 * The planned events of a run (Dagster's `log_asset_planned_events`, without writing them): for every step to
 * execute, one ASSET_MATERIALIZATION_PLANNED event per asset output — per partition of a partitioned run, or one
 * carrying a partitions subset — and one ASSET_CHECK_EVALUATION_PLANNED event per asset check output.
 */
export async function buildAssetPlannedEvents(
  ops: RunsInstanceOps,
  dagsterRun: DagsterRun,
  executionPlanSnapshot: ExecutionPlanSnapshot,
  assetGraph: RunAssetGraph | null = null,
): Promise<DagsterEvent[]> {
  const jobName = dagsterRun.jobName;
  const toExecute = new Set(executionPlanSnapshot.stepKeysToExecute ?? []);
  const events: DagsterEvent[] = [];
  for (const step of executionPlanSnapshot.steps) {
    if (!toExecute.has(step.key)) continue;
    for (const output of step.outputs) {
      // Dagster requires output properties here; outputs without them (very old snapshots) produce no events.
      const properties = output.properties;
      if (!properties) continue;
      if (properties.assetKey) {
        events.push(...(await materializationPlannedEvents(ops, dagsterRun, properties.assetKey, properties.isAssetPartitioned === true, step, assetGraph)));
      }
      if (properties.assetCheckKey) {
        const checkKey = properties.assetCheckKey;
        events.push(
          new DagsterEvent({
            eventTypeValue: DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
            jobName,
            message: `${jobName} intends to execute asset check ${checkKey.name} on asset ${checkKey.assetKey.toString()}`,
            eventSpecificData: new AssetCheckEvaluationPlanned({ assetKey: checkKey.assetKey, checkName: checkKey.name }),
            stepKey: step.key,
          }),
        );
      }
    }
  }
  return events;
}

async function materializationPlannedEvents(
  ops: RunsInstanceOps,
  dagsterRun: DagsterRun,
  assetKey: AssetKey,
  isAssetPartitioned: boolean,
  step: ExecutionStepSnap,
  assetGraph: RunAssetGraph | null,
): Promise<DagsterEvent[]> {
  const tags = dagsterRun.tags;
  const partitionTag = tags[RUN_TAGS.PARTITION_NAME];
  const rangeStart = tags[RUN_TAGS.ASSET_PARTITION_RANGE_START];
  const rangeEnd = tags[RUN_TAGS.ASSET_PARTITION_RANGE_END];
  if (partitionTag && (rangeStart || rangeEnd)) {
    throw new InvariantViolationError(
      `Cannot have ${RUN_TAGS.ASSET_PARTITION_RANGE_START} or ${RUN_TAGS.ASSET_PARTITION_RANGE_END} set along with ${RUN_TAGS.PARTITION_NAME}`,
      { ids: { runId: dagsterRun.runId } },
    );
  }
  let partitionsSubset: unknown = null;
  let individualPartitions: readonly string[] | null = null;
  if (rangeStart || rangeEnd) {
    if (!rangeStart || !rangeEnd) {
      throw new InvariantViolationError(
        `Cannot have ${RUN_TAGS.ASSET_PARTITION_RANGE_START} or ${RUN_TAGS.ASSET_PARTITION_RANGE_END} set without the other`,
        { ids: { runId: dagsterRun.runId } },
      );
    }
    // Without an asset graph that knows the asset, it counts as unpartitioned (Dagster would need the graph).
    const partitionsDef = assetGraph?.get(assetKey)?.partitionsDef ?? null;
    if (partitionsDef && partitionsDef.supportsRanges === false) {
      throw new InvariantViolationError(
        'Creating a run targeting a partition range is not supported for assets partitioned with function-based dynamic partitions',
        { ids: { runId: dagsterRun.runId } },
      );
    }
    if (partitionsDef) {
      const keys = await partitionsDef.getPartitionKeysInRange(rangeStart, rangeEnd);
      if (supportsPlannedSubsets(ops) && partitionsDef.subsetWithPartitionKeys) {
        partitionsSubset = partitionsDef.subsetWithPartitionKeys(keys);
        individualPartitions = [];
      } else {
        individualPartitions = keys;
      }
    }
  } else if (isAssetPartitioned && partitionTag) {
    individualPartitions = [partitionTag];
  }

  const planned = (partition: string | null, subset: unknown): DagsterEvent =>
    new DagsterEvent({
      eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
      jobName: dagsterRun.jobName,
      message: `${dagsterRun.jobName} intends to materialize asset ${assetKey.toString()}`,
      eventSpecificData: new AssetMaterializationPlannedData({ assetKey, partition, partitionsSubset: subset }),
      stepKey: step.key,
    });
  if (individualPartitions && individualPartitions.length > 0) return individualPartitions.map((partition) => planned(partition, null));
  if (partitionsSubset != null) return [planned(null, partitionsSubset)];
  return [planned(null, null)];
}

/** Dagster's `supports_partition_subset_in_asset_materialization_planned_events` (not part of the storage contract yet). */
function supportsPlannedSubsets(ops: RunsInstanceOps): boolean {
  return (ops.eventLogStorage as { supportsPartitionSubsetInAssetMaterializationPlannedEvents?: boolean }).supportsPartitionSubsetInAssetMaterializationPlannedEvents === true;
}

/**
 * Reports the planned events of a run through `ops.reportDagsterEvent` (Dagster's `log_asset_planned_events`),
 * sorted by asset / check key, DEBUG level, all with one batch id and the last one marked as the batch's end:
 * so listeners and a subclass's `reportDagsterEvent` / `handleNewEvent` see them, and with
 * `DAGSTER_EVENT_BATCH_SIZE` set `handleNewEvent` stores them as one batch.
 */
async function storePlannedEvents(ops: RunsInstanceOps, runId: string, events: readonly DagsterEvent[]): Promise<void> {
  if (events.length === 0) return;
  const sortKey = (event: DagsterEvent): string => event.assetKey?.toDbString() ?? event.assetCheckKey?.toDbString() ?? '';
  const sorted = [...events].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const batchId = randomUUID();
  for (let i = 0; i < sorted.length; i++) {
    await ops.reportDagsterEvent(sorted[i]!, runId, DEBUG, new DagsterEventBatchMetadata({ id: batchId, isEnd: i === sorted.length - 1 }));
  }
}

/**
 * Writes the planned events of a run's plan (Dagster's `log_asset_planned_events`) as one batch; see
 * {@link buildAssetPlannedEvents}.
 */
export async function logAssetPlannedEvents(
  ops: RunsInstanceOps,
  dagsterRun: DagsterRun,
  executionPlanSnapshot: ExecutionPlanSnapshot,
  assetGraph: RunAssetGraph | null = null,
): Promise<void> {
  await storePlannedEvents(ops, dagsterRun.runId, await buildAssetPlannedEvents(ops, dagsterRun, executionPlanSnapshot, assetGraph));
}

/** Python's `uuid.UUID(value)` acceptance: optional `urn:` / `uuid:` prefix, braces and hyphens around 32 hex digits. */
export function isUuid(value: string): boolean {
  const hex = value.replaceAll('urn:', '').replaceAll('uuid:', '').replace(/^[{}]+|[{}]+$/g, '').replaceAll('-', '');
  return /^[0-9a-fA-F]{32}$/.test(hex);
}

/** `datetime.now(timezone.utc).isoformat()`: `2024-01-02T03:04:05.678000+00:00`. */
function isoNowWithOffset(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/**
 * A job definition as {@link createRunForJob} takes it. Dagster takes a Python `JobDefinition` and builds the
 * execution plan from it; inst cannot run Python, so the caller passes what that would produce.
 */
export interface JobDefinitionLike {
  readonly name: string;
  /** The job's snapshot (`job_def.get_job_snapshot()`). */
  readonly snapshot?: JobSnapshot | null;
  /** The full job's snapshot when this definition is a subset. */
  readonly parentJobSnapshot?: JobSnapshot | null;
  /** The plan, when none is passed to {@link createRunForJob}; without either, the run has no plan. */
  readonly executionPlanSnapshot?: ExecutionPlanSnapshot | null;
  /** The job's asset graph (`job_def.asset_layer.asset_graph`). */
  readonly assetGraph?: RunAssetGraph | null;
  /** The subset for an op or asset selection; without it the definition is taken to be the subset already. */
  getSubset?(selection: { assetSelection: readonly AssetKey[] | null; opSelection: readonly string[] | null }): JobDefinitionLike;
}

/**
 * Creates a run of a job definition (Dagster's `create_run_for_job`): subsets the job for a non-empty op or asset
 * selection, takes the plan given (or the definition's), and calls {@link createRun}. `repositoryLoadData` only
 * matters to plan building, which happens outside inst; it is accepted for the signature.
 */
export function createRunForJob(
  ops: RunsInstanceOps,
  jobDef: JobDefinitionLike,
  executionPlan?: ExecutionPlanSnapshot | null,
  runId?: string | null,
  runConfig?: Readonly<Record<string, unknown>> | null,
  resolvedOpSelection?: Iterable<string> | null,
  status?: DagsterRunStatus | string | null,
  tags?: Readonly<Record<string, string>> | null,
  rootRunId?: string | null,
  parentRunId?: string | null,
  opSelection?: readonly string[] | null,
  assetSelection?: Iterable<AssetKey> | null,
  remoteJobOrigin?: RemoteJobOrigin | null,
  jobCodeOrigin?: JobPythonOrigin | null,
  _repositoryLoadData?: unknown,
): Promise<DagsterRun> {
  const assets = assetSelection == null ? null : [...assetSelection];
  let job = jobDef;
  if (((assets && assets.length > 0) || (opSelection && opSelection.length > 0)) && job.getSubset) {
    job = job.getSubset({ assetSelection: assets, opSelection: opSelection ?? null });
  }
  const plan = executionPlan ?? job.executionPlanSnapshot ?? null;
  return createRun(ops, {
    jobName: job.name,
    runId,
    runConfig,
    opSelection,
    assetSelection: assets,
    assetCheckSelection: null,
    resolvedOpSelection,
    stepKeysToExecute: plan ? plan.stepKeysToExecute : null,
    status,
    tags,
    rootRunId,
    parentRunId,
    jobSnapshot: job.snapshot ?? null,
    executionPlanSnapshot: plan,
    parentJobSnapshot: job.parentJobSnapshot ?? null,
    remoteJobOrigin,
    jobCodeOrigin,
    assetGraph: job.assetGraph ?? null,
  });
}
