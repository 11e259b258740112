/**
 * Re-execution (Dagster's `RunDomain.create_reexecuted_run`, `get_keys_to_reexecute`, and the resume-retry state
 * of `_core/execution/plan/state.py`).
 */
import { InvalidArgumentError, InvariantViolationError, RunNotFoundError } from '@inst/errors';
import { initRecord, registerRecord, t } from '@inst/serdes';
import {
  AssetCheckEvaluation,
  AssetCheckKey,
  AssetKey,
  BulkActionStatus,
  DagsterEventType,
  DagsterRunStatus,
  KnownExecutionState,
  RUN_TAGS,
  ResolvedFromDynamicStepHandle,
  StepHandle,
  StepMaterializationData,
  StepOutputData,
  StepOutputHandle,
  type DagsterRun,
  type EntityKey,
  type ExecutionPlanSnapshot,
  type JobPythonOrigin,
  type JobSnapshot,
  type RemoteJobOrigin,
} from '@inst/types';
import type { RunAssetGraph } from './asset-graph';
import { createRun } from './create-run';
import { InvalidSubsetError } from './errors';
import type { RunsInstanceOps } from './ops';
import { entityKeyId, stepEntityKeys, stepRequiredEntityKeys, topologicalSteps } from './plan';
import { BACKFILL_TAGS, TAGS_TO_MAYBE_OMIT_ON_RETRY } from './tags';

/** How a run is re-executed (Dagster's `ReexecutionStrategy`). */
export const ReexecutionStrategy = Object.freeze({
  /** Every step of the parent's job. */
  ALL_STEPS: 'ALL_STEPS',
  /** The failed, interrupted and never-started steps of the parent, and their downstream steps. */
  FROM_FAILURE: 'FROM_FAILURE',
  /** The assets the parent planned but did not materialize, and checks it did not execute (or failed blocking). */
  FROM_ASSET_FAILURE: 'FROM_ASSET_FAILURE',
} as const);
export type ReexecutionStrategy = (typeof ReexecutionStrategy)[keyof typeof ReexecutionStrategy];

/**
 * The job to re-execute, as plain data (Dagster passes a `RemoteJob` loaded from a code location). These are the
 * parts `create_reexecuted_run` reads.
 */
export interface ReexecutionRemoteJob {
  readonly jobSnapshot: JobSnapshot;
  readonly parentJobSnapshot?: JobSnapshot | null;
  /** The job's run tags (`remote_job.tags`); the base of the new run's tags. */
  readonly tags?: Readonly<Record<string, string>> | null;
  readonly assetSelection?: Iterable<AssetKey> | null;
  readonly assetCheckSelection?: Iterable<AssetCheckKey> | null;
  /** `remote_job.get_remote_origin()`. */
  readonly remoteOrigin?: RemoteJobOrigin | null;
  /** `remote_job.get_python_origin()`. */
  readonly pythonOrigin?: JobPythonOrigin | null;
}

/**
 * What re-execution needs of the code location (Dagster's `CodeLocation`): building execution plans happens in
 * user code, so the caller supplies it.
 */
export interface ReexecutionCodeLocation {
  /** The plan of `remoteJob` for the run config, restricted to `stepKeysToExecute` when given, with the known state. */
  getExecutionPlan(
    remoteJob: ReexecutionRemoteJob,
    runConfig: Readonly<Record<string, unknown>>,
    options: { stepKeysToExecute: readonly string[] | null; knownState: KnownExecutionState | null },
  ): ExecutionPlanSnapshot | Promise<ExecutionPlanSnapshot>;
  /** FROM_ASSET_FAILURE only: the job subset to these assets and checks (`code_location.get_job(subset_selector)`). */
  getJobSubset?(
    remoteJob: ReexecutionRemoteJob,
    selection: { assetSelection: readonly AssetKey[]; assetCheckSelection: readonly AssetCheckKey[] },
  ): ReexecutionRemoteJob | Promise<ReexecutionRemoteJob>;
  /** The repository's asset graph, for planned events of partitioned runs. */
  readonly assetGraph?: RunAssetGraph | null;
}

