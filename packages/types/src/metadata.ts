/**
 * Metadata values (`_core/definitions/metadata/metadata_value.py`, `table.py`, `source_code.py`) and the
 * legacy `EventMetadataEntry` list they are stored in (Dagster's `MetadataFieldSerializer`).
 *
 * Each `XMetadataValue` is stored under its old `XMetadataEntryData` name. Events keep metadata as a mapping
 * of label → value, but Dagster writes it as `"metadata_entries": [{"__class__": "EventMetadataEntry",
 * "description": null, "entry_data": <value>, "label": <label>}, …]`. Records here hold that list
 * (`metadataEntries`, so a stored list is written back unchanged) and expose the mapping as `metadata`.
 */
import { InvalidArgumentError } from '@inst/errors';
import { initRecord, registerRecord, t, UnknownRecord, type FieldSpec } from '@inst/serdes';
import { AssetKey } from './assets';

/** Text. */
export class TextMetadataValue {
  declare readonly text: string | null;
  constructor(init: { text?: string | null }) {
    initRecord(this, init);
  }
  get value(): string | null {
    return this.text;
  }
}
registerRecord(TextMetadataValue, {
  name: 'TextMetadataValue',
  storageName: 'TextMetadataEntryData',
  fields: { text: { type: t.nullable(t.str), default: '' } },
});

/** A URL. */
export class UrlMetadataValue {
  declare readonly url: string | null;
  constructor(init: { url?: string | null }) {
    initRecord(this, init);
  }
  get value(): string | null {
    return this.url;
  }
}
registerRecord(UrlMetadataValue, {
  name: 'UrlMetadataValue',
  storageName: 'UrlMetadataEntryData',
  fields: { url: { type: t.nullable(t.str), default: '' } },
});

/** A file system path. */
export class PathMetadataValue {
  declare readonly path: string | null;
  constructor(init: { path?: string | null }) {
    initRecord(this, init);
  }
  get value(): string | null {
    return this.path;
  }
}
registerRecord(PathMetadataValue, {
  name: 'PathMetadataValue',
  storageName: 'PathMetadataEntryData',
  fields: { path: { type: t.nullable(t.str), default: '' } },
});

/** The path of a notebook. */
export class NotebookMetadataValue {
  declare readonly path: string | null;
  constructor(init: { path?: string | null }) {
    initRecord(this, init);
  }
  get value(): string | null {
    return this.path;
  }
}
registerRecord(NotebookMetadataValue, {
  name: 'NotebookMetadataValue',
  storageName: 'NotebookMetadataEntryData',
  fields: { path: { type: t.nullable(t.str), default: '' } },
});

/** JSON data (a list or a mapping). */
export class JsonMetadataValue {
  declare readonly data: unknown;
  constructor(init: { data: unknown }) {
    initRecord(this, init);
  }
  get value(): unknown {
    return this.data;
  }
}
registerRecord(JsonMetadataValue, { name: 'JsonMetadataValue', storageName: 'JsonMetadataEntryData', fields: { data: { type: t.any } } });

/** Markdown text. */
export class MarkdownMetadataValue {
  declare readonly mdStr: string | null;
  constructor(init: { mdStr?: string | null }) {
    initRecord(this, init);
  }
  get value(): string {
    return this.mdStr ?? '';
  }
}
registerRecord(MarkdownMetadataValue, {
  name: 'MarkdownMetadataValue',
  storageName: 'MarkdownMetadataEntryData',
  fields: { mdStr: { type: t.nullable(t.str), default: '' } },
});

/** A Python object by module and name. */
export class PythonArtifactMetadataValue {
  declare readonly module: string;
  declare readonly name: string;
  constructor(init: { module: string; name: string }) {
    initRecord(this, init);
  }
  get value(): PythonArtifactMetadataValue {
    return this;
  }
}
registerRecord(PythonArtifactMetadataValue, {
  name: 'PythonArtifactMetadataValue',
  storageName: 'PythonArtifactMetadataEntryData',
  fields: { module: { type: t.str }, name: { type: t.str } },
});

