/**
 * The runs of a backfill (found by their `dagster/backfill` tag) and their cancellation, shared by job and asset
 * backfills (Dagster's `cancel_backfill_runs_and_cancellation_complete`).
 */
import { CANCELABLE_RUN_STATUSES, DagsterRunStatus, NOT_FINISHED_STATUSES, RUN_TAGS, RunsFilter, type PartitionBackfill } from '@inst/types';
import type { DaemonContext } from './host';

/** Runs canceled per iteration of a canceling backfill (Dagster's MAX_RUNS_CANCELED_PER_ITERATION). */
export const MAX_RUNS_CANCELED_PER_ITERATION = 50;

/** Runs of a backfill (by its `dagster/backfill` tag). */
export async function backfillRuns(ctx: DaemonContext, backfillId: string, statuses?: readonly DagsterRunStatus[]) {
  return ctx.instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: backfillId }, ...(statuses ? { statuses: [...statuses] } : {}) }));
}

/** Cancels up to 50 cancelable runs (and every never-submitted one); `done` once none is unfinished. */
export async function cancelBackfillRuns(ctx: DaemonContext, backfill: PartitionBackfill): Promise<{ canceled: number; done: boolean }> {
  const { instance } = ctx;
  const cancelable = await instance.getRuns(
    new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: backfill.backfillId }, statuses: [...CANCELABLE_RUN_STATUSES] }),
    undefined,
    MAX_RUNS_CANCELED_PER_ITERATION,
  );
  let canceled = 0;
  for (const run of cancelable) {
    if (await instance.runCoordinator.cancelRun(run.runId)) canceled++;
  }
  // NOT_STARTED runs were created but never submitted: nothing will launch them, so they end here.
  for (const run of await backfillRuns(ctx, backfill.backfillId, [DagsterRunStatus.NOT_STARTED])) {
    await instance.reportRunCanceled(run, 'Canceled with its backfill before it was submitted.');
    canceled++;
  }
  const unfinished = await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: backfill.backfillId }, statuses: [...NOT_FINISHED_STATUSES] }));
  return { canceled, done: unfinished === 0 };
}


/** Submits a run the backfill created; a launch failure is logged, not thrown (the run is then marked failed). */
export async function submitBackfillRun(ctx: DaemonContext, backfillId: string, runId: string): Promise<void> {
  try {
    await ctx.instance.submitRun(runId);
  } catch (error) {
    ctx.log.error(`Run ${runId} of backfill ${backfillId} created successfully but failed to launch: ${String(error)}`);
  }
}
