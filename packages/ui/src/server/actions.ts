/*
 * What the page's buttons do, with the semantics of the `inst run cancel` / `inst run reexecute` verbs: a queued
 * run is marked canceled; a launched one is terminated through the run coordinator, or asked to stop (CANCELING,
 * which its worker watches for) when its worker lives in another process. Re-execution creates a new run of the
 * parent's job from the code location the parent records, all steps or those that did not succeed.
 */
import type { Instance } from '@inst/core';
import { InstError } from '@inst/errors';
import { DagsterRunStatus, FINISHED_STATUSES, type DagsterRun } from '@inst/types';

/** A UI action that cannot be done (a finished run, an unknown run, nothing to re-execute); HTTP 409 or 404. */
export class UiActionError extends InstError {
  /** Why: RUN_NOT_FOUND, RUN_FINISHED, RUN_NOT_FINISHED, RUN_NOT_FAILED, NOTHING_TO_REEXECUTE. */
  readonly reason: string;
  readonly httpStatus: 404 | 409;
  constructor(reason: string, message: string, httpStatus: 404 | 409 = 409) {
    super(httpStatus === 404 ? 'RUN_NOT_FOUND' : 'INVALID_ARGUMENT', message);
    this.reason = reason;
    this.httpStatus = httpStatus;
  }
}

async function requireRun(instance: Instance, runId: string): Promise<DagsterRun> {
  const run = await instance.getRunById(runId);
  if (!run) throw new UiActionError('RUN_NOT_FOUND', `no run found with id ${runId}`, 404);
  return run;
}

/** Cancels a queued or running run; resolves to its status after. */
export async function cancelRun(instance: Instance, runId: string): Promise<string> {
  const run = await requireRun(instance, runId);
  if (FINISHED_STATUSES.includes(run.status)) throw new UiActionError('RUN_FINISHED', `run ${runId} has already finished (${run.status})`);
  if (run.status === DagsterRunStatus.QUEUED || run.status === DagsterRunStatus.NOT_STARTED) {
    await instance.reportRunCanceled(run);
  } else {
    const stopped = await instance.runCoordinator.cancelRun(runId).catch(() => false);
    const now = await instance.getRunById(runId);
    if (!stopped && now && !FINISHED_STATUSES.includes(now.status) && now.status !== DagsterRunStatus.CANCELING) await instance.reportRunCanceling(now);
  }
  return String((await instance.getRunById(runId))?.status);
}

/** Re-executes a finished run from its code location; resolves to the new run's id. */
export async function reexecuteRun(instance: Instance, runId: string, options: { fromFailure?: boolean } = {}): Promise<{ runId: string; stepKeysToExecute: string[] | null }> {
  const parent = await requireRun(instance, runId);
  if (!parent.isFinished) throw new UiActionError('RUN_NOT_FINISHED', `run ${runId} is ${parent.status}: re-execute it once it has finished`);
  if (options.fromFailure && parent.status !== DagsterRunStatus.FAILURE) throw new UiActionError('RUN_NOT_FAILED', `run ${runId} did not fail (${parent.status})`);
  const { ChildProcessCodeLocation, createReexecutionForLocation, targetOfRun } = await import('@inst/code-location');
  const location = new ChildProcessCodeLocation(targetOfRun(parent), { output: 'ignore' });
  try {
    const created = await createReexecutionForLocation(instance, location, parent, options);
    if (!created) throw new UiActionError('NOTHING_TO_REEXECUTE', `every step of run ${runId} succeeded`);
    await instance.submitRun(created.run.runId);
    return { runId: created.run.runId, stepKeysToExecute: created.stepKeysToExecute };
  } finally {
    await location.dispose();
  }
}
