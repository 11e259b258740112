/**
 * Schedules, sensors and their ticks (`_core/scheduler/instigation.py`, `_core/definitions/run_request.py`).
 */
import { defineEnum, initRecord, registerRecord, replaceRecord, t, type EnumValue } from '@inst/serdes';
import type { EntityKey } from './assets';
import { SerializableErrorInfo } from './event-data';
import { invariant, nowSeconds } from './internal';
import { RemoteInstigatorOrigin, type RepositorySelector } from './origins';

/** Whether a schedule or sensor runs (stored also under its old name `JobStatus`). */
export const InstigatorStatus = defineEnum(
  'InstigatorStatus',
  {
    RUNNING: 'RUNNING',
    STOPPED: 'STOPPED',
    DECLARED_IN_CODE: 'DECLARED_IN_CODE',
    /** Deprecated: read as DECLARED_IN_CODE. */
    AUTOMATICALLY_RUNNING: 'AUTOMATICALLY_RUNNING',
  },
  { oldStorageNames: ['JobStatus'], memberAliases: { AUTOMATICALLY_RUNNING: 'DECLARED_IN_CODE' } },
);
/** A member value of {@link InstigatorStatus}. */
export type InstigatorStatus = EnumValue<typeof InstigatorStatus>;

/** Schedule, sensor or auto-materialize (stored also under its old name `JobType`). */
export const InstigatorType = defineEnum(
  'InstigatorType',
  { SCHEDULE: 'SCHEDULE', SENSOR: 'SENSOR', AUTO_MATERIALIZE: 'AUTO_MATERIALIZE' },
  { oldStorageNames: ['JobType'] },
);
/** A member value of {@link InstigatorType}. */
export type InstigatorType = EnumValue<typeof InstigatorType>;

/** The status of a tick (stored also under its old name `JobTickStatus`). */
export const TickStatus = defineEnum(
  'TickStatus',
  { STARTED: 'STARTED', SKIPPED: 'SKIPPED', SUCCESS: 'SUCCESS', FAILURE: 'FAILURE' },
  { oldStorageNames: ['JobTickStatus'] },
);
/** A member value of {@link TickStatus}. */
export type TickStatus = EnumValue<typeof TickStatus>;

/** The kind of a sensor. */
export const SensorType = defineEnum('SensorType', {
  STANDARD: 'STANDARD',
  RUN_STATUS: 'RUN_STATUS',
  ASSET: 'ASSET',
  MULTI_ASSET: 'MULTI_ASSET',
  FRESHNESS_POLICY: 'FRESHNESS_POLICY',
  AUTO_MATERIALIZE: 'AUTO_MATERIALIZE',
  AUTOMATION: 'AUTOMATION',
  UNKNOWN: 'UNKNOWN',
});
/** A member value of {@link SensorType}. */
export type SensorType = EnumValue<typeof SensorType>;

/** Init of {@link SensorInstigatorData}. */
export interface SensorInstigatorDataInit {
  lastTickTimestamp?: number | null;
  lastRunKey?: string | null;
  minInterval?: number | null;
  cursor?: string | null;
  lastTickStartTimestamp?: number | null;
  lastSensorStartTimestamp?: number | null;
  sensorType?: SensorType | null;
  lastTickSuccessTimestamp?: number | null;
}

/** What a sensor's state remembers between ticks (stored also as `SensorJobData`). */
export class SensorInstigatorData {
  declare readonly lastTickTimestamp: number | null;
  declare readonly lastRunKey: string | null;
  declare readonly minInterval: number | null;
  declare readonly cursor: string | null;
  declare readonly lastTickStartTimestamp: number | null;
  declare readonly lastSensorStartTimestamp: number | null;
  declare readonly sensorType: SensorType | null;
  declare readonly lastTickSuccessTimestamp: number | null;
  constructor(init: SensorInstigatorDataInit = {}) {
    initRecord(this, init);
  }
  withSensorStartTimestamp(startTimestamp: number): SensorInstigatorData {
    return replaceRecord<SensorInstigatorData>(this, { lastSensorStartTimestamp: startTimestamp });
  }
}
registerRecord(SensorInstigatorData, {
  name: 'SensorInstigatorData',
  oldStorageNames: ['SensorJobData'],
  fields: {
    lastTickTimestamp: { type: t.nullable(t.float) },
    lastRunKey: { type: t.nullable(t.str) },
    minInterval: { type: t.nullable(t.int) },
    cursor: { type: t.nullable(t.str) },
    lastTickStartTimestamp: { type: t.nullable(t.float) },
    lastSensorStartTimestamp: { type: t.nullable(t.float) },
    sensorType: { type: t.nullable(t.enum(SensorType)) },
    lastTickSuccessTimestamp: { type: t.nullable(t.float) },
  },
});

