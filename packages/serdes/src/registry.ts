import { InvalidArgumentError } from '@inst/errors';

/**
 * The whitelist of classes and enums serdes knows, with their storage names, field renames, defaults and
 * old names — the TypeScript counterpart of Dagster's `@whitelist_for_serdes`.
 */

// ---------------------------------------------------------------- field types

/** What a record field holds; it decides how the field is checked on read and written. */
export type FieldType =
  | { readonly kind: 'any' }
  | { readonly kind: 'str' }
  | { readonly kind: 'int' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'enum'; readonly def: EnumDef }
  | { readonly kind: 'list'; readonly of: FieldType }
  | { readonly kind: 'set'; readonly of: FieldType; readonly frozen: boolean }
  | { readonly kind: 'dict'; readonly of: FieldType }
  | { readonly kind: 'record'; readonly cls: RecordClass }
  | { readonly kind: 'nullable'; readonly of: FieldType };

/** Field type constructors: `t.str`, `t.nullable(t.float)`, `t.list(t.record(AssetKey))`, … */
const ANY: FieldType = { kind: 'any' };

export const t = {
  any: ANY,
  str: { kind: 'str' } as FieldType,
  int: { kind: 'int' } as FieldType,
  /** Written as a float even when integral (`1000.0`), as Python writes a `float`. */
  float: { kind: 'float' } as FieldType,
  bool: { kind: 'bool' } as FieldType,
  enum: (e: EnumLike): FieldType => ({ kind: 'enum', def: enumDefOf(e) }),
  list: (of: FieldType = ANY): FieldType => ({ kind: 'list', of }),
  set: (of: FieldType = ANY): FieldType => ({ kind: 'set', of, frozen: false }),
  frozenset: (of: FieldType = ANY): FieldType => ({ kind: 'set', of, frozen: true }),
  dict: (of: FieldType = ANY): FieldType => ({ kind: 'dict', of }),
  record: (cls: RecordClass): FieldType => ({ kind: 'record', cls }),
  nullable: (of: FieldType): FieldType => ({ kind: 'nullable', of }),
};

// ---------------------------------------------------------------- enums

const ENUM_DEF: unique symbol = Symbol.for('inst.serdes.enumDef');

/** A registered enum: members by Python name, with the value each stands for. */
export interface EnumDef {
  /** The Python class name (`DagsterRunStatus`). */
  readonly name: string;
  /** The name written in `__enum__` (`PipelineRunStatus`). */
  readonly storageName: string;
  readonly oldStorageNames: readonly string[];
  /** Python member name → value (`RUN_SUCCESS` → `PIPELINE_SUCCESS`). */
  readonly members: Readonly<Record<string, string>>;
  /** Value → member name. */
  readonly memberOfValue: ReadonlyMap<string, string>;
  /** Old member names read as another member (`AUTOMATICALLY_RUNNING` → `DECLARED_IN_CODE`). */
  readonly memberAliases: Readonly<Record<string, string>>;
}

/** The object `defineEnum` returns: the members as properties, usable like a TypeScript string enum. */
export type EnumLike<M extends Record<string, string> = Record<string, string>> = Readonly<M> & {
  readonly [ENUM_DEF]: EnumDef;
};

/** The values of an enum object: `EnumValue<typeof DagsterRunStatus>` is `'QUEUED' | 'SUCCESS' | …`. */
export type EnumValue<E> = E extends Readonly<Record<string, infer V>> ? V : never;

export interface EnumOptions {
  /** Name written in `__enum__`; the Python class name when absent. */
  storageName?: string;
  /** Other names this enum was stored under. */
  oldStorageNames?: readonly string[];
  /** Old member names to read as current ones. */
  memberAliases?: Readonly<Record<string, string>>;
  /** The registry to enter it in (the default registry when absent). */
  registry?: Registry;
}

/**
 * Declares an enum: `defineEnum('DagsterRunStatus', { SUCCESS: 'SUCCESS', … }, { storageName: 'PipelineRunStatus' })`.
 * Fields typed with it hold the member's value (a plain string), and are written as `{"__enum__": "Name.MEMBER"}`.
 */
