import { watchAllRunEvents, watchAllRunEventsWith } from '@inst/events';
import type { WatchAllRunsOptions, WatchedEvent } from '@inst/storage';
import type { EventLogRecord } from '@inst/types';
import type { Instance } from '../instance';
import { DEFAULT_PAGE_SIZE, type P, type PageOptions, type R, compatible, pages } from './support';

/** Options of `events.watch` (the flat `watchRunEvents`, with the run id by name). */
export type EventsWatchOptions = { runId: string } & NonNullable<P<'watchRunEvents'>[1]>;

/** Options of `events.forRun` (the flat `getRecordsForRun`). */
export interface EventsForRunOptions {
  runId: string;
  cursor?: P<'getRecordsForRun'>[1];
  ofType?: P<'getRecordsForRun'>[2];
  limit?: P<'getRecordsForRun'>[3];
  ascending?: P<'getRecordsForRun'>[4];
}

/** Options of `events.iterate`: every event record of a run, a page at a time (oldest first unless `ascending: false`). */
export interface EventsIterateOptions extends PageOptions {
  runId: string;
  ofType?: P<'getRecordsForRun'>[2];
  ascending?: boolean;
}

/** Events: `instance.events.watch({ runId, signal })`, `.forRun({ runId, limit })`, `.iterate({ runId })` … */
export function eventsNamespace(instance: Instance) {
  return {
    store: (event: P<'storeEvent'>[0]): R<'storeEvent'> => instance.storeEvent(event),
    shouldStore: (event: P<'shouldStoreEvent'>[0]): R<'shouldStoreEvent'> => instance.shouldStoreEvent(event),
    handle: compatible(instance, 'handleNewEvent', ['event', 'batchMetadata'], (o: { event: P<'handleNewEvent'>[0] } & NonNullable<P<'handleNewEvent'>[1]>): R<'handleNewEvent'> => {
      const { event, ...options } = o;
      return instance.handleNewEvent(event, options);
    }),
    report: compatible(instance, 'reportDagsterEvent', ['dagsterEvent', 'runId'], (o: {
      dagsterEvent: P<'reportDagsterEvent'>[0];
      runId: P<'reportDagsterEvent'>[1];
      logLevel?: P<'reportDagsterEvent'>[2];
      batchMetadata?: P<'reportDagsterEvent'>[3];
      timestamp?: P<'reportDagsterEvent'>[4];
    }): R<'reportDagsterEvent'> => instance.reportDagsterEvent(o.dagsterEvent, o.runId, o.logLevel, o.batchMetadata, o.timestamp)),
    reportEngineEvent: compatible(instance, 'reportEngineEvent', ['message', 'run', 'engineEventData'], (o: {
      message: P<'reportEngineEvent'>[0];
      run?: P<'reportEngineEvent'>[1];
      engineEventData?: P<'reportEngineEvent'>[2];
      cls?: P<'reportEngineEvent'>[3];
      stepKey?: P<'reportEngineEvent'>[4];
      jobName?: P<'reportEngineEvent'>[5];
      runId?: P<'reportEngineEvent'>[6];
    }): R<'reportEngineEvent'> => instance.reportEngineEvent(o.message, o.run, o.engineEventData, o.cls, o.stepKey, o.jobName, o.runId)),
    forRun: compatible(instance, 'getRecordsForRun', ['runId', 'cursor', 'ofType', 'limit', 'ascending'], (o: EventsForRunOptions): R<'getRecordsForRun'> =>
      instance.getRecordsForRun(o.runId, o.cursor, o.ofType, o.limit, o.ascending)),
    /** Every event record of the run, read a page at a time; ends on the signal. */
    iterate: ({ runId, ofType, ascending = true, pageSize = DEFAULT_PAGE_SIZE, signal }: EventsIterateOptions): AsyncGenerator<EventLogRecord, void, undefined> =>
      pages(signal, async (cursor) => {
        const page = await instance.getRecordsForRun(runId, cursor, ofType, pageSize, ascending);
        return { items: page.records, cursor: page.cursor, hasMore: page.hasMore };
      }),
    all: compatible(instance, 'allLogs', ['runId', 'ofType'], (o: { runId: string; ofType?: P<'allLogs'>[1] }): R<'allLogs'> => instance.allLogs(o.runId, o.ofType)),
    after: compatible(instance, 'logsAfter', ['runId', 'cursor', 'ofType', 'limit'], (o: { runId: string; cursor?: P<'logsAfter'>[1]; ofType?: P<'logsAfter'>[2]; limit?: P<'logsAfter'>[3] }): R<'logsAfter'> =>
      instance.logsAfter(o.runId, o.cursor, o.ofType, o.limit)),
    records: (o: { filter: P<'getEventRecords'>[0]; limit?: P<'getEventRecords'>[1]; ascending?: P<'getEventRecords'>[2] }): R<'getEventRecords'> =>
      instance.getEventRecords(o.filter, o.limit, o.ascending),
    runStatusChanges: compatible(instance, 'fetchRunStatusChanges', ['filter', 'limit', 'cursor', 'ascending'], (o: {
      filter: P<'fetchRunStatusChanges'>[0];
      limit: P<'fetchRunStatusChanges'>[1];
      cursor?: P<'fetchRunStatusChanges'>[2];
      ascending?: P<'fetchRunStatusChanges'>[3];
    }): R<'fetchRunStatusChanges'> => instance.fetchRunStatusChanges(o.filter, o.limit, o.cursor, o.ascending)),
    /**
     * The run's events as they are stored, each with its cursor; ends on the signal (or with `untilRunEnds`). A run
     * that is not stored fails with RunNotFoundError unless `waitForRun`.
     */
    watch: compatible(instance, 'watchRunEvents', ['runId'], (o: EventsWatchOptions): R<'watchRunEvents'> => {
      const { runId, ...options } = o;
      return instance.watchRunEvents(runId, options);
    }),
    /**
     * Every run's events as they are stored, once each and in storage-id order — gap-free on Postgres under
     * concurrent writers (beyond Dagster, which has no all-runs watch). Ends on the signal or on `dispose()`. The
     * all-runs log of a SQLite home is `index.db`, which holds the asset and run-status events (as in Dagster).
     */
    watchAll: (o: WatchAllRunsOptions = {}): AsyncGenerator<WatchedEvent, void, undefined> => watchAllRunEvents(instance, o),
    /** The callback form of `watchAll`: settles when the watch ends (rejects with its error or the callback's). */
    watchAllWith: (o: WatchAllRunsOptions & { cb: (watched: WatchedEvent) => void | Promise<void> }): Promise<void> => {
      const { cb, ...options } = o;
      return watchAllRunEventsWith(instance, cb, options);
    },
    /** Calls `cb` for each new event of the run after the cursor (the flat `watchEventLogs`). */
    watchCallback: (o: { runId: string; cursor?: P<'watchEventLogs'>[1]; cb: P<'watchEventLogs'>[2] }): R<'watchEventLogs'> =>
      instance.watchEventLogs(o.runId, o.cursor ?? null, o.cb),
    endWatchCallback: (o: { runId: string; cb: P<'endWatchEventLogs'>[1] }): R<'endWatchEventLogs'> => instance.endWatchEventLogs(o.runId, o.cb),
    addListener: compatible(instance, 'addEventListener', ['runId', 'cb'], (o: { runId: string; cb: P<'addEventListener'>[1] }): R<'addEventListener'> =>
      instance.addEventListener(o.runId, o.cb)),
    /** The log handlers (event log handler, then the YAML-configured ones). */
    handlers: (): R<'getHandlers'> => instance.getHandlers(),
    logHandler: (): R<'getEventLogHandler'> => instance.getEventLogHandler(),
    yamlHandlers: (): R<'getYamlPythonHandlers'> => instance.getYamlPythonHandlers(),
  };
}

export type EventsNamespace = ReturnType<typeof eventsNamespace>;
