import { storeDagsterEvent, type EventLogStorage, type RunStorage } from '@inst/storage';
import type { RunsInstanceOps } from './ops';
import { getRunById, getRunRecordById, hasRun } from './queries';
import { getExecutionPlanSnapshot } from './snapshots';

/** The storages a runs domain works on alone. They are read on each use, so a getter may stand for one. */
export interface RunsStorages {
  readonly runStorage: RunStorage;
  readonly eventLogStorage: EventLogStorage;
}

/**
 * The runs domain's ops over two storages, for using `@inst/runs` without an instance:
 *
 * ```ts
 * const ops = runsOpsFromStorages({ runStorage, eventLogStorage });
 * const run = await createRun(ops, { jobName: 'etl' });
 * ```
 *
 * Each member is the domain's own function over these ops, so a member given in `overrides` (a value or a getter)
 * is seen by the others, as a subclass's override is through an instance; `@inst/core` builds its adapter this way,
 * overriding each member with the instance's public one. `reportDagsterEvent` stores the event and, for run events,
 * moves the run's status — without listeners, batching or run retries (use `@inst/core` for those).
 */
export function runsOpsFromStorages(storages: RunsStorages, overrides: Partial<RunsInstanceOps> = {}): RunsInstanceOps {
  const ops: RunsInstanceOps = {
    get runStorage() {
      return storages.runStorage;
    },
    get eventLogStorage() {
      return storages.eventLogStorage;
    },
    getRunById: (runId) => getRunById(ops, runId),
    getRunRecordById: (runId) => getRunRecordById(ops, runId),
    hasRun: (runId) => hasRun(ops, runId),
    getExecutionPlanSnapshot: (snapshotId) => getExecutionPlanSnapshot(ops, snapshotId),
    allLogs: (runId, ofType) => ops.eventLogStorage.getLogsForRun(runId, undefined, ofType),
    reportDagsterEvent: (event, runId, logLevel) => storeDagsterEvent(ops, event, runId, logLevel),
    getBackfill: (backfillId) => ops.runStorage.getBackfill(backfillId),
  };
  // Descriptors, not values: an override given as a getter stays one (read on each use).
  return Object.defineProperties(ops, Object.getOwnPropertyDescriptors(overrides));
}
