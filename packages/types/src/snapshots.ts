/**
 * Job and execution plan snapshots (`_core/snap/*.py`, `_core/execution/plan/outputs.py`,
 * `_core/execution/plan/state.py`), stored zlib-compressed in `snapshots.snapshot_body` under the SHA-1 of their
 * serialized bytes. Storage reads and writes them whole, so most fields are typed loosely; the enums inside are
 * typed so that they read as values.
 */
import { createSnapshotId, defineEnum, initRecord, registerRecord, t, type EnumValue, type FieldSpec } from '@inst/serdes';
import { AssetCheckKey, AssetKey } from './assets';
import type { StepHandle} from './event-data';
import { NodeHandle, StepOutputHandle } from './event-data';

/** The init of a snapshot class: any of its fields. */
export type SnapshotInit<T> = { -readonly [K in keyof T]?: T[K] };

const any: FieldSpec = { type: t.any };
const anyList: FieldSpec = { type: t.list() };

/** The kind of a config type. */
export const ConfigTypeKind = defineEnum('ConfigTypeKind', {
  ANY: 'ANY',
  SCALAR: 'SCALAR',
  ENUM: 'ENUM',
  SELECTOR: 'SELECTOR',
  STRICT_SHAPE: 'STRICT_SHAPE',
  PERMISSIVE_SHAPE: 'PERMISSIVE_SHAPE',
  SCALAR_UNION: 'SCALAR_UNION',
  MAP: 'MAP',
  ARRAY: 'ARRAY',
  NONEABLE: 'NONEABLE',
});
/** A member value of {@link ConfigTypeKind}. */
export type ConfigTypeKind = EnumValue<typeof ConfigTypeKind>;

/** The scalar type of a scalar config type. */
export const ConfigScalarKind = defineEnum('ConfigScalarKind', { INT: 'INT', STRING: 'STRING', FLOAT: 'FLOAT', BOOL: 'BOOL' });
/** A member value of {@link ConfigScalarKind}. */
export type ConfigScalarKind = EnumValue<typeof ConfigScalarKind>;

/** The kind of a Dagster type. */
export const DagsterTypeKind = defineEnum('DagsterTypeKind', {
  ANY: 'ANY',
  SCALAR: 'SCALAR',
  LIST: 'LIST',
  NOTHING: 'NOTHING',
  NULLABLE: 'NULLABLE',
  REGULAR: 'REGULAR',
});
/** A member value of {@link DagsterTypeKind}. */
export type DagsterTypeKind = EnumValue<typeof DagsterTypeKind>;

/** The kind of an execution step. */
export const StepKind = defineEnum('StepKind', { COMPUTE: 'COMPUTE', UNRESOLVED_MAPPED: 'UNRESOLVED_MAPPED', UNRESOLVED_COLLECT: 'UNRESOLVED_COLLECT' });
/** A member value of {@link StepKind}. */
export type StepKind = EnumValue<typeof StepKind>;

// ---------------------------------------------------------------- config

