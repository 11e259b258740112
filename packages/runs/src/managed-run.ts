/**
 * Registering runs managed outside Dagster's execution (Dagster's `register_managed_run`, used by
 * dagster-airflow, where any task of a DAG may be the first to register the run).
 */
import { InstError, RunNotFoundError } from '@inst/errors';
import { serializeValue } from '@inst/serdes';
import { DagsterRunStatus, type DagsterRun, type ExecutionPlanSnapshot, type JobPythonOrigin, type JobSnapshot } from '@inst/types';
import { constructRunWithSnapshots } from './create-run';
import { RunConflictError } from './errors';
import type { RunsInstanceOps } from './ops';

/** The fields of a run compared when an existing run is reused (all of DagsterRun's). */
const RUN_FIELDS = [
  'jobName',
  'runId',
  'runConfig',
  'assetSelection',
  'assetCheckSelection',
  'opSelection',
  'resolvedOpSelection',
  'stepKeysToExecute',
  'status',
  'tags',
  'rootRunId',
  'parentRunId',
  'jobSnapshotId',
  'executionPlanSnapshotId',
  'remoteJobOrigin',
  'jobCodeOrigin',
  'hasRepositoryLoadData',
  'runOpConcurrency',
  'partitionsSubset',
] as const satisfies readonly (keyof DagsterRun)[];

/**
 * Registers an externally managed run (status MANAGED) idempotently: stores its snapshots, returns the existing run
 * when one with the id exists and has the same fields (else throws RunConflictError naming the differences), and
 * otherwise adds it — reading the winner back when another process added it first.
 */
export async function registerManagedRun(
  ops: RunsInstanceOps,
  jobName: string,
  runId: string,
  runConfig: Readonly<Record<string, unknown>> | null | undefined,
  resolvedOpSelection: Iterable<string> | null | undefined,
  stepKeysToExecute: readonly string[] | null | undefined,
  tags: Readonly<Record<string, string>>,
  rootRunId: string | null | undefined,
  parentRunId: string | null | undefined,
  jobSnapshot: JobSnapshot | null | undefined,
  executionPlanSnapshot: ExecutionPlanSnapshot | null | undefined,
  parentJobSnapshot: JobSnapshot | null | undefined,
  opSelection?: readonly string[] | null,
  jobCodeOrigin?: JobPythonOrigin | null,
): Promise<DagsterRun> {
  const dagsterRun = await constructRunWithSnapshots(ops, {
    jobName,
    runId,
    runConfig,
    opSelection,
    resolvedOpSelection: resolvedOpSelection == null ? null : [...resolvedOpSelection],
    stepKeysToExecute,
    status: DagsterRunStatus.MANAGED,
    tags,
    rootRunId,
    parentRunId,
    jobSnapshot,
    executionPlanSnapshot,
    parentJobSnapshot,
    jobCodeOrigin,
  });

  const existing = async (): Promise<DagsterRun> => {
    const candidate = await ops.getRunById(dagsterRun.runId);
    if (!candidate) throw new RunNotFoundError(dagsterRun.runId);
    const diff = runFieldDiff(dagsterRun, candidate);
    if (Object.keys(diff).length > 0) {
      throw new RunConflictError(
        dagsterRun.runId,
        diff,
        `Found conflicting existing run with same id ${dagsterRun.runId}. Runs differ in:\n${formatFieldDiff(diff)}`,
      );
    }
    return candidate;
  };

  if (await ops.hasRun(dagsterRun.runId)) return existing();
  try {
    return await ops.runStorage.addRun(dagsterRun);
  } catch (error) {
    // Another task added the same run between the check and the insert.
    if (InstError.isInstance(error) && error.code === 'RUN_ALREADY_EXISTS') return existing();
    throw error;
  }
}

/** Each field whose value differs between the expected and the stored run: name → [expected, found]. */
export function runFieldDiff(expected: DagsterRun, candidate: DagsterRun): Record<string, readonly [unknown, unknown]> {
  const diff: Record<string, readonly [unknown, unknown]> = {};
  for (const field of RUN_FIELDS) {
    if (!sameValue(expected[field], candidate[field])) diff[field] = [expected[field], candidate[field]];
  }
  return diff;
}

/** Equality by serialized value; sets compare regardless of order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return (a ?? null) === (b ?? null);
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    const members = new Set([...b].map((item) => serializeValue(item)));
    return [...a].every((item) => members.has(serializeValue(item)));
  }
  return serializeValue(a) === serializeValue(b);
}

function describe(value: unknown): string {
  if (value == null) return 'None';
  return typeof value === 'string' ? value : serializeValue(value instanceof Set ? [...value] : value);
}

function formatFieldDiff(diff: Readonly<Record<string, readonly [unknown, unknown]>>): string {
  return Object.entries(diff)
    .map(([field, [expected, found]]) => `    ${field}:\n        Expected: ${describe(expected)}\n        Received: ${describe(found)}`)
    .join('\n');
}
