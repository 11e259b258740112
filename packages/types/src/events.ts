/**
 * Events and the event log (`_core/events/__init__.py`, `_core/events/log.py`, `_core/event_api.py`).
 */
import { InvalidArgumentError, InvariantViolationError } from '@inst/errors';
import { defineEnum, initRecord, registerRecord, t, type EnumValue } from '@inst/serdes';
import type { AssetCheckKey, AssetKey } from './assets';
import type {
  AssetMaterialization,
  AssetObservation} from './event-data';
import {
  AssetCheckEvaluation,
  AssetCheckEvaluationPlanned,
  AssetFailedToMaterializeData,
  AssetMaterializationPlannedData,
  AssetObservationData,
  ComputeLogsCaptureData,
  EngineEventData,
  HookErroredData,
  JobCanceledData,
  JobFailureData,
  NodeHandle,
  SerializableErrorInfo,
  StepExpectationResultData,
  StepFailureData,
  StepHandle,
  StepInputData,
  StepMaterializationData,
  StepOutputData,
  StepRetryData,
  StepSuccessData,
  type EventSpecificData,
  type ResolvedFromDynamicStepHandle,
} from './event-data';
import { DagsterRunStatus } from './runs';

/**
 * The type of a Dagster event: Python member name → stored value. Run events are named `RUN_*` but stored as
 * `PIPELINE_*` (`DagsterEventType.RUN_SUCCESS === 'PIPELINE_SUCCESS'`). Dagster's `PIPELINE_*` member aliases are
 * read as the `RUN_*` members.
 */
export const DagsterEventType = defineEnum(
  'DagsterEventType',
  {
    STEP_OUTPUT: 'STEP_OUTPUT',
    STEP_INPUT: 'STEP_INPUT',
    STEP_FAILURE: 'STEP_FAILURE',
    STEP_START: 'STEP_START',
    STEP_SUCCESS: 'STEP_SUCCESS',
    STEP_SKIPPED: 'STEP_SKIPPED',
    STEP_WORKER_STARTING: 'STEP_WORKER_STARTING',
    STEP_WORKER_STARTED: 'STEP_WORKER_STARTED',
    RESOURCE_INIT_STARTED: 'RESOURCE_INIT_STARTED',
    RESOURCE_INIT_SUCCESS: 'RESOURCE_INIT_SUCCESS',
    RESOURCE_INIT_FAILURE: 'RESOURCE_INIT_FAILURE',
    STEP_UP_FOR_RETRY: 'STEP_UP_FOR_RETRY',
    STEP_RESTARTED: 'STEP_RESTARTED',
    ASSET_MATERIALIZATION: 'ASSET_MATERIALIZATION',
    ASSET_MATERIALIZATION_PLANNED: 'ASSET_MATERIALIZATION_PLANNED',
    ASSET_FAILED_TO_MATERIALIZE: 'ASSET_FAILED_TO_MATERIALIZE',
    ASSET_OBSERVATION: 'ASSET_OBSERVATION',
    ASSET_WIPED: 'ASSET_WIPED',
    FRESHNESS_STATE_EVALUATION: 'FRESHNESS_STATE_EVALUATION',
    FRESHNESS_STATE_CHANGE: 'FRESHNESS_STATE_CHANGE',
    STEP_EXPECTATION_RESULT: 'STEP_EXPECTATION_RESULT',
    ASSET_CHECK_EVALUATION_PLANNED: 'ASSET_CHECK_EVALUATION_PLANNED',
    ASSET_CHECK_EVALUATION: 'ASSET_CHECK_EVALUATION',
    RUN_ENQUEUED: 'PIPELINE_ENQUEUED',
    RUN_DEQUEUED: 'PIPELINE_DEQUEUED',
    RUN_STARTING: 'PIPELINE_STARTING',
    RUN_START: 'PIPELINE_START',
    RUN_SUCCESS: 'PIPELINE_SUCCESS',
    RUN_FAILURE: 'PIPELINE_FAILURE',
    RUN_CANCELING: 'PIPELINE_CANCELING',
    RUN_CANCELED: 'PIPELINE_CANCELED',
    OBJECT_STORE_OPERATION: 'OBJECT_STORE_OPERATION',
    ASSET_STORE_OPERATION: 'ASSET_STORE_OPERATION',
    LOADED_INPUT: 'LOADED_INPUT',
    HANDLED_OUTPUT: 'HANDLED_OUTPUT',
    ENGINE_EVENT: 'ENGINE_EVENT',
    HOOK_COMPLETED: 'HOOK_COMPLETED',
    HOOK_ERRORED: 'HOOK_ERRORED',
    HOOK_SKIPPED: 'HOOK_SKIPPED',
    ALERT_START: 'ALERT_START',
    ALERT_SUCCESS: 'ALERT_SUCCESS',
    ALERT_FAILURE: 'ALERT_FAILURE',
    LOGS_CAPTURED: 'LOGS_CAPTURED',
  },
  {
    memberAliases: {
      PIPELINE_ENQUEUED: 'RUN_ENQUEUED',
      PIPELINE_DEQUEUED: 'RUN_DEQUEUED',
      PIPELINE_STARTING: 'RUN_STARTING',
      PIPELINE_START: 'RUN_START',
      PIPELINE_SUCCESS: 'RUN_SUCCESS',
      PIPELINE_FAILURE: 'RUN_FAILURE',
      PIPELINE_CANCELING: 'RUN_CANCELING',
      PIPELINE_CANCELED: 'RUN_CANCELED',
    },
  },
);
/** A member value of {@link DagsterEventType}. */
export type DagsterEventType = EnumValue<typeof DagsterEventType>;