/** What a schedule's state remembers (stored also as `ScheduleJobData`). */
export class ScheduleInstigatorData {
  declare readonly cronSchedule: string | readonly string[];
  declare readonly startTimestamp: number | null;
  declare readonly lastIterationTimestamp: number | null;
  constructor(init: { cronSchedule: string | readonly string[]; startTimestamp?: number | null; lastIterationTimestamp?: number | null }) {
    initRecord(this, init);
  }
}
registerRecord(ScheduleInstigatorData, {
  name: 'ScheduleInstigatorData',
  oldStorageNames: ['ScheduleJobData'],
  fields: {
    cronSchedule: { type: t.any },
    startTimestamp: { type: t.nullable(t.float) },
    lastIterationTimestamp: { type: t.nullable(t.float) },
  },
});

/** The data of a schedule or sensor state. */
export type InstigatorData = ScheduleInstigatorData | SensorInstigatorData;

/** Init of {@link InstigatorState}. */
export interface InstigatorStateInit {
  origin: RemoteInstigatorOrigin;
  instigatorType: InstigatorType;
  status: InstigatorStatus;
  instigatorData?: InstigatorData | null;
}

/** The stored state of a schedule or sensor (`instigators.instigator_body`; stored also as `JobState`). */
export class InstigatorState {
  declare readonly origin: RemoteInstigatorOrigin;
  declare readonly instigatorType: InstigatorType;
  declare readonly status: InstigatorStatus;
  declare readonly instigatorData: InstigatorData | null;

  constructor(init: InstigatorStateInit) {
    checkInstigatorData(init.instigatorType, init.instigatorData ?? null);
    initRecord(this, init);
  }

  get isRunning(): boolean {
    return this.status !== InstigatorStatus.STOPPED;
  }
  get name(): string {
    return this.origin.instigatorName;
  }
  get instigatorName(): string {
    return this.origin.instigatorName;
  }
  /** The id of the repository origin. */
  get repositoryOriginId(): string {
    return this.origin.repositoryOrigin.getId();
  }
  get repositorySelector(): RepositorySelector {
    return this.origin.repositoryOrigin.getSelector();
  }
  /** SHA-1 of the serialized RepositorySelector(location_name, repository_name): `instigators.repository_selector_id`. */
  get repositorySelectorId(): string {
    return this.repositorySelector.selectorId;
  }
  /** SHA-1 of the serialized origin: `jobs.job_origin_id` and `job_ticks.job_origin_id`. */
  get instigatorOriginId(): string {
    return this.origin.getId();
  }
  /** SHA-1 of the serialized InstigatorSelector(location_name, repository_name, name): the `selector_id` columns. */
  get selectorId(): string {
    return this.origin.getSelector().selectorId;
  }
  get sensorInstigatorData(): SensorInstigatorData | null {
    return this.instigatorData instanceof SensorInstigatorData ? this.instigatorData : null;
  }
  withStatus(status: InstigatorStatus): InstigatorState {
    return replaceRecord<InstigatorState>(this, { status });
  }
  withData(instigatorData: InstigatorData | null): InstigatorState {
    checkInstigatorData(this.instigatorType, instigatorData);
    return replaceRecord<InstigatorState>(this, { instigatorData });
  }
}
registerRecord(InstigatorState, {
  name: 'InstigatorState',
  oldStorageNames: ['JobState'],
  fields: {
    origin: { type: t.record(RemoteInstigatorOrigin) },
    instigatorType: { type: t.enum(InstigatorType), stored: 'job_type' },
    status: { type: t.enum(InstigatorStatus) },
    instigatorData: { type: t.any, stored: 'job_specific_data' },
  },
});