/** Options of {@link createReexecutedRun}: Dagster's keyword-only parameters, camelCased. */
export interface CreateReexecutedRunOptions {
  parentRun: DagsterRun;
  codeLocation: ReexecutionCodeLocation;
  remoteJob: ReexecutionRemoteJob;
  strategy: ReexecutionStrategy;
  extraTags?: Readonly<Record<string, unknown>> | null;
  /** Default: the parent's run config. */
  runConfig?: Readonly<Record<string, unknown>> | null;
  /** Copy the parent's tags (except retry bookkeeping; backfill tags only while the backfill is REQUESTED). */
  useParentRunTags?: boolean;
}

/**
 * Creates a NOT_STARTED re-execution of `parentRun` with `dagster/parent_run_id` / `dagster/root_run_id` tags:
 * ALL_STEPS, FROM_FAILURE (tag `dagster/is_resume_retry`, steps from the parent's events) or FROM_ASSET_FAILURE
 * (tag `dagster/is_asset_resume_retry`, the job subset to what is left). Throws InvalidSubsetError when nothing
 * needs retrying. Tags merge in order: the job's, the parent's (if asked), `extraTags`, the lineage tags.
 */
export async function createReexecutedRun(ops: RunsInstanceOps, options: CreateReexecutedRunOptions): Promise<DagsterRun> {
  const { parentRun, codeLocation, strategy } = options;
  let remoteJob = options.remoteJob;
  const rootRunId = parentRun.rootRunId || parentRun.runId;
  const parentRunId = parentRun.runId;

  // These can differ from the job's tags when tags were added at launch.
  const parentRunTags: Record<string, string> = {};
  if (options.useParentRunTags) {
    for (const [key, value] of Object.entries(parentRun.tags)) if (!TAGS_TO_MAYBE_OMIT_ON_RETRY.has(key)) parentRunTags[key] = value;
    const backfillId = parentRun.tags[RUN_TAGS.BACKFILL_ID];
    if (backfillId !== undefined) {
      // A retry of a finished backfill's run is not part of that backfill any more.
      const backfill = ops.getBackfill ? await ops.getBackfill(backfillId) : undefined;
      if (backfill && backfill.status === BulkActionStatus.REQUESTED) {
        for (const tag of BACKFILL_TAGS) if (parentRun.tags[tag] !== undefined) parentRunTags[tag] = parentRun.tags[tag];
      }
    }
  }
  const tags: Record<string, unknown> = {
    ...(remoteJob.tags ?? {}),
    ...parentRunTags,
    ...(options.extraTags ?? {}),
    [RUN_TAGS.PARENT_RUN_ID]: parentRunId,
    [RUN_TAGS.ROOT_RUN_ID]: rootRunId,
  };
  const runConfig = options.runConfig ?? parentRun.runConfig;

  let stepKeysToExecute: string[] | null = null;
  let knownState: KnownExecutionState | null = null;
  if (strategy === ReexecutionStrategy.FROM_FAILURE) {
    [stepKeysToExecute, knownState] = await buildResumeRetryReexecution(ops, parentRun);
    tags[RUN_TAGS.RESUME_RETRY] = 'true';
    if (stepKeysToExecute.length === 0) throw new InvalidSubsetError('No steps needed to be retried in the failed run.', { ids: { runId: parentRunId } });
  } else if (strategy === ReexecutionStrategy.FROM_ASSET_FAILURE) {
    const parentSnapshotId = parentRun.executionPlanSnapshotId;
    if (!parentSnapshotId) throw new InvariantViolationError(`Run ${parentRunId} has no execution plan snapshot`, { ids: { runId: parentRunId } });
    const snapshot = await ops.getExecutionPlanSnapshot(parentSnapshotId);
    const [assetKeys, checkKeys] = await getKeysToReexecute(ops, parentRunId, snapshot);
    if (assetKeys.length === 0 && checkKeys.length === 0) {
      throw new InvalidSubsetError('No assets or asset checks needed to be retried in the failed run.', { ids: { runId: parentRunId } });
    }
    if (!codeLocation.getJobSubset) throw new InvalidArgumentError('FROM_ASSET_FAILURE needs codeLocation.getJobSubset to subset the job');
    remoteJob = await codeLocation.getJobSubset(remoteJob, { assetSelection: assetKeys, assetCheckSelection: checkKeys });
    tags[RUN_TAGS.ASSET_RESUME_RETRY] = 'true';
  } else if (strategy !== ReexecutionStrategy.ALL_STEPS) {
    throw new InvariantViolationError(`Unknown reexecution strategy: ${String(strategy)}`);
  }

  const executionPlanSnapshot = await codeLocation.getExecutionPlan(remoteJob, runConfig, { stepKeysToExecute, knownState });
  return createRun(ops, {
    jobName: parentRun.jobName,
    runId: null,
    runConfig,
    resolvedOpSelection: parentRun.resolvedOpSelection,
    stepKeysToExecute,
    status: DagsterRunStatus.NOT_STARTED,
    tags,
    rootRunId,
    parentRunId,
    jobSnapshot: remoteJob.jobSnapshot,
    executionPlanSnapshot,
    parentJobSnapshot: remoteJob.parentJobSnapshot ?? null,
    opSelection: parentRun.opSelection,
    assetSelection: remoteJob.assetSelection ?? null,
    assetCheckSelection: remoteJob.assetCheckSelection ?? null,
    remoteJobOrigin: remoteJob.remoteOrigin ?? null,
    jobCodeOrigin: remoteJob.pythonOrigin ?? null,
    assetGraph: codeLocation.assetGraph ?? null,
  });
}