const E = DagsterEventType;

/** Display names of the run event types (`RUN_SUCCESS` for the stored `PIPELINE_SUCCESS`). */
export const EVENT_TYPE_TO_DISPLAY_STRING: ReadonlyMap<DagsterEventType, string> = new Map([
  [E.RUN_ENQUEUED, 'RUN_ENQUEUED'],
  [E.RUN_DEQUEUED, 'RUN_DEQUEUED'],
  [E.RUN_STARTING, 'RUN_STARTING'],
  [E.RUN_START, 'RUN_START'],
  [E.RUN_SUCCESS, 'RUN_SUCCESS'],
  [E.RUN_FAILURE, 'RUN_FAILURE'],
  [E.RUN_CANCELING, 'RUN_CANCELING'],
  [E.RUN_CANCELED, 'RUN_CANCELED'],
]);

/** Events of a step. */
export const STEP_EVENTS: ReadonlySet<DagsterEventType> = new Set([
  E.STEP_INPUT,
  E.STEP_START,
  E.STEP_OUTPUT,
  E.STEP_FAILURE,
  E.STEP_SUCCESS,
  E.STEP_SKIPPED,
  E.ASSET_MATERIALIZATION,
  E.ASSET_OBSERVATION,
  E.STEP_EXPECTATION_RESULT,
  E.ASSET_CHECK_EVALUATION,
  E.OBJECT_STORE_OPERATION,
  E.HANDLED_OUTPUT,
  E.LOADED_INPUT,
  E.STEP_RESTARTED,
  E.STEP_UP_FOR_RETRY,
]);

/** Failures of a run or step. */
export const FAILURE_EVENTS: ReadonlySet<DagsterEventType> = new Set([E.RUN_FAILURE, E.STEP_FAILURE, E.RUN_CANCELED]);

/** Events of a run's lifecycle. */
export const PIPELINE_EVENTS: ReadonlySet<DagsterEventType> = new Set([
  E.RUN_ENQUEUED,
  E.RUN_DEQUEUED,
  E.RUN_STARTING,
  E.RUN_START,
  E.RUN_SUCCESS,
  E.RUN_FAILURE,
  E.RUN_CANCELING,
  E.RUN_CANCELED,
]);

/** Hook events. */
export const HOOK_EVENTS: ReadonlySet<DagsterEventType> = new Set([E.HOOK_COMPLETED, E.HOOK_ERRORED, E.HOOK_SKIPPED]);

/** Alert events. */
export const ALERT_EVENTS: ReadonlySet<DagsterEventType> = new Set([E.ALERT_START, E.ALERT_SUCCESS, E.ALERT_FAILURE]);