/** A float (written as a float even when integral). */
export class FloatMetadataValue {
  declare readonly value: number | null;
  constructor(init: { value: number | null }) {
    initRecord(this, init);
  }
}
registerRecord(FloatMetadataValue, {
  name: 'FloatMetadataValue',
  storageName: 'FloatMetadataEntryData',
  fields: { value: { type: t.nullable(t.float) } },
});

/** An integer. */
export class IntMetadataValue {
  declare readonly value: number | bigint | null;
  constructor(init: { value: number | bigint | null }) {
    initRecord(this, init);
  }
}
registerRecord(IntMetadataValue, { name: 'IntMetadataValue', storageName: 'IntMetadataEntryData', fields: { value: { type: t.nullable(t.int) } } });

/** A boolean. */
export class BoolMetadataValue {
  declare readonly value: boolean | null;
  constructor(init: { value: boolean | null }) {
    initRecord(this, init);
  }
}
registerRecord(BoolMetadataValue, { name: 'BoolMetadataValue', storageName: 'BoolMetadataEntryData', fields: { value: { type: t.nullable(t.bool) } } });

/** A unix timestamp in seconds. */
export class TimestampMetadataValue {
  declare readonly value: number;
  constructor(init: { value: number }) {
    initRecord(this, init);
  }
}
registerRecord(TimestampMetadataValue, { name: 'TimestampMetadataValue', fields: { value: { type: t.float } } });

/** A run, by id (stored as `DagsterPipelineRunMetadataEntryData`). */
export class DagsterRunMetadataValue {
  declare readonly runId: string;
  constructor(init: { runId: string }) {
    initRecord(this, init);
  }
  get value(): string {
    return this.runId;
  }
}
registerRecord(DagsterRunMetadataValue, {
  name: 'DagsterRunMetadataValue',
  storageName: 'DagsterPipelineRunMetadataEntryData',
  fields: { runId: { type: t.str } },
});

/** A job, by name and location. */
export class DagsterJobMetadataValue {
  declare readonly jobName: string;
  declare readonly locationName: string;
  declare readonly repositoryName: string | null;
  constructor(init: { jobName: string; locationName: string; repositoryName?: string | null }) {
    initRecord(this, init);
  }
  get value(): DagsterJobMetadataValue {
    return this;
  }
}
registerRecord(DagsterJobMetadataValue, {
  name: 'DagsterJobMetadataValue',
  fields: { jobName: { type: t.str }, locationName: { type: t.str }, repositoryName: { type: t.nullable(t.str) } },
});

/** An asset, by key. */
export class DagsterAssetMetadataValue {
  declare readonly assetKey: AssetKey;
  constructor(init: { assetKey: AssetKey }) {
    initRecord(this, init);
  }
  get value(): AssetKey {
    return this.assetKey;
  }
}
registerRecord(DagsterAssetMetadataValue, {
  name: 'DagsterAssetMetadataValue',
  storageName: 'DagsterAssetMetadataEntryData',
  fields: { assetKey: { type: t.record(AssetKey) } },
});

/** One row of a table. */
export class TableRecord {
  declare readonly data: Readonly<Record<string, string | number | boolean | null>>;
  constructor(init: { data: Readonly<Record<string, string | number | boolean | null>> }) {
    initRecord(this, init);
  }
}
registerRecord(TableRecord, { name: 'TableRecord', fields: { data: { type: t.dict() } } });

/** Table-level constraints. */
export class TableConstraints {
  declare readonly other: readonly string[];
  constructor(init: { other: readonly string[] }) {
    initRecord(this, init);
  }
}
registerRecord(TableConstraints, { name: 'TableConstraints', fields: { other: { type: t.list(t.str) } } });

/** Column-level constraints. */
export class TableColumnConstraints {
  declare readonly nullable: boolean;
  declare readonly unique: boolean;
  declare readonly other: readonly string[] | null;
  constructor(init: { nullable?: boolean; unique?: boolean; other?: readonly string[] | null } = {}) {
    initRecord(this, init);
  }
}
registerRecord(TableColumnConstraints, {
  name: 'TableColumnConstraints',
  fields: {
    nullable: { type: t.bool, default: true },
    unique: { type: t.bool, default: false },
    other: { type: t.nullable(t.list(t.str)), default: () => [] },
  },
});