/**
 * The assets and checks to re-execute FROM_ASSET_FAILURE: an asset planned by a step to execute but not
 * materialized (or whose blocking check failed), a check planned but not executed (or on such an asset), plus
 * the keys its step must produce together with them.
 */
export async function getKeysToReexecute(ops: RunsInstanceOps, runId: string, executionPlanSnapshot: ExecutionPlanSnapshot): Promise<[AssetKey[], AssetCheckKey[]]> {
  const logs = await ops.allLogs(runId, new Set([DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION]));
  const executed = new Set<string>();
  const blockingFailureAssets = new Set<string>();
  for (const log of logs) {
    const data = log.dagsterEvent?.eventSpecificData;
    if (data instanceof StepMaterializationData) {
      executed.add(entityKeyId(data.materialization.assetKey));
    } else if (data instanceof AssetCheckEvaluation) {
      // A failed blocking check did not "successfully execute": its asset is re-executed with its checks.
      if (data.blocking && !data.passed) blockingFailureAssets.add(entityKeyId(data.assetKey));
      else executed.add(entityKeyId(data.assetCheckKey));
    }
  }
  const notToReexecute = new Set([...executed].filter((id) => !blockingFailureAssets.has(id)));
  const toReexecute = new Map<string, EntityKey>();
  const stepKeys = new Set(executionPlanSnapshot.stepKeysToExecute ?? []);
  for (const step of executionPlanSnapshot.steps) {
    if (!stepKeys.has(step.key)) continue;
    const forStep = stepEntityKeys(step).filter(
      (key) => !notToReexecute.has(entityKeyId(key)) || (key instanceof AssetCheckKey && blockingFailureAssets.has(entityKeyId(key.assetKey))),
    );
    if (forStep.length === 0) continue;
    for (const key of [...forStep, ...stepRequiredEntityKeys(step)]) toReexecute.set(entityKeyId(key), key);
  }
  const keys = [...toReexecute.values()];
  return [keys.filter((key): key is AssetKey => key instanceof AssetKey), keys.filter((key): key is AssetCheckKey => key instanceof AssetCheckKey)];
}

