/**
 * Test support (not exported): a small in-memory event log and run storage, and a fake EventsInstanceOps whose
 * public methods call this package's functions with the ops itself, as the facade's adapter does.
 */
import { RunNotFoundError } from '@inst/errors';
import type { EventHandlerFn, EventLogStorage, EventTypeSelection, RunStorage, WatchAllRunsOptions, WatchedEvent, WatchOptions } from '@inst/storage';
import type {
  DagsterRun} from '@inst/types';
import {
  BATCH_WRITABLE_EVENTS,
  DagsterEvent,
  EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
  EventLogConnection,
  EventLogCursor,
  EventLogEntry,
  EventLogRecord,
  EventRecordsResult,
  RunStatusChangeRecordsFilter,
  type DagsterEventType,
  type EventRecordsFilter,
} from '@inst/types';
import { getEventLogHandler, getYamlPythonHandlers, type DagsterHandlerConfig } from './handlers';
import type { EventsInstanceOps } from './ops';
import { reportDagsterEvent, reportEngineEvent } from './report';
import { handleNewEvent, shouldStoreEvent } from './write';

function typesOf(ofType: EventTypeSelection | undefined): Set<string> | null {
  if (ofType === undefined) return null;
  return typeof ofType === 'string' ? new Set([ofType]) : new Set(ofType);
}

function cursorOf(storageId: number): string {
  return EventLogCursor.fromStorageId(storageId).toString();
}

/** An append-only in-memory event log with a watch that wakes on store. */
export class FakeEventLogStorage {
  records: EventLogRecord[] = [];
  canStoreAssetFailureEvents = false;
  handlesRunEventsInStoreEvent?: boolean;
  /** Makes the next `storeEventBatch` calls fail. */
  failBatches = false;
  /** Makes `storeEvent` fail. */
  failStores = false;
  /** The watch repeats each record it yields (a storage re-querying by time, say). */
  repeatInWatch = false;
  batchCalls: EventLogEntry[][] = [];
  storeCalls = 0;
  readonly calls: { method: string; args: unknown[] }[] = [];
  #nextId = 1;
  #wakers: (() => void)[] = [];
  #callbacks = new Map<EventHandlerFn, AbortController>();

  async storeEvent(event: EventLogEntry): Promise<void> {
    this.storeCalls += 1;
    if (this.failStores) throw new Error('disk full');
    this.#append(event);
  }

  async storeEventBatch(events: readonly EventLogEntry[]): Promise<void> {
    this.batchCalls.push([...events]);
    if (this.failBatches) throw new Error('batch rejected');
    // As the contract says: only asset events may be written as a batch; nothing is written otherwise.
    if (events.some((event) => !BATCH_WRITABLE_EVENTS.has(event.dagsterEvent?.eventType as DagsterEventType))) throw new Error('not batch-writable');
    for (const event of events) this.#append(event);
  }

