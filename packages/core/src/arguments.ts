import { InvalidArgumentError } from '@inst/errors';
import { checkSerializable, describeValue, isWellFormedString } from '@inst/serdes';
import {
  AssetCheckKey,
  AssetKey,
  AssetRecord,
  AssetRecordsFilter,
  AssetStatusCacheValue,
  BulkActionStatus,
  BulkActionsFilter,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterEventBatchMetadata,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  EngineEventData,
  EventLogCursor,
  EventLogEntry,
  EventRecordsFilter,
  ExecutionPlanSnapshot,
  InstigatorState,
  InstigatorStatus,
  InstigatorTick,
  InstigatorType,
  JobFailureData,
  JobSnapshot,
  PartitionBackfill,
  RunStatusChangeRecordsFilter,
  RunsFilter,
  TickData,
  TickStatus,
} from '@inst/types';

/*
 * The argument check at the facade boundary: one small declarative schema per public member of `Instance`
 * (`MEMBER_ARGUMENTS`), applied once by `installArgumentChecks`. A bad argument is refused with an
 * InvalidArgumentError naming the parameter and the value before anything is written; a Promise-returning member
 * rejects (it does not throw synchronously). Records that will be stored are checked field by field against
 * their serdes definition (`checkSerializable`), so nothing the facade accepts makes a later read fail.
 */

/** Checks one argument; throws an InvalidArgumentError naming `name` when the value is not acceptable. */
export type Check = (value: unknown, name: string) => void;

export function fail(name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`${name}: expected ${expected}, got ${describeValue(value)}`, { ids: { parameter: name } });
}

// ------------------------------------------------------------------ combinators

const isNone = (value: unknown): boolean => value === undefined || value === null;

/** The check, or nothing at all (undefined or null: Dagster's `None`). */
export const opt = (check: Check): Check => (value, name) => {
  if (!isNone(value)) check(value, name);
};

export const any: Check = () => {};

export const str: Check = (value, name) => {
  if (typeof value !== 'string') fail(name, 'a string', value);
  if (!isWellFormedString(value)) fail(name, 'a well-formed Unicode string (no lone surrogates)', value);
};

export const nonEmptyStr: Check = (value, name) => {
  str(value, name);
  if (value === '') fail(name, 'a non-empty string', value);
};

export const bool: Check = (value, name) => {
  if (typeof value !== 'boolean') fail(name, 'a boolean', value);
};

export const fn: Check = (value, name) => {
  if (typeof value !== 'function') fail(name, 'a function', value);
};

/** A safe integer in [min, max]. */
export const int = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check => (value, name) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(name, 'an integer', value);
  if (value < min || value > max) fail(name, `an integer from ${min} to ${max}`, value);
};

/** A row limit: a non-negative integer (−1 would mean "no limit" to SQLite and bypass the caps). */
export const limit: Check = int(0);

/** Dagster's `get_max_event_records_limit` (`MAX_LIMIT_GET_EVENT_RECORDS`, default 10000): the same cap on every backend. */
export function maxEventRecordsLimit(): number {
  const value = Number.parseInt(process.env.MAX_LIMIT_GET_EVENT_RECORDS ?? '', 10);
  return Number.isSafeInteger(value) ? value : 10_000;
}

/** A limit of an event-records query: 0 … MAX_LIMIT_GET_EVENT_RECORDS. */
export const eventLimit: Check = (value, name) => int(0, maxEventRecordsLimit())(value, name);

/** A finite number (epoch seconds). */
export const finite: Check = (value, name) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(name, 'a finite number', value);
};

/** A Date with a valid time. */
export const date: Check = (value, name) => {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail(name, 'a valid Date', value);
};

/** `a label` / `an label`, by the sound of the first letter (`an EventLogEntry`, `a createRun options object`). */
function withArticle(label: string): string {
  return `${/^[aeiouAEIOU]/.test(label) ? 'an' : 'a'} ${label}`;
}

/** A value of one of an enum's members (the value or the member name, as Dagster takes the enum or its string). */
export const member = (enumObject: Readonly<Record<string, string>>, label: string): Check => {
  const allowed = new Set([...Object.values(enumObject), ...Object.keys(enumObject)]);
  return (value, name) => {
    if (typeof value !== 'string' || !allowed.has(value)) fail(name, withArticle(label), value);
  };
};

/** An instance of a class (a record built by the caller). */
export const instance = (cls: abstract new (...args: never[]) => object, label = cls.name): Check => (value, name) => {
  if (!(value instanceof cls)) fail(name, withArticle(label), value);
};

/** A record that will be stored: an instance of the class whose every field has the type serdes reads back. */
export const storable = (cls: abstract new (...args: never[]) => object, label = cls.name): Check => {
  const isInstance = instance(cls, label);
  return (value, name) => {
    isInstance(value, name);
    checkSerializable(value, name);
  };
};

