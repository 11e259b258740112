/**
 * `runDomain(ops)`: the TypeScript counterpart of Dagster's `instance.run_domain` — the heavy run creation,
 * re-execution and planned-event functions bound to one ops object.
 */
import type { DagsterRun, ExecutionPlanSnapshot, JobSnapshot } from '@inst/types';
import type { RunAssetGraph } from './asset-graph';
import {
  constructRunWithSnapshots,
  createRun,
  createRunForJob,
  logAssetPlannedEvents,
  type CreateRunOptions,
  type PrepareRunInit,
} from './create-run';
import { registerManagedRun } from './managed-run';
import type { RunsInstanceOps } from './ops';
import { createReexecutedRun, getKeysToReexecute, type CreateReexecutedRunOptions } from './reexecution';
import { ensurePersistedExecutionPlanSnapshot, ensurePersistedJobSnapshot } from './snapshots';

/** The functions of Dagster's `RunDomain`, each bound to the ops it was made with. */
export interface RunDomain {
  readonly ops: RunsInstanceOps;
  createRun(options: CreateRunOptions): Promise<DagsterRun>;
  createRunForJob(...args: Parameters<typeof createRunForJob> extends [RunsInstanceOps, ...infer Rest] ? Rest : never): Promise<DagsterRun>;
  createReexecutedRun(options: CreateReexecutedRunOptions): Promise<DagsterRun>;
  registerManagedRun(...args: Parameters<typeof registerManagedRun> extends [RunsInstanceOps, ...infer Rest] ? Rest : never): Promise<DagsterRun>;
  constructRunWithSnapshots(init: PrepareRunInit): Promise<DagsterRun>;
  ensurePersistedJobSnapshot(jobSnapshot: JobSnapshot, parentJobSnapshot?: JobSnapshot | null): Promise<string>;
  ensurePersistedExecutionPlanSnapshot(executionPlanSnapshot: ExecutionPlanSnapshot, jobSnapshotId: string): Promise<string>;
  getKeysToReexecute(runId: string, executionPlanSnapshot: ExecutionPlanSnapshot): ReturnType<typeof getKeysToReexecute>;
  logAssetPlannedEvents(dagsterRun: DagsterRun, executionPlanSnapshot: ExecutionPlanSnapshot, assetGraph?: RunAssetGraph | null): Promise<void>;
}

/** The run domain of an ops object (Dagster's `run_domain` property; the facade caches one per instance). */
export function runDomain(ops: RunsInstanceOps): RunDomain {
  return Object.freeze({
    ops,
    createRun: (options) => createRun(ops, options),
    createRunForJob: (...args) => createRunForJob(ops, ...args),
    createReexecutedRun: (options) => createReexecutedRun(ops, options),
    registerManagedRun: (...args) => registerManagedRun(ops, ...args),
    constructRunWithSnapshots: (init) => constructRunWithSnapshots(ops, init),
    ensurePersistedJobSnapshot: (jobSnapshot, parentJobSnapshot) => ensurePersistedJobSnapshot(ops, jobSnapshot, parentJobSnapshot),
    ensurePersistedExecutionPlanSnapshot: (plan, jobSnapshotId) => ensurePersistedExecutionPlanSnapshot(ops, plan, jobSnapshotId),
    getKeysToReexecute: (runId, plan) => getKeysToReexecute(ops, runId, plan),
    logAssetPlannedEvents: (dagsterRun, plan, assetGraph) => logAssetPlannedEvents(ops, dagsterRun, plan, assetGraph),
  } satisfies RunDomain);
}