/** Events shown as markers. */
export const MARKER_EVENTS: ReadonlySet<DagsterEventType> = new Set([
  E.ENGINE_EVENT,
  E.STEP_WORKER_STARTING,
  E.STEP_WORKER_STARTED,
  E.RESOURCE_INIT_STARTED,
  E.RESOURCE_INIT_SUCCESS,
  E.RESOURCE_INIT_FAILURE,
]);

/** The run status each run event moves a run to (PIPELINE_DEQUEUED moves it nowhere). */
export const EVENT_TYPE_TO_PIPELINE_RUN_STATUS: ReadonlyMap<DagsterEventType, DagsterRunStatus> = new Map<DagsterEventType, DagsterRunStatus>([
  [E.RUN_START, DagsterRunStatus.STARTED],
  [E.RUN_SUCCESS, DagsterRunStatus.SUCCESS],
  [E.RUN_FAILURE, DagsterRunStatus.FAILURE],
  [E.RUN_ENQUEUED, DagsterRunStatus.QUEUED],
  [E.RUN_STARTING, DagsterRunStatus.STARTING],
  [E.RUN_CANCELING, DagsterRunStatus.CANCELING],
  [E.RUN_CANCELED, DagsterRunStatus.CANCELED],
]);

/** The run event type of each status a run event can set. */
export const PIPELINE_RUN_STATUS_TO_EVENT_TYPE: ReadonlyMap<DagsterRunStatus, DagsterEventType> = new Map(
  [...EVENT_TYPE_TO_PIPELINE_RUN_STATUS].map(([eventType, status]) => [status, eventType]),
);

/** The event types that change a run's status (the keys of {@link EVENT_TYPE_TO_PIPELINE_RUN_STATUS}). */
export const RUN_STATUS_EVENT_TYPES: ReadonlySet<DagsterEventType> = new Set(EVENT_TYPE_TO_PIPELINE_RUN_STATUS.keys());

/** The only event types `storeEventBatch` accepts. */
export const BATCH_WRITABLE_EVENTS: ReadonlySet<DagsterEventType> = new Set([E.ASSET_MATERIALIZATION, E.ASSET_OBSERVATION, E.ASSET_FAILED_TO_MATERIALIZE]);

/** Events about an asset (they carry an asset key and maybe a partition). */
export const ASSET_EVENTS: ReadonlySet<DagsterEventType> = new Set([
  E.ASSET_MATERIALIZATION,
  E.ASSET_OBSERVATION,
  E.ASSET_MATERIALIZATION_PLANNED,
  E.ASSET_FAILED_TO_MATERIALIZE,
]);

/** Events about an asset check. */
export const ASSET_CHECK_EVENTS: ReadonlySet<DagsterEventType> = new Set([E.ASSET_CHECK_EVALUATION, E.ASSET_CHECK_EVALUATION_PLANNED]);

/** Event type values of long-gone Dagster versions, read as today's (Dagster's `_handle_back_compat`). */
const LEGACY_EVENT_TYPE_VALUES: Readonly<Record<string, DagsterEventType>> = {
  PIPELINE_PROCESS_START: E.ENGINE_EVENT,
  PIPELINE_PROCESS_STARTED: E.ENGINE_EVENT,
  PIPELINE_PROCESS_EXITED: E.ENGINE_EVENT,
  STEP_MATERIALIZATION: E.ASSET_MATERIALIZATION,
  PIPELINE_INIT_FAILURE: E.RUN_FAILURE,
};

/** The event type of a stored `event_type_value`, legacy values mapped to today's. */
export function eventTypeOfValue(value: string): DagsterEventType {
  return LEGACY_EVENT_TYPE_VALUES[value] ?? (value as DagsterEventType);
}

/** Init of {@link DagsterEvent}. */
export interface DagsterEventInit {
  eventTypeValue: string;
  jobName: string;
  stepHandle?: StepHandle | ResolvedFromDynamicStepHandle | null;
  nodeHandle?: NodeHandle | null;
  stepKindValue?: string | null;
  loggingTags?: Readonly<Record<string, string>> | null;
  eventSpecificData?: EventSpecificData | object | null;
  message?: string | null;
  pid?: number | null;
  /** Legacy: derived from the step handle when absent. */
  stepKey?: string | null;
}