/** One of several checks (the first that passes). */
export const oneOf = (label: string, ...checks: Check[]): Check => (value, name) => {
  for (const check of checks) {
    try {
      check(value, name);
      return;
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
    }
  }
  fail(name, label, value);
};

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** A sequence where Dagster takes one: any iterable that is not a string (a string would be taken letter by letter). */
export const seq = (item: Check = any, { nonEmpty = false }: { nonEmpty?: boolean } = {}): Check => (value, name) => {
  if (typeof value === 'string') fail(name, 'a list (a string is not a list of strings here)', value);
  if (!isIterable(value) || value instanceof Map) fail(name, 'a list or other iterable', value);
  let i = 0;
  for (const element of value) item(element, `${name}[${i++}]`);
  if (nonEmpty && i === 0) fail(name, 'a non-empty list', value);
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A mapping: a plain object whose keys are well-formed and whose values pass `value`. */
export const mapping = (valueCheck: Check = any): Check => (value, name) => {
  if (!isPlainObject(value)) fail(name, 'a plain object (a mapping)', value);
  for (const [key, item] of Object.entries(value)) {
    if (!isWellFormedString(key)) fail(`${name} key`, 'a well-formed Unicode string', key);
    valueCheck(item, `${name}.${key}`);
  }
};

/** JSON-like data that will be stored (run config, tags): no cycles, BigInts, functions or lone surrogates. */
export const data: Check = (value, name) => {
  if (!isPlainObject(value)) fail(name, 'a plain object', value);
  checkSerializable(value, name);
};

/** An options object with known keys only: a misspelt key (`jobname`) is refused rather than ignored. */
export const shape = (fields: Readonly<Record<string, Check>>, { label = 'options' }: { label?: string } = {}): Check => (value, name) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, withArticle(`${label} object`), value);
  for (const key of Object.keys(value)) {
    if (!(key in fields)) fail(`${name}.${key}`, `one of the keys ${Object.keys(fields).join(', ')}`, key);
  }
  for (const [key, check] of Object.entries(fields)) check((value as Record<string, unknown>)[key], `${name}.${key}`);
};

/** An event-log cursor string (`EventLogCursor.toString()`). */
export const eventCursor: Check = (value, name) => {
  str(value, name);
  try {
    EventLogCursor.parse(value as string);
  } catch (cause) {
    throw new InvalidArgumentError(`${name}: expected an event log cursor, got ${describeValue(value)}`, { cause, ids: { parameter: name } });
  }
};

const eventType = member(DagsterEventType, 'DagsterEventType');

const storableEvent = storable(DagsterEvent);
const storableEntry = storable(EventLogEntry);

/** A DagsterEvent that will be stored: a storable record whose type is one of DagsterEventType's. */
const dagsterEvent: Check = (value, name) => {
  storableEvent(value, name);
  eventType((value as DagsterEvent).eventTypeValue, `${name}.eventTypeValue`);
};

/** An EventLogEntry that will be stored (its DagsterEvent, when it has one, checked as above). */
const logEntry: Check = (value, name) => {
  storableEntry(value, name);
  const event = (value as EventLogEntry).dagsterEvent;
  if (event) eventType(event.eventTypeValue, `${name}.dagsterEvent.eventTypeValue`);
};
/** One event type or a set of them. */
const eventTypes: Check = oneOf('a DagsterEventType or an iterable of them', eventType, seq(eventType));
const runStatus = member(DagsterRunStatus, 'DagsterRunStatus');
const tickStatuses = seq(member(TickStatus, 'TickStatus'));

const assetKey = storable(AssetKey);
const assetKeys = seq(assetKey);
const strings = seq(str);

/** A RunsFilter, or the plain init of one with known keys only. */
const runsFilter: Check = oneOf(
  'a RunsFilter or its init object (runIds, jobName, statuses, tags, snapshotId, updatedAfter, updatedBefore, createdAfter, createdBefore, excludeSubruns)',
  instance(RunsFilter),
  shape(
    {
      runIds: opt(seq(str, { nonEmpty: true })),
      jobName: opt(str),
      statuses: opt(seq(runStatus)),
      tags: opt(mapping(oneOf('a string or a list of strings', str, strings))),
      snapshotId: opt(str),
      updatedAfter: opt(date),
      updatedBefore: opt(date),
      createdAfter: opt(date),
      createdBefore: opt(date),
      excludeSubruns: opt(bool),
    },
    { label: 'RunsFilter init' },
  ),
);

const bucket: Check = oneOf(
  'a JobBucket ({ jobNames, bucketLimit? }) or a TagBucket ({ tagKey, tagValues, bucketLimit? })',
  shape({ jobNames: strings, bucketLimit: opt(limit) }),
  shape({ tagKey: str, tagValues: strings, bucketLimit: opt(limit) }),
);

const assetRecordsFilter = oneOf('an AssetKey or an AssetRecordsFilter', assetKey, instance(AssetRecordsFilter));
const fetchArgs = [assetRecordsFilter, eventLimit, opt(eventCursor), opt(bool)];

const jobSnapshot = storable(JobSnapshot);
const planSnapshot = storable(ExecutionPlanSnapshot);

