import type { EventLogStorage, RunStorage } from '@inst/storage';
import { RunsFilter } from '@inst/types';
import { getEventLogHandler, getYamlPythonHandlers, type DagsterHandlerConfig } from './handlers';
import type { EventsInstanceOps } from './ops';
import { reportDagsterEvent, reportEngineEvent } from './report';
import { eventBatchSizeFromEnv, handleNewEvent, shouldStoreEvent } from './write';

/** The settings the events domain reads; an `InstanceSettings` of `@inst/settings` is one. */
export interface EventsSettings {
  readonly runRetriesEnabled: boolean;
  readonly runRetriesMaxRetries: number;
  readonly runRetriesRetryOnAssetOrOpFailure: boolean;
  getPythonLogDagsterHandlerConfig(): DagsterHandlerConfig;
}

/** What the events domain works on alone. Each is read on each use, so a getter may stand for one. */
export interface EventsStorages {
  readonly runStorage: RunStorage;
  readonly eventLogStorage: EventLogStorage;
  /** The instance settings (run retries, python_logs): `settingsFromHome(home)` of `@inst/settings`. */
  readonly settings: EventsSettings;
}

/**
 * The events domain's ops over two storages, for using `@inst/events` without an instance:
 *
 * ```ts
 * const ops = eventsOpsFromStorages({ runStorage, eventLogStorage, settings: settingsFromHome(home) });
 * await reportEngineEvent(ops, 'hello', run);
 * ```
 *
 * Every method is this package's own function over these ops (`handleNewEvent` stores the entry, moves the run's
 * status, tags run retries and calls listeners, exactly as through an instance); a member given in `overrides` (a
 * value or a getter) is seen by the others. `@inst/core` builds its adapter this way, overriding each member with
 * the instance's public one. Batching follows `DAGSTER_EVENT_BATCH_SIZE`, as an instance's does.
 */
export function eventsOpsFromStorages(storages: EventsStorages, overrides: Partial<EventsInstanceOps> = {}): EventsInstanceOps {
  const ops: EventsInstanceOps = {
    get runStorage() {
      return storages.runStorage;
    },
    get eventLogStorage() {
      return storages.eventLogStorage;
    },
    eventListeners: new Map(),
    eventBuffer: new Map(),
    eventBatchSize: eventBatchSizeFromEnv(),
    get runRetriesEnabled() {
      return storages.settings.runRetriesEnabled;
    },
    get runRetriesMaxRetries() {
      return storages.settings.runRetriesMaxRetries;
    },
    get runRetriesRetryOnAssetOrOpFailure() {
      return storages.settings.runRetriesRetryOnAssetOrOpFailure;
    },
    getPythonLogDagsterHandlerConfig: () => storages.settings.getPythonLogDagsterHandlerConfig(),
    getRunById: async (runId) => (await ops.runStorage.getRunRecords(new RunsFilter({ runIds: [runId] }), 1))[0]?.dagsterRun,
    getRunGroup: (runId) => ops.runStorage.getRunGroup(runId),
    addRunTags: (runId, tags) => ops.runStorage.addRunTags(runId, tags),
    shouldStoreEvent: (event) => shouldStoreEvent(ops, event),
    handleNewEvent: (event, options) => handleNewEvent(ops, event, options),
    reportDagsterEvent: (event, runId, logLevel, batchMetadata, timestamp) => reportDagsterEvent(ops, event, runId, logLevel, batchMetadata, timestamp),
    reportEngineEvent: (message, run, data, cls, stepKey, jobName, runId) => reportEngineEvent(ops, message, run, data, cls, stepKey, jobName, runId),
    getEventLogHandler: () => getEventLogHandler(ops),
    getYamlPythonHandlers: () => getYamlPythonHandlers(ops),
  };
  // Descriptors, not values: an override given as a getter stays one (read on each use).
  return Object.defineProperties(ops, Object.getOwnPropertyDescriptors(overrides));
}