/** A column of a table schema. */
export class TableColumn {
  declare readonly name: string;
  declare readonly type: string;
  declare readonly description: string | null;
  declare readonly constraints: TableColumnConstraints;
  declare readonly tags: Readonly<Record<string, string>>;
  constructor(init: { name: string; type?: string; description?: string | null; constraints?: TableColumnConstraints; tags?: Readonly<Record<string, string>> }) {
    initRecord(this, init);
  }
}
registerRecord(TableColumn, {
  name: 'TableColumn',
  fields: {
    name: { type: t.str },
    type: { type: t.str, default: 'string' },
    description: { type: t.nullable(t.str) },
    constraints: { type: t.record(TableColumnConstraints), default: () => new TableColumnConstraints() },
    tags: { type: t.dict(t.str), default: () => ({}), skipWhenEmpty: true },
  },
});

/** The columns and constraints of a table. */
export class TableSchema {
  declare readonly columns: readonly TableColumn[];
  declare readonly constraints: TableConstraints;
  constructor(init: { columns: readonly TableColumn[]; constraints?: TableConstraints }) {
    initRecord(this, init);
  }
}
registerRecord(TableSchema, {
  name: 'TableSchema',
  fields: {
    columns: { type: t.list(t.record(TableColumn)) },
    constraints: { type: t.record(TableConstraints), default: () => new TableConstraints({ other: [] }) },
  },
});

/** A table: rows and schema. */
export class TableMetadataValue {
  declare readonly records: readonly TableRecord[];
  declare readonly schema: TableSchema;
  constructor(init: { records: readonly TableRecord[]; schema: TableSchema }) {
    initRecord(this, init);
  }
  get value(): TableMetadataValue {
    return this;
  }
}
registerRecord(TableMetadataValue, {
  name: 'TableMetadataValue',
  storageName: 'TableMetadataEntryData',
  fields: { records: { type: t.list(t.record(TableRecord)) }, schema: { type: t.record(TableSchema) } },
});

/** A table schema. */
export class TableSchemaMetadataValue {
  declare readonly schema: TableSchema;
  constructor(init: { schema: TableSchema }) {
    initRecord(this, init);
  }
  get value(): TableSchema {
    return this.schema;
  }
}
registerRecord(TableSchemaMetadataValue, {
  name: 'TableSchemaMetadataValue',
  storageName: 'TableSchemaMetadataEntryData',
  fields: { schema: { type: t.record(TableSchema) } },
});

/** A column of an asset that another column depends on. */
export class TableColumnDep {
  declare readonly assetKey: AssetKey;
  declare readonly columnName: string;
  constructor(init: { assetKey: AssetKey; columnName: string }) {
    initRecord(this, init);
  }
}
registerRecord(TableColumnDep, { name: 'TableColumnDep', fields: { assetKey: { type: t.record(AssetKey) }, columnName: { type: t.str } } });

/** Column → the upstream columns it depends on. */
export class TableColumnLineage {
  declare readonly depsByColumn: Readonly<Record<string, readonly TableColumnDep[]>>;
  constructor(init: { depsByColumn: Readonly<Record<string, readonly TableColumnDep[]>> }) {
    initRecord(this, init);
  }
}
registerRecord(TableColumnLineage, { name: 'TableColumnLineage', fields: { depsByColumn: { type: t.dict(t.list(t.record(TableColumnDep))) } } });

/** Column lineage of a table. */
export class TableColumnLineageMetadataValue {
  declare readonly columnLineage: TableColumnLineage;
  constructor(init: { columnLineage: TableColumnLineage }) {
    initRecord(this, init);
  }
  get value(): TableColumnLineage {
    return this.columnLineage;
  }
}
registerRecord(TableColumnLineageMetadataValue, {
  name: 'TableColumnLineageMetadataValue',
  fields: { columnLineage: { type: t.record(TableColumnLineage) } },
});

/** No value. */
export class NullMetadataValue {
  constructor(init: object = {}) {
    initRecord(this, init);
  }
  get value(): null {
    return null;
  }
}
registerRecord(NullMetadataValue, { name: 'NullMetadataValue', storageName: 'NullMetadataEntryData', fields: {} });

