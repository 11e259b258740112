import type { EventLogStorage, RunStorage } from '@inst/storage';
import type { DagsterEvent, DagsterEventBatchMetadata, DagsterRun, EngineEventData, EventLogEntry } from '@inst/types';
import type { DagsterHandlerConfig, EventLogHandler, LogHandler } from './handlers';

/** A callback registered with `addEventListener`; called with each new event of its run, in order. */
export type EventListener = (entry: EventLogEntry) => void | Promise<void>;

/** Options of `handleNewEvent` (Dagster's keyword-only `batch_metadata`). */
export interface HandleNewEventOptions {
  /** The batch the event belongs to; only used when batch writing is on (`eventBatchSize > 0`). */
  batchMetadata?: DagsterEventBatchMetadata | null;
}

/** Anything with a name, like a class: `reportEngineEvent` prefixes the message with `[name]`. */
export interface NamedSource {
  /** The class name (Python's `cls.__name__`). */
  readonly name: string;
}

/**
 * Everything the events domain needs from an instance. The facade's adapter implements each method by calling the
 * instance's public method of the same name, so a subclass that overrides one (say `handleNewEvent`) is seen here.
 */
export interface EventsInstanceOps {
  /** Where events are written and read. */
  readonly eventLogStorage: EventLogStorage;
  /** Receives run-status events (`handleRunEvent`). */
  readonly runStorage: RunStorage;

  /** In-process listeners per run id (Dagster's `_subscribers`); the instance owns the map, `addEventListener` fills it. */
  readonly eventListeners: Map<string, EventListener[]>;
  /** Events waiting for the rest of their batch, per batch id (Dagster's `_event_buffer`). */
  readonly eventBuffer: Map<string, EventLogEntry[]>;
  /** Dagster's `DAGSTER_EVENT_BATCH_SIZE` (see `eventBatchSizeFromEnv`); 0 turns batch writing off. */
  readonly eventBatchSize: number;

  /** `run_retries.enabled`. */
  readonly runRetriesEnabled: boolean;
  /** `run_retries.max_retries`, used when a run has no `dagster/max_retries` tag. */
  readonly runRetriesMaxRetries: number;
  /** `run_retries.retry_on_asset_or_op_failure`, used when a run has no `dagster/retry_on_asset_or_op_failure` tag. */
  readonly runRetriesRetryOnAssetOrOpFailure: boolean;
  /** `python_logs.dagster_handler_config` (`{}` when absent). */
  getPythonLogDagsterHandlerConfig(): DagsterHandlerConfig;

  // Public instance methods the domain calls (the adapter calls the instance's method of the same name).
  /** The run, or nothing for an unknown id. */
  getRunById(runId: string): Promise<DagsterRun | null | undefined>;
  /** The root run id and the runs of the run's group; may throw RunNotFoundError. */
  getRunGroup(runId: string): Promise<readonly [string, readonly DagsterRun[]] | null | undefined>;
  /** Merges tags into a run (used for `dagster/will_retry`). */
  addRunTags(runId: string, newTags: Readonly<Record<string, string>>): Promise<void>;
  /** Whether an entry is written at all (see `shouldStoreEvent`). */
  shouldStoreEvent(event: EventLogEntry): boolean;
  /** The write path (see `handleNewEvent`); `reportDagsterEvent` and the event log handler write through it. */
  handleNewEvent(event: EventLogEntry, options?: HandleNewEventOptions): Promise<void>;
  /** Wraps and writes a DagsterEvent (see `reportDagsterEvent`); `reportEngineEvent` writes through it. */
  reportDagsterEvent(
    dagsterEvent: DagsterEvent,
    runId: string,
    logLevel?: number | string,
    batchMetadata?: DagsterEventBatchMetadata | null,
    timestamp?: number | null,
  ): Promise<void>;
  /** Writes an ENGINE_EVENT (see `reportEngineEvent`); the event log handler reports its failures through it. */
  reportEngineEvent(
    message: string,
    dagsterRun?: DagsterRun | null,
    engineEventData?: EngineEventData | null,
    cls?: NamedSource | null,
    stepKey?: string | null,
    jobName?: string | null,
    runId?: string | null,
  ): Promise<DagsterEvent>;
  /** The event log handler (see `getEventLogHandler`); `getHandlers` calls it. */
  getEventLogHandler(): EventLogHandler;
  /** The configured handlers (see `getYamlPythonHandlers`); `getHandlers` calls it. */
  getYamlPythonHandlers(): LogHandler[];
}