/** A structured event of a run (`dagster_event` of an event log entry). */
export class DagsterEvent {
  declare readonly eventTypeValue: string;
  declare readonly jobName: string;
  declare readonly stepHandle: StepHandle | ResolvedFromDynamicStepHandle | null;
  declare readonly nodeHandle: NodeHandle | null;
  declare readonly stepKindValue: string | null;
  declare readonly loggingTags: Readonly<Record<string, string>>;
  declare readonly eventSpecificData: EventSpecificData | object | null;
  declare readonly message: string | null;
  declare readonly pid: number | null;
  declare readonly stepKey: string | null;

  constructor(init: DagsterEventInit) {
    // Old events may carry a node handle but no step handle, and legacy ones a step key of their own.
    const stepHandle = init.stepHandle ?? (init.nodeHandle ? new StepHandle({ nodeHandle: init.nodeHandle }) : null);
    const stepKey = init.stepKey ?? stepHandle?.key ?? null;
    initRecord(this, { ...init, stepHandle, stepKey, loggingTags: init.loggingTags ?? {} });
  }

  /** The event's type (legacy stored values mapped to today's). */
  get eventType(): DagsterEventType {
    return eventTypeOfValue(this.eventTypeValue);
  }
  get nodeName(): string {
    if (!this.nodeHandle) throw new InvariantViolationError('event has no node handle');
    return this.nodeHandle.name;
  }
  get isStepEvent(): boolean {
    return STEP_EVENTS.has(this.eventType);
  }
  get isHookEvent(): boolean {
    return HOOK_EVENTS.has(this.eventType);
  }
  get isAlertEvent(): boolean {
    return ALERT_EVENTS.has(this.eventType);
  }
  get isStepSuccess(): boolean {
    return this.eventType === E.STEP_SUCCESS;
  }
  get isSuccessfulOutput(): boolean {
    return this.eventType === E.STEP_OUTPUT;
  }
  get isStepStart(): boolean {
    return this.eventType === E.STEP_START;
  }
  get isStepFailure(): boolean {
    return this.eventType === E.STEP_FAILURE;
  }
  get isResourceInitFailure(): boolean {
    return this.eventType === E.RESOURCE_INIT_FAILURE;
  }
  get isStepSkipped(): boolean {
    return this.eventType === E.STEP_SKIPPED;
  }
  get isStepUpForRetry(): boolean {
    return this.eventType === E.STEP_UP_FOR_RETRY;
  }
  get isStepRestarted(): boolean {
    return this.eventType === E.STEP_RESTARTED;
  }
  get isJobSuccess(): boolean {
    return this.eventType === E.RUN_SUCCESS;
  }
  get isJobFailure(): boolean {
    return this.eventType === E.RUN_FAILURE;
  }
  get isRunFailure(): boolean {
    return this.eventType === E.RUN_FAILURE;
  }
  get isFailure(): boolean {
    return FAILURE_EVENTS.has(this.eventType);
  }
  get isJobEvent(): boolean {
    return PIPELINE_EVENTS.has(this.eventType);
  }
  get isEngineEvent(): boolean {
    return this.eventType === E.ENGINE_EVENT;
  }
  get isHandledOutput(): boolean {
    return this.eventType === E.HANDLED_OUTPUT;
  }
  get isLoadedInput(): boolean {
    return this.eventType === E.LOADED_INPUT;
  }
  get isStepMaterialization(): boolean {
    return this.eventType === E.ASSET_MATERIALIZATION;
  }
  get isExpectationResult(): boolean {
    return this.eventType === E.STEP_EXPECTATION_RESULT;
  }
  get isAssetObservation(): boolean {
    return this.eventType === E.ASSET_OBSERVATION;
  }
  get isAssetMaterializationPlanned(): boolean {
    return this.eventType === E.ASSET_MATERIALIZATION_PLANNED;
  }
  get isAssetFailedToMaterialize(): boolean {
    return this.eventType === E.ASSET_FAILED_TO_MATERIALIZE;
  }

