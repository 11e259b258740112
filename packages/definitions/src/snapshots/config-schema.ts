/**
 * The config schema of a job (Dagster's `ConfigSchemaSnapshot`): the built-in types of the default executor,
 * logger and IO manager, plus the job's own `ops` shape and root shape, whose keys are Dagster's field hashes.
 */
import { createHash } from 'node:crypto';
import { ConfigEnumValueSnap, ConfigFieldSnap, ConfigSchemaSnapshot, ConfigTypeSnap } from '@inst/types';
import type { JobDefinition, JobNode } from '../job';
import { BUILTIN_CONFIG_TYPES, EXECUTION_TYPE_KEY, LOGGERS_TYPE_KEY, RESOURCES_TYPE_KEY, ROOT_FIELDS, type ConfigFieldRow } from './builtin-config';

/** A field of a config shape, as the hash and the snapshot read it. */
export interface ConfigField {
  readonly name: string;
  readonly typeKey: string;
  readonly isRequired: boolean;
  readonly defaultValueAsJsonStr: string | null;
  readonly description: string | null;
}

/** Dagster's `_compute_fields_hash`: SHA-1 over the description and each field (sorted by name). */
export function computeFieldsHash(fields: readonly ConfigField[], description: string | null = null): string {
  const hash = createHash('sha1');
  if (description) hash.update(`:description: ${description}`, 'utf8');
  for (const field of [...fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`:fieldname:${field.name}`, 'utf8');
    if (field.defaultValueAsJsonStr !== null) hash.update(`:default_value: ${field.defaultValueAsJsonStr}`, 'utf8');
    hash.update(`:is_required: ${field.isRequired ? 'True' : 'False'}`, 'utf8');
    hash.update(`:type_key: ${field.typeKey}`, 'utf8');
    if (field.description) hash.update(`:description: ${field.description}`, 'utf8');
  }
  return hash.digest('hex');
}

/** The key of a strict shape (`Shape.<hash>`). */
export function shapeKey(fields: readonly ConfigField[], description: string | null = null): string {
  return `Shape.${computeFieldsHash(fields, description)}`;
}

/** The key of a selector (`Selector.<hash>`). */
export function selectorKey(fields: readonly ConfigField[], description: string | null = null): string {
  return `Selector.${computeFieldsHash(fields, description)}`;
}

/** The field rows of a built-in type as {@link ConfigField}s. */
export function fieldsOfRow(rows: readonly ConfigFieldRow[]): ConfigField[] {
  return rows.map(([name, typeKey, isRequired, defaultProvided, defaultJson, description]) => ({
    name: name ?? '',
    typeKey,
    isRequired,
    defaultValueAsJsonStr: defaultProvided ? defaultJson : null,
    description,
  }));
}

function fieldSnap(field: ConfigField): ConfigFieldSnap {
  return new ConfigFieldSnap({
    name: field.name,
    typeKey: field.typeKey,
    isRequired: field.isRequired,
    defaultProvided: field.defaultValueAsJsonStr !== null,
    defaultValueAsJsonStr: field.defaultValueAsJsonStr,
    description: field.description,
  });
}

function shapeSnap(key: string, fields: readonly ConfigField[]): ConfigTypeSnap {
  return new ConfigTypeSnap({
    kind: 'STRICT_SHAPE',
    key,
    givenName: null,
    description: null,
    typeParamKeys: null,
    enumValues: null,
    fields: fields.map(fieldSnap),
    scalarKind: null,
  });
}

let builtins: ConfigTypeSnap[] | null = null;
function builtinSnaps(): ConfigTypeSnap[] {
  builtins ??= BUILTIN_CONFIG_TYPES.map(
    ([key, kind, givenName, description, typeParamKeys, enumValues, fields, scalarKind]) =>
      new ConfigTypeSnap({
        kind: kind as ConfigTypeSnap['kind'],
        key,
        givenName,
        description,
        typeParamKeys: typeParamKeys ? [...typeParamKeys] : null,
        enumValues: enumValues ? enumValues.map(([value, desc]) => new ConfigEnumValueSnap({ value, description: desc })) : null,
        fields: fields ? fieldsOfRow(fields).map(fieldSnap) : null,
        scalarKind: scalarKind as ConfigTypeSnap['scalarKind'],
      }),
  );
  return builtins;
}

/** Python's `json.dumps` of the simple values op config defaults use (dicts keep insertion order). */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`)
    .join(', ')}}`;
}

/** The config field of an op's node in the `ops` shape: `{config: Any}`, required when the op's config is. */
function nodeConfigField(node: JobNode): { field: ConfigField; shape: ConfigTypeSnap } {
  const config = node.op.config;
  const configRequired = config?.isRequired === true && config.default === undefined;
  const inner: ConfigField = {
    name: 'config',
    typeKey: 'Any',
    isRequired: configRequired,
    defaultValueAsJsonStr: config && config.default !== undefined ? pyJsonDumps(config.default) : null,
    description: config?.description ?? null,
  };
  const key = shapeKey([inner]);
  const nodeDefault = configRequired ? null : inner.defaultValueAsJsonStr !== null ? `{"config": ${inner.defaultValueAsJsonStr}}` : '{}';
  return {
    field: { name: node.name, typeKey: key, isRequired: configRequired, defaultValueAsJsonStr: nodeDefault, description: null },
    shape: shapeSnap(key, [inner]),
  };
}