const createRunOptions = shape(
  {
    jobName: str,
    runId: opt(str),
    runConfig: opt(data),
    status: opt(runStatus),
    tags: opt(data),
    rootRunId: opt(str),
    parentRunId: opt(str),
    stepKeysToExecute: opt(strings),
    executionPlanSnapshot: opt(planSnapshot),
    jobSnapshot: opt(jobSnapshot),
    parentJobSnapshot: opt(jobSnapshot),
    assetSelection: opt(assetKeys),
    assetCheckSelection: opt(seq(storable(AssetCheckKey))),
    resolvedOpSelection: opt(strings),
    opSelection: opt(strings),
    remoteJobOrigin: opt(checkStorable),
    jobCodeOrigin: opt(checkStorable),
    assetGraph: any,
  },
  { label: 'createRun options' },
);

function checkStorable(value: unknown, name: string): void {
  if (typeof value !== 'object' || value === null) fail(name, 'a record', value);
  checkSerializable(value, name);
}

const runlessAssetEvent: Check = (value, name) => {
  // The type itself is checked by the domain (Dagster's DagsterInvariantViolationError); here, that it can be stored.
  if (typeof value === 'object' && value !== null) checkSerializable(value, name);
};

const printFn = opt(fn);

const abortSignal: Check = (value, name) => {
  if (!(value instanceof AbortSignal)) fail(name, 'an AbortSignal', value);
};

const maintenanceOptions: Check = shape({ printFn, onProgress: opt(fn), signal: opt(abortSignal) });

/** A pino-style logger: the five level methods and child. */
const logger: Check = (value, name) => {
  if (typeof value !== 'object' || value === null) fail(name, 'a logger (trace, debug, info, warn, error, child)', value);
  for (const method of ['trace', 'debug', 'info', 'warn', 'error', 'child']) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') fail(`${name}.${method}`, 'a function (a pino-compatible logger)', (value as Record<string, unknown>)[method]);
  }
};

const instanceOptions: Check = opt(shape({ logger: opt(logger) }));
const runId = str;
const snapshotId = str;

// ------------------------------------------------------------------ the schema of each member

/**
 * Each public member that takes arguments, with one check per positional parameter (Dagster's order; an
 * options object is one parameter). Members not listed take no arguments, or only values they hand through
 * untouched (workspace contexts, code locations).
 */