  #append(event: EventLogEntry): void {
    this.records.push(new EventLogRecord({ storageId: this.#nextId++, eventLogEntry: event }));
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }

  entries(runId?: string): EventLogEntry[] {
    return this.records.filter((record) => runId === undefined || record.runId === runId).map((record) => record.eventLogEntry);
  }

  async getLogsForRun(runId: string, cursor?: string | number | null, ofType?: EventTypeSelection, limit?: number): Promise<EventLogEntry[]> {
    this.calls.push({ method: 'getLogsForRun', args: [runId, cursor, ofType, limit] });
    const types = typesOf(ofType);
    let entries = this.entries(runId).filter((entry) => !types || types.has(entry.dagsterEvent?.eventType ?? ''));
    if (typeof cursor === 'number') entries = entries.slice(cursor + 1);
    return limit === undefined ? entries : entries.slice(0, limit);
  }

  async getRecordsForRun(runId: string, cursor?: string | null, ofType?: EventTypeSelection, limit?: number, ascending = true): Promise<EventLogConnection> {
    this.calls.push({ method: 'getRecordsForRun', args: [runId, cursor, ofType, limit, ascending] });
    const types = typesOf(ofType);
    const after = cursor ? EventLogCursor.parse(cursor).storageId() : null;
    let records = this.records.filter((record) => record.runId === runId && (!types || types.has(record.eventLogEntry.dagsterEvent?.eventType ?? '')));
    if (!ascending) records = records.reverse();
    if (after !== null) records = records.filter((record) => (ascending ? record.storageId > after : record.storageId < after));
    const page = limit === undefined ? records : records.slice(0, limit);
    const last = page.at(-1);
    return new EventLogConnection({ records: page, cursor: last ? cursorOf(last.storageId) : (cursor ?? ''), hasMore: page.length < records.length });
  }

  async getEventRecords(filter: EventRecordsFilter, limit?: number, ascending = false): Promise<EventLogRecord[]> {
    this.calls.push({ method: 'getEventRecords', args: [filter, limit, ascending] });
    const records = this.records.filter((record) => record.eventLogEntry.dagsterEvent?.eventType === filter.eventType);
    const ordered = ascending ? records : records.reverse();
    return limit === undefined ? ordered : ordered.slice(0, limit);
  }

  async fetchRunStatusChanges(recordsFilter: DagsterEventType | RunStatusChangeRecordsFilter, limit: number, cursor?: string, ascending = false): Promise<EventRecordsResult> {
    this.calls.push({ method: 'fetchRunStatusChanges', args: [recordsFilter, limit, cursor, ascending] });
    const eventType = recordsFilter instanceof RunStatusChangeRecordsFilter ? recordsFilter.eventType : recordsFilter;
    const records = this.records.filter((record) => record.eventLogEntry.dagsterEvent?.eventType === eventType);
    const ordered = (ascending ? records : records.reverse()).slice(0, limit);
    const last = ordered.at(-1);
    return new EventRecordsResult({ records: ordered, cursor: last ? cursorOf(last.storageId) : '', hasMore: records.length > limit });
  }

  watch(runId: string, options?: WatchOptions): AsyncIterable<WatchedEvent>;
  watch(runId: string, cursor: string | null | undefined, callback: EventHandlerFn): void;
  watch(runId: string, optionsOrCursor?: WatchOptions | string | null, callback?: EventHandlerFn): AsyncIterable<WatchedEvent> | void {
    if (callback) {
      const controller = new AbortController();
      this.#callbacks.set(callback, controller);
      void (async () => {
        for await (const { record, cursor } of this.#watch(runId, { after: optionsOrCursor as string | null, signal: controller.signal })) {
          callback(record.eventLogEntry, cursor);
        }
      })();
      return;
    }
    return this.#watch(runId, (optionsOrCursor as WatchOptions | undefined) ?? {});
  }

  endWatch(_runId: string, callback: EventHandlerFn): void {
    this.#callbacks.get(callback)?.abort();
    this.#callbacks.delete(callback);
  }

  /** The storage's all-runs watch: every run's records after `after`, in storage-id order (of `eventTypes` only, if given). */
  watchAllRuns(options: WatchAllRunsOptions = {}): AsyncIterable<WatchedEvent> {
    const types = typesOf(options.eventTypes);
    return this.#watch(null, options, types);
  }

  async *#watch(runId: string | null, { after, signal }: WatchOptions, types?: Set<string> | null): AsyncGenerator<WatchedEvent> {
    let last = after === null || after === undefined ? 0 : typeof after === 'number' ? after : EventLogCursor.parse(after).storageId();
    while (!signal?.aborted) {
      const pending = this.records.filter(
        (record) => (runId === null || record.runId === runId) && record.storageId > last && (!types || types.has(record.eventLogEntry.dagsterEvent?.eventType ?? '')),
      );
      for (const record of pending) {
        last = record.storageId;
        yield { record, cursor: cursorOf(record.storageId) };
        if (this.repeatInWatch) yield { record, cursor: cursorOf(record.storageId) };
      }
      if (pending.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wakers.push(resolve);
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    }
  }

  asStorage(): EventLogStorage {
    return this as unknown as EventLogStorage;
  }
}

/** Runs in a map; run events move the status as Dagster's run storage does. */
export class FakeRunStorage {
  readonly runs = new Map<string, DagsterRun>();
  readonly handledEvents: { runId: string; event: DagsterEvent; updateTimestamp?: Date }[] = [];

  add(run: DagsterRun): DagsterRun {
    this.runs.set(run.runId, run);
    return run;
  }

  async handleRunEvent(runId: string, event: DagsterEvent, updateTimestamp?: Date): Promise<void> {
    this.handledEvents.push({ runId, event, updateTimestamp });
    const run = this.runs.get(runId);
    const status = EVENT_TYPE_TO_PIPELINE_RUN_STATUS.get(event.eventType);
    if (run && status) this.runs.set(runId, run.withStatus(status));
  }

  async addRunTags(runId: string, newTags: Readonly<Record<string, string>>): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) throw new RunNotFoundError(runId);
    this.runs.set(runId, run.withTags({ ...run.tags, ...newTags }));
  }