// ---------------------------------------------------------------- resume retry

/**
 * Which outputs each earlier run of a re-execution chain produced (Dagster's `PastExecutionState`, stored inside
 * `KnownExecutionState.parentState`).
 */
export class PastExecutionState {
  declare readonly runId: string;
  declare readonly producedOutputs: ReadonlySet<StepOutputHandle>;
  declare readonly parentState: PastExecutionState | null;
  constructor(init: { runId: string; producedOutputs: Iterable<StepOutputHandle>; parentState?: PastExecutionState | null }) {
    initRecord(this, { ...init, producedOutputs: new Set(init.producedOutputs) });
  }
}
registerRecord(PastExecutionState, {
  name: 'PastExecutionState',
  fields: {
    runId: { type: t.str },
    producedOutputs: { type: t.set(t.record(StepOutputHandle)) },
    parentState: { type: t.any },
  },
});

/** A step handle as tracking needs it: its key, and for a step resolved from a dynamic output, its unresolved key. */
interface Handle {
  readonly key: string;
  /** `node[?]` for `node[mapping_key]` steps, else null. */
  readonly unresolvedKey: string | null;
  /** The mapping key of a `node[mapping_key]` step. */
  readonly mappingKey: string | null;
  readonly isUnresolved: boolean;
}

/** `StepHandle.parse_from_key`: `node[?]` unresolved, `node[key]` resolved from a dynamic output, else static. */
function parseStepKey(key: string): Handle {
  const unresolved = /^(.*)\[\?\]/.exec(key);
  if (unresolved) return { key, unresolvedKey: null, mappingKey: null, isUnresolved: true };
  const resolved = /^(.*)\[(.*)\]/.exec(key);
  if (resolved) return { key, unresolvedKey: `${resolved[1]}[?]`, mappingKey: resolved[2] ?? '', isUnresolved: false };
  return { key, unresolvedKey: null, mappingKey: null, isUnresolved: false };
}

function handleOfEvent(stepHandle: unknown): Handle | null {
  if (stepHandle instanceof ResolvedFromDynamicStepHandle) {
    return { key: stepHandle.key, unresolvedKey: `${stepHandle.nodeHandle.toString()}[?]`, mappingKey: stepHandle.mappingKey, isUnresolved: false };
  }
  if (stepHandle instanceof StepHandle) return { key: stepHandle.key, unresolvedKey: null, mappingKey: null, isUnresolved: false };
  const toKey = (stepHandle as { toKey?: () => string } | null)?.toKey;
  return typeof toKey === 'function' ? parseStepKey(toKey.call(stepHandle)) : null;
}

/** step key (or unresolved key for dynamic steps) → the handles seen, by key. */
type Tracking = Map<string, Map<string, Handle>>;

function track(tracking: Tracking, handle: Handle): void {
  const bucket = handle.unresolvedKey ?? handle.key;
  let set = tracking.get(bucket);
  if (!set) tracking.set(bucket, (set = new Map()));
  set.set(handle.key, handle);
}

function isTracked(handle: Handle, tracking: Tracking): boolean {
  if (handle.unresolvedKey) return tracking.get(handle.unresolvedKey)?.has(handle.key) ?? false;
  return tracking.has(handle.key);
}

function copyTracked(dst: Tracking, src: Tracking, handle: Handle): void {
  const bucket = handle.unresolvedKey ?? handle.key;
  for (const tracked of src.get(bucket)?.values() ?? []) track(dst, tracked);
}

type DynamicOutputs = Map<string, Map<string, string[] | null>>;