export const MEMBER_ARGUMENTS: Readonly<Record<string, readonly Check[]>> = {
  // lifecycle (statics); the last parameter is inst's own options (a logger)
  ephemeral: [opt(str), opt(seq()), opt(mapping()), instanceOptions],
  localTemp: [opt(str), opt(mapping()), instanceOptions],
  fromConfig: [nonEmptyStr, opt(nonEmptyStr), instanceOptions],
  fromRef: [shape({ home: nonEmptyStr, configFile: opt(str), config: mapping() }, { label: 'InstanceRef' }), instanceOptions],

  // storage: Dagster's print_fn, or inst's maintenance options (progress, AbortSignal)
  upgrade: [opt(oneOf('a print function or maintenance options (printFn, onProgress, signal)', fn, maintenanceOptions))],
  wipe: [opt(shape({ onProgress: opt(fn), signal: opt(abortSignal) }))],
  optimizeForWebserver: [int(0), int(0), opt(int(0))],
  reindex: [opt(oneOf('a print function or maintenance options (printFn, onProgress, signal)', fn, maintenanceOptions))],
  fileManagerDirectory: [runId],
  injectEnvVars: [opt(str)],

  // run launcher / coordinator
  submitRun: [runId, any],
  launchRun: [runId, any],
  resumeRun: [runId, any, int(0)],
  countResumeRunAttempts: [runId],
  runWillResume: [runId],

  // settings
  getSettings: [str],
  getTickRetentionSettings: [member(InstigatorType, 'InstigatorType')],

  // daemon
  addDaemonHeartbeat: [storable(DaemonHeartbeat)],
  wipeDaemonHeartbeats: [],
  getDaemonStatuses: [opt(strings)],

  // events
  watchRunEvents: [runId, opt(shape({ after: opt(oneOf('an event log cursor or a storage id', eventCursor, int(-1))), signal: any, untilRunEnds: opt(bool), waitForRun: opt(bool), pollIntervalMs: opt(int(1)), giveUpAfterMs: opt(int(0)) }))],
  logsAfter: [runId, opt(int(-1)), opt(eventTypes), opt(limit)],
  allLogs: [runId, opt(eventTypes)],
  getRecordsForRun: [runId, opt(eventCursor), opt(eventTypes), opt(limit), opt(bool)],
  watchEventLogs: [runId, opt(eventCursor), fn],
  endWatchEventLogs: [runId, fn],
  getEventRecords: [instance(EventRecordsFilter), opt(eventLimit), opt(bool)],
  fetchRunStatusChanges: [oneOf('a DagsterEventType or a RunStatusChangeRecordsFilter', eventType, instance(RunStatusChangeRecordsFilter)), eventLimit, opt(eventCursor), opt(bool)],
  shouldStoreEvent: [logEntry],
  storeEvent: [logEntry],
  handleNewEvent: [logEntry, opt(shape({ batchMetadata: opt(instance(DagsterEventBatchMetadata)) }))],
  addEventListener: [runId, fn],
  reportEngineEvent: [
    str,
    opt(instance(DagsterRun)),
    opt(storable(EngineEventData)),
    opt((value, name) => {
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null || typeof (value as { name?: unknown }).name !== 'string') fail(name, 'a class or { name }', value);
    }),
    opt(str),
    opt(str),
    opt(str),
  ],
  reportDagsterEvent: [dagsterEvent, str, opt(oneOf('a log level (number or name)', int(0, 100), str)), opt(instance(DagsterEventBatchMetadata)), opt(finite)],

  // runs
  getRunById: [runId],
  getRunRecordById: [runId],
  getRunRecords: [opt(runsFilter), opt(limit), opt(str), opt(bool), opt(str), opt(bucket)],
  getRuns: [opt(runsFilter), opt(str), opt(limit), opt(bucket), opt(bool)],
  getRunIds: [opt(runsFilter), opt(str), opt(limit)],
  getRunsCount: [opt(runsFilter)],
  hasRun: [runId],
  addRun: [storable(DagsterRun)],
  deleteRun: [runId],
  addRunTags: [runId, mapping(str)],
  handleRunEvent: [runId, dagsterEvent, opt(date)],
  getRunStats: [runId],
  getRunStepStats: [runId, opt(strings)],
  getRunTags: [strings, opt(str), opt(limit)],
  getRunGroup: [runId],
  getRunPartitionData: [runsFilter],
  createRunForJob: [
    (value, name) => {
      if (typeof value !== 'object' || value === null || typeof (value as { name?: unknown }).name !== 'string') fail(name, 'a job definition (an object with a name)', value);
    },
    opt(planSnapshot),
    opt(str),
    opt(data),
    opt(strings),
    opt(runStatus),
    opt(data),
    opt(str),
    opt(str),
    opt(strings),
    opt(assetKeys),
    opt(checkStorable),
    opt(checkStorable),
    any,
  ],
  createRun: [createRunOptions],
  createReexecutedRun: [
    shape(
      {
        parentRun: instance(DagsterRun),
        codeLocation: (value, name) => {
          if (typeof value !== 'object' || value === null) fail(name, 'a code location', value);
        },
        remoteJob: (value, name) => {
          if (typeof value !== 'object' || value === null) fail(name, 'a remote job', value);
        },
        strategy: member({ ALL_STEPS: 'ALL_STEPS', FROM_FAILURE: 'FROM_FAILURE', FROM_ASSET_FAILURE: 'FROM_ASSET_FAILURE' }, 'ReexecutionStrategy'),
        extraTags: opt(data),
        runConfig: opt(data),
        useParentRunTags: opt(bool),
      },
      { label: 'createReexecutedRun options' },
    ),
  ],
  registerManagedRun: [str, str, opt(data), opt(strings), opt(strings), data, opt(str), opt(str), opt(jobSnapshot), opt(planSnapshot), opt(jobSnapshot), opt(strings), opt(checkStorable)],
  reportRunCanceling: [instance(DagsterRun), opt(str)],
  reportRunCanceled: [instance(DagsterRun), opt(str)],
  reportRunFailed: [instance(DagsterRun), opt(str), opt(storable(JobFailureData))],
  getJobSnapshot: [snapshotId],
  hasJobSnapshot: [snapshotId],
  hasSnapshot: [snapshotId],
  getHistoricalJob: [snapshotId],
  hasHistoricalJob: [snapshotId],
  getExecutionPlanSnapshot: [snapshotId],
  addSnapshot: [oneOf('a JobSnapshot or an ExecutionPlanSnapshot', jobSnapshot, planSnapshot)],

  // scheduling
  startSchedule: [instigator('a remote schedule')],
  stopSchedule: [str, str, opt(instigator('a remote schedule'))],
  resetSchedule: [instigator('a remote schedule')],
  startSensor: [instigator('a remote sensor')],
  stopSensor: [str, str, opt(instigator('a remote sensor'))],
  resetSensor: [instigator('a remote sensor')],
  allInstigatorState: [opt(str), opt(str), opt(member(InstigatorType, 'InstigatorType')), opt(seq(member(InstigatorStatus, 'InstigatorStatus')))],
  getInstigatorState: [str, str],
  addInstigatorState: [storable(InstigatorState)],
  updateInstigatorState: [storable(InstigatorState)],
  deleteInstigatorState: [str, str],
  wipeAllSchedules: [],
  logsPathForSchedule: [str],
  getBatchTicks: [strings, opt(limit), opt(tickStatuses)],
  getTick: [str, str, finite],
  getTicks: [str, str, opt(finite), opt(finite), opt(limit), opt(tickStatuses)],
  createTick: [storable(TickData)],
  updateTick: [storable(InstigatorTick)],
  purgeTicks: [str, str, finite, opt(tickStatuses)],
  getBackfills: [opt(instance(BulkActionsFilter)), opt(str), opt(limit), opt(member(BulkActionStatus, 'BulkActionStatus'))],
  getBackfillsCount: [opt(instance(BulkActionsFilter))],
  getBackfill: [str],
  addBackfill: [storable(PartitionBackfill)],
  updateBackfill: [storable(PartitionBackfill)],

  // dynamic partitions
  getDynamicPartitions: [str],
  getPaginatedDynamicPartitions: [str, limit, bool, opt(str)],
  hasDynamicPartition: [str, str],
  getDynamicPartitionsDefinitionId: [str],
  addDynamicPartitions: [str, strings],
  deleteDynamicPartition: [str, str],

  // assets
  fetchMaterializations: fetchArgs,
  fetchObservations: fetchArgs,
  fetchFailedMaterializations: fetchArgs,
  fetchPlannedMaterializations: fetchArgs,
  getAssetKeys: [opt(strings), opt(limit), opt(str)],
  hasAssetKey: [assetKey],
  getAssetRecords: [opt(assetKeys)],
  getLatestMaterializationEvent: [assetKey],
  getLatestMaterializationEvents: [assetKeys],
  getLatestMaterializationCodeVersions: [assetKeys],
  getLatestDataVersionRecord: [assetKey, opt(bool), opt(str), opt(int()), opt(int())],
  getLatestPlannedMaterializationInfo: [assetKey, opt(str)],
  getMaterializedPartitions: [assetKey, opt(int()), opt(int())],
  getLatestStorageIdByPartition: [assetKey, eventType, opt(strings)],
  getStatusByPartition: [
    assetKey,
    strings,
    (value, name) => {
      if (typeof value !== 'object' || value === null || typeof (value as { serializableUniqueIdentifier?: unknown }).serializableUniqueIdentifier !== 'function') {
        fail(name, 'a partitions definition', value);
      }
    },
  ],
  getEventTagsForAsset: [assetKey, opt(mapping(str)), opt(int())],
  updateAssetCachedStatusData: [assetKey, storable(AssetStatusCacheValue)],
  wipeAssetCachedStatus: [assetKeys],
  wipeAssets: [assetKeys],
  wipeAssetPartitions: [assetKey, strings],
  reportRunlessAssetEvent: [runlessAssetEvent],
  _reportRunlessAssetEvent: [runlessAssetEvent],
  getLatestAssetCheckEvaluationRecord: [storable(AssetCheckKey)],
  getFreshnessStateRecords: [assetKeys],
  getAssetCheckHealthStateForAssets: [assetKeys],
  getAssetFreshnessHealthStateForAssets: [assetKeys],
  getAssetMaterializationHealthStateForAssets: [assetKeys],
  getMinimalAssetMaterializationHealthStateForAssets: [assetKeys],
  canReadFailureEventsForAsset: [instance(AssetRecord)],
  streamlineReadAssetHealthSupported: [str],
  streamlineReadAssetHealthRequired: [str],
};

