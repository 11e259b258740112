/**
 * Reports of run lifecycle changes made from outside the run's execution (Dagster's `report_run_canceling`,
 * `report_run_canceled`, `report_run_failed`). Each builds the run event and hands it to the instance's
 * `reportDagsterEvent`, whose `handleNewEvent` stores it and moves the run's status.
 */
import { DagsterEvent, DagsterEventType, type DagsterRun, type JobFailureData } from '@inst/types';
import type { RunsInstanceOps } from './ops';

/** Python's `logging.ERROR`. */
const ERROR = 40;

/** Reports RUN_CANCELING (stored as PIPELINE_CANCELING; the run moves to CANCELING). */
export async function reportRunCanceling(ops: RunsInstanceOps, run: DagsterRun, message?: string | null): Promise<void> {
  const event = new DagsterEvent({
    eventTypeValue: DagsterEventType.RUN_CANCELING,
    jobName: run.jobName,
    message: message ?? 'Sending run termination request.',
  });
  await ops.reportDagsterEvent(event, run.runId);
}

/** Reports RUN_CANCELED at ERROR level (the run moves to CANCELED) and returns the event. */
export async function reportRunCanceled(ops: RunsInstanceOps, dagsterRun: DagsterRun, message?: string | null): Promise<DagsterEvent> {
  const event = new DagsterEvent({
    eventTypeValue: DagsterEventType.RUN_CANCELED,
    jobName: dagsterRun.jobName,
    message: message ?? 'This run has been marked as canceled from outside the execution context.',
  });
  await ops.reportDagsterEvent(event, dagsterRun.runId, ERROR);
  return event;
}

/**
 * Reports RUN_FAILURE at ERROR level with optional JobFailureData (the run moves to FAILURE; with run retries
 * on, the instance's `handleNewEvent` tags whether it will be retried) and returns the event.
 */
export async function reportRunFailed(
  ops: RunsInstanceOps,
  dagsterRun: DagsterRun,
  message?: string | null,
  jobFailureData?: JobFailureData | null,
): Promise<DagsterEvent> {
  const event = new DagsterEvent({
    eventTypeValue: DagsterEventType.RUN_FAILURE,
    jobName: dagsterRun.jobName,
    message: message ?? 'This run has been marked as failed from outside the execution context.',
    eventSpecificData: jobFailureData ?? null,
  });
  await ops.reportDagsterEvent(event, dagsterRun.runId, ERROR);
  return event;
}

/** Whether run workers poll for cancellation in a background thread: always false, as in Dagster OSS. */
export function shouldStartBackgroundRunThread(_ops?: RunsInstanceOps): boolean {
  return false;
}