/** Serialized state used to define a code location's definitions. */
export class CodeLocationReconstructionMetadataValue {
  declare readonly data: string;
  constructor(init: { data: string }) {
    initRecord(this, init);
  }
  get value(): string {
    return this.data;
  }
}
registerRecord(CodeLocationReconstructionMetadataValue, { name: 'CodeLocationReconstructionMetadataValue', fields: { data: { type: t.str } } });

/** A concurrency pool name. */
export class PoolMetadataValue {
  declare readonly pool: string;
  constructor(init: { pool: string }) {
    initRecord(this, init);
  }
  get value(): string {
    return this.pool;
  }
}
registerRecord(PoolMetadataValue, { name: 'PoolMetadataValue', fields: { pool: { type: t.str } } });

/** A source location in a local file. */
export class LocalFileCodeReference {
  declare readonly filePath: string;
  declare readonly lineNumber: number | null;
  declare readonly label: string | null;
  constructor(init: { filePath: string; lineNumber?: number | null; label?: string | null }) {
    initRecord(this, init);
  }
}
registerRecord(LocalFileCodeReference, {
  name: 'LocalFileCodeReference',
  fields: { filePath: { type: t.str }, lineNumber: { type: t.nullable(t.int) }, label: { type: t.nullable(t.str) } },
});

/** A source location by URL. */
export class UrlCodeReference {
  declare readonly url: string;
  declare readonly label: string | null;
  constructor(init: { url: string; label?: string | null }) {
    initRecord(this, init);
  }
}
registerRecord(UrlCodeReference, { name: 'UrlCodeReference', fields: { url: { type: t.str }, label: { type: t.nullable(t.str) } } });

/** Where an asset's code is. */
export class CodeReferencesMetadataValue {
  declare readonly codeReferences: readonly (LocalFileCodeReference | UrlCodeReference)[];
  constructor(init: { codeReferences: readonly (LocalFileCodeReference | UrlCodeReference)[] }) {
    initRecord(this, init);
  }
  get value(): CodeReferencesMetadataValue {
    return this;
  }
}
registerRecord(CodeReferencesMetadataValue, { name: 'CodeReferencesMetadataValue', fields: { codeReferences: { type: t.list() } } });

/** Every metadata value class. */
export const METADATA_VALUE_CLASSES = Object.freeze([
  TextMetadataValue,
  UrlMetadataValue,
  PathMetadataValue,
  NotebookMetadataValue,
  JsonMetadataValue,
  MarkdownMetadataValue,
  PythonArtifactMetadataValue,
  FloatMetadataValue,
  IntMetadataValue,
  BoolMetadataValue,
  TimestampMetadataValue,
  DagsterRunMetadataValue,
  DagsterJobMetadataValue,
  DagsterAssetMetadataValue,
  TableMetadataValue,
  TableSchemaMetadataValue,
  TableColumnLineageMetadataValue,
  NullMetadataValue,
  CodeLocationReconstructionMetadataValue,
  PoolMetadataValue,
  CodeReferencesMetadataValue,
] as const);

/** A metadata value: an instance of one of the classes above (or a class of a newer Dagster, kept as is). */
export type MetadataValue = InstanceType<(typeof METADATA_VALUE_CLASSES)[number]> | UnknownRecord;

/** Metadata as events hold it: label → value. */
export type MetadataMapping = Readonly<Record<string, MetadataValue>>;

/** What metadata may be given as: values are normalized as Dagster's `normalize_metadata_value` does. */
export type RawMetadataValue = MetadataValue | AssetKey | TableSchema | TableColumnLineage | string | number | boolean | null | readonly unknown[] | Readonly<Record<string, unknown>>;

/** Whether the value is a metadata value. */
export function isMetadataValue(value: unknown): value is MetadataValue {
  return value instanceof UnknownRecord || METADATA_VALUE_CLASSES.some((cls) => value instanceof cls);
}

