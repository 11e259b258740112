/**
 * Submitting, launching and resuming runs (Dagster's `RunLauncherMethods.submit_run / launch_run / resume_run`).
 */
import { InvariantViolationError, RunNotFoundError } from '@inst/errors';
import {
  DagsterEvent,
  DagsterEventType,
  DagsterRunStatus,
  EngineEventData,
  IN_PROGRESS_RUN_STATUSES,
  SerializableErrorInfo,
  type DagsterRun,
} from '@inst/types';
import type { RunLauncherInstanceOps, WorkspaceContext } from './ops';
import { RESUME_RUN_LOG_MESSAGE } from './resume';

/**
 * Dagster's failure handling around a coordinator or launcher call: record the error as an ENGINE_EVENT of the
 * run, mark the run failed, then let the caller rethrow the original error.
 */
async function reportLaunchFailure(ops: RunLauncherInstanceOps, run: DagsterRun, error: unknown): Promise<void> {
  const info = SerializableErrorInfo.fromError(error);
  await ops.reportEngineEvent(info.message, run, EngineEventData.engineError(info));
  await ops.reportRunFailed(run);
}

async function loadRun(ops: RunLauncherInstanceOps, runId: string, method: string): Promise<DagsterRun> {
  const run = await ops.getRunById(runId);
  if (!run) throw new RunNotFoundError(runId, `Could not load run ${runId} that was passed to ${method}`);
  return run;
}

/**
 * Hands a NOT_STARTED run to the run coordinator (the default coordinator launches it at once; a queued one
 * enqueues it) and returns the run as the coordinator left it. A missing run throws RunNotFoundError and a run
 * in another status InvariantViolationError, with nothing written; a coordinator error is recorded on the run
 * (ENGINE_EVENT + RUN_FAILURE) and rethrown.
 */
export async function submitRun(ops: RunLauncherInstanceOps, runId: string, workspace?: WorkspaceContext): Promise<DagsterRun> {
  const run = await loadRun(ops, runId, 'submit_run');
  // Dagster's coordinators assert this inside the guarded call, which would mark a finished run as failed;
  // checking first keeps bad input from writing anything.
  if (run.status !== DagsterRunStatus.NOT_STARTED) {
    throw new InvariantViolationError(`Run ${runId} is in status ${run.status}; only a NOT_STARTED run can be submitted`, { ids: { runId } });
  }
  try {
    return await ops.runCoordinator.submitRun({ dagsterRun: run, workspace });
  } catch (error) {
    await reportLaunchFailure(ops, run, error);
    throw error;
  }
}

/**
 * Emits RUN_STARTING (stored as PIPELINE_STARTING, moving the run to STARTING), reloads the run and hands it to
 * the run launcher. Returns the run as it was handed over (in STARTING). A launcher error is recorded on the run
 * (ENGINE_EVENT + RUN_FAILURE) and rethrown.
 */
export async function launchRun(ops: RunLauncherInstanceOps, runId: string, workspace?: WorkspaceContext): Promise<DagsterRun> {
  const created = await loadRun(ops, runId, 'launch_run');
  const launchStarted = new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_STARTING, jobName: created.jobName });
  await ops.reportDagsterEvent(launchStarted, created.runId);

  const run = await ops.getRunById(runId);
  if (!run) throw new InvariantViolationError(`Failed to reload run ${runId}`, { ids: { runId } });
  try {
    await ops.runLauncher.launchRun({ dagsterRun: run, workspace });
  } catch (error) {
    await reportLaunchFailure(ops, run, error);
    throw error;
  }
  return run;
}

/**
 * Starts a new worker for a launched run whose worker died: the run must be in progress (STARTING, STARTED or
 * CANCELING). Emits the resume ENGINE_EVENT (which `countResumeRunAttempts` counts), then calls the launcher's
 * `resumeRun`; a launcher error is recorded on the run (ENGINE_EVENT + RUN_FAILURE) and rethrown.
 */
export async function resumeRun(
  ops: RunLauncherInstanceOps,
  runId: string,
  workspace: WorkspaceContext | undefined,
  attemptNumber: number,
): Promise<DagsterRun> {
  const run = await loadRun(ops, runId, 'resume_run');
  if (!IN_PROGRESS_RUN_STATUSES.includes(run.status)) {
    throw new InvariantViolationError(`Run ${runId} is not in a state that can be resumed`, { ids: { runId } });
  }
  await ops.reportEngineEvent(RESUME_RUN_LOG_MESSAGE, run);
  try {
    await ops.runLauncher.resumeRun({ dagsterRun: run, workspace, resumeAttemptNumber: attemptNumber });
  } catch (error) {
    await reportLaunchFailure(ops, run, error);
    throw error;
  }
  return run;
}
