/**
 * What events carry: errors, node and step handles, the `event_specific_data` classes of each event type,
 * and asset events (`_utils/error.py`, `_core/execution/plan/{handle,objects,outputs,inputs}.py`,
 * `_core/definitions/events.py`, `_core/definitions/asset_checks/asset_check_evaluation.py`,
 * `_core/events/__init__.py`).
 */
import { defineEnum, initRecord, PyEnumValue, registerRecord, replaceRecord, t, type EnumValue } from '@inst/serdes';
import { AssetCheckKey, AssetKey, parseAssetKeyString, type CoercibleToAssetKey } from './assets';
import { invariant } from './internal';
import {
  METADATA_ENTRIES_FIELD,
  metadataFromEntries,
  metadataInit,
  normalizeMetadata,
  type MetadataEntry,
  type MetadataMapping,
  type MetadataValue,
  type RawMetadataValue,
  type WithMetadataInit,
} from './metadata';
import { RUN_TAGS, RunFailureReason } from './runs';

// ---------------------------------------------------------------- errors

/** Init of {@link SerializableErrorInfo}. */
export interface SerializableErrorInfoInit {
  message: string;
  stack: readonly string[];
  clsName: string | null;
  cause?: SerializableErrorInfo | null;
  context?: SerializableErrorInfo | null;
}

/** An exception as Dagster stores it: message, stack lines, class name, cause and context. */
export class SerializableErrorInfo {
  declare readonly message: string;
  declare readonly stack: readonly string[];
  declare readonly clsName: string | null;
  declare readonly cause: SerializableErrorInfo | null;
  declare readonly context: SerializableErrorInfo | null;

  constructor(init: SerializableErrorInfoInit) {
    initRecord(this, init);
  }

  /** Dagster's `to_string`: message, stack, then the cause and context chains. */
  toString(): string {
    const stack = this.stack.length > 0 ? `\nStack Trace:\n${this.stack.join('')}` : '';
    const cause = this.cause ? `\nThe above exception was caused by the following exception:\n${this.cause.toString()}` : '';
    const context = this.context && !this.cause ? `\nThe above exception occurred during handling of the following exception:\n${this.context.toString()}` : '';
    return `${this.message}${stack}${cause}${context}`;
  }

  /** An error info for a JavaScript error (its stack lines, class name and `cause` chain). */
  static fromError(error: unknown): SerializableErrorInfo {
    if (!(error instanceof Error)) return new SerializableErrorInfo({ message: `${String(error)}\n`, stack: [], clsName: null });
    const lines = (error.stack ?? '').split('\n').slice(1).map((line) => `${line}\n`);
    return new SerializableErrorInfo({
      message: `${error.name}: ${error.message}\n`,
      stack: lines,
      clsName: error.name,
      cause: error.cause === undefined ? null : SerializableErrorInfo.fromError(error.cause),
    });
  }
}
registerRecord(SerializableErrorInfo, {
  name: 'SerializableErrorInfo',
  fields: {
    message: { type: t.str },
    stack: { type: t.list(t.str) },
    clsName: { type: t.nullable(t.str) },
    cause: { type: t.nullable(t.record(SerializableErrorInfo)) },
    context: { type: t.nullable(t.record(SerializableErrorInfo)) },
  },
});

// ---------------------------------------------------------------- handles

/** The path of a node (op or graph) in a job (stored as `SolidHandle`). */
export class NodeHandle {
  declare readonly name: string;
  declare readonly parent: NodeHandle | null;
  constructor(init: { name: string; parent?: NodeHandle | null }) {
    initRecord(this, init);
  }
  /** Dotted path from the root: `graph.op`. */
  toString(): string {
    return this.parent ? `${this.parent.toString()}.${this.name}` : this.name;
  }
  /** The path as a list of names. */
  get path(): string[] {
    return this.toString().split('.');
  }
  /** `graph.op` → a handle. */
  static fromString(handle: string): NodeHandle {
    let current: NodeHandle | null = null;
    for (const name of handle.split('.')) current = new NodeHandle({ name, parent: current });
    return current!;
  }
}
registerRecord(NodeHandle, {
  name: 'NodeHandle',
  storageName: 'SolidHandle',
  fields: { name: { type: t.str }, parent: { type: t.nullable(t.record(NodeHandle)) } },
});

