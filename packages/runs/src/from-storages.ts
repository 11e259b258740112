import type { EventLogStorage, RunStorage } from '@inst/storage';
import { EventLogEntry, type DagsterEvent } from '@inst/types';
import type { RunsInstanceOps } from './ops';
import { getRunById, getRunRecordById, hasRun } from './queries';
import { getExecutionPlanSnapshot } from './snapshots';

/** Python's logging level numbers by name. */
const LEVELS: Readonly<Record<string, number>> = { CRITICAL: 50, FATAL: 50, ERROR: 40, WARN: 30, WARNING: 30, INFO: 20, DEBUG: 10 };

/** The storages a runs domain works on alone, and any members to replace (as a subclass overrides a method). */
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
 * Each member is the domain's own function over these ops (so an override given in `overrides` is seen by the
 * others, as a subclass's override is through an instance). `reportDagsterEvent` stores the event and, for run
 * events, moves the run's status in run storage — what an instance's `handleNewEvent` does, without listeners,
 * batching or run retries (use `@inst/core` for those).
 */
export function runsOpsFromStorages(storages: RunsStorages, overrides: Partial<Omit<RunsInstanceOps, 'runStorage' | 'eventLogStorage'>> = {}): RunsInstanceOps {
  const { runStorage, eventLogStorage } = storages;
  const ops: RunsInstanceOps = {
    runStorage,
    eventLogStorage,
    getRunById: (runId) => getRunById(ops, runId),
    getRunRecordById: (runId) => getRunRecordById(ops, runId),
    hasRun: (runId) => hasRun(ops, runId),
    getExecutionPlanSnapshot: (snapshotId) => getExecutionPlanSnapshot(ops, snapshotId),
    allLogs: (runId, ofType) => eventLogStorage.getLogsForRun(runId, undefined, ofType),
    reportDagsterEvent: (event, runId, logLevel, batchMetadata) => storeDagsterEvent(storages, event, runId, logLevel, batchMetadata),
    getBackfill: (backfillId) => runStorage.getBackfill(backfillId),
    ...overrides,
  };
  return ops;
}

async function storeDagsterEvent(
  { runStorage, eventLogStorage }: RunsStorages,
  event: DagsterEvent,
  runId: string,
  logLevel: string | number = 20,
  _batchMetadata?: unknown,
): Promise<void> {
  const level = typeof logLevel === 'number' ? logLevel : (LEVELS[logLevel.toUpperCase()] ?? 20);
  const timestamp = Date.now() / 1000;
  const entry = new EventLogEntry({ level, userMessage: '', runId, timestamp, stepKey: event.stepKey, jobName: event.jobName, dagsterEvent: event });
  await eventLogStorage.storeEvent(entry);
  const handlesRunEvents = (eventLogStorage as { handlesRunEventsInStoreEvent?: boolean }).handlesRunEventsInStoreEvent === true;
  if (!handlesRunEvents && event.isJobEvent) await runStorage.handleRunEvent(runId, event, new Date(timestamp * 1000));
}
