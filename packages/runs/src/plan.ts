/**
 * Reading execution plan snapshots: step dependencies, pools, entity keys and topological order (Dagster's
 * `ExecutionPlanSnapshot` properties and `RemoteExecutionPlan`).
 */
import { InvariantViolationError } from '@inst/errors';
import { AssetCheckKey, AssetKey, RUN_TAGS, RunOpConcurrency, type EntityKey, type ExecutionPlanSnapshot, type ExecutionStepSnap } from '@inst/types';

/** A stable string for an asset or check key (its db string), usable in Sets and Maps. */
export function entityKeyId(key: EntityKey): string {
  return key instanceof AssetCheckKey ? `check:${key.toDbString()}` : `asset:${key.toDbString()}`;
}

/** Each step's upstream step keys, from its inputs' upstream output handles (Dagster's `step_deps`). */
export function stepDeps(plan: ExecutionPlanSnapshot): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>(plan.steps.map((step) => [step.key, new Set<string>()]));
  for (const step of plan.steps) {
    for (const input of step.inputs) for (const handle of input.upstreamOutputHandles) deps.get(step.key)!.add(handle.stepKey);
  }
  return deps;
}

const RECORD_META = Symbol.for('inst.serdes.recordMeta');

/**
 * The pool of a step: its `pool` field (written by newer Dagster versions; kept by serdes as an unknown field
 * when the record class does not declare it), else its legacy `dagster/concurrency_key` tag.
 */
export function stepPool(step: ExecutionStepSnap): string | null {
  const declared = (step as { pool?: unknown }).pool;
  const unknown = (step as { [RECORD_META]?: { unknown?: Readonly<Record<string, unknown>> } })[RECORD_META]?.unknown?.pool;
  const pool = declared ?? unknown;
  if (typeof pool === 'string') return pool;
  return step.tags?.[RUN_TAGS.GLOBAL_CONCURRENCY] ?? null;
}

/**
 * The op concurrency a run needs (Dagster's `compute_run_op_concurrency_info_for_snapshot`): pools of the
 * steps to execute, counted for root steps; null when no step uses a pool.
 */
export function computeRunOpConcurrencyInfoForSnapshot(plan: ExecutionPlanSnapshot): RunOpConcurrency | null {
  const toExecute = new Set(plan.stepKeysToExecute ?? []);
  const rootStepKeys = new Set<string>();
  for (const [key, deps] of stepDeps(plan)) if (![...deps].some((dep) => toExecute.has(dep))) rootStepKeys.add(key);
  const rootKeyCounts: Record<string, number> = {};
  const allPools = new Set<string>();
  let hasUnconstrainedRootNodes = false;
  for (const step of plan.steps) {
    if (!toExecute.has(step.key)) continue;
    const pool = stepPool(step);
    if (pool === null) {
      if (rootStepKeys.has(step.key)) hasUnconstrainedRootNodes = true;
      continue;
    }
    if (rootStepKeys.has(step.key)) rootKeyCounts[pool] = (rootKeyCounts[pool] ?? 0) + 1;
    allPools.add(pool);
  }
  if (allPools.size === 0) return null;
  return new RunOpConcurrency({ rootKeyCounts, hasUnconstrainedRootNodes, allPools });
}

/** The asset and check keys a step's outputs produce. */
export function stepEntityKeys(step: ExecutionStepSnap): EntityKey[] {
  return entityKeysOfOutputs(step, () => true);
}

/** The keys of outputs that must be produced together (`is_required`): retried with any retried key of the step. */
export function stepRequiredEntityKeys(step: ExecutionStepSnap): EntityKey[] {
  return entityKeysOfOutputs(step, (required) => required === true);
}

function entityKeysOfOutputs(step: ExecutionStepSnap, keep: (isRequired: unknown) => boolean): EntityKey[] {
  const keys: EntityKey[] = [];
  for (const output of step.outputs) {
    const properties = output.properties;
    if (!properties || !keep(properties.isRequired)) continue;
    if (properties.assetKey instanceof AssetKey) keys.push(properties.assetKey);
    if (properties.assetCheckKey instanceof AssetCheckKey) keys.push(properties.assetCheckKey);
  }
  return keys;
}

/**
 * A plan's steps in execution order, as `RemoteExecutionPlan.topological_steps`: steps to execute (all steps
 * when none are listed) level by level, each level sorted by key.
 */
export function topologicalSteps(plan: ExecutionPlanSnapshot): { steps: ExecutionStepSnap[]; executionDeps: Map<string, Set<string>> } {
  const index = new Map(plan.steps.map((step) => [step.key, step]));
  const inPlan = new Set(plan.stepKeysToExecute?.length ? plan.stepKeysToExecute : index.keys());
  const executionDeps = new Map<string, Set<string>>();
  for (const key of inPlan) {
    const step = index.get(key);
    const deps = new Set<string>();
    for (const input of step?.inputs ?? []) for (const handle of input.upstreamOutputHandles) if (inPlan.has(handle.stepKey)) deps.add(handle.stepKey);
    executionDeps.set(key, deps);
  }
  // Python's toposort: repeatedly take every item whose dependencies are all done.
  const steps: ExecutionStepSnap[] = [];
  const done = new Set<string>();
  let remaining = [...executionDeps.keys()];
  while (remaining.length > 0) {
    const level = remaining.filter((key) => [...executionDeps.get(key)!].every((dep) => done.has(dep))).sort();
    if (level.length === 0) throw new InvariantViolationError(`Circular dependencies exist among steps: ${remaining.sort().join(', ')}`);
    for (const key of level) {
      done.add(key);
      const step = index.get(key);
      if (step) steps.push(step);
    }
    remaining = remaining.filter((key) => !done.has(key));
  }
  return { steps, executionDeps };
}