/** What a finished run did, from its step events: steps to retry, dynamic outputs seen, outputs produced. */
async function deriveStateOfPastRun(ops: RunsInstanceOps, run: DagsterRun): Promise<{ stepsToRetry: string[]; dynamicOutputs: DynamicOutputs; outputs: StepOutputHandle[] }> {
  const logs = await ops.allLogs(
    run.runId,
    new Set([
      DagsterEventType.STEP_START,
      DagsterEventType.STEP_FAILURE,
      DagsterEventType.STEP_SUCCESS,
      DagsterEventType.STEP_OUTPUT,
      DagsterEventType.STEP_SKIPPED,
      DagsterEventType.RESOURCE_INIT_FAILURE,
    ]),
  );
  if (!run.executionPlanSnapshotId) throw new InvariantViolationError(`Run ${run.runId} has no execution plan snapshot`, { ids: { runId: run.runId } });
  const plan = await ops.getExecutionPlanSnapshot(run.executionPlanSnapshotId);

  const outputs = new Map<string, StepOutputHandle>();
  const dynamicOutputs: DynamicOutputs = new Map();
  const all: Tracking = new Map();
  const failed: Tracking = new Map();
  const succeeded: Tracking = new Map();
  const interrupted: Tracking = new Map();
  const skipped: Tracking = new Map();

  for (const record of logs) {
    const event = record.dagsterEvent;
    const handle = event ? handleOfEvent(event.stepHandle) : null;
    if (!event || !handle) continue;
    track(all, handle);
    const type = event.eventType;
    if (type === DagsterEventType.STEP_FAILURE || type === DagsterEventType.RESOURCE_INIT_FAILURE) track(failed, handle);
    if (type === DagsterEventType.STEP_SUCCESS) track(succeeded, handle);
    if (type === DagsterEventType.STEP_SKIPPED) track(skipped, handle);
    if (type === DagsterEventType.STEP_OUTPUT && event.eventSpecificData instanceof StepOutputData) {
      const data = event.eventSpecificData;
      if (data.mappingKey && record.stepKey) {
        let byOutput = dynamicOutputs.get(record.stepKey);
        if (!byOutput) dynamicOutputs.set(record.stepKey, (byOutput = new Map()));
        const keys = byOutput.get(data.outputName) ?? [];
        keys.push(data.mappingKey);
        byOutput.set(data.outputName, keys);
      }
      const h = data.stepOutputHandle;
      outputs.set(`${h.stepKey}\u0000${h.outputName}\u0000${h.mappingKey ?? ''}`, h);
    }
  }
  // Started but neither failed, succeeded nor skipped: interrupted (e.g. cleanup after a failure did not run).
  for (const set of all.values()) {
    for (const handle of set.values()) if (!isTracked(handle, failed) && !isTracked(handle, succeeded) && !isTracked(handle, skipped)) track(interrupted, handle);
  }

  const toRetry: Tracking = new Map();
  const { steps, executionDeps } = topologicalSteps(plan);
  const parentSelection = run.stepKeysToExecute && run.stepKeysToExecute.length > 0 ? new Set(run.stepKeysToExecute) : null;
  for (const step of steps) {
    const stepKey = step.key;
    const handle = parseStepKey(stepKey);
    if (parentSelection && !parentSelection.has(stepKey)) continue;
    // Steps the parent skipped stay skipped.
    if (isTracked(handle, skipped)) continue;

    for (const output of step.outputs) {
      if (output.properties?.isDynamic !== true) continue;
      const byOutput = dynamicOutputs.get(stepKey);
      if (byOutput?.has(output.name)) continue;
      if (succeeded.has(stepKey)) setDynamic(dynamicOutputs, stepKey, output.name, output.properties.isRequired ? [] : null);
      else if (skipped.has(stepKey)) setDynamic(dynamicOutputs, stepKey, output.name, null);
    }

    if (isTracked(handle, failed)) copyTracked(toRetry, failed, handle);
    if (isTracked(handle, interrupted)) copyTracked(toRetry, interrupted, handle);

    const depKeys = executionDeps.get(stepKey) ?? new Set<string>();
    // Steps that never ran (the run was terminated), unless a dynamic step whose upstream finished.
    const upstreamFinished = handle.isUnresolved && [...depKeys].some((key) => skipped.has(key) || succeeded.has(key));
    if (!isTracked(handle, all) && !upstreamFinished) track(toRetry, handle);

    for (const retryingKey of [...depKeys].filter((key) => toRetry.has(key))) {
      const retrying = [...toRetry.get(retryingKey)!.values()];
      if (handle.isUnresolved && retrying.every((h) => h.unresolvedKey !== null)) {
        // Downstream of a dynamic output: retry the resolved instances for the retried mapping keys.
        const node = stepKey.slice(0, -'[?]'.length);
        for (const resolved of retrying) {
          track(toRetry, { key: `${node}[${resolved.mappingKey ?? ''}]`, unresolvedKey: stepKey, mappingKey: resolved.mappingKey, isUnresolved: false });
        }
      } else {
        track(toRetry, handle);
      }
    }
  }
  const stepsToRetry = [...toRetry.values()].flatMap((set) => [...set.keys()]);
  return { stepsToRetry, dynamicOutputs, outputs: [...outputs.values()] };
}

