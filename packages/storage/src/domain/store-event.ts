import { EventLogEntry, type DagsterEvent } from '@inst/types';
import type { EventLogStorage } from '../event-log-storage';
import type { RunStorage } from '../run-storage';

/** Python's logging level numbers by name. */
const LEVELS: Readonly<Record<string, number>> = { CRITICAL: 50, FATAL: 50, ERROR: 40, WARN: 30, WARNING: 30, INFO: 20, DEBUG: 10 };

/**
 * The write path of a domain package used alone (its `…OpsFromStorages` helper): wraps the event in an entry of
 * the run (level `logLevel`, default INFO), stores it, and for run events moves the run's status in run storage —
 * what an instance's `handleNewEvent` does, without listeners, batching or run retries (those are `@inst/events`').
 */
export async function storeDagsterEvent(
  storages: { readonly runStorage: RunStorage; readonly eventLogStorage: EventLogStorage },
  event: DagsterEvent,
  runId: string,
  logLevel: string | number = 20,
): Promise<void> {
  const level = typeof logLevel === 'number' ? logLevel : (LEVELS[logLevel.toUpperCase()] ?? 20);
  const timestamp = Date.now() / 1000;
  const entry = new EventLogEntry({ level, userMessage: '', runId, timestamp, stepKey: event.stepKey, jobName: event.jobName, dagsterEvent: event });
  const { runStorage, eventLogStorage } = storages;
  await eventLogStorage.storeEvent(entry);
  // A storage that moves run status itself (Postgres with run events in one transaction) says so.
  const handlesRunEvents = (eventLogStorage as { handlesRunEventsInStoreEvent?: boolean }).handlesRunEventsInStoreEvent === true;
  if (!handlesRunEvents && event.isJobEvent) await runStorage.handleRunEvent(runId, event, new Date(timestamp * 1000));
}