/** A field of a config type. */
export class ConfigFieldSnap {
  declare readonly name: string | null;
  declare readonly typeKey: string;
  declare readonly isRequired: boolean;
  declare readonly defaultProvided: boolean;
  declare readonly defaultValueAsJsonStr: string | null;
  declare readonly description: string | null;
  constructor(init: SnapshotInit<ConfigFieldSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ConfigFieldSnap, {
  name: 'ConfigFieldSnap',
  fields: { name: any, typeKey: any, isRequired: any, defaultProvided: any, defaultValueAsJsonStr: any, description: any },
});

/** A value of an enum config type. */
export class ConfigEnumValueSnap {
  declare readonly value: string;
  declare readonly description: string | null;
  constructor(init: SnapshotInit<ConfigEnumValueSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ConfigEnumValueSnap, { name: 'ConfigEnumValueSnap', fields: { value: any, description: any } });

/** A config type. */
export class ConfigTypeSnap {
  declare readonly kind: ConfigTypeKind;
  declare readonly key: string;
  declare readonly givenName: string | null;
  declare readonly description: string | null;
  declare readonly typeParamKeys: readonly string[] | null;
  declare readonly enumValues: readonly ConfigEnumValueSnap[] | null;
  declare readonly fields: readonly ConfigFieldSnap[] | null;
  declare readonly scalarKind: ConfigScalarKind | null;
  constructor(init: SnapshotInit<ConfigTypeSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ConfigTypeSnap, {
  name: 'ConfigTypeSnap',
  fields: {
    kind: { type: t.enum(ConfigTypeKind) },
    key: any,
    givenName: any,
    description: any,
    typeParamKeys: any,
    enumValues: any,
    fields: any,
    scalarKind: { type: t.nullable(t.enum(ConfigScalarKind)) },
  },
});

/** Every config type of a job, by key. */
export class ConfigSchemaSnapshot {
  declare readonly allConfigSnapsByKey: Readonly<Record<string, ConfigTypeSnap>>;
  constructor(init: SnapshotInit<ConfigSchemaSnapshot>) {
    initRecord(this, init);
  }
}
registerRecord(ConfigSchemaSnapshot, { name: 'ConfigSchemaSnapshot', fields: { allConfigSnapsByKey: { type: t.dict() } } });

// ---------------------------------------------------------------- dagster types

/** A Dagster type. */
export class DagsterTypeSnap {
  declare readonly kind: DagsterTypeKind;
  declare readonly key: string;
  declare readonly name: string | null;
  declare readonly description: string | null;
  declare readonly displayName: string;
  declare readonly isBuiltin: boolean;
  declare readonly typeParamKeys: readonly string[];
  declare readonly loaderSchemaKey: string | null;
  declare readonly materializerSchemaKey: string | null;
  constructor(init: SnapshotInit<DagsterTypeSnap>) {
    initRecord(this, init);
  }
}
registerRecord(DagsterTypeSnap, {
  name: 'DagsterTypeSnap',
  fields: {
    kind: { type: t.enum(DagsterTypeKind) },
    key: any,
    name: any,
    description: any,
    displayName: any,
    isBuiltin: any,
    typeParamKeys: any,
    loaderSchemaKey: any,
    materializerSchemaKey: any,
  },
});

/** Every Dagster type of a job, by key. */
export class DagsterTypeNamespaceSnapshot {
  declare readonly allDagsterTypeSnapsByKey: Readonly<Record<string, DagsterTypeSnap>>;
  constructor(init: SnapshotInit<DagsterTypeNamespaceSnapshot>) {
    initRecord(this, init);
  }
}
registerRecord(DagsterTypeNamespaceSnapshot, { name: 'DagsterTypeNamespaceSnapshot', fields: { allDagsterTypeSnapsByKey: { type: t.dict() } } });

// ---------------------------------------------------------------- dependency structure

/** An output of an upstream node that an input reads. */
export class OutputHandleSnap {
  declare readonly nodeName: string;
  declare readonly outputName: string;
  constructor(init: SnapshotInit<OutputHandleSnap>) {
    initRecord(this, init);
  }
}
registerRecord(OutputHandleSnap, { name: 'OutputHandleSnap', fields: { nodeName: { type: t.any, stored: 'solid_name' }, outputName: any } });

/** The upstream outputs of one input of a node invocation. */
export class InputDependencySnap {
  declare readonly inputName: string;
  declare readonly upstreamOutputSnaps: readonly OutputHandleSnap[];
  declare readonly isDynamicCollect: boolean;
  constructor(init: SnapshotInit<InputDependencySnap>) {
    initRecord(this, init);
  }
}
registerRecord(InputDependencySnap, { name: 'InputDependencySnap', fields: { inputName: any, upstreamOutputSnaps: anyList, isDynamicCollect: any } });

/** An invocation of a node in a graph (stored as `SolidInvocationSnap`). */
export class NodeInvocationSnap {
  declare readonly nodeName: string;
  declare readonly nodeDefName: string;
  declare readonly tags: Readonly<Record<string, unknown>>;
  declare readonly inputDepSnaps: readonly InputDependencySnap[];
  declare readonly isDynamicMapped: boolean;
  constructor(init: SnapshotInit<NodeInvocationSnap>) {
    initRecord(this, init);
  }
}
registerRecord(NodeInvocationSnap, {
  name: 'NodeInvocationSnap',
  storageName: 'SolidInvocationSnap',
  fields: {
    nodeName: { type: t.any, stored: 'solid_name' },
    nodeDefName: { type: t.any, stored: 'solid_def_name' },
    tags: any,
    inputDepSnaps: anyList,
    isDynamicMapped: any,
  },
});

/** The node invocations of a graph. */
export class DependencyStructureSnapshot {
  declare readonly nodeInvocationSnaps: readonly NodeInvocationSnap[];
  constructor(init: SnapshotInit<DependencyStructureSnapshot>) {
    initRecord(this, init);
  }
}
registerRecord(DependencyStructureSnapshot, {
  name: 'DependencyStructureSnapshot',
  fields: { nodeInvocationSnaps: { type: t.list(), stored: 'solid_invocation_snaps' } },
});

// ---------------------------------------------------------------- node definitions

/** An input definition. */
export class InputDefSnap {
  declare readonly name: string;
  declare readonly dagsterTypeKey: string;
  declare readonly description: string | null;
  constructor(init: SnapshotInit<InputDefSnap>) {
    initRecord(this, init);
  }
}
registerRecord(InputDefSnap, { name: 'InputDefSnap', fields: { name: any, dagsterTypeKey: any, description: any } });

/** An output definition. */
export class OutputDefSnap {
  declare readonly name: string;
  declare readonly dagsterTypeKey: string;
  declare readonly description: string | null;
  declare readonly isRequired: boolean;
  declare readonly isDynamic: boolean;
  constructor(init: SnapshotInit<OutputDefSnap>) {
    initRecord(this, init);
  }
}
registerRecord(OutputDefSnap, { name: 'OutputDefSnap', fields: { name: any, dagsterTypeKey: any, description: any, isRequired: any, isDynamic: any } });

/** An op definition (stored as `SolidDefSnap`). */
export class OpDefSnap {
  declare readonly name: string;
  declare readonly inputDefSnaps: readonly InputDefSnap[];
  declare readonly outputDefSnaps: readonly OutputDefSnap[];
  declare readonly description: string | null;
  declare readonly tags: Readonly<Record<string, unknown>>;
  declare readonly requiredResourceKeys: readonly string[];
  declare readonly configFieldSnap: ConfigFieldSnap | null;
  constructor(init: SnapshotInit<OpDefSnap>) {
    initRecord(this, init);
  }
}
registerRecord(OpDefSnap, {
  name: 'OpDefSnap',
  storageName: 'SolidDefSnap',
  fields: { name: any, inputDefSnaps: anyList, outputDefSnaps: anyList, description: any, tags: any, requiredResourceKeys: any, configFieldSnap: any },
});

/** A graph definition (stored as `CompositeSolidDefSnap`). */
export class GraphDefSnap {
  declare readonly name: string;
  declare readonly inputDefSnaps: readonly InputDefSnap[];
  declare readonly outputDefSnaps: readonly OutputDefSnap[];
  declare readonly description: string | null;
  declare readonly tags: Readonly<Record<string, unknown>>;
  declare readonly configFieldSnap: ConfigFieldSnap | null;
  declare readonly depStructureSnapshot: DependencyStructureSnapshot;
  declare readonly inputMappingSnaps: readonly unknown[];
  declare readonly outputMappingSnaps: readonly unknown[];
  constructor(init: SnapshotInit<GraphDefSnap>) {
    initRecord(this, init);
  }
}
registerRecord(GraphDefSnap, {
  name: 'GraphDefSnap',
  storageName: 'CompositeSolidDefSnap',
  fields: {
    name: any,
    inputDefSnaps: anyList,
    outputDefSnaps: anyList,
    description: any,
    tags: any,
    configFieldSnap: any,
    depStructureSnapshot: any,
    inputMappingSnaps: anyList,
    outputMappingSnaps: anyList,
  },
});

/** The op and graph definitions of a job (stored as `SolidDefinitionsSnapshot`). */
export class NodeDefsSnapshot {
  declare readonly opDefSnaps: readonly OpDefSnap[];
  declare readonly graphDefSnaps: readonly GraphDefSnap[];
  constructor(init: SnapshotInit<NodeDefsSnapshot>) {
    initRecord(this, init);
  }
}
registerRecord(NodeDefsSnapshot, {
  name: 'NodeDefsSnapshot',
  storageName: 'SolidDefinitionsSnapshot',
  fields: { opDefSnaps: { type: t.list(), stored: 'solid_def_snaps' }, graphDefSnaps: { type: t.list(), stored: 'composite_solid_def_snaps' } },
});

// ---------------------------------------------------------------- modes

/** A resource definition of a mode. */
export class ResourceDefSnap {
  declare readonly name: string;
  declare readonly description: string | null;
  declare readonly configFieldSnap: ConfigFieldSnap | null;
  constructor(init: SnapshotInit<ResourceDefSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ResourceDefSnap, { name: 'ResourceDefSnap', fields: { name: any, description: any, configFieldSnap: any } });

/** A logger definition of a mode. */
export class LoggerDefSnap {
  declare readonly name: string;
  declare readonly description: string | null;
  declare readonly configFieldSnap: ConfigFieldSnap | null;
  constructor(init: SnapshotInit<LoggerDefSnap>) {
    initRecord(this, init);
  }
}
registerRecord(LoggerDefSnap, { name: 'LoggerDefSnap', fields: { name: any, description: any, configFieldSnap: any } });

/** A mode of a job: its resources, loggers and root config type. */
export class ModeDefSnap {
  declare readonly name: string;
  declare readonly description: string | null;
  declare readonly resourceDefSnaps: readonly ResourceDefSnap[];
  declare readonly loggerDefSnaps: readonly LoggerDefSnap[];
  declare readonly rootConfigKey: string | null;
  constructor(init: SnapshotInit<ModeDefSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ModeDefSnap, { name: 'ModeDefSnap', fields: { name: any, description: any, resourceDefSnaps: anyList, loggerDefSnaps: anyList, rootConfigKey: any } });

// ---------------------------------------------------------------- job snapshot

/** Where a subset job came from (stored as `PipelineSnapshotLineage`). */
export class JobLineageSnapshot {
  declare readonly parentSnapshotId: string;
  declare readonly opSelection: readonly string[] | null;
  declare readonly resolvedOpSelection: ReadonlySet<string> | null;
  declare readonly assetSelection: ReadonlySet<AssetKey> | null;
  declare readonly assetCheckSelection: ReadonlySet<AssetCheckKey> | null;
  constructor(init: SnapshotInit<JobLineageSnapshot>) {
    initRecord(this, init);
  }
}
registerRecord(JobLineageSnapshot, {
  name: 'JobLineageSnapshot',
  storageName: 'PipelineSnapshotLineage',
  fields: {
    parentSnapshotId: any,
    opSelection: { type: t.any, stored: 'solid_selection' },
    resolvedOpSelection: { type: t.any, stored: 'solids_to_execute' },
    assetSelection: any,
    assetCheckSelection: any,
  },
});

/** A job's definition as stored (stored as `PipelineSnapshot`); its id is {@link createJobSnapshotId}. */
export class JobSnapshot {
  declare readonly name: string;
  declare readonly description: string | null;
  declare readonly tags: Readonly<Record<string, unknown>>;
  declare readonly runTags: Readonly<Record<string, unknown>> | null;
  declare readonly configSchemaSnapshot: ConfigSchemaSnapshot;
  declare readonly dagsterTypeNamespaceSnapshot: DagsterTypeNamespaceSnapshot;
  declare readonly nodeDefsSnapshot: NodeDefsSnapshot;
  declare readonly depStructureSnapshot: DependencyStructureSnapshot;
  declare readonly modeDefSnaps: readonly ModeDefSnap[];
  declare readonly lineageSnapshot: JobLineageSnapshot | null;
  declare readonly graphDefName: string;
  /** The stored metadata entries (a list of MetadataEntry). */
  declare readonly metadata: readonly unknown[];
  constructor(init: SnapshotInit<JobSnapshot>) {
    initRecord(this, init);
  }
}
registerRecord(JobSnapshot, {
  name: 'JobSnapshot',
  storageName: 'PipelineSnapshot',
  fields: {
    name: any,
    description: any,
    tags: { type: t.any, default: () => ({}) },
    runTags: { type: t.any, skipWhenNone: true },
    configSchemaSnapshot: any,
    dagsterTypeNamespaceSnapshot: any,
    nodeDefsSnapshot: { type: t.any, stored: 'solid_definitions_snapshot' },
    depStructureSnapshot: any,
    modeDefSnaps: anyList,
    lineageSnapshot: any,
    graphDefName: any,
    metadata: { type: t.any, default: () => [], skipWhenEmpty: true },
  },
});

/** The snapshot id of a job snapshot: the SHA-1 of its serialized bytes. */
export function createJobSnapshotId(snapshot: JobSnapshot): string {
  return createSnapshotId(snapshot);
}

// ---------------------------------------------------------------- execution plan

/** What is known of an output of a step in a plan. */
export class StepOutputProperties {
  declare readonly isRequired: boolean;
  declare readonly isDynamic: boolean;
  declare readonly isAsset: boolean;
  declare readonly shouldMaterialize: boolean;
  declare readonly assetKey: AssetKey | null;
  declare readonly isAssetPartitioned: boolean;
  declare readonly assetCheckKey: AssetCheckKey | null;
  declare readonly assetExecutionType: unknown;
  constructor(init: SnapshotInit<StepOutputProperties>) {
    initRecord(this, init);
  }
}
registerRecord(StepOutputProperties, {
  name: 'StepOutputProperties',
  fields: {
    isRequired: any,
    isDynamic: any,
    isAsset: any,
    shouldMaterialize: any,
    assetKey: { type: t.nullable(t.record(AssetKey)) },
    isAssetPartitioned: any,
    assetCheckKey: { type: t.nullable(t.record(AssetCheckKey)) },
    assetExecutionType: any,
  },
});

/** An input of a step in a plan. */
export class ExecutionStepInputSnap {
  declare readonly name: string;
  declare readonly dagsterTypeKey: string;
  declare readonly upstreamOutputHandles: readonly StepOutputHandle[];
  declare readonly source: unknown;
  constructor(init: SnapshotInit<ExecutionStepInputSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ExecutionStepInputSnap, {
  name: 'ExecutionStepInputSnap',
  fields: { name: any, dagsterTypeKey: any, upstreamOutputHandles: { type: t.list(t.record(StepOutputHandle)) }, source: any },
});

/** An output of a step in a plan. */
export class ExecutionStepOutputSnap {
  declare readonly name: string;
  declare readonly dagsterTypeKey: string;
  declare readonly nodeHandle: NodeHandle | null;
  declare readonly properties: StepOutputProperties | null;
  constructor(init: SnapshotInit<ExecutionStepOutputSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ExecutionStepOutputSnap, {
  name: 'ExecutionStepOutputSnap',
  fields: {
    name: any,
    dagsterTypeKey: any,
    nodeHandle: { type: t.nullable(t.record(NodeHandle)), stored: 'solid_handle' },
    properties: { type: t.nullable(t.record(StepOutputProperties)) },
  },
});

/** A label/value item of a step's metadata in a plan. */
export class ExecutionPlanMetadataItemSnap {
  declare readonly label: string;
  declare readonly value: string;
  constructor(init: SnapshotInit<ExecutionPlanMetadataItemSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ExecutionPlanMetadataItemSnap, { name: 'ExecutionPlanMetadataItemSnap', fields: { label: any, value: any } });

/** A step of an execution plan. */
export class ExecutionStepSnap {
  declare readonly key: string;
  declare readonly inputs: readonly ExecutionStepInputSnap[];
  declare readonly outputs: readonly ExecutionStepOutputSnap[];
  declare readonly nodeHandleId: string;
  declare readonly kind: StepKind;
  declare readonly metadataItems: readonly ExecutionPlanMetadataItemSnap[];
  declare readonly tags: Readonly<Record<string, string>> | null;
  declare readonly stepHandle: StepHandle | null;
  constructor(init: SnapshotInit<ExecutionStepSnap>) {
    initRecord(this, init);
  }
}
registerRecord(ExecutionStepSnap, {
  name: 'ExecutionStepSnap',
  fields: {
    key: any,
    inputs: anyList,
    outputs: anyList,
    nodeHandleId: { type: t.any, stored: 'solid_handle_id' },
    kind: { type: t.enum(StepKind) },
    metadataItems: anyList,
    tags: any,
    stepHandle: any,
  },
});

/** What a plan knows of earlier attempts: retries, dynamic mappings, ready outputs, versions. */
export class KnownExecutionState {
  declare readonly previousRetryAttempts: Readonly<Record<string, number>>;
  declare readonly dynamicMappings: Readonly<Record<string, unknown>>;
  declare readonly readyOutputs: ReadonlySet<unknown> | null;
  declare readonly stepOutputVersions: readonly unknown[] | null;
  declare readonly parentState: unknown;
  constructor(init: SnapshotInit<KnownExecutionState>) {
    initRecord(this, init);
  }
}
registerRecord(KnownExecutionState, {
  name: 'KnownExecutionState',
  fields: { previousRetryAttempts: any, dynamicMappings: any, readyOutputs: any, stepOutputVersions: any, parentState: any },
});

/** An execution plan as stored; its id is {@link createExecutionPlanSnapshotId}. */
export class ExecutionPlanSnapshot {
  declare readonly steps: readonly ExecutionStepSnap[];
  declare readonly artifactsPersisted: boolean;
  declare readonly jobSnapshotId: string;
  declare readonly stepKeysToExecute: readonly string[];
  declare readonly initialKnownState: KnownExecutionState | null;
  declare readonly snapshotVersion: number | null;
  declare readonly executorName: string | null;
  declare readonly repositoryLoadData: unknown;
  constructor(init: SnapshotInit<ExecutionPlanSnapshot>) {
    initRecord(this, init);
  }
}
registerRecord(ExecutionPlanSnapshot, {
  name: 'ExecutionPlanSnapshot',
  fields: {
    steps: anyList,
    artifactsPersisted: any,
    jobSnapshotId: { type: t.any, stored: 'pipeline_snapshot_id' },
    stepKeysToExecute: any,
    initialKnownState: any,
    snapshotVersion: any,
    executorName: any,
    repositoryLoadData: { type: t.any, skipWhenNone: true },
  },
});

/** The snapshot id of an execution plan snapshot: the SHA-1 of its serialized bytes. */
export function createExecutionPlanSnapshotId(snapshot: ExecutionPlanSnapshot): string {
  return createSnapshotId(snapshot);
}