function setDynamic(dynamicOutputs: DynamicOutputs, stepKey: string, outputName: string, value: string[] | null): void {
  let byOutput = dynamicOutputs.get(stepKey);
  if (!byOutput) dynamicOutputs.set(stepKey, (byOutput = new Map()));
  byOutput.set(outputName, value);
}

/**
 * The steps to retry and the known execution state for a FROM_FAILURE re-execution of a failed or canceled run
 * (Dagster's `KnownExecutionState.build_resume_retry_reexecution`): the state chains through every ancestor run.
 */
export async function buildResumeRetryReexecution(ops: RunsInstanceOps, parentRun: DagsterRun): Promise<[string[], KnownExecutionState]> {
  if (parentRun.status !== DagsterRunStatus.FAILURE && parentRun.status !== DagsterRunStatus.CANCELED) {
    throw new InvariantViolationError('Cannot reexecute from failure a run that is not failed or canceled', { ids: { runId: parentRun.runId } });
  }
  const createParentState = async (target: DagsterRun): Promise<{ state: PastExecutionState; dynamicOutputs: DynamicOutputs; stepsToRetry: string[] }> => {
    const derived = await deriveStateOfPastRun(ops, target);
    let parentState: PastExecutionState | null = null;
    let dynamicOutputs = derived.dynamicOutputs;
    if (target.parentRunId) {
      const ancestor = await ops.getRunById(target.parentRunId);
      if (!ancestor) throw new RunNotFoundError(target.parentRunId, `Could not load ancestor run ${target.parentRunId} for re-execution`);
      const parent = await createParentState(ancestor);
      parentState = parent.state;
      dynamicOutputs = new Map([...parent.dynamicOutputs, ...dynamicOutputs]);
    }
    return { state: new PastExecutionState({ runId: target.runId, producedOutputs: derived.outputs, parentState }), dynamicOutputs, stepsToRetry: derived.stepsToRetry };
  };
  const { state, dynamicOutputs, stepsToRetry } = await createParentState(parentRun);
  // `update_for_step_selection`: mappings of steps that run again are recomputed by the new run.
  const retrying = new Set(stepsToRetry);
  const dynamicMappings: Record<string, Record<string, string[] | null>> = {};
  for (const [stepKey, byOutput] of dynamicOutputs) if (!retrying.has(stepKey)) dynamicMappings[stepKey] = Object.fromEntries(byOutput);
  const knownState = new KnownExecutionState({
    previousRetryAttempts: {},
    dynamicMappings,
    stepOutputVersions: [],
    readyOutputs: new Set(),
    parentState: state,
  });
  return [stepsToRetry, knownState];
}