export function defineEnum<const M extends Record<string, string>>(name: string, members: M, options: EnumOptions = {}): EnumLike<M> {
  const def: EnumDef = {
    name,
    storageName: options.storageName ?? name,
    oldStorageNames: options.oldStorageNames ?? [],
    members: Object.freeze({ ...members }),
    memberOfValue: new Map(Object.entries(members).map(([member, value]) => [value, member])),
    memberAliases: options.memberAliases ?? {},
  };
  const object = { ...members };
  Object.defineProperty(object, ENUM_DEF, { value: def, enumerable: false });
  (options.registry ?? defaultRegistry).addEnum(def);
  return Object.freeze(object) as unknown as EnumLike<M>;
}

/** The definition behind an enum object made by `defineEnum`. */
export function enumDefOf(e: EnumLike): EnumDef {
  const def = e[ENUM_DEF];
  if (!def) throw new InvalidArgumentError('not an enum made by defineEnum');
  return def;
}

// ---------------------------------------------------------------- records

/** A class whose instances serdes writes as `{"__class__": …}`. */
export type RecordClass<T extends object = object> = abstract new (...args: never[]) => T;

export interface FieldSpec {
  /** Field type; `t.any` when absent. */
  readonly type?: FieldType;
  /** Name in the document; the snake_case of the TypeScript name when absent. */
  readonly stored?: string;
  /** Value when the document lacks the field (a function is called for a fresh value). Without one the field is required. */
  readonly default?: unknown;
  /** Leave the field out when it is null, an empty list, map or set (Dagster's skip_when_empty_fields). */
  readonly skipWhenEmpty?: boolean;
  /** Leave the field out when it is null (Dagster's skip_when_none_fields). */
  readonly skipWhenNone?: boolean;
}

export interface RecordSpec {
  /** The Python class name (also the TypeScript name). */
  readonly name: string;
  /** Name written in `__class__`; `name` when absent. */
  readonly storageName?: string;
  /** Other `__class__` names read as this class. */
  readonly oldStorageNames?: readonly string[];
  /** TypeScript field name → spec. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Fields Dagster no longer has but always writes, with their value (`{ mode: null }`). */
  readonly oldFields?: Readonly<Record<string, unknown>>;
  /** Rewrites the stored fields of an old document before they are read (renames of long-gone fields). */
  readonly beforeUnpack?: (stored: Record<string, unknown>) => Record<string, unknown>;
  /** Python's `str()` of an instance, used to order sets as Python does. */
  readonly pyStr?: (value: any) => string;
}

/** A record spec with everything derived that reading and writing need. */
export interface RecordDef extends RecordSpec {
  readonly cls: RecordClass;
  readonly storageName: string;
  readonly oldStorageNames: readonly string[];
  readonly oldFields: Readonly<Record<string, unknown>>;
  /** Stored name → TypeScript field name. */
  readonly fieldOfStored: ReadonlyMap<string, string>;
  /** [TypeScript name, stored name, spec] for each field. */
  readonly fieldList: readonly (readonly [string, string, FieldSpec])[];
}

/** What a record read from a document remembers so it can be written back byte for byte. */
export interface RecordMeta {
  /** The `__class__` it was read under, when that is not the current storage name. */
  readonly readAs?: string;
  /** The stored keys it had (written back exactly, when the record has not been changed). */
  readonly keys?: readonly string[];
  /** Stored fields this class does not have (kept for newer writers and old fields). */
  readonly unknown?: Readonly<Record<string, unknown>>;
  /** Stored keys whose number was written as an integral float. */
  readonly floats?: ReadonlySet<string | number>;
  /** Enum fields stored under an old enum or member name: stored key → the reference as stored. */
  readonly enumsAsRead?: Readonly<Record<string, string>>;
}

const META: unique symbol = Symbol.for('inst.serdes.recordMeta');

/** @internal */
export function metaOf(record: object): RecordMeta | undefined {
  return (record as { [META]?: RecordMeta })[META];
}

/** @internal */
export function attachMeta(record: object, meta: RecordMeta): void {
  Object.defineProperty(record, META, { value: meta, enumerable: false });
}

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Which classes and enums serdes knows. Most code uses the default registry. */
export class Registry {
  private readonly recordsByName = new Map<string, RecordDef>();
  private readonly recordsByClass = new Map<RecordClass, RecordDef>();
  private readonly enumsByName = new Map<string, EnumDef>();

  addEnum(def: EnumDef): void {
    for (const name of new Set([def.name, def.storageName, ...def.oldStorageNames])) this.enumsByName.set(name, def);
  }