/** A step determined statically: its node and key. */
export class StepHandle {
  declare readonly nodeHandle: NodeHandle;
  declare readonly key: string;
  constructor(init: { nodeHandle: NodeHandle; key?: string }) {
    initRecord(this, { ...init, key: init.key ?? init.nodeHandle.toString() });
  }
  toKey(): string {
    return this.key;
  }
}
registerRecord(StepHandle, {
  name: 'StepHandle',
  fields: { nodeHandle: { type: t.record(NodeHandle), stored: 'solid_handle' }, key: { type: t.str } },
});

/** A step of a dynamic mapping not yet resolved (`node[?]`). */
export class UnresolvedStepHandle {
  declare readonly nodeHandle: NodeHandle;
  constructor(init: { nodeHandle: NodeHandle }) {
    initRecord(this, init);
  }
  toKey(): string {
    return `${this.nodeHandle.toString()}[?]`;
  }
}
registerRecord(UnresolvedStepHandle, {
  name: 'UnresolvedStepHandle',
  fields: { nodeHandle: { type: t.record(NodeHandle), stored: 'solid_handle' } },
});

/** A step resolved from a dynamic output (`node[mapping_key]`). */
export class ResolvedFromDynamicStepHandle {
  declare readonly nodeHandle: NodeHandle;
  declare readonly mappingKey: string;
  declare readonly key: string;
  constructor(init: { nodeHandle: NodeHandle; mappingKey: string; key?: string }) {
    initRecord(this, { ...init, key: init.key ?? `${init.nodeHandle.toString()}[${init.mappingKey}]` });
  }
  toKey(): string {
    return this.key;
  }
}
registerRecord(ResolvedFromDynamicStepHandle, {
  name: 'ResolvedFromDynamicStepHandle',
  fields: {
    nodeHandle: { type: t.record(NodeHandle), stored: 'solid_handle' },
    mappingKey: { type: t.str },
    key: { type: t.str },
  },
});

/** An output of a step (`step_key`, `output_name`, `mapping_key`). */
export class StepOutputHandle {
  declare readonly stepKey: string;
  declare readonly outputName: string;
  declare readonly mappingKey: string | null;
  constructor(init: { stepKey: string; outputName?: string; mappingKey?: string | null }) {
    initRecord(this, init);
  }
}
registerRecord(StepOutputHandle, {
  name: 'StepOutputHandle',
  fields: { stepKey: { type: t.str }, outputName: { type: t.str, default: 'result' }, mappingKey: { type: t.nullable(t.str) } },
});

// ---------------------------------------------------------------- step data

