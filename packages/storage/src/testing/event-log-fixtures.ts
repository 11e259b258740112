import { randomUUID } from 'node:crypto';
import {
  AssetCheckEvaluation,
  AssetCheckEvaluationPlanned,
  AssetCheckEvaluationTargetMaterializationData,
  AssetKey,
  AssetMaterialization,
  AssetMaterializationPlannedData,
  AssetObservation,
  AssetObservationData,
  DagsterEvent,
  DagsterEventType,
  EngineEventData,
  EventLogEntry,
  NodeHandle,
  StepHandle,
  StepMaterializationData,
  StepSuccessData,
  type EventLogRecord,
  type RawMetadataValue,
} from '@inst/types';
import type { EventLogStorage } from '../event-log-storage';

/*
 * Events for the event log conformance suite, built as Dagster's test helpers build them
 * (`_event_record`, `create_test_event_log_record`) or as a job execution would emit them
 * (`_synthesize_events`), since the suite runs no jobs.
 */

export const E = DagsterEventType;

/** Dagster's RUNLESS_RUN_ID / RUNLESS_JOB_NAME. */
export const RUNLESS_RUN_ID = '';
export const RUNLESS_JOB_NAME = '__RUNLESS_JOB__';

export function newRunId(): string {
  return randomUUID();
}

/**
 * Event times: wall-clock seconds, strictly increasing by at least a microsecond so that
 * timestamp filters (strict `<` / `>`) separate consecutive events.
 */
export class TestClock {
  #last = 0;
  next(): number {
    // Kept rounded to the microsecond, so that each step moves to the next microsecond.
    this.#last = Math.round(Math.max(this.#last + 1e-6, Date.now() / 1000) * 1e6) / 1e6;
    return this.#last;
  }
  /** Moves the clock ahead (a step taking that long). */
  advance(seconds: number): void {
    this.#last = Math.max(this.#last, Date.now() / 1000) + seconds;
  }
}

/** Waits a few milliseconds (wipes are stamped with the wall clock's millisecond). */
export function pause(ms = 3): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wipes an asset with the events before and after it a clock tick apart from the wipe time. */
export async function wipeAsset(storage: EventLogStorage, key: AssetKey): Promise<void> {
  await pause();
  await storage.wipeAsset(key);
  await pause();
}

export interface EntryOptions {
  readonly timestamp: number;
  readonly jobName?: string;
  readonly stepKey?: string | null;
  readonly data?: object | null;
  readonly userMessage?: string;
  readonly message?: string | null;
}

/** An entry carrying a DagsterEvent of the type (with a node and step handle when a step key is given). */
export function dagsterEntry(runId: string, eventType: DagsterEventType, options: EntryOptions): EventLogEntry {
  const jobName = options.jobName ?? 'nonce';
  const stepKey = options.stepKey ?? null;
  const nodeHandle = stepKey ? new NodeHandle({ name: stepKey }) : null;
  return new EventLogEntry({
    errorInfo: null,
    level: 'debug',
    userMessage: options.userMessage ?? '',
    runId,
    timestamp: options.timestamp,
    stepKey,
    jobName: stepKey ? jobName : null,
    dagsterEvent: new DagsterEvent({
      eventTypeValue: eventType,
      jobName,
      nodeHandle,
      stepHandle: nodeHandle ? new StepHandle({ nodeHandle }) : null,
      eventSpecificData: options.data ?? null,
      message: options.message ?? null,
    }),
  });
}

/** Dagster's `create_test_event_log_record`: an ENGINE_EVENT whose user message is `message`. */
export function engineEvent(clock: TestClock, runId: string, message: string): EventLogEntry {
  return dagsterEntry(runId, E.ENGINE_EVENT, { timestamp: clock.next(), userMessage: message, data: new EngineEventData({ metadata: { pid: 999 } }) });
}

/** Dagster's `_event_record`: an event of step `stepKey` of job `pipeline_name`. */
export function stepEvent(runId: string, stepKey: string, timestamp: number, eventType: DagsterEventType, data?: object | null): EventLogEntry {
  return dagsterEntry(runId, eventType, { timestamp, stepKey, jobName: 'pipeline_name', data: data ?? null });
}