function instigator(label: string): Check {
  return (value, name) => {
    if (typeof value !== 'object' || value === null || typeof (value as { origin?: unknown }).origin !== 'object' || (value as { origin?: unknown }).origin === null) {
      fail(name, `${label} (an object with an origin)`, value);
    }
  };
}

/** A storage of the instance, by its dagster.yaml key (as SchemaTooNewError names it). */
export type StorageName = 'run_storage' | 'event_log_storage' | 'schedule_storage';

const RUN: readonly StorageName[] = ['run_storage'];
const EVENTS: readonly StorageName[] = ['event_log_storage'];
const SCHEDULES: readonly StorageName[] = ['schedule_storage'];
const RUN_AND_EVENTS: readonly StorageName[] = ['run_storage', 'event_log_storage'];
const ALL: readonly StorageName[] = ['run_storage', 'event_log_storage', 'schedule_storage'];

/** An event that Dagster's `handle_new_event` also applies to the run storage (a job event changes the run's status). */
function eventStorages(event: unknown): readonly StorageName[] {
  const dagsterEvent = event instanceof EventLogEntry ? event.dagsterEvent : event instanceof DagsterEvent ? event : undefined;
  return dagsterEvent?.isJobEvent ? RUN_AND_EVENTS : EVENTS;
}

/**
 * Members that write, and the storages each writes to: refused up front (with that storage's SchemaTooNewError)
 * when one of them is stamped with a schema newer than inst knows, so a member writing two storages writes
 * neither; the other storages keep working.
 */