  /** The asset of an asset event (materialization, observation, planned, failed); null for other events. */
  get assetKey(): AssetKey | null {
    switch (this.eventType) {
      case E.ASSET_MATERIALIZATION:
        return this.stepMaterializationData.materialization.assetKey;
      case E.ASSET_OBSERVATION:
        return this.assetObservationData.assetObservation.assetKey;
      case E.ASSET_MATERIALIZATION_PLANNED:
        return this.assetMaterializationPlannedData.assetKey;
      case E.ASSET_FAILED_TO_MATERIALIZE:
        return this.assetFailedToMaterializeData.assetKey;
      default:
        return null;
    }
  }

  /** The partition of an asset event; null for other events or unpartitioned assets. */
  get partition(): string | null {
    switch (this.eventType) {
      case E.ASSET_MATERIALIZATION:
        return this.stepMaterializationData.materialization.partition;
      case E.ASSET_OBSERVATION:
        return this.assetObservationData.assetObservation.partition;
      case E.ASSET_MATERIALIZATION_PLANNED:
        return this.assetMaterializationPlannedData.partition;
      case E.ASSET_FAILED_TO_MATERIALIZE:
        return this.assetFailedToMaterializeData.partition;
      default:
        return null;
    }
  }

  /** The partitions subset of an ASSET_MATERIALIZATION_PLANNED event (a serdes PartitionsSubset, as read). */
  get partitionsSubset(): unknown {
    return this.eventType === E.ASSET_MATERIALIZATION_PLANNED ? this.assetMaterializationPlannedData.partitionsSubset : null;
  }

  /** The asset check of an asset check event; null for other events. */
  get assetCheckKey(): AssetCheckKey | null {
    switch (this.eventType) {
      case E.ASSET_CHECK_EVALUATION:
        return this.assetCheckEvaluationData.assetCheckKey;
      case E.ASSET_CHECK_EVALUATION_PLANNED:
        return this.assetCheckPlannedData.assetCheckKey;
      default:
        return null;
    }
  }

  get stepInputData(): StepInputData {
    return this.dataOf('stepInputData', [E.STEP_INPUT], StepInputData);
  }
  get stepOutputData(): StepOutputData {
    return this.dataOf('stepOutputData', [E.STEP_OUTPUT], StepOutputData);
  }
  get stepSuccessData(): StepSuccessData {
    return this.dataOf('stepSuccessData', [E.STEP_SUCCESS], StepSuccessData);
  }
  get stepFailureData(): StepFailureData {
    return this.dataOf('stepFailureData', [E.STEP_FAILURE], StepFailureData);
  }
  get stepRetryData(): StepRetryData {
    return this.dataOf('stepRetryData', [E.STEP_UP_FOR_RETRY], StepRetryData);
  }
  get stepMaterializationData(): StepMaterializationData {
    return this.dataOf('stepMaterializationData', [E.ASSET_MATERIALIZATION], StepMaterializationData);
  }
  get assetObservationData(): AssetObservationData {
    return this.dataOf('assetObservationData', [E.ASSET_OBSERVATION], AssetObservationData);
  }
  get assetMaterializationPlannedData(): AssetMaterializationPlannedData {
    return this.dataOf('assetMaterializationPlannedData', [E.ASSET_MATERIALIZATION_PLANNED], AssetMaterializationPlannedData);
  }
  get assetFailedToMaterializeData(): AssetFailedToMaterializeData {
    return this.dataOf('assetFailedToMaterializeData', [E.ASSET_FAILED_TO_MATERIALIZE], AssetFailedToMaterializeData);
  }
  get assetCheckPlannedData(): AssetCheckEvaluationPlanned {
    return this.dataOf('assetCheckPlannedData', [E.ASSET_CHECK_EVALUATION_PLANNED], AssetCheckEvaluationPlanned);
  }
  get assetCheckEvaluationData(): AssetCheckEvaluation {
    return this.dataOf('assetCheckEvaluationData', [E.ASSET_CHECK_EVALUATION], AssetCheckEvaluation);
  }
  get stepExpectationResultData(): StepExpectationResultData {
    return this.dataOf('stepExpectationResultData', [E.STEP_EXPECTATION_RESULT], StepExpectationResultData);
  }
  /** The materialization of an ASSET_MATERIALIZATION event. */
  get materialization(): AssetMaterialization {
    return this.stepMaterializationData.materialization;
  }
  get jobFailureData(): JobFailureData {
    return this.dataOf('jobFailureData', [E.RUN_FAILURE], JobFailureData);
  }
  get jobCanceledData(): JobCanceledData {
    return this.dataOf('jobCanceledData', [E.RUN_CANCELED], JobCanceledData);
  }
  get engineEventData(): EngineEventData {
    return this.dataOf('engineEventData', [...MARKER_EVENTS], EngineEventData);
  }
  get hookErroredData(): HookErroredData {
    return this.dataOf('hookErroredData', [E.HOOK_ERRORED], HookErroredData);
  }
  get logsCapturedData(): ComputeLogsCaptureData {
    return this.dataOf('logsCapturedData', [E.LOGS_CAPTURED], ComputeLogsCaptureData);
  }