const IGNORED_NODE = 'This op is not present in the current op selection, the config values are allowed but ignored.';
const IGNORED_INPUTS = 'This op is not present in the current op selection, the input config values are allowed but ignored.';
/** Dagster's loader schema of the `Any` type (`Selector.f2fe…`: json / pickle / value). */
const ANY_INPUT_LOADER_KEY = 'Selector.f2fe6dfdc60a1947a8f8e7cd377a012b47065bc4';

/** The config field of a node a subset leaves out: optional, no default, and its inputs' loaders ignored too. */
function ignoredNodeConfigField(node: JobNode): { field: ConfigField; shape: ConfigTypeSnap[] } {
  const config: ConfigField = { name: 'config', typeKey: 'Any', isRequired: false, defaultValueAsJsonStr: null, description: null };
  const fields: ConfigField[] = [config];
  const shapes: ConfigTypeSnap[] = [];
  const loadable = node.op.inputs.filter((input) => input.dagsterType !== 'Nothing');
  if (loadable.length > 0) {
    const inputFields = loadable.map((input) => ({ name: input.name, typeKey: ANY_INPUT_LOADER_KEY, isRequired: true, defaultValueAsJsonStr: null, description: null }));
    const inputsKey = shapeKey(inputFields);
    shapes.push(shapeSnap(inputsKey, inputFields));
    fields.push({ name: 'inputs', typeKey: inputsKey, isRequired: false, defaultValueAsJsonStr: null, description: IGNORED_INPUTS });
  }
  const key = shapeKey(fields);
  shapes.push(shapeSnap(key, fields));
  return { field: { name: node.name, typeKey: key, isRequired: false, defaultValueAsJsonStr: null, description: IGNORED_NODE }, shape: shapes };
}

/** The op's `config_field_snap` in the node definitions: Any, optional, for assets and ops with config. */
export function opConfigFieldSnap(node: JobNode): ConfigFieldSnap | null {
  const config = node.op.config;
  if (!config && !node.asset && !node.assetCheck) return null;
  const configRequired = config?.isRequired === true && config.default === undefined;
  return fieldSnap({
    name: 'config',
    typeKey: 'Any',
    isRequired: configRequired,
    defaultValueAsJsonStr: config && config.default !== undefined ? pyJsonDumps(config.default) : null,
    description: config?.description ?? null,
  });
}

/** The config schema of a job, and its root config key. */
export function jobConfigSchema(job: JobDefinition): { snapshot: ConfigSchemaSnapshot; rootConfigKey: string } {
  const byKey = new Map<string, ConfigTypeSnap>();
  for (const snap of builtinSnaps()) byKey.set(snap.key, snap);
  const nodeFields: ConfigField[] = [];
  for (const node of [...job.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const { field, shape } = nodeConfigField(node);
    nodeFields.push(field);
    byKey.set(shape.key, shape);
  }
  // A subset keeps the parent's other nodes in its config schema: allowed, ignored (Dagster's op-selection config).
  if (job.parent) {
    const kept = new Set(job.nodes.map((node) => node.name));
    for (const node of job.parent.nodes) {
      if (kept.has(node.name)) continue;
      const { field, shape } = ignoredNodeConfigField(node);
      nodeFields.push(field);
      for (const snap of shape) byKey.set(snap.key, snap);
    }
    nodeFields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const opsRequired = nodeFields.some((f) => f.isRequired);
  const opsDefault = opsRequired
    ? null
    : `{${nodeFields
        .filter((f) => f.defaultValueAsJsonStr !== null)
        .map((f) => `${pyJsonDumps(f.name)}: ${f.defaultValueAsJsonStr}`)
        .join(', ')}}`;
  const opsKey = shapeKey(nodeFields);
  byKey.set(opsKey, shapeSnap(opsKey, nodeFields));
  const rootField = (name: string, typeKey: string, defaultJson: string | null, isRequired = false): ConfigField => ({
    name,
    typeKey,
    isRequired,
    defaultValueAsJsonStr: defaultJson,
    description: ROOT_FIELDS[name]![0],
  });
  const rootFields = [
    rootField('execution', EXECUTION_TYPE_KEY, ROOT_FIELDS.execution![1]),
    rootField('loggers', LOGGERS_TYPE_KEY, ROOT_FIELDS.loggers![1]),
    rootField('ops', opsKey, opsDefault, opsRequired),
    rootField('resources', RESOURCES_TYPE_KEY, ROOT_FIELDS.resources![1]),
  ];
  const rootKey = shapeKey(rootFields);
  byKey.set(rootKey, shapeSnap(rootKey, rootFields));
  const sorted = [...byKey.keys()].sort();
  const all: Record<string, ConfigTypeSnap> = {};
  for (const key of sorted) all[key] = byKey.get(key)!;
  return { snapshot: new ConfigSchemaSnapshot({ allConfigSnapsByKey: all }), rootConfigKey: rootKey };
}