const WRITE_MEMBERS: Readonly<Record<string, (args: readonly unknown[]) => readonly StorageName[]>> = {
  upgrade: () => ALL,
  reindex: () => ALL,
  wipe: () => ALL,
  submitRun: () => RUN_AND_EVENTS,
  launchRun: () => RUN_AND_EVENTS,
  resumeRun: () => RUN_AND_EVENTS,
  addDaemonHeartbeat: () => RUN,
  wipeDaemonHeartbeats: () => RUN,
  storeEvent: (args) => eventStorages(args[0]),
  handleNewEvent: (args) => eventStorages(args[0]),
  reportEngineEvent: () => EVENTS,
  reportDagsterEvent: (args) => eventStorages(args[0]),
  addRun: () => RUN,
  deleteRun: () => RUN_AND_EVENTS,
  addRunTags: () => RUN,
  handleRunEvent: () => RUN,
  createRunForJob: () => RUN,
  createRun: () => RUN,
  createReexecutedRun: () => RUN,
  registerManagedRun: () => RUN,
  reportRunCanceling: () => RUN_AND_EVENTS,
  reportRunCanceled: () => RUN_AND_EVENTS,
  reportRunFailed: () => RUN_AND_EVENTS,
  addSnapshot: () => RUN,
  startSchedule: () => SCHEDULES,
  stopSchedule: () => SCHEDULES,
  resetSchedule: () => SCHEDULES,
  startSensor: () => SCHEDULES,
  stopSensor: () => SCHEDULES,
  resetSensor: () => SCHEDULES,
  addInstigatorState: () => SCHEDULES,
  updateInstigatorState: () => SCHEDULES,
  deleteInstigatorState: () => SCHEDULES,
  wipeAllSchedules: () => SCHEDULES,
  createTick: () => SCHEDULES,
  updateTick: () => SCHEDULES,
  purgeTicks: () => SCHEDULES,
  addBackfill: () => RUN,
  updateBackfill: () => RUN,
  addDynamicPartitions: () => EVENTS,
  deleteDynamicPartition: () => EVENTS,
  updateAssetCachedStatusData: () => EVENTS,
  wipeAssetCachedStatus: () => EVENTS,
  wipeAssets: () => EVENTS,
  wipeAssetPartitions: () => EVENTS,
  reportRunlessAssetEvent: () => EVENTS,
  _reportRunlessAssetEvent: () => EVENTS,
};

/** Per instance: the storages whose writes are refused, each with its SchemaTooNewError. */
const writeBlocks = new WeakMap<object, ReadonlyMap<StorageName, Error>>();

/** Refuses the writing members of `instance` that write to a storage in `blocked`, with its error (reads proceed). */
export function blockWrites(instance: object, blocked: ReadonlyMap<StorageName, Error>): void {
  if (blocked.size > 0) writeBlocks.set(instance, blocked);
}

/** The error a write of `memberName` with `args` is refused with, if one of the storages it writes is blocked. */
function blockedWrite(instance: object, memberName: string, args: readonly unknown[]): Error | undefined {
  const blocked = writeBlocks.get(instance);
  if (!blocked) return undefined;
  for (const storage of WRITE_MEMBERS[memberName]?.(args) ?? []) {
    const error = blocked.get(storage);
    if (error) return error;
  }
  return undefined;
}

/** The storages whose writes `instance` refuses, each with its error (empty when none is). */
export function writeBlocksOf(instance: object): ReadonlyMap<StorageName, Error> {
  return writeBlocks.get(instance) ?? new Map();
}

/** Members that return synchronously: a bad argument throws rather than rejecting. */
export const SYNC_MEMBERS: ReadonlySet<string> = new Set([
  'fileManagerDirectory',
  'injectEnvVars',
  'getSettings',
  'getTickRetentionSettings',
  'watchRunEvents',
  'watchEventLogs',
  'endWatchEventLogs',
  'shouldStoreEvent',
  'addEventListener',
  'canReadFailureEventsForAsset',
  'streamlineReadAssetHealthSupported',
  'streamlineReadAssetHealthRequired',
]);

