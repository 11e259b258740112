/**
 * Executing a run in this process: `@inst/execution`'s `executeRun`, the one executor every launcher uses.
 * `executeJob` is the launcher's entry point, reporting how the execution ended.
 */
import { executeRun, LogLevel, type ExecutableJobLike, type ExecuteRunOptions, type ExecutionInstanceOps } from '@inst/execution';
import { DagsterRunStatus } from '@inst/types';
import type { RunWorkerInstance } from './contracts';

export { LogLevel };

/** How an execution ended. */
export type ExecutionOutcome = 'SUCCESS' | 'FAILURE' | 'CANCELED';

/**
 * The executor's view of an instance a launcher was registered with: the instance itself when it has the
 * members (`@inst/core`'s Instance does), so its overrides are seen; a smaller instance without `allLogs`
 * gets an empty log (no resume, no re-execution from a parent).
 */
export function executionOps(host: RunWorkerInstance & Partial<ExecutionInstanceOps>): ExecutionInstanceOps {
  if (typeof host.allLogs === 'function') return host as ExecutionInstanceOps;
  return {
    getRunById: (runId) => host.getRunById(runId),
    handleNewEvent: (entry) => host.handleNewEvent(entry),
    allLogs: async () => [],
  };
}

/**
 * Executes the run `runId` of `job` with `executeRun`. The run must be NOT_STARTED or STARTING (a CANCELED run is
 * refused with an ENGINE_EVENT). Throws only when the run cannot start or its failure cannot be recorded.
 */
export async function executeJob(
  host: RunWorkerInstance & Partial<ExecutionInstanceOps>,
  job: ExecutableJobLike,
  runId: string,
  signal: AbortSignal,
  options: Omit<ExecuteRunOptions, 'signal'> = {},
): Promise<ExecutionOutcome> {
  const run = await executeRun(executionOps(host), runId, job, { ...options, signal });
  if (run.status === DagsterRunStatus.SUCCESS) return 'SUCCESS';
  if (run.status === DagsterRunStatus.CANCELED || signal.aborted) return 'CANCELED';
  return 'FAILURE';
}