function checkInstigatorData(type: InstigatorType, data: InstigatorData | null): void {
  if (type === InstigatorType.SCHEDULE) invariant(data instanceof ScheduleInstigatorData, 'a schedule state needs ScheduleInstigatorData');
  else if (type === InstigatorType.SENSOR) invariant(data === null || data instanceof SensorInstigatorData, 'a sensor state needs SensorInstigatorData or none');
  else invariant(false, `Unexpected instigator type ${type}, expected one of InstigatorType.SENSOR, InstigatorType.SCHEDULE`);
}

/** The outcome of the dynamic partitions requests of a tick. */
export class DynamicPartitionsRequestResult {
  declare readonly partitionsDefName: string;
  declare readonly addedPartitions: readonly string[] | null;
  declare readonly deletedPartitions: readonly string[] | null;
  declare readonly skippedPartitions: readonly string[];
  constructor(init: {
    partitionsDefName: string;
    addedPartitions?: readonly string[] | null;
    deletedPartitions?: readonly string[] | null;
    skippedPartitions: readonly string[];
  }) {
    invariant((init.addedPartitions == null) !== (init.deletedPartitions == null), 'Exactly one of added_partitions and deleted_partitions must be provided');
    initRecord(this, init);
  }
}
registerRecord(DynamicPartitionsRequestResult, {
  name: 'DynamicPartitionsRequestResult',
  fields: {
    partitionsDefName: { type: t.str },
    addedPartitions: { type: t.nullable(t.list(t.str)) },
    deletedPartitions: { type: t.nullable(t.list(t.str)) },
    skippedPartitions: { type: t.list(t.str) },
  },
});

/** Init of {@link TickData}. */
export interface TickDataInit {
  instigatorOriginId: string;
  instigatorName: string;
  instigatorType: InstigatorType;
  status: TickStatus;
  /** Unix seconds the tick started. */
  timestamp: number;
  runIds?: readonly string[];
  runKeys?: readonly string[];
  error?: SerializableErrorInfo | null;
  skipReason?: string | null;
  cursor?: string | null;
  originRunIds?: readonly string[];
  failureCount?: number;
  selectorId?: string | null;
  logKey?: readonly string[] | null;
  dynamicPartitionsRequestResults?: readonly DynamicPartitionsRequestResult[];
  endTimestamp?: number | null;
  /** RunRequests (Dagster classes kept as read). */
  runRequests?: readonly unknown[];
  autoMaterializeEvaluationId?: number | null;
  reservedRunIds?: readonly string[];
  consecutiveFailureCount?: number;
  userInterrupted?: boolean;
}

/** What is stored of a tick (`job_ticks.tick_body`; stored also as `JobTickData`). */
export class TickData {
  declare readonly instigatorOriginId: string;
  declare readonly instigatorName: string;
  declare readonly instigatorType: InstigatorType;
  declare readonly status: TickStatus;
  declare readonly timestamp: number;
  declare readonly runIds: readonly string[];
  declare readonly runKeys: readonly string[];
  declare readonly error: SerializableErrorInfo | null;
  declare readonly skipReason: string | null;
  declare readonly cursor: string | null;
  declare readonly originRunIds: readonly string[];
  declare readonly failureCount: number;
  declare readonly selectorId: string | null;
  declare readonly logKey: readonly string[] | null;
  declare readonly dynamicPartitionsRequestResults: readonly DynamicPartitionsRequestResult[];
  declare readonly endTimestamp: number | null;
  declare readonly runRequests: readonly unknown[];
  declare readonly autoMaterializeEvaluationId: number | null;
  declare readonly reservedRunIds: readonly string[];
  declare readonly consecutiveFailureCount: number;
  declare readonly userInterrupted: boolean;

  constructor(init: TickDataInit) {
    validateTick(init.status, init.runIds ?? [], init.error ?? null, init.skipReason ?? null);
    initRecord(this, init);
  }