/** A run-level event (RUN_START, RUN_SUCCESS, …). */
export function runEvent(clock: TestClock, runId: string, eventType: DagsterEventType, jobName = 'nonce', timestamp?: number): EventLogEntry {
  return dagsterEntry(runId, eventType, { timestamp: timestamp ?? clock.next(), jobName });
}

export interface AssetEventOptions {
  readonly partition?: string | null;
  readonly tags?: Readonly<Record<string, string>> | null;
  readonly metadata?: Readonly<Record<string, RawMetadataValue>>;
  readonly stepKey?: string | null;
  readonly jobName?: string;
  readonly timestamp?: number;
}

export function materialization(clock: TestClock, runId: string, key: AssetKey | string, options: AssetEventOptions = {}): EventLogEntry {
  const assetKey = typeof key === 'string' ? new AssetKey(key) : key;
  return dagsterEntry(runId, E.ASSET_MATERIALIZATION, {
    timestamp: options.timestamp ?? clock.next(),
    stepKey: options.stepKey ?? null,
    ...(options.jobName ? { jobName: options.jobName } : {}),
    data: new StepMaterializationData({
      materialization: new AssetMaterialization({ assetKey, partition: options.partition ?? null, tags: options.tags ?? null, metadata: options.metadata ?? {} }),
    }),
  });
}

export function observation(clock: TestClock, runId: string, key: AssetKey | string, options: AssetEventOptions = {}): EventLogEntry {
  const assetKey = typeof key === 'string' ? new AssetKey(key) : key;
  return dagsterEntry(runId, E.ASSET_OBSERVATION, {
    timestamp: options.timestamp ?? clock.next(),
    stepKey: options.stepKey ?? null,
    data: new AssetObservationData({
      assetObservation: new AssetObservation({ assetKey, partition: options.partition ?? null, tags: options.tags ?? null, metadata: options.metadata ?? {} }),
    }),
  });
}

export function planned(
  clock: TestClock,
  runId: string,
  key: AssetKey | string,
  options: { partition?: string | null; partitionsSubset?: unknown; stepKey?: string | null } = {},
): EventLogEntry {
  const assetKey = typeof key === 'string' ? new AssetKey(key) : key;
  return dagsterEntry(runId, E.ASSET_MATERIALIZATION_PLANNED, {
    timestamp: clock.next(),
    stepKey: options.stepKey ?? null,
    data: new AssetMaterializationPlannedData({ assetKey, partition: options.partition ?? null, partitionsSubset: options.partitionsSubset ?? null }),
  });
}

export function checkPlanned(clock: TestClock, runId: string, key: AssetKey, checkName: string): EventLogEntry {
  return dagsterEntry(runId, E.ASSET_CHECK_EVALUATION_PLANNED, { timestamp: clock.next(), data: new AssetCheckEvaluationPlanned({ assetKey: key, checkName }) });
}

export function checkEvaluation(
  clock: TestClock,
  runId: string,
  key: AssetKey,
  checkName: string,
  passed: boolean,
  target: { storageId: number; runId: string } | null = { storageId: 42, runId },
): EventLogEntry {
  return dagsterEntry(runId, E.ASSET_CHECK_EVALUATION, {
    timestamp: clock.next(),
    data: new AssetCheckEvaluation({
      assetKey: key,
      checkName,
      passed,
      metadata: {},
      targetMaterializationData: target ? new AssetCheckEvaluationTargetMaterializationData({ ...target, timestamp: 3.3 }) : null,
    }),
  });
}

/** What one op of a synthesized job run does. */
export interface OpSpec {
  readonly name: string;
  /** Asset events the op yields (built with its step key). */
  readonly events?: (clock: TestClock, runId: string, stepKey: string) => EventLogEntry[];
  /** Default `success`. */
  readonly outcome?: 'success' | 'failure';
  /** Retries before the final outcome (Dagster's RetryRequested). */
  readonly retries?: number;
  /** Initializes a resource first, taking 0.1 s (engine markers `resources`). */
  readonly resources?: boolean;
}

/** A one-op job returning 1 (Dagster's `return_one_op_func`). */
export const RETURN_ONE: readonly OpSpec[] = [{ name: 'return_one_op' }];

/**
 * The events of executing a job in process, in Dagster's order (`_synthesize_events`): the run
 * starting, each op's step events (with a log message, its asset events and output), the run
 * ending. Nothing follows the run-ending event.
 */