/** The result of a type check of an input or output. */
export class TypeCheckData {
  declare readonly success: boolean;
  declare readonly label: string;
  declare readonly description: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  constructor(init: { success: boolean; label: string; description?: string | null } & WithMetadataInit) {
    initRecord(this, metadataInit(init));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
}
registerRecord(TypeCheckData, {
  name: 'TypeCheckData',
  fields: { success: { type: t.bool }, label: { type: t.str }, description: { type: t.nullable(t.str) }, metadataEntries: METADATA_ENTRIES_FIELD },
});

/** What a user-raised `Failure` adds to a step failure. */
export class UserFailureData {
  declare readonly label: string;
  declare readonly description: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  constructor(init: { label: string; description?: string | null } & WithMetadataInit) {
    initRecord(this, metadataInit(init));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
}
registerRecord(UserFailureData, {
  name: 'UserFailureData',
  fields: { label: { type: t.str }, description: { type: t.nullable(t.str) }, metadataEntries: METADATA_ENTRIES_FIELD },
});

/** Where a step failure came from. */
export const ErrorSource = defineEnum('ErrorSource', {
  FRAMEWORK_ERROR: 'FRAMEWORK_ERROR',
  USER_CODE_ERROR: 'USER_CODE_ERROR',
  UNEXPECTED_ERROR: 'UNEXPECTED_ERROR',
  INTERRUPT: 'INTERRUPT',
});
/** A member value of {@link ErrorSource}. */
export type ErrorSource = EnumValue<typeof ErrorSource>;

/** Data of STEP_FAILURE events. */
export class StepFailureData {
  declare readonly error: SerializableErrorInfo | null;
  declare readonly userFailureData: UserFailureData | null;
  declare readonly errorSource: ErrorSource;
  constructor(init: { error: SerializableErrorInfo | null; userFailureData?: UserFailureData | null; errorSource?: ErrorSource | null }) {
    initRecord(this, { ...init, errorSource: init.errorSource ?? ErrorSource.FRAMEWORK_ERROR });
  }
}
registerRecord(StepFailureData, {
  name: 'StepFailureData',
  fields: {
    error: { type: t.nullable(t.record(SerializableErrorInfo)) },
    userFailureData: { type: t.nullable(t.record(UserFailureData)) },
    errorSource: { type: t.enum(ErrorSource), default: ErrorSource.FRAMEWORK_ERROR },
  },
});

/** Data of STEP_SUCCESS events. */
export class StepSuccessData {
  declare readonly durationMs: number;
  constructor(init: { durationMs: number }) {
    initRecord(this, init);
  }
}
registerRecord(StepSuccessData, { name: 'StepSuccessData', fields: { durationMs: { type: t.float } } });

/** Data of STEP_UP_FOR_RETRY events. */
export class StepRetryData {
  declare readonly error: SerializableErrorInfo | null;
  declare readonly secondsToWait: number | null;
  constructor(init: { error: SerializableErrorInfo | null; secondsToWait?: number | null }) {
    initRecord(this, init);
  }
}
registerRecord(StepRetryData, {
  name: 'StepRetryData',
  fields: { error: { type: t.nullable(t.record(SerializableErrorInfo)) }, secondsToWait: { type: t.any } },
});

/** Data of STEP_OUTPUT events. */
export class StepOutputData {
  declare readonly stepOutputHandle: StepOutputHandle;
  declare readonly typeCheckData: TypeCheckData | null;
  declare readonly version: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  constructor(init: { stepOutputHandle: StepOutputHandle; typeCheckData?: TypeCheckData | null; version?: string | null } & WithMetadataInit) {
    initRecord(this, metadataInit(init));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
  get outputName(): string {
    return this.stepOutputHandle.outputName;
  }
  get mappingKey(): string | null {
    return this.stepOutputHandle.mappingKey;
  }
}
registerRecord(StepOutputData, {
  name: 'StepOutputData',
  fields: {
    stepOutputHandle: { type: t.record(StepOutputHandle) },
    typeCheckData: { type: t.nullable(t.record(TypeCheckData)) },
    version: { type: t.nullable(t.str) },
    metadataEntries: METADATA_ENTRIES_FIELD,
  },
});

/** Data of STEP_INPUT events. */
export class StepInputData {
  declare readonly inputName: string;
  declare readonly typeCheckData: TypeCheckData | null;
  constructor(init: { inputName: string; typeCheckData?: TypeCheckData | null }) {
    initRecord(this, init);
  }
}
registerRecord(StepInputData, {
  name: 'StepInputData',
  fields: { inputName: { type: t.str }, typeCheckData: { type: t.nullable(t.record(TypeCheckData)) } },
});

// ---------------------------------------------------------------- asset events

/** Coerces an asset key argument of an asset event: a string is parsed as Dagster does (`a.b` → `["a", "b"]`). */
function assetEventKey(key: CoercibleToAssetKey): AssetKey {
  if (key instanceof AssetKey) return key;
  return new AssetKey(typeof key === 'string' ? parseAssetKeyString(key) : key);
}

/** Common init of asset events. */
export interface AssetEventInit extends WithMetadataInit {
  assetKey: CoercibleToAssetKey;
  description?: string | null;
  partition?: string | null;
  tags?: Readonly<Record<string, string>> | null;
}

/** An asset was materialized (stored also under its old name `Materialization`). */
export class AssetMaterialization {
  declare readonly assetKey: AssetKey;
  declare readonly description: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  declare readonly partition: string | null;
  declare readonly tags: Readonly<Record<string, string>> | null;
  constructor(init: AssetEventInit) {
    initRecord(this, metadataInit({ ...init, assetKey: assetEventKey(init.assetKey) }));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
  get label(): string {
    return this.assetKey.path.join(' ');
  }
  /** The `dagster/data_version` tag. */
  get dataVersion(): string | null {
    return this.tags?.[RUN_TAGS.DATA_VERSION] ?? null;
  }
}
registerRecord(AssetMaterialization, {
  name: 'AssetMaterialization',
  oldStorageNames: ['Materialization'],
  fields: {
    assetKey: { type: t.record(AssetKey) },
    description: { type: t.nullable(t.str) },
    metadataEntries: METADATA_ENTRIES_FIELD,
    partition: { type: t.nullable(t.str) },
    tags: { type: t.nullable(t.dict(t.str)) },
  },
  // Old `Materialization` records may lack an asset key; Dagster reads them as AssetKey(["__undefined__"]).
  beforeUnpack: (stored) => (stored.asset_key == null ? { ...stored, asset_key: new AssetKey(['__undefined__']) } : stored),
});

/** An asset was observed. */
export class AssetObservation {
  declare readonly assetKey: AssetKey;
  declare readonly description: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  declare readonly partition: string | null;
  declare readonly tags: Readonly<Record<string, string>>;
  constructor(init: AssetEventInit) {
    initRecord(this, metadataInit({ ...init, assetKey: assetEventKey(init.assetKey), tags: init.tags ?? {} }));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
  get label(): string {
    return this.assetKey.path.join(' ');
  }
  get dataVersion(): string | null {
    return this.tags[RUN_TAGS.DATA_VERSION] ?? null;
  }
}
registerRecord(AssetObservation, {
  name: 'AssetObservation',
  fields: {
    assetKey: { type: t.record(AssetKey) },
    description: { type: t.nullable(t.str) },
    metadataEntries: METADATA_ENTRIES_FIELD,
    partition: { type: t.nullable(t.str) },
    tags: { type: t.dict(t.str), default: () => ({}) },
  },
});

/** Why an asset failed to materialize. */
export const AssetMaterializationFailureReason = defineEnum('AssetMaterializationFailureReason', {
  COMPUTE_FAILED: 'COMPUTE_FAILED',
  UPSTREAM_COMPUTE_FAILED: 'UPSTREAM_COMPUTE_FAILED',
  SKIPPED_OPTIONAL: 'SKIPPED_OPTIONAL',
  UPSTREAM_SKIPPED: 'UPSTREAM_SKIPPED',
  USER_TERMINATION: 'USER_TERMINATION',
  UNEXPECTED_TERMINATION: 'UNEXPECTED_TERMINATION',
  UNKNOWN: 'UNKNOWN',
});
/** A member value of {@link AssetMaterializationFailureReason}. */
export type AssetMaterializationFailureReason = EnumValue<typeof AssetMaterializationFailureReason>;

/** Failure reasons that mark the asset as failed (the others mean it was skipped). */
export const MATERIALIZATION_ATTEMPT_FAILED_TYPES: readonly AssetMaterializationFailureReason[] = Object.freeze([
  AssetMaterializationFailureReason.COMPUTE_FAILED,
  AssetMaterializationFailureReason.UPSTREAM_COMPUTE_FAILED,
  AssetMaterializationFailureReason.UNEXPECTED_TERMINATION,
  AssetMaterializationFailureReason.UNKNOWN,
]);

/** An asset failed to materialize. */
export class AssetMaterializationFailure {
  declare readonly assetKey: AssetKey;
  declare readonly description: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  declare readonly partition: string | null;
  declare readonly tags: Readonly<Record<string, string>>;
  declare readonly reason: AssetMaterializationFailureReason;
  constructor(init: AssetEventInit & { reason: AssetMaterializationFailureReason }) {
    initRecord(this, metadataInit({ ...init, assetKey: assetEventKey(init.assetKey), tags: init.tags ?? {} }));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
  get label(): string {
    return this.assetKey.path.join(' ');
  }
}
registerRecord(AssetMaterializationFailure, {
  name: 'AssetMaterializationFailure',
  fields: {
    assetKey: { type: t.record(AssetKey) },
    description: { type: t.nullable(t.str) },
    metadataEntries: METADATA_ENTRIES_FIELD,
    partition: { type: t.nullable(t.str) },
    tags: { type: t.dict(t.str), default: () => ({}) },
    reason: { type: t.enum(AssetMaterializationFailureReason) },
  },
});

/** An asset and partitions a materialization was derived from (legacy lineage). */
export class AssetLineageInfo {
  declare readonly assetKey: AssetKey;
  declare readonly partitions: ReadonlySet<string>;
  constructor(init: { assetKey: AssetKey; partitions?: Iterable<string> }) {
    initRecord(this, { ...init, partitions: new Set(init.partitions ?? []) });
  }
}
registerRecord(AssetLineageInfo, {
  name: 'AssetLineageInfo',
  fields: { assetKey: { type: t.record(AssetKey) }, partitions: { type: t.set(t.str), default: () => new Set() } },
});

/** Data of ASSET_MATERIALIZATION events. */
export class StepMaterializationData {
  declare readonly materialization: AssetMaterialization;
  declare readonly assetLineage: readonly AssetLineageInfo[];
  constructor(init: { materialization: AssetMaterialization; assetLineage?: readonly AssetLineageInfo[] }) {
    initRecord(this, init);
  }
}
registerRecord(StepMaterializationData, {
  name: 'StepMaterializationData',
  fields: {
    materialization: { type: t.record(AssetMaterialization) },
    assetLineage: { type: t.list(t.record(AssetLineageInfo)), default: () => [] },
  },
});

/** Data of ASSET_OBSERVATION events. */
export class AssetObservationData {
  declare readonly assetObservation: AssetObservation;
  constructor(init: { assetObservation: AssetObservation }) {
    initRecord(this, init);
  }
}
registerRecord(AssetObservationData, { name: 'AssetObservationData', fields: { assetObservation: { type: t.record(AssetObservation) } } });

/** Data of ASSET_MATERIALIZATION_PLANNED events. */
export class AssetMaterializationPlannedData {
  declare readonly assetKey: AssetKey;
  declare readonly partition: string | null;
  /** A serdes PartitionsSubset, kept as read. */
  declare readonly partitionsSubset: unknown;
  constructor(init: { assetKey: AssetKey; partition?: string | null; partitionsSubset?: unknown }) {
    invariant(!(init.partition && init.partitionsSubset), 'Cannot provide both partition and partitions_subset');
    initRecord(this, init);
  }
}
registerRecord(AssetMaterializationPlannedData, {
  name: 'AssetMaterializationPlannedData',
  fields: { assetKey: { type: t.record(AssetKey) }, partition: { type: t.nullable(t.str) }, partitionsSubset: { type: t.any } },
});

/** Data of ASSET_FAILED_TO_MATERIALIZE events. */
export class AssetFailedToMaterializeData {
  declare readonly assetMaterializationFailure: AssetMaterializationFailure;
  declare readonly error: SerializableErrorInfo | null;
  constructor(init: { assetMaterializationFailure: AssetMaterializationFailure; error?: SerializableErrorInfo | null }) {
    initRecord(this, init);
  }
  get assetKey(): AssetKey {
    return this.assetMaterializationFailure.assetKey;
  }
  get partition(): string | null {
    return this.assetMaterializationFailure.partition;
  }
  get reason(): AssetMaterializationFailureReason {
    return this.assetMaterializationFailure.reason;
  }
}
registerRecord(AssetFailedToMaterializeData, {
  name: 'AssetFailedToMaterializeData',
  fields: {
    assetMaterializationFailure: { type: t.record(AssetMaterializationFailure) },
    error: { type: t.nullable(t.record(SerializableErrorInfo)) },
  },
});

/** How severe a failed asset check is. */
export const AssetCheckSeverity = defineEnum('AssetCheckSeverity', { WARN: 'WARN', ERROR: 'ERROR' });
/** A member value of {@link AssetCheckSeverity}. */
export type AssetCheckSeverity = EnumValue<typeof AssetCheckSeverity>;

/** Data of ASSET_CHECK_EVALUATION_PLANNED events. */
export class AssetCheckEvaluationPlanned {
  declare readonly assetKey: AssetKey;
  declare readonly checkName: string;
  constructor(init: { assetKey: AssetKey; checkName: string }) {
    initRecord(this, init);
  }
  get assetCheckKey(): AssetCheckKey {
    return new AssetCheckKey({ assetKey: this.assetKey, name: this.checkName });
  }
}
registerRecord(AssetCheckEvaluationPlanned, {
  name: 'AssetCheckEvaluationPlanned',
  fields: { assetKey: { type: t.record(AssetKey) }, checkName: { type: t.str } },
});

/** The materialization an asset check ran against. */
export class AssetCheckEvaluationTargetMaterializationData {
  declare readonly storageId: number;
  declare readonly runId: string;
  declare readonly timestamp: number;
  constructor(init: { storageId: number; runId: string; timestamp: number }) {
    initRecord(this, init);
  }
}
registerRecord(AssetCheckEvaluationTargetMaterializationData, {
  name: 'AssetCheckEvaluationTargetMaterializationData',
  fields: { storageId: { type: t.int }, runId: { type: t.str }, timestamp: { type: t.float } },
});

/** Init of {@link AssetCheckEvaluation}. */
export interface AssetCheckEvaluationInit {
  assetKey: AssetKey;
  checkName: string;
  passed: boolean;
  metadata?: Readonly<Record<string, RawMetadataValue>> | null;
  targetMaterializationData?: AssetCheckEvaluationTargetMaterializationData | null;
  severity?: AssetCheckSeverity;
  description?: string | null;
  blocking?: boolean | null;
}

/** Data of ASSET_CHECK_EVALUATION events. Its metadata is stored as a mapping (`metadata`). */
export class AssetCheckEvaluation {
  declare readonly assetKey: AssetKey;
  declare readonly checkName: string;
  declare readonly passed: boolean;
  declare readonly metadata: Readonly<Record<string, MetadataValue>>;
  declare readonly targetMaterializationData: AssetCheckEvaluationTargetMaterializationData | null;
  declare readonly severity: AssetCheckSeverity;
  declare readonly description: string | null;
  declare readonly blocking: boolean | null;
  constructor(init: AssetCheckEvaluationInit) {
    initRecord(this, { ...init, metadata: normalizeMetadata(init.metadata) });
  }
  get assetCheckKey(): AssetCheckKey {
    return new AssetCheckKey({ assetKey: this.assetKey, name: this.checkName });
  }
  withMetadata(metadata: Readonly<Record<string, RawMetadataValue>>): AssetCheckEvaluation {
    return replaceRecord<AssetCheckEvaluation>(this, { metadata: normalizeMetadata(metadata) });
  }
}
registerRecord(AssetCheckEvaluation, {
  name: 'AssetCheckEvaluation',
  fields: {
    assetKey: { type: t.record(AssetKey) },
    checkName: { type: t.str },
    passed: { type: t.bool, stored: 'success' },
    metadata: { type: t.dict(), default: () => ({}) },
    targetMaterializationData: { type: t.nullable(t.record(AssetCheckEvaluationTargetMaterializationData)) },
    severity: { type: t.enum(AssetCheckSeverity), default: AssetCheckSeverity.ERROR },
    description: { type: t.nullable(t.str) },
    blocking: { type: t.nullable(t.bool) },
  },
});

/** The result of a (deprecated) expectation. */
export class ExpectationResult {
  declare readonly success: boolean;
  declare readonly label: string | null;
  declare readonly description: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  constructor(init: { success: boolean; label?: string | null; description?: string | null } & WithMetadataInit) {
    initRecord(this, metadataInit({ ...init, label: init.label ?? 'result' }));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
}
registerRecord(ExpectationResult, {
  name: 'ExpectationResult',
  fields: { success: { type: t.bool }, label: { type: t.nullable(t.str) }, description: { type: t.nullable(t.str) }, metadataEntries: METADATA_ENTRIES_FIELD },
});

/** Data of STEP_EXPECTATION_RESULT events. */
export class StepExpectationResultData {
  declare readonly expectationResult: ExpectationResult;
  constructor(init: { expectationResult: ExpectationResult }) {
    initRecord(this, init);
  }
}
registerRecord(StepExpectationResultData, {
  name: 'StepExpectationResultData',
  fields: { expectationResult: { type: t.record(ExpectationResult) } },
});

// ---------------------------------------------------------------- engine, run and io events

/** Data of ENGINE_EVENT, STEP_WORKER_* and RESOURCE_INIT_* events. */
export class EngineEventData {
  declare readonly metadataEntries: readonly MetadataEntry[];
  declare readonly error: SerializableErrorInfo | null;
  declare readonly markerStart: string | null;
  declare readonly markerEnd: string | null;
  constructor(init: { error?: SerializableErrorInfo | null; markerStart?: string | null; markerEnd?: string | null } & WithMetadataInit = {}) {
    initRecord(this, metadataInit(init));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
  /** Engine event data for an error. */
  static engineError(error: SerializableErrorInfo): EngineEventData {
    return new EngineEventData({ metadata: {}, error });
  }
}
registerRecord(EngineEventData, {
  name: 'EngineEventData',
  fields: {
    metadataEntries: METADATA_ENTRIES_FIELD,
    error: { type: t.nullable(t.record(SerializableErrorInfo)) },
    markerStart: { type: t.nullable(t.str) },
    markerEnd: { type: t.nullable(t.str) },
  },
});

/** Data of PIPELINE_FAILURE (RUN_FAILURE) events (stored as `PipelineFailureData`). */
export class JobFailureData {
  declare readonly error: SerializableErrorInfo | null;
  declare readonly failureReason: RunFailureReason | null;
  /** The DagsterEvent of the first step failure, when known. */
  declare readonly firstStepFailureEvent: unknown;
  constructor(init: { error: SerializableErrorInfo | null; failureReason?: RunFailureReason | null; firstStepFailureEvent?: unknown }) {
    initRecord(this, init);
  }
}
registerRecord(JobFailureData, {
  name: 'JobFailureData',
  storageName: 'PipelineFailureData',
  fields: {
    error: { type: t.nullable(t.record(SerializableErrorInfo)) },
    failureReason: { type: t.nullable(t.enum(RunFailureReason)) },
    firstStepFailureEvent: { type: t.any },
  },
  // Dagster reads a failure reason it does not know as UNKNOWN.
  beforeUnpack: (stored) => {
    const reason = stored.failure_reason;
    if (reason instanceof PyEnumValue && !(reason.member in RunFailureReason)) {
      return { ...stored, failure_reason: new PyEnumValue(reason.enumName, RunFailureReason.UNKNOWN) };
    }
    return stored;
  },
});

/** Data of PIPELINE_CANCELED (RUN_CANCELED) events (stored as `PipelineCanceledData`). */
export class JobCanceledData {
  declare readonly error: SerializableErrorInfo | null;
  constructor(init: { error: SerializableErrorInfo | null }) {
    initRecord(this, init);
  }
}
registerRecord(JobCanceledData, {
  name: 'JobCanceledData',
  storageName: 'PipelineCanceledData',
  fields: { error: { type: t.nullable(t.record(SerializableErrorInfo)) } },
});

/** Data of HOOK_ERRORED events. */
export class HookErroredData {
  declare readonly error: SerializableErrorInfo;
  constructor(init: { error: SerializableErrorInfo }) {
    initRecord(this, init);
  }
}
registerRecord(HookErroredData, { name: 'HookErroredData', fields: { error: { type: t.record(SerializableErrorInfo) } } });

/** The kinds of object store operations. */
export const ObjectStoreOperationType = defineEnum('ObjectStoreOperationType', {
  SET_OBJECT: 'SET_OBJECT',
  GET_OBJECT: 'GET_OBJECT',
  RM_OBJECT: 'RM_OBJECT',
  CP_OBJECT: 'CP_OBJECT',
});
/** A member value of {@link ObjectStoreOperationType}. */
export type ObjectStoreOperationType = EnumValue<typeof ObjectStoreOperationType>;

/** Data of OBJECT_STORE_OPERATION events. `op` is stored as the operation's value string. */
export class ObjectStoreOperationResultData {
  declare readonly op: ObjectStoreOperationType;
  declare readonly valueName: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  declare readonly address: string | null;
  declare readonly version: string | null;
  declare readonly mappingKey: string | null;
  constructor(
    init: { op: ObjectStoreOperationType; valueName?: string | null; address?: string | null; version?: string | null; mappingKey?: string | null } & WithMetadataInit,
  ) {
    initRecord(this, metadataInit(init));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
}
registerRecord(ObjectStoreOperationResultData, {
  name: 'ObjectStoreOperationResultData',
  fields: {
    op: { type: t.str },
    valueName: { type: t.nullable(t.str) },
    metadataEntries: METADATA_ENTRIES_FIELD,
    address: { type: t.nullable(t.str) },
    version: { type: t.nullable(t.str) },
    mappingKey: { type: t.nullable(t.str) },
  },
});

/** Data of HANDLED_OUTPUT events. */
export class HandledOutputData {
  declare readonly outputName: string;
  declare readonly managerKey: string;
  declare readonly metadataEntries: readonly MetadataEntry[];
  constructor(init: { outputName: string; managerKey: string } & WithMetadataInit) {
    initRecord(this, metadataInit(init));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
}
registerRecord(HandledOutputData, {
  name: 'HandledOutputData',
  fields: { outputName: { type: t.str }, managerKey: { type: t.str }, metadataEntries: METADATA_ENTRIES_FIELD },
});

/** Data of LOADED_INPUT events. */
export class LoadedInputData {
  declare readonly inputName: string;
  declare readonly managerKey: string;
  declare readonly upstreamOutputName: string | null;
  declare readonly upstreamStepKey: string | null;
  declare readonly metadataEntries: readonly MetadataEntry[];
  constructor(init: { inputName: string; managerKey: string; upstreamOutputName?: string | null; upstreamStepKey?: string | null } & WithMetadataInit) {
    initRecord(this, metadataInit(init));
  }
  get metadata(): MetadataMapping {
    return metadataFromEntries(this.metadataEntries);
  }
}
registerRecord(LoadedInputData, {
  name: 'LoadedInputData',
  fields: {
    inputName: { type: t.str },
    managerKey: { type: t.str },
    upstreamOutputName: { type: t.nullable(t.str) },
    upstreamStepKey: { type: t.nullable(t.str) },
    metadataEntries: METADATA_ENTRIES_FIELD,
  },
});

/** Data of LOGS_CAPTURED events. `fileKey` is stored as `log_key`. */
export class ComputeLogsCaptureData {
  declare readonly fileKey: string;
  declare readonly stepKeys: readonly string[];
  declare readonly externalUrl: string | null;
  declare readonly externalStdoutUrl: string | null;
  declare readonly externalStderrUrl: string | null;
  /** A LogRetrievalShellCommand, kept as read. */
  declare readonly shellCmd: unknown;
  constructor(init: {
    fileKey: string;
    stepKeys?: readonly string[];
    externalUrl?: string | null;
    externalStdoutUrl?: string | null;
    externalStderrUrl?: string | null;
    shellCmd?: unknown;
  }) {
    initRecord(this, init);
  }
}
registerRecord(ComputeLogsCaptureData, {
  name: 'ComputeLogsCaptureData',
  fields: {
    fileKey: { type: t.str, stored: 'log_key' },
    stepKeys: { type: t.list(t.str), default: () => [] },
    externalUrl: { type: t.nullable(t.str) },
    externalStdoutUrl: { type: t.nullable(t.str) },
    externalStderrUrl: { type: t.nullable(t.str) },
    shellCmd: { type: t.any },
  },
});

/** Marks events written as one batch (`id`) and the batch's last event (`isEnd`). Not serdes. */
export class DagsterEventBatchMetadata {
  declare readonly id: string;
  declare readonly isEnd: boolean;
  constructor(init: { id: string; isEnd: boolean }) {
    Object.assign(this, init);
    Object.freeze(this);
  }
}

/** Any of the event-specific data classes (others read from newer writers stay `UnknownRecord`s). */
export type EventSpecificData =
  | StepOutputData
  | StepFailureData
  | StepSuccessData
  | StepMaterializationData
  | StepExpectationResultData
  | StepInputData
  | EngineEventData
  | HookErroredData
  | StepRetryData
  | JobFailureData
  | JobCanceledData
  | ObjectStoreOperationResultData
  | HandledOutputData
  | LoadedInputData
  | ComputeLogsCaptureData
  | AssetObservationData
  | AssetMaterializationPlannedData
  | AssetCheckEvaluation
  | AssetCheckEvaluationPlanned
  | AssetFailedToMaterializeData;