  /** A copy with a new status (and any other changes). */
  withStatus(status: TickStatus, changes: Partial<TickDataInit> = {}): TickData {
    return this.with({ ...changes, status });
  }
  /** A copy with the run id and run key added (when not there yet). */
  withRunInfo(runId?: string | null, runKey?: string | null): TickData {
    return this.with({
      runIds: runId && !this.runIds.includes(runId) ? [...this.runIds, runId] : this.runIds,
      runKeys: runKey && !this.runKeys.includes(runKey) ? [...this.runKeys, runKey] : this.runKeys,
    });
  }
  withRunRequests(runRequests: readonly unknown[], reservedRunIds?: readonly string[] | null, cursor?: string | null): TickData {
    return this.with({ runRequests, reservedRunIds: reservedRunIds ?? [], cursor: cursor ?? null });
  }
  withReason(skipReason: string | null): TickData {
    return this.with({ skipReason });
  }
  withCursor(cursor: string | null): TickData {
    return this.with({ cursor });
  }
  withOriginRun(originRunId: string): TickData {
    return this.with({ originRunIds: [...this.originRunIds, originRunId] });
  }
  withLogKey(logKey: readonly string[]): TickData {
    return this.with({ logKey });
  }
  withDynamicPartitionsRequestResult(result: DynamicPartitionsRequestResult): TickData {
    return this.with({ dynamicPartitionsRequestResults: [...this.dynamicPartitionsRequestResults, result] });
  }
  withUserInterrupted(userInterrupted: boolean): TickData {
    return this.with({ userInterrupted });
  }

  /** A copy with changes, validated as Dagster's constructor validates (Dagster rebuilds the tuple). */
  private with(changes: Partial<TickDataInit>): TickData {
    const next = replaceRecord<TickData>(this, changes as Partial<TickData>);
    validateTick(next.status, next.runIds, next.error, next.skipReason);
    return next;
  }
}
registerRecord(TickData, {
  name: 'TickData',
  oldStorageNames: ['JobTickData'],
  fields: {
    instigatorOriginId: { type: t.str, stored: 'job_origin_id' },
    instigatorName: { type: t.str, stored: 'job_name' },
    instigatorType: { type: t.enum(InstigatorType), stored: 'job_type' },
    status: { type: t.enum(TickStatus) },
    timestamp: { type: t.float },
    runIds: { type: t.list(t.str), default: () => [] },
    runKeys: { type: t.list(t.str), default: () => [] },
    error: { type: t.nullable(t.record(SerializableErrorInfo)) },
    skipReason: { type: t.nullable(t.str) },
    cursor: { type: t.nullable(t.str) },
    originRunIds: { type: t.list(t.str), default: () => [] },
    failureCount: { type: t.int, default: 0 },
    selectorId: { type: t.nullable(t.str) },
    logKey: { type: t.nullable(t.list(t.str)) },
    dynamicPartitionsRequestResults: { type: t.list(t.record(DynamicPartitionsRequestResult)), default: () => [] },
    endTimestamp: { type: t.nullable(t.float) },
    runRequests: { type: t.list(), default: () => [] },
    autoMaterializeEvaluationId: { type: t.nullable(t.int) },
    reservedRunIds: { type: t.list(), default: () => [] },
    consecutiveFailureCount: { type: t.int, default: 0 },
    userInterrupted: { type: t.bool, default: false },
  },
});

function validateTick(status: TickStatus, runIds: readonly string[], error: SerializableErrorInfo | null, skipReason: string | null): void {
  if (status === TickStatus.SUCCESS) {
    invariant(Array.isArray(runIds), 'a successful tick needs run ids');
    invariant(error === null, 'Tick status is SUCCESS, but error was provided');
  } else if (status === TickStatus.FAILURE) {
    invariant(error instanceof SerializableErrorInfo, 'a failed tick needs an error');
  } else {
    invariant(error === null, 'Tick status was not FAILURE but error was provided');
  }
  if (skipReason) invariant(status === TickStatus.SKIPPED, 'Tick status was not SKIPPED but skip_reason was provided');
}

/** A tick: its id (`job_ticks.id`) and data (stored also as `JobTick`; only the data goes in `tick_body`). */
export class InstigatorTick {
  declare readonly tickId: number;
  declare readonly tickData: TickData;

  constructor(init: { tickId: number; tickData: TickData }) {
    initRecord(this, init);
  }

