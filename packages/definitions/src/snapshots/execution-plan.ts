/**
 * The execution plan snapshot Dagster stores for a run (`ExecutionPlanSnapshot`; `_core/snap/execution_plan_snapshot.py`):
 * one COMPUTE step per node, keyed by the node name, with inputs, outputs and their asset / check / partition info.
 */
import { FrozenSet, PyEnumValue } from '@inst/serdes';
import {
  ExecutionPlanSnapshot,
  ExecutionStepInputSnap,
  ExecutionStepOutputSnap,
  ExecutionStepSnap,
  KnownExecutionState,
  NodeHandle,
  RUN_TAGS,
  StepHandle,
  StepOutputHandle,
  StepOutputProperties,
  createJobSnapshotId,
} from '@inst/types';
import { UnknownDependencyError } from '../errors';
import type { JobDefinition, JobNode } from '../job';

/** Options of {@link executionPlanSnapshot}. */
export interface ExecutionPlanOptions {
  /** Only these steps run (the plan still lists every step); default every step, in execution order. */
  stepKeysToExecute?: readonly string[] | null;
  /** What earlier attempts left (re-execution): retries, ready outputs; default an empty state. */
  knownState?: KnownExecutionState | null;
  /** Accepted for the contract; plans do not depend on run config here. */
  runConfig?: Readonly<Record<string, unknown>> | null;
}

/** Dagster's name of the default executor. */
export const DEFAULT_EXECUTOR_NAME = 'multi_or_in_process_executor';

/** Step keys in Dagster's toposort order: level by level, each level sorted. */
export function toposortStepKeys(job: JobDefinition): string[] {
  const remaining = new Map(job.nodes.map((node) => [node.stepKey, new Set(node.upstreamStepKeys)]));
  const done = new Set<string>();
  const order: string[] = [];
  while (remaining.size > 0) {
    const level = [...remaining.entries()].filter(([, deps]) => [...deps].every((dep) => done.has(dep))).map(([key]) => key).sort();
    for (const key of level) {
      remaining.delete(key);
      done.add(key);
      order.push(key);
    }
    if (level.length === 0) break; // cycles are rejected when the job is built
  }
  return order;
}

function emptyKnownState(): KnownExecutionState {
  return new KnownExecutionState({ previousRetryAttempts: {}, dynamicMappings: {}, readyOutputs: new FrozenSet(), stepOutputVersions: [], parentState: null });
}

function stepSnap(node: JobNode): ExecutionStepSnap {
  const handle = new NodeHandle({ name: node.name, parent: null });
  const tags: Record<string, string> = { ...node.tags };
  if (node.pool) tags[RUN_TAGS.GLOBAL_CONCURRENCY] = node.pool;
  return new ExecutionStepSnap({
    key: node.stepKey,
    inputs: node.inputs.map(
      (input) =>
        new ExecutionStepInputSnap({
          name: input.name,
          dagsterTypeKey: input.dagsterType,
          upstreamOutputHandles: input.upstream ? [new StepOutputHandle({ stepKey: input.upstream.nodeName, outputName: input.upstream.outputName, mappingKey: null })] : [],
          source: null,
        }),
    ),
    outputs: node.outputs.map(
      (out) =>
        new ExecutionStepOutputSnap({
          name: out.name,
          dagsterTypeKey: out.dagsterType,
          nodeHandle: handle,
          properties: new StepOutputProperties({
            isRequired: out.isRequired,
            isDynamic: false,
            isAsset: out.assetKey !== null,
            shouldMaterialize: false,
            assetKey: out.assetKey,
            isAssetPartitioned: out.isAssetPartitioned,
            assetCheckKey: out.assetCheckKey,
            assetExecutionType: out.assetKey !== null ? new PyEnumValue('AssetExecutionType', 'MATERIALIZATION') : null,
          }),
        }),
    ),
    nodeHandleId: node.name,
    kind: 'COMPUTE',
    metadataItems: [],
    tags,
    stepHandle: new StepHandle({ nodeHandle: handle, key: node.stepKey }),
  });
}

/**
 * The plan Dagster would store for a run of `job` (every step listed, sorted by key; `stepKeysToExecute` the
 * steps that run). Throws UnknownDependencyError for a step key the job does not have.
 */
export function executionPlanSnapshot(job: JobDefinition, options: ExecutionPlanOptions = {}): ExecutionPlanSnapshot {
  const order = toposortStepKeys(job);
  let stepKeysToExecute = order;
  if (options.stepKeysToExecute != null) {
    const known = new Set(order);
    for (const key of options.stepKeysToExecute) {
      if (!known.has(key)) throw new UnknownDependencyError(`Job ${job.name} has no step ${key}`, { ids: { jobName: job.name, stepKey: key } });
    }
    stepKeysToExecute = [...options.stepKeysToExecute];
  }
  const steps = [...job.nodes].sort((a, b) => (a.stepKey < b.stepKey ? -1 : a.stepKey > b.stepKey ? 1 : 0)).map(stepSnap);
  return new ExecutionPlanSnapshot({
    steps,
    artifactsPersisted: true,
    jobSnapshotId: createJobSnapshotId(job.snapshot),
    stepKeysToExecute,
    initialKnownState: options.knownState ?? emptyKnownState(),
    snapshotVersion: 1,
    executorName: DEFAULT_EXECUTOR_NAME,
    repositoryLoadData: null,
  });
}