  addRecord(cls: RecordClass, spec: RecordSpec): RecordDef {
    const fieldList = Object.entries(spec.fields).map(([name, field]) => [name, field.stored ?? snakeCase(name), field] as const);
    const def: RecordDef = {
      ...spec,
      cls,
      storageName: spec.storageName ?? spec.name,
      oldStorageNames: spec.oldStorageNames ?? [],
      oldFields: spec.oldFields ?? {},
      fieldOfStored: new Map(fieldList.map(([name, stored]) => [stored, name])),
      fieldList,
    };
    this.recordsByClass.set(cls, def);
    for (const name of new Set([def.name, def.storageName, ...def.oldStorageNames])) this.recordsByName.set(name, def);
    return def;
  }

  /** The record registered under a stored, current or old class name. */
  recordByName(name: string): RecordDef | undefined {
    return this.recordsByName.get(name);
  }

  /** The record definition of an instance's class (looking up the prototype chain). */
  recordOf(value: object): RecordDef | undefined {
    let proto: unknown = Object.getPrototypeOf(value);
    while (proto && proto !== Object.prototype) {
      const def = this.recordsByClass.get((proto as { constructor: RecordClass }).constructor);
      if (def) return def;
      proto = Object.getPrototypeOf(proto);
    }
    return undefined;
  }

  recordOfClass(cls: RecordClass): RecordDef | undefined {
    return this.recordsByClass.get(cls);
  }

  enumByName(name: string): EnumDef | undefined {
    return this.enumsByName.get(name);
  }
}

/** The registry `serializeValue` and `deserializeValue` use unless told otherwise. */
export const defaultRegistry: Registry = new Registry();

/** Enters a class in the registry (the default one unless given). Returns the class, for chaining. */
export function registerRecord<C extends RecordClass>(cls: C, spec: RecordSpec, registry: Registry = defaultRegistry): C {
  registry.addRecord(cls, spec);
  return cls;
}

function defaultValue(field: FieldSpec): unknown {
  return typeof field.default === 'function' ? (field.default as () => unknown)() : field.default;
}

/** @internal Whether the field may be absent from a document or an init object. */
export function hasDefault(field: FieldSpec): boolean {
  return 'default' in field || field.type?.kind === 'nullable' || field.type === undefined || field.type.kind === 'any';
}

/** @internal The value of a field absent from the document or init object. */
export function missingValue(field: FieldSpec): unknown {
  return 'default' in field ? defaultValue(field) : null;
}

/**
 * Fills a registered record's fields from an init object, with the defaults of absent ones, and freezes it.
 * Call it at the end of the record class's constructor.
 */
export function initRecord(self: object, init: object, registry: Registry = defaultRegistry): void {
  const def = registry.recordOf(self);
  if (!def) throw new InvalidArgumentError(`${self.constructor.name} is not a registered serdes record`);
  const source = init as Record<string, unknown>;
  const target = self as Record<string, unknown>;
  for (const [name, , field] of def.fieldList) {
    const given = source[name];
    if (given !== undefined) target[name] = given;
    else if (hasDefault(field)) target[name] = missingValue(field);
    else throw new InvalidArgumentError(`${def.name}: missing required field ${name}`);
  }
  Object.freeze(self);
}

/**
 * A copy of a record with some fields changed (Dagster's `._replace` / `copy`). Unknown fields read from a newer
 * writer are kept; the changed fields are written as built in TypeScript.
 */
export function replaceRecord<T extends object>(record: T, changes: Partial<T>, registry: Registry = defaultRegistry): T {
  const def = registry.recordOf(record);
  if (!def) throw new InvalidArgumentError(`${record.constructor.name} is not a registered serdes record`);
  const copy = Object.create(Object.getPrototypeOf(record) as object) as Record<string, unknown>;
  for (const [name] of def.fieldList) copy[name] = name in changes ? (changes as Record<string, unknown>)[name] : (record as Record<string, unknown>)[name];
  const meta = metaOf(record);
  if (meta?.unknown || meta?.floats) {
    const changedStored = new Set(def.fieldList.filter(([name]) => name in changes).map(([, stored]) => stored));
    const floats = meta.floats ? new Set([...meta.floats].filter((k) => !changedStored.has(String(k)))) : undefined;
    attachMeta(copy, { ...(meta.unknown ? { unknown: meta.unknown } : {}), ...(floats?.size ? { floats } : {}) });
  }
  return Object.freeze(copy) as T;
}