  async getRunGroup(runId: string): Promise<[string, DagsterRun[]]> {
    const run = this.runs.get(runId);
    if (!run) throw new RunNotFoundError(runId);
    const root = run.rootRunId ?? runId;
    if (!this.runs.has(root)) throw new RunNotFoundError(root);
    return [root, [...this.runs.values()].filter((r) => r.runId === root || r.rootRunId === root)];
  }

  asStorage(): RunStorage {
    return this as unknown as RunStorage;
  }
}

export interface FakeOps extends EventsInstanceOps {
  readonly events: FakeEventLogStorage;
  readonly runs: FakeRunStorage;
}

/** A fake instance: settings as given, public methods wired to this package's functions (overridable). */
export function createFakeOps(
  options: {
    runRetriesEnabled?: boolean;
    runRetriesMaxRetries?: number;
    runRetriesRetryOnAssetOrOpFailure?: boolean;
    eventBatchSize?: number;
    handlerConfig?: DagsterHandlerConfig;
    overrides?: Partial<EventsInstanceOps>;
  } = {},
): FakeOps {
  const events = new FakeEventLogStorage();
  const runs = new FakeRunStorage();
  const ops: FakeOps = {
    events,
    runs,
    eventLogStorage: events.asStorage(),
    runStorage: runs.asStorage(),
    eventListeners: new Map(),
    eventBuffer: new Map(),
    eventBatchSize: options.eventBatchSize ?? 0,
    runRetriesEnabled: options.runRetriesEnabled ?? false,
    runRetriesMaxRetries: options.runRetriesMaxRetries ?? 0,
    runRetriesRetryOnAssetOrOpFailure: options.runRetriesRetryOnAssetOrOpFailure ?? true,
    getPythonLogDagsterHandlerConfig: () => options.handlerConfig ?? {},
    getRunById: async (runId) => runs.runs.get(runId),
    getRunGroup: (runId) => runs.getRunGroup(runId),
    addRunTags: (runId, tags) => runs.addRunTags(runId, tags),
    shouldStoreEvent: (event) => shouldStoreEvent(ops, event),
    handleNewEvent: (event, opts) => handleNewEvent(ops, event, opts),
    reportDagsterEvent: (...args) => reportDagsterEvent(ops, ...args),
    reportEngineEvent: (...args) => reportEngineEvent(ops, ...args),
    getEventLogHandler: () => getEventLogHandler(ops),
    getYamlPythonHandlers: () => getYamlPythonHandlers(ops),
    ...options.overrides,
  };
  return ops;
}

/** A log entry without a DagsterEvent. */
export function logEntry(runId: string, message: string, timestamp = 1_700_000_000.5, level = 20): EventLogEntry {
  return new EventLogEntry({ runId, userMessage: message, level, timestamp, jobName: 'etl', errorInfo: null });
}

/** An entry carrying a DagsterEvent of the given type (no event-specific data). */
export function eventEntry(runId: string, eventTypeValue: string, timestamp = 1_700_000_000.5, jobName = 'etl'): EventLogEntry {
  return new EventLogEntry({
    runId,
    userMessage: '',
    level: 20,
    timestamp,
    jobName,
    errorInfo: null,
    dagsterEvent: new DagsterEvent({ eventTypeValue, jobName, message: `${eventTypeValue} happened` }),
  });
}