/** Parameter names of each member (the TypeScript names, in order), for messages: `getRuns(limit)`. */
export const PARAMETER_NAMES: Readonly<Record<string, readonly string[]>> = {
  exit: ['_exceptionType', '_exceptionValue', '_traceback'],
  injectEnvVars: ['_locationName'],
  watchRunEvents: ['runId', 'options'],
  submitRun: ['runId', 'workspace'],
  launchRun: ['runId', 'workspace'],
  resumeRun: ['runId', 'workspace', 'attemptNumber'],
  countResumeRunAttempts: ['runId'],
  runWillResume: ['runId'],
  addDaemonHeartbeat: ['daemonHeartbeat'],
  getDaemonStatuses: ['daemonTypes'],
  logsAfter: ['runId', 'cursor', 'ofType', 'limit'],
  allLogs: ['runId', 'ofType'],
  getRecordsForRun: ['runId', 'cursor', 'ofType', 'limit', 'ascending'],
  watchEventLogs: ['runId', 'cursor', 'cb'],
  endWatchEventLogs: ['runId', 'cb'],
  getEventRecords: ['eventRecordsFilter', 'limit', 'ascending'],
  fetchRunStatusChanges: ['recordsFilter', 'limit', 'cursor', 'ascending'],
  shouldStoreEvent: ['event'],
  storeEvent: ['event'],
  handleNewEvent: ['event', 'options'],
  addEventListener: ['runId', 'cb'],
  reportEngineEvent: ['message', 'dagsterRun', 'engineEventData', 'cls', 'stepKey', 'jobName', 'runId'],
  reportDagsterEvent: ['dagsterEvent', 'runId', 'logLevel', 'batchMetadata', 'timestamp'],
  getRunById: ['runId'],
  getRunRecordById: ['runId'],
  getRunRecords: ['filters', 'limit', 'orderBy', 'ascending', 'cursor', 'bucketBy'],
  getRuns: ['filters', 'cursor', 'limit', 'bucketBy', 'ascending'],
  getRunIds: ['filters', 'cursor', 'limit'],
  getRunsCount: ['filters'],
  hasRun: ['runId'],
  addRun: ['dagsterRun'],
  deleteRun: ['runId'],
  addRunTags: ['runId', 'newTags'],
  handleRunEvent: ['runId', 'event', 'updateTimestamp'],
  getRunStats: ['runId'],
  getRunStepStats: ['runId', 'stepKeys'],
  getRunTags: ['tagKeys', 'valuePrefix', 'limit'],
  getRunGroup: ['runId'],
  getRunPartitionData: ['runsFilter'],
  createRunForJob: ['jobDef', 'executionPlan', 'runId', 'runConfig', 'resolvedOpSelection', 'status', 'tags', 'rootRunId', 'parentRunId', 'opSelection', 'assetSelection', 'remoteJobOrigin', 'jobCodeOrigin', '_repositoryLoadData'],
  createRun: ['options'],
  createReexecutedRun: ['options'],
  registerManagedRun: ['jobName', 'runId', 'runConfig', 'resolvedOpSelection', 'stepKeysToExecute', 'tags', 'rootRunId', 'parentRunId', 'jobSnapshot', 'executionPlanSnapshot', 'parentJobSnapshot', 'opSelection', 'jobCodeOrigin'],
  reportRunCanceling: ['run', 'message'],
  reportRunCanceled: ['dagsterRun', 'message'],
  reportRunFailed: ['dagsterRun', 'message', 'jobFailureData'],
  getJobSnapshot: ['snapshotId'],
  hasJobSnapshot: ['snapshotId'],
  hasSnapshot: ['snapshotId'],
  getHistoricalJob: ['snapshotId'],
  hasHistoricalJob: ['snapshotId'],
  getExecutionPlanSnapshot: ['snapshotId'],
  addSnapshot: ['snapshot'],
  upgrade: ['printFn'],
  wipe: ['options'],
  optimizeForWebserver: ['statementTimeout', 'poolRecycle', 'maxOverflow'],
  reindex: ['printFn'],
  fileManagerDirectory: ['runId'],
  startSchedule: ['remoteSchedule'],
  stopSchedule: ['scheduleOriginId', 'scheduleSelectorId', 'remoteSchedule'],
  resetSchedule: ['remoteSchedule'],
  startSensor: ['remoteSensor'],
  stopSensor: ['instigatorOriginId', 'selectorId', 'remoteSensor'],
  resetSensor: ['remoteSensor'],
  allInstigatorState: ['repositoryOriginId', 'repositorySelectorId', 'instigatorType', 'instigatorStatuses'],
  getInstigatorState: ['originId', 'selectorId'],
  addInstigatorState: ['state'],
  updateInstigatorState: ['state'],
  deleteInstigatorState: ['originId', 'selectorId'],
  logsPathForSchedule: ['scheduleOriginId'],
  getTickRetentionSettings: ['instigatorType'],
  getBatchTicks: ['selectorIds', 'limit', 'statuses'],
  getTick: ['originId', 'selectorId', 'timestamp'],
  getTicks: ['originId', 'selectorId', 'before', 'after', 'limit', 'statuses'],
  createTick: ['tickData'],
  updateTick: ['tick'],
  purgeTicks: ['originId', 'selectorId', 'before', 'tickStatuses'],
  getBackfills: ['filters', 'cursor', 'limit', 'status'],
  getBackfillsCount: ['filters'],
  getBackfill: ['backfillId'],
  addBackfill: ['partitionBackfill'],
  updateBackfill: ['partitionBackfill'],
  getDynamicPartitions: ['partitionsDefName'],
  getPaginatedDynamicPartitions: ['partitionsDefName', 'limit', 'ascending', 'cursor'],
  hasDynamicPartition: ['partitionsDefName', 'partitionKey'],
  getDynamicPartitionsDefinitionId: ['partitionsDefName'],
  addDynamicPartitions: ['partitionsDefName', 'partitionKeys'],
  deleteDynamicPartition: ['partitionsDefName', 'partitionKey'],
  fetchMaterializations: ['recordsFilter', 'limit', 'cursor', 'ascending'],
  fetchObservations: ['recordsFilter', 'limit', 'cursor', 'ascending'],
  fetchFailedMaterializations: ['recordsFilter', 'limit', 'cursor', 'ascending'],
  fetchPlannedMaterializations: ['recordsFilter', 'limit', 'cursor', 'ascending'],
  getAssetKeys: ['prefix', 'limit', 'cursor'],
  hasAssetKey: ['assetKey'],
  getAssetRecords: ['assetKeys'],
  getLatestMaterializationEvent: ['assetKey'],
  getLatestMaterializationEvents: ['assetKeys'],
  getLatestMaterializationCodeVersions: ['assetKeys'],
  getLatestDataVersionRecord: ['key', 'isSource', 'partitionKey', 'beforeCursor', 'afterCursor'],
  getLatestPlannedMaterializationInfo: ['assetKey', 'partition'],
  getMaterializedPartitions: ['assetKey', 'beforeCursor', 'afterCursor'],
  getLatestStorageIdByPartition: ['assetKey', 'eventType', 'partitions'],
  getStatusByPartition: ['assetKey', 'partitionKeys', 'partitionsDef'],
  getEventTagsForAsset: ['assetKey', 'filterTags', 'filterEventId'],
  updateAssetCachedStatusData: ['assetKey', 'cacheValues'],
  wipeAssetCachedStatus: ['assetKeys'],
  wipeAssets: ['assetKeys'],
  wipeAssetPartitions: ['assetKey', 'partitionKeys'],
  reportRunlessAssetEvent: ['assetEvent'],
  _reportRunlessAssetEvent: ['assetEvent'],
  getLatestAssetCheckEvaluationRecord: ['assetCheckKey'],
  getFreshnessStateRecords: ['keys'],
  getAssetCheckHealthStateForAssets: ['assetKeys'],
  getAssetFreshnessHealthStateForAssets: ['assetKeys'],
  getAssetMaterializationHealthStateForAssets: ['assetKeys'],
  getMinimalAssetMaterializationHealthStateForAssets: ['assetKeys'],
  canReadFailureEventsForAsset: ['_assetRecord'],
  streamlineReadAssetHealthSupported: ['_streamlineName'],
  streamlineReadAssetHealthRequired: ['_streamlineName'],
  getSettings: ['settingsKey'],
  ephemeral: ['tempdir', 'preload', 'settings', 'options'],
  localTemp: ['tempdir', 'overrides', 'options'],
  fromConfig: ['configDir', 'configFilename', 'options'],
  fromRef: ['instanceRef', 'options'],
};