  /** The event-specific data, after checking that the event has one of the expected types and that class. */
  private dataOf<T>(accessor: string, expected: readonly DagsterEventType[], cls: abstract new (...args: never[]) => T): T {
    if (!expected.includes(this.eventType)) {
      throw new InvariantViolationError(`${accessor} only callable when event_type is ${expected.join(',')}, called on ${this.eventType}`);
    }
    if (!(this.eventSpecificData instanceof cls)) {
      throw new InvariantViolationError(`${accessor}: the event's data is not a ${cls.name}`);
    }
    return this.eventSpecificData;
  }
}
registerRecord(DagsterEvent, {
  name: 'DagsterEvent',
  fields: {
    eventTypeValue: { type: t.str },
    jobName: { type: t.str, stored: 'pipeline_name' },
    stepHandle: { type: t.any },
    nodeHandle: { type: t.nullable(t.record(NodeHandle)), stored: 'solid_handle' },
    stepKindValue: { type: t.nullable(t.str) },
    loggingTags: { type: t.dict(), default: () => ({}) },
    eventSpecificData: { type: t.any },
    message: { type: t.nullable(t.str) },
    pid: { type: t.nullable(t.int) },
    stepKey: { type: t.nullable(t.str) },
  },
});

/** Python's logging levels by name. */
const LOG_LEVELS: Readonly<Record<string, number>> = { CRITICAL: 50, FATAL: 50, ERROR: 40, WARNING: 30, WARN: 30, INFO: 20, DEBUG: 10, NOTSET: 0 };

/** Dagster's `coerce_valid_log_level`: a level number, or a level name in any case, as the number. */
export function coerceLogLevel(level: number | string): number {
  if (typeof level === 'number' && Number.isInteger(level)) return level;
  const value = typeof level === 'string' ? LOG_LEVELS[level.toUpperCase()] : undefined;
  if (value === undefined) throw new InvalidArgumentError(`Bad value for log level ${JSON.stringify(level)}: permissible values are ${Object.keys(LOG_LEVELS).join(', ')}`);
  return value;
}

/** Init of {@link EventLogEntry}. */
export interface EventLogEntryInit {
  errorInfo?: SerializableErrorInfo | null;
  /** A Python log level (10, 20, …) or its name. */
  level: number | string;
  userMessage: string;
  runId: string;
  /** Unix seconds (always written as a float). */
  timestamp: number;
  stepKey?: string | null;
  jobName?: string | null;
  dagsterEvent?: DagsterEvent | null;
}

/** An entry of the event log (`event_logs.event`); old rows are stored as `DagsterEventRecord` / `LogMessageRecord`. */
export class EventLogEntry {
  declare readonly errorInfo: SerializableErrorInfo | null;
  declare readonly level: number | string;
  declare readonly userMessage: string;
  declare readonly runId: string;
  declare readonly timestamp: number;
  declare readonly stepKey: string | null;
  declare readonly jobName: string | null;
  declare readonly dagsterEvent: DagsterEvent | null;

  constructor(init: EventLogEntryInit) {
    initRecord(this, { ...init, level: coerceLogLevel(init.level) });
  }

