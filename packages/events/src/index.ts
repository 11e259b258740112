/**
 * `@inst/events`: the events domain of an inst instance — the event write path (storing, run-status updates,
 * will-retry tagging, batch writing, listeners), event queries and watching, reporting engine and Dagster events,
 * and log handlers that write to the event log. Each function takes an {@link EventsInstanceOps} first.
 *
 * @packageDocumentation
 */

/** What the events domain needs from an instance, and the types its members use. */
export type { EventsInstanceOps, EventListener, HandleNewEventOptions, NamedSource } from './ops';
export { eventsOpsFromStorages, type EventsStorages, type EventsSettings } from './from-storages';

/** Reading the event log. */
export { logsAfter, allLogs, getRecordsForRun, getEventRecords, fetchRunStatusChanges } from './queries';

/** Watching a run's events as they are stored. */
export { watchEventLogs, endWatchEventLogs, watchAllRunEvents, watchAllRunEventsWith, watchRunEvents, type WatchRunEventsOptions } from './watch';

/** The write path. */
export { shouldStoreEvent, storeEvent, handleNewEvent, addEventListener, shouldRetryRun, eventBatchSizeFromEnv } from './write';

/** Reporting events from outside a job's execution. */
export { reportEngineEvent, reportDagsterEvent } from './report';

/** Log handlers: the TypeScript counterpart of Dagster's Python logging handlers. */
export {
  getEventLogHandler,
  getYamlPythonHandlers,
  getHandlers,
  buildLogHandlers,
  BaseLogHandler,
  EventLogHandler,
  StreamLogHandler,
  FileLogHandler,
  NullLogHandler,
  LogFormatter,
  type LogHandler,
  type LogRecord,
  type DagsterLogRecordMetadata,
  type DagsterHandlerConfig,
  type WritableText,
} from './handlers';

/** Python's logging levels and Dagster's level coercion. */
export { LogLevel, coerceLogLevel } from './log-levels';