/** Runs a member's checks over its arguments (extra arguments beyond the schema are refused). */
export function checkArguments(memberName: string, args: readonly unknown[]): void {
  argumentsCheckOf(memberName)?.(args);
}

/** Each member's whole argument check, built once (the labels are fixed strings, not built on every call). */
const compiledChecks = new Map<string, ((args: readonly unknown[]) => void) | undefined>();

function argumentsCheckOf(memberName: string): ((args: readonly unknown[]) => void) | undefined {
  if (compiledChecks.has(memberName)) return compiledChecks.get(memberName);
  const checks = MEMBER_ARGUMENTS[memberName];
  const names = PARAMETER_NAMES[memberName];
  const labels = checks?.map((_, i) => `${memberName}(${names?.[i] ?? `argument ${i + 1}`})`);
  const compiled = checks && ((args: readonly unknown[]) => {
    if (args.length > checks.length) {
      fail(`${memberName}()`, `at most ${checks.length} argument${checks.length === 1 ? '' : 's'}`, args.length);
    }
    for (let i = 0; i < checks.length; i++) checks[i]!(args[i], labels![i]!);
  });
  compiledChecks.set(memberName, compiled);
  return compiled;
}

/**
 * Wraps each listed member of the class (and its statics) with its argument check. The wrapper calls the
 * original with the same `this`, so subclasses that call `super.member(…)` are checked too, and the adapters'
 * calls through public members are checked on the way in.
 */
export function installArgumentChecks(cls: abstract new (...args: never[]) => object): void {
  const targets: object[] = [cls, cls.prototype as object];
  for (const memberName of new Set([...Object.keys(MEMBER_ARGUMENTS), ...Object.keys(WRITE_MEMBERS)])) {
    const target = targets.find((t) => Object.prototype.hasOwnProperty.call(t, memberName));
    if (!target) throw new Error(`installArgumentChecks: ${cls.name} has no member ${memberName}`);
    const descriptor = Object.getOwnPropertyDescriptor(target, memberName)!;
    const original = descriptor.value as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') throw new Error(`installArgumentChecks: ${cls.name}.${memberName} is not a method`);
    const sync = SYNC_MEMBERS.has(memberName);
    const write = memberName in WRITE_MEMBERS;
    const check = argumentsCheckOf(memberName);
    const checked = {
      [memberName](this: unknown, ...args: unknown[]): unknown {
        try {
          check?.(args);
          if (write) {
            const blocked = blockedWrite(this as object, memberName, args);
            if (blocked) throw blocked;
          }
        } catch (error) {
          if (sync) throw error;
          return Promise.reject(error);
        }
        return original.apply(this, args);
      },
    }[memberName]!;
    Object.defineProperty(target, memberName, { ...descriptor, value: checked });
  }
}