export function synthesizeRun(
  clock: TestClock,
  runId: string,
  ops: readonly OpSpec[],
  options: { jobName?: string; planned?: readonly { key: AssetKey; stepKey: string; partition?: string | null }[] } = {},
): EventLogEntry[] {
  const jobName = options.jobName ?? 'a_job';
  const event = (type: DagsterEventType, stepKey: string | null, data: object | null = null, message?: string) =>
    dagsterEntry(runId, type, { timestamp: clock.next(), jobName, stepKey, data, ...(message ? { message } : {}) });
  const events: EventLogEntry[] = [];
  for (const plan of options.planned ?? []) {
    events.push(
      dagsterEntry(runId, E.ASSET_MATERIALIZATION_PLANNED, {
        timestamp: clock.next(),
        jobName,
        stepKey: plan.stepKey,
        data: new AssetMaterializationPlannedData({ assetKey: plan.key, partition: plan.partition ?? null }),
      }),
    );
  }
  events.push(event(E.RUN_START, null, null, `Started execution of run for "${jobName}".`));
  events.push(event(E.ENGINE_EVENT, null, new EngineEventData({ metadata: { pid: 1 } }), 'Executing steps in process (pid: 1)'));
  let failed = false;
  for (const op of ops) {
    const stepKey = op.name;
    if (op.resources) {
      events.push(event(E.RESOURCE_INIT_STARTED, stepKey, new EngineEventData({ markerStart: 'resources' })));
      clock.advance(0.1);
      events.push(event(E.RESOURCE_INIT_SUCCESS, stepKey, new EngineEventData({ markerEnd: 'resources' })));
    }
    events.push(event(E.STEP_START, stepKey));
    events.push(new EventLogEntry({ errorInfo: null, level: 20, userMessage: `${stepKey} says hello`, runId, timestamp: clock.next(), stepKey, jobName }));
    for (let attempt = 0; attempt < (op.retries ?? 0); attempt++) {
      events.push(event(E.STEP_UP_FOR_RETRY, stepKey));
      events.push(event(E.STEP_RESTARTED, stepKey));
    }
    events.push(...(op.events?.(clock, runId, stepKey) ?? []));
    if (op.outcome === 'failure') {
      failed = true;
      events.push(event(E.STEP_FAILURE, stepKey));
    } else {
      events.push(event(E.STEP_OUTPUT, stepKey));
      events.push(event(E.HANDLED_OUTPUT, stepKey));
      events.push(event(E.STEP_SUCCESS, stepKey, new StepSuccessData({ durationMs: 1.0 })));
    }
  }
  events.push(event(E.ENGINE_EVENT, null, new EngineEventData({ metadata: { pid: 1 } }), 'Finished steps in process (pid: 1)'));
  events.push(event(failed ? E.RUN_FAILURE : E.RUN_SUCCESS, null));
  return events;
}

/** Stores events one by one, as the instance does. */
export async function storeAll(storage: EventLogStorage, events: readonly EventLogEntry[]): Promise<void> {
  for (const event of events) await storage.storeEvent(event);
}

/** Synthesizes a run and stores its events; returns them. */
export async function storeRun(
  storage: EventLogStorage,
  clock: TestClock,
  runId: string,
  ops: readonly OpSpec[],
  options?: Parameters<typeof synthesizeRun>[3],
): Promise<EventLogEntry[]> {
  const events = synthesizeRun(clock, runId, ops, options);
  await storeAll(storage, events);
  return events;
}

/** An op yielding the given asset events. */
export function assetOp(name: string, build: (clock: TestClock, runId: string, stepKey: string) => EventLogEntry[]): OpSpec {
  return { name, events: build };
}

/** Dagster's `_event_types`: the event type of each entry (null for plain log messages). */
export function eventTypes(entries: Iterable<EventLogEntry>): (DagsterEventType | null)[] {
  return [...entries].map((entry) => entry.dagsterEventType);
}

export function storageIds(records: readonly EventLogRecord[]): number[] {
  return records.map((record) => record.storageId);
}

/** Resolves once `predicate` holds, or rejects after `timeoutMs` (Dagster's watch_timeout is 5 s). */
export async function eventually(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await pause(5);
  }
}