  /** Whether the entry carries a DagsterEvent. */
  get isDagsterEvent(): boolean {
    return this.dagsterEvent !== null;
  }
  /** The entry's DagsterEvent; throws when it has none. */
  getDagsterEvent(): DagsterEvent {
    if (!this.dagsterEvent) throw new InvariantViolationError('Not a dagster event, check is_dagster_event before calling get_dagster_event');
    return this.dagsterEvent;
  }
  /** The type of the entry's DagsterEvent, if any. */
  get dagsterEventType(): DagsterEventType | null {
    return this.dagsterEvent?.eventType ?? null;
  }
  /** The event's message when it has one, else the user message. */
  get message(): string {
    return this.dagsterEvent?.message ?? this.userMessage;
  }
  get assetMaterialization(): AssetMaterialization | null {
    if (this.dagsterEvent?.eventTypeValue !== E.ASSET_MATERIALIZATION) return null;
    const data = this.dagsterEvent.eventSpecificData;
    return data instanceof StepMaterializationData ? data.materialization : null;
  }
  get assetObservation(): AssetObservation | null {
    if (this.dagsterEvent?.eventTypeValue !== E.ASSET_OBSERVATION) return null;
    const data = this.dagsterEvent.eventSpecificData;
    return data instanceof AssetObservationData ? data.assetObservation : null;
  }
  get assetCheckEvaluation(): AssetCheckEvaluation | null {
    if (this.dagsterEvent?.eventTypeValue !== E.ASSET_CHECK_EVALUATION) return null;
    const data = this.dagsterEvent.eventSpecificData;
    return data instanceof AssetCheckEvaluation ? data : null;
  }
  /** The tags of an asset materialization or observation. */
  get tags(): Readonly<Record<string, string>> | null {
    return this.assetMaterialization?.tags ?? this.assetObservation?.tags ?? null;
  }
}
registerRecord(EventLogEntry, {
  name: 'EventLogEntry',
  oldStorageNames: ['DagsterEventRecord', 'LogMessageRecord', 'EventRecord'],
  fields: {
    errorInfo: { type: t.nullable(t.record(SerializableErrorInfo)) },
    level: { type: t.any },
    userMessage: { type: t.str },
    runId: { type: t.str },
    timestamp: { type: t.float },
    stepKey: { type: t.nullable(t.str) },
    jobName: { type: t.nullable(t.str), stored: 'pipeline_name' },
    dagsterEvent: { type: t.nullable(t.record(DagsterEvent)) },
  },
  oldFields: { message: '' },
});

/** An event log entry with its storage id (`event_logs.id`). */
export class EventLogRecord {
  declare readonly storageId: number;
  declare readonly eventLogEntry: EventLogEntry;
  constructor(init: { storageId: number; eventLogEntry: EventLogEntry }) {
    initRecord(this, init);
  }
  get runId(): string {
    return this.eventLogEntry.runId;
  }
  get timestamp(): number {
    return this.eventLogEntry.timestamp;
  }
  get assetKey(): AssetKey | null {
    return this.eventLogEntry.dagsterEvent?.assetKey ?? null;
  }
  get partitionKey(): string | null {
    return this.eventLogEntry.dagsterEvent?.partition ?? null;
  }
  get assetMaterialization(): AssetMaterialization | null {
    return this.eventLogEntry.assetMaterialization;
  }
  get assetObservation(): AssetObservation | null {
    return this.eventLogEntry.assetObservation;
  }
  get assetEvent(): AssetMaterialization | AssetObservation | null {
    return this.assetMaterialization ?? this.assetObservation;
  }
  /** The type of the entry's DagsterEvent; throws when it has none. */
  get eventType(): DagsterEventType {
    return this.eventLogEntry.getDagsterEvent().eventType;
  }
}
registerRecord(EventLogRecord, {
  name: 'EventLogRecord',
  fields: { storageId: { type: t.int }, eventLogEntry: { type: t.record(EventLogEntry) } },
});

/** A page of event records: the records, the cursor after them, and whether more follow. Not serdes. */
export class EventRecordsResult {
  declare readonly records: readonly EventLogRecord[];
  declare readonly cursor: string;
  declare readonly hasMore: boolean;
  constructor(init: { records: readonly EventLogRecord[]; cursor: string; hasMore: boolean }) {
    Object.assign(this, init);
    Object.freeze(this);
  }
}

/** A page of the event records of a run (the same shape as {@link EventRecordsResult}). Not serdes. */
export class EventLogConnection extends EventRecordsResult {}