  /** A copy with a new status; `endTimestamp` is set to now unless the status is STARTED. */
  withStatus(status: TickStatus, changes: Partial<TickDataInit> = {}): InstigatorTick {
    const endTimestamp = status !== TickStatus.STARTED ? nowSeconds() : null;
    return this.withData(this.tickData.withStatus(status, { ...changes, endTimestamp }));
  }
  withRunRequests(runRequests: readonly unknown[], reservedRunIds?: readonly string[] | null, cursor?: string | null): InstigatorTick {
    return this.withData(this.tickData.withRunRequests(runRequests, reservedRunIds, cursor));
  }
  withReason(skipReason: string | null): InstigatorTick {
    return this.withData(this.tickData.withReason(skipReason));
  }
  withRunInfo(runId?: string | null, runKey?: string | null): InstigatorTick {
    return this.withData(this.tickData.withRunInfo(runId, runKey));
  }
  withCursor(cursor: string | null): InstigatorTick {
    return this.withData(this.tickData.withCursor(cursor));
  }
  withOriginRun(originRunId: string): InstigatorTick {
    return this.withData(this.tickData.withOriginRun(originRunId));
  }
  withLogKey(logKey: readonly string[]): InstigatorTick {
    return this.withData(this.tickData.withLogKey(logKey));
  }
  withDynamicPartitionsRequestResult(result: DynamicPartitionsRequestResult): InstigatorTick {
    return this.withData(this.tickData.withDynamicPartitionsRequestResult(result));
  }
  withUserInterrupted(userInterrupted: boolean): InstigatorTick {
    return this.withData(this.tickData.withUserInterrupted(userInterrupted));
  }
  private withData(tickData: TickData): InstigatorTick {
    return replaceRecord<InstigatorTick>(this, { tickData });
  }

  get instigatorOriginId(): string {
    return this.tickData.instigatorOriginId;
  }
  get selectorId(): string | null {
    return this.tickData.selectorId;
  }
  get instigatorName(): string {
    return this.tickData.instigatorName;
  }
  get instigatorType(): InstigatorType {
    return this.tickData.instigatorType;
  }
  get timestamp(): number {
    return this.tickData.timestamp;
  }
  get endTimestamp(): number | null {
    return this.tickData.endTimestamp;
  }
  get status(): TickStatus {
    return this.tickData.status;
  }
  get runIds(): readonly string[] {
    return this.tickData.runIds;
  }
  get runKeys(): readonly string[] {
    return this.tickData.runKeys;
  }
  get error(): SerializableErrorInfo | null {
    return this.tickData.error;
  }
  get skipReason(): string | null {
    return this.tickData.skipReason;
  }
  get cursor(): string | null {
    return this.tickData.cursor;
  }
  get originRunIds(): readonly string[] {
    return this.tickData.originRunIds;
  }
  get failureCount(): number {
    return this.tickData.failureCount;
  }
  get logKey(): readonly string[] | null {
    return this.tickData.logKey;
  }
  get consecutiveFailureCount(): number {
    return this.tickData.consecutiveFailureCount;
  }
  get dynamicPartitionsRequestResults(): readonly DynamicPartitionsRequestResult[] {
    return this.tickData.dynamicPartitionsRequestResults;
  }
  get runRequests(): readonly unknown[] {
    return this.tickData.runRequests;
  }
  get isCompleted(): boolean {
    return this.status === TickStatus.SUCCESS || this.status === TickStatus.FAILURE || this.status === TickStatus.SKIPPED;
  }
  get isFailure(): boolean {
    return this.status === TickStatus.FAILURE;
  }
  get isSuccess(): boolean {
    return this.status === TickStatus.SUCCESS;
  }
  /** The evaluation id of an automation tick: its override, else the tick id. */
  get automationConditionEvaluationId(): number {
    return this.tickData.autoMaterializeEvaluationId ?? this.tickId;
  }
}
registerRecord(InstigatorTick, {
  name: 'InstigatorTick',
  oldStorageNames: ['JobTick'],
  fields: { tickId: { type: t.int }, tickData: { type: t.record(TickData), stored: 'job_tick_data' } },
});

/** A row of `asset_daemon_asset_evaluations`. Not serdes. */
export class AutoMaterializeAssetEvaluationRecord {
  declare readonly id: number;
  /** The serialized AutomationConditionEvaluationWithRunIds. */
  declare readonly serializedEvaluationBody: string;
  declare readonly evaluationId: number;
  /** Unix seconds. */
  declare readonly timestamp: number;
  declare readonly key: EntityKey;
  constructor(init: { id: number; serializedEvaluationBody: string; evaluationId: number; timestamp: number; key: EntityKey }) {
    Object.assign(this, init);
    Object.freeze(this);
  }
}