/**
 * Dagster's `normalize_metadata_value`: strings become text, integral numbers ints (other numbers floats),
 * booleans bools, lists and mappings JSON, asset keys asset values, schemas and lineage their values, null null.
 */
export function normalizeMetadataValue(value: RawMetadataValue): MetadataValue {
  if (isMetadataValue(value)) return value;
  if (typeof value === 'string') return new TextMetadataValue({ text: value });
  if (typeof value === 'number') return Number.isInteger(value) ? new IntMetadataValue({ value }) : new FloatMetadataValue({ value });
  if (typeof value === 'boolean') return new BoolMetadataValue({ value });
  if (value === null) return new NullMetadataValue();
  if (value instanceof AssetKey) return new DagsterAssetMetadataValue({ assetKey: value });
  if (value instanceof TableSchema) return new TableSchemaMetadataValue({ schema: value });
  if (value instanceof TableColumnLineage) return new TableColumnLineageMetadataValue({ columnLineage: value });
  if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) return new JsonMetadataValue({ data: value });
  throw new InvalidArgumentError(`cannot use a ${(value as object).constructor?.name ?? typeof value} as a metadata value`);
}

/** One entry of a stored `metadata_entries` list (stored as `EventMetadataEntry`). */
export class MetadataEntry {
  declare readonly label: string;
  declare readonly description: string | null;
  declare readonly entryData: MetadataValue;
  constructor(init: { label: string; description?: string | null; entryData: MetadataValue }) {
    initRecord(this, init);
  }
  /** The entry's value. */
  get value(): MetadataValue {
    return this.entryData;
  }
}
registerRecord(MetadataEntry, {
  name: 'MetadataEntry',
  storageName: 'EventMetadataEntry',
  fields: { label: { type: t.str }, description: { type: t.nullable(t.str) }, entryData: { type: t.any } },
});

/** Metadata as given to a record: a mapping (object or Map, in insertion order) of raw values, or stored entries. */
export type MetadataInput = Readonly<Record<string, RawMetadataValue>> | ReadonlyMap<string, RawMetadataValue> | readonly MetadataEntry[];

/** The `metadata_entries` list Dagster's MetadataFieldSerializer writes for a metadata mapping. */
export function toMetadataEntries(metadata: MetadataInput | null | undefined): MetadataEntry[] {
  if (!metadata) return [];
  if (Array.isArray(metadata)) return [...(metadata as readonly MetadataEntry[])];
  const pairs = metadata instanceof Map ? [...(metadata as ReadonlyMap<string, RawMetadataValue>)] : Object.entries(metadata as Record<string, RawMetadataValue>);
  return pairs.map(([label, value]) => new MetadataEntry({ label, description: null, entryData: normalizeMetadataValue(value) }));
}

/** The metadata mapping of a stored entry list, as Dagster reads it (label → value; descriptions dropped). */
export function metadataFromEntries(entries: readonly MetadataEntry[]): Record<string, MetadataValue> {
  const metadata: Record<string, MetadataValue> = {};
  for (const entry of entries) metadata[entry.label] = entry.entryData;
  return metadata;
}

/** Dagster's `normalize_metadata` for mappings stored as such (not as entries): label → normalized value. */
export function normalizeMetadata(metadata: Readonly<Record<string, RawMetadataValue>> | null | undefined): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  for (const [label, value] of Object.entries(metadata ?? {})) out[label] = normalizeMetadataValue(value);
  return out;
}

/** The field spec of a `metadata` field written by Dagster's MetadataFieldSerializer (`metadata_entries`). */
export const METADATA_ENTRIES_FIELD: FieldSpec = Object.freeze({
  type: t.list(t.record(MetadataEntry)),
  stored: 'metadata_entries',
  default: () => [],
});

/** Init properties of records with metadata: a mapping, or the entries themselves. */
export interface WithMetadataInit {
  metadata?: MetadataInput | null;
}

/** Turns an init object's `metadata` into the `metadataEntries` field value. */
export function metadataInit<T extends WithMetadataInit>(init: T): Omit<T, 'metadata'> & { metadataEntries: MetadataEntry[] } {
  const { metadata, ...rest } = init;
  return { ...rest, metadataEntries: toMetadataEntries(metadata) };
}
