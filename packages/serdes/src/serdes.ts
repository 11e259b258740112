import { DeserializationError, SerializationError } from '@inst/errors';
import { compareCodePoints, pyFloatRepr, pyIntRepr, pyJsonString, pyStrRepr } from './json-text';
import { type JsonPath, formatPath, parseJson } from './json-parse';
import { NOT_FAST, parseTreeFast, walk, walkMembers } from './fast-parse';
import type {
  Registry} from './registry';
import {
  type EnumDef,
  type FieldSpec,
  type FieldType,
  type RecordClass,
  type RecordDef,
  type RecordMeta,
  attachMeta,
  defaultRegistry,
  hasDefault,
  metaOf,
  missingValue,
} from './registry';
import { FrozenSet, PyEnumValue, PyFloat, STORED_ORDER, UnknownRecord, floatKeysOf, markFloatKeys } from './values';

export interface SerializeOptions {
  registry?: Registry;
}

export interface DeserializeOptions {
  registry?: Registry;
  /** The class the document must hold at its root; anything else throws. */
  as?: RecordClass;
  /**
   * Decode a record's nested records, lists and mappings when a field is first read, not up front (a page of
   * events whose payloads the caller never opens costs little more than `JSON.parse`). The document's JSON, its
   * root class and its root fields are still checked here; a nested field of the wrong shape throws its
   * `DeserializationError` on first read of that field instead. Round trips stay byte-exact.
   */
  lazy?: boolean;
  /**
   * With `lazy`: what a nested field that fails to decode on first read throws instead of its
   * `DeserializationError` (given that error), so a reader can say which stored row it came from.
   */
  lazyError?: (error: unknown) => unknown;
}

/**
 * Writes a value in Dagster's serdes format, byte for byte what Python's `serialize_value` writes:
 * `json.dumps(packed, sort_keys=True)` with `", "` / `": "`, `\uxxxx` escapes and Python's number text.
 */
export function serializeValue(value: unknown, options: SerializeOptions = {}): string {
  return new Writer(options.registry ?? defaultRegistry).write(value, undefined, false, []);
}

/**
 * Reads a serdes document (Dagster's `deserialize_value`). Registered classes come back as their TypeScript
 * classes, unknown ones as `UnknownRecord`; everything needed to write the same bytes again is kept.
 * Malformed JSON or a field of the wrong shape throws a `DeserializationError` naming the path.
 */
export function deserializeValue(json: string, options: DeserializeOptions = {}): unknown {
  const registry = options.registry ?? defaultRegistry;
  const hook = hookOf(registry);
  // The engine's JSON.parse where it reads the document exactly as parseJson would (most stored events).
  const tree = parseTreeFast(json);
  let value: unknown;
  if (tree === NOT_FAST) value = parseJson(json, hook);
  else if (options.lazy) value = decodeLazily(tree.value as object, [], { hook, registry, marked: tree.marked, ...(options.lazyError ? { wrapError: options.lazyError } : {}) });
  else value = walk(tree.value, [], hook, tree.marked);
  if (options.as) {
    const expected = registry.recordOfClass(options.as);
    const actual = typeof value === 'object' && value !== null ? registry.recordOf(value) : undefined;
    if (!actual || (expected && actual !== expected && !(value instanceof (options.as as unknown as new () => object)))) {
      throw new DeserializationError(`expected ${expected?.name ?? options.as.name}, got ${actual?.name ?? describe(value)}`, '$');
    }
  }
  return value;
}

/** The object hook of the readers for one registry, made once (not on every read). */
const hooks = new WeakMap<Registry, (object: Record<string, unknown>, path: JsonPath) => unknown>();
function hookOf(registry: Registry): (object: Record<string, unknown>, path: JsonPath) => unknown {
  let hook = hooks.get(registry);
  if (!hook) {
    hook = (object, path) => unpackObject(object, path, registry);
    hooks.set(registry, hook);
  }
  return hook;
}

// ---------------------------------------------------------------- writing

class Writer {
  constructor(private readonly registry: Registry) {}

  /** `asFloat`: the number at this place was a float (by field type or as read). */
  write(value: unknown, type: FieldType | undefined, asFloat: boolean, path: (string | number)[]): string {
    if (type && type.kind !== 'any') return this.writeTyped(value, type, asFloat, path);
    switch (typeof value) {
      case 'string':
        return pyJsonString(value);
      case 'number':
        return asFloat || !Number.isInteger(value) ? pyFloatRepr(value) : pyIntRepr(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'bigint':
        return value.toString();
      case 'undefined':
        return 'null';
      case 'object':
        return value === null ? 'null' : this.writeObject(value, path);
      default:
        throw new SerializationError(`cannot serialize a ${typeof value} at ${formatPath(path)}`);
    }
  }

  private writeTyped(value: unknown, type: FieldType, asFloat: boolean, path: (string | number)[]): string {
    switch (type.kind) {
      case 'nullable':
        return value === null || value === undefined ? 'null' : this.writeTyped(value, type.of, asFloat, path);
      case 'float':
        if (typeof value === 'number') return pyFloatRepr(value);
        return this.write(value, undefined, asFloat, path);
      case 'enum':
        return this.writeEnum(value, type.def, path);
      case 'list':
        if (Array.isArray(value)) return this.writeArray(value, type.of, path);
        return this.write(value, undefined, asFloat, path);
      case 'set':
        if (value instanceof Set) {
          // A set read from a document keeps the kind it was stored as; one built in code takes the field's.
          const frozen = (value as { [STORED_ORDER]?: boolean })[STORED_ORDER] ? value instanceof FrozenSet : type.frozen || value instanceof FrozenSet;
          return this.writeSet(value, frozen, type.of, path);
        }
        if (Array.isArray(value)) return this.writeSet(new Set(value), type.frozen, type.of, path);
        return this.write(value, undefined, asFloat, path);
      case 'dict':
        if (isPlainObject(value)) return this.writeDict(value, type.of, path);
        return this.write(value, undefined, asFloat, path);
      default:
        return this.write(value, undefined, asFloat, path);
    }
  }

  private writeEnum(value: unknown, def: EnumDef, path: (string | number)[]): string {
    if (value instanceof PyEnumValue) return `{"__enum__": ${pyJsonString(`${value.enumName}.${value.member}`)}}`;
    const member = typeof value === 'string' ? (def.memberOfValue.get(value) ?? (value in def.members ? value : undefined)) : undefined;
    if (member === undefined) throw new SerializationError(`${describe(value)} is not a member of ${def.name} at ${formatPath(path)}`);
    return `{"__enum__": ${pyJsonString(`${def.storageName}.${member}`)}}`;
  }

  private writeObject(value: object, path: (string | number)[]): string {
    if (Array.isArray(value)) return this.writeArray(value, undefined, path);
    const proto = Object.getPrototypeOf(value) as { constructor?: RecordClass } | null;
    if (proto === Object.prototype || proto === null) return this.writeDict(value, undefined, path);
    // A registered class itself (the common case) before the other kinds and the prototype-chain lookup.
    const exact = proto.constructor ? this.registry.recordOfClass(proto.constructor) : undefined;
    if (exact) return this.writeRecord(value, exact, path);
    if (value instanceof PyFloat) return pyFloatRepr(value.value);
    if (value instanceof Set) return this.writeSet(value, value instanceof FrozenSet, undefined, path);
    if (value instanceof Map) return this.writeMappingItems(value, path);
    if (value instanceof PyEnumValue) return `{"__enum__": ${pyJsonString(`${value.enumName}.${value.member}`)}}`;
    if (value instanceof UnknownRecord) return this.writeFields(value.className, value.fields, floatKeysOf(value.fields), path);
    const def = this.registry.recordOf(value);
    if (def) return this.writeRecord(value, def, path);
    throw new SerializationError(`${value.constructor?.name ?? 'object'} at ${formatPath(path)} is not a registered serdes class`);
  }

  private writeArray(items: readonly unknown[], of: FieldType | undefined, path: (string | number)[]): string {
    if (items.length === 0) return '[]';
    const floats = floatKeysOf(items);
    let out = '[';
    for (let i = 0; i < items.length; i++) {
      path.push(i);
      out += (i === 0 ? '' : ', ') + this.write(items[i], of, floats?.has(i) ?? false, path);
      path.pop();
    }
    return `${out}]`;
  }

  private writeDict(object: object, of: FieldType | undefined, path: (string | number)[]): string {
    const keys = Object.keys(object).sort(compareCodePoints);
    if (keys.length === 0) return '{}';
    const floats = floatKeysOf(object);
    const values = object as Record<string, unknown>;
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      path.push(key);
      out += `${i === 0 ? '' : ', '}${pyJsonString(key)}: ${this.write(values[key], of, floats?.has(key) ?? false, path)}`;
      path.pop();
    }
    return `${out}}`;
  }

  private writeSet(set: ReadonlySet<unknown>, frozen: boolean, of: FieldType | undefined, path: (string | number)[]): string {
    let items = [...set];
    // Python writes a set in `sorted(key=str)` order; one read from a document keeps its stored order.
    if (!(set as { [STORED_ORDER]?: boolean })[STORED_ORDER]) {
      const keyed = items.map((item) => [pyStr(item, this.registry), item] as const);
      keyed.sort((a, b) => compareCodePoints(a[0], b[0]));
      items = keyed.map(([, item]) => item);
    }
    path.push(frozen ? '__frozenset__' : '__set__');
    const body = this.writeArray(items, of, path);
    path.pop();
    return `{"${frozen ? '__frozenset__' : '__set__'}": ${body}}`;
  }

  private writeMappingItems(map: ReadonlyMap<unknown, unknown>, path: (string | number)[]): string {
    const pairs = [...map].map(([k, v]) => [k, v]);
    path.push('__mapping_items__');
    const body = this.writeArray(pairs, undefined, path);
    path.pop();
    return `{"__mapping_items__": ${body}}`;
  }

  private writeRecord(record: object, def: RecordDef, path: (string | number)[]): string {
    const meta = metaOf(record);
    const values = record as Record<string, unknown>;
    if (!meta?.keys && !meta?.unknown) return this.writeRecordByPlan(values, def, meta, path);
    const stored: Record<string, unknown> = {};
    const types = new Map<string, FieldType | undefined>();
    if (meta?.keys) {
      // Unchanged since it was read: the same keys as the document had.
      for (const key of meta.keys) {
        const field = def.fieldOfStored.get(key);
        const asRead = meta.enumsAsRead?.[key];
        if (asRead !== undefined) stored[key] = { __enum__: asRead };
        else if (field !== undefined) {
          stored[key] = values[field];
          types.set(key, def.fields[field]!.type);
        } else stored[key] = meta.unknown?.[key] ?? def.oldFields[key];
      }
    } else {
      for (const [name, key, field] of def.fieldList) {
        const value = values[name];
        if ((field.skipWhenNone || field.skipWhenEmpty) && (value === null || value === undefined)) continue;
        if (field.skipWhenEmpty && isEmpty(value)) continue;
        stored[key] = value;
        types.set(key, field.type);
      }
      for (const [key, value] of Object.entries(def.oldFields)) if (!(key in stored)) stored[key] = value;
      if (meta?.unknown) for (const [key, value] of Object.entries(meta.unknown)) if (!(key in stored)) stored[key] = value;
    }
    return this.writeFields(meta?.readAs ?? def.storageName, stored, meta?.floats, path, types);
  }

  /** A record built in code (no stored key list to follow): its fields in the order computed once per class. */
  private writeRecordByPlan(values: Record<string, unknown>, def: RecordDef, meta: RecordMeta | undefined, path: (string | number)[]): string {
    const floats = meta?.floats;
    let out = '{';
    for (const step of writePlanOf(def)) {
      const prefix = out.length === 1 ? step.keyText : `, ${step.keyText}`;
      if (step.field === undefined) {
        out += prefix + (step.key === '__class__' ? pyJsonString(meta?.readAs ?? def.storageName) : this.write(def.oldFields[step.key], undefined, false, path));
        continue;
      }
      const value = values[step.name];
      const field = step.field;
      if (((field.skipWhenNone || field.skipWhenEmpty) && (value === null || value === undefined)) || (field.skipWhenEmpty && isEmpty(value))) {
        // A skipped field leaves the place to an old field of the same name.
        if (step.key in def.oldFields) out += prefix + this.write(def.oldFields[step.key], undefined, false, path);
        continue;
      }
      path.push(step.key);
      out += prefix + this.write(value, field.type, floats?.has(step.key) ?? false, path);
      path.pop();
    }
    return `${out}}`;
  }

  private writeFields(
    className: string,
    fields: Readonly<Record<string, unknown>>,
    floats: ReadonlySet<string | number> | undefined,
    path: (string | number)[],
    types?: ReadonlyMap<string, FieldType | undefined>,
  ): string {
    const keys = [...Object.keys(fields), '__class__'].sort(compareCodePoints);
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      out += `${i === 0 ? '' : ', '}${pyJsonString(key)}: `;
      if (key === '__class__') {
        out += pyJsonString(className);
        continue;
      }
      path.push(key);
      out += this.write(fields[key], types?.get(key), floats?.has(key) ?? false, path);
      path.pop();
    }
    return `${out}}`;
  }
}

/** One member of a record as written: a field, an old field Dagster still writes, or `__class__`. */
interface WriteStep {
  readonly key: string;
  /** `"key": ` as written. */
  readonly keyText: string;
  readonly name: string;
  readonly field: FieldSpec | undefined;
}

const writePlans = new WeakMap<RecordDef, readonly WriteStep[]>();

/** A class's members in the order Python's `sort_keys` writes them (fields win over old fields of the same name). */
function writePlanOf(def: RecordDef): readonly WriteStep[] {
  let plan = writePlans.get(def);
  if (plan) return plan;
  const steps = new Map<string, WriteStep>();
  const step = (key: string, name: string, field: FieldSpec | undefined): WriteStep => ({ key, keyText: `${pyJsonString(key)}: `, name, field });
  for (const [name, key, field] of def.fieldList) steps.set(key, step(key, name, field));
  for (const key of Object.keys(def.oldFields)) if (!steps.has(key)) steps.set(key, step(key, key, undefined));
  steps.set('__class__', step('__class__', '__class__', undefined));
  plan = [...steps.values()].sort((a, b) => compareCodePoints(a.key, b.key));
  writePlans.set(def, plan);
  return plan;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Set || value instanceof Map) return value.size === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Python's `str()` of a value, which orders the items of a set. */
export function pyStr(value: unknown, registry: Registry = defaultRegistry): string {
  if (typeof value === 'string') return value;
  return pyRepr(value, registry);
}

function pyRepr(value: unknown, registry: Registry): string {
  switch (typeof value) {
    case 'string':
      return pyStrRepr(value);
    case 'number':
      return Number.isInteger(value) ? pyIntRepr(value) : pyFloatRepr(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'True' : 'False';
    case 'undefined':
      return 'None';
    default:
      break;
  }
  if (value === null) return 'None';
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v, registry)).join(', ')}]`;
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof PyEnumValue) return value.toString();
  const def = registry.recordOf(value as object);
  if (def) {
    if (def.pyStr) return def.pyStr(value);
    const fields = def.fieldList.map(([name]) => `${snakeName(def, name)}=${pyRepr((value as Record<string, unknown>)[name], registry)}`);
    return `${def.name}(${fields.join(', ')})`;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v, registry)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

function snakeName(def: RecordDef, name: string): string {
  return def.fieldList.find(([n]) => n === name)?.[1] ?? name;
}

// ---------------------------------------------------------------- reading

function unpackObject(object: Record<string, unknown>, path: JsonPath, registry: Registry): unknown {
  const className = object.__class__;
  if (typeof className === 'string') {
    const def = registry.recordByName(className);
    const floats = floatKeysOf(object);
    if (!def) {
      const { __class__: _, ...fields } = object;
      if (floats) markFloatKeys(fields, floats);
      return new UnknownRecord(className, fields);
    }
    return unpackRecord(def, className, object, floats, path, registry);
  }
  // The markers below are objects of exactly one member.
  let members = 0;
  let only = '';
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    if (++members > 1) return object;
    only = key;
  }
  if (members !== 1) return object;
  if (only === '__enum__' && typeof object.__enum__ === 'string') {
    const text = object.__enum__;
    const dot = text.lastIndexOf('.');
    if (dot < 0) throw new DeserializationError(`invalid enum reference ${JSON.stringify(text)}`, formatPath(path));
    return new PyEnumValue(text.slice(0, dot), text.slice(dot + 1));
  }
  if (only === '__set__' || only === '__frozenset__') {
    const items = object[only];
    if (!Array.isArray(items)) throw new DeserializationError(`${only} must hold a list`, formatPath([...path, only]));
    const set: Set<unknown> = only === '__set__' ? new Set() : new FrozenSet();
    for (const item of items) set.add(item);
    Object.defineProperty(set, STORED_ORDER, { value: true, enumerable: false });
    return set;
  }
  if (only === '__mapping_items__') {
    const items = object.__mapping_items__;
    if (!Array.isArray(items) || !items.every((pair) => Array.isArray(pair) && pair.length === 2)) {
      throw new DeserializationError('__mapping_items__ must hold [key, value] pairs', formatPath([...path, '__mapping_items__']));
    }
    return new Map(items as [unknown, unknown][]);
  }
  return object;
}

/** `document` is the object as read, `__class__` included (skipped: it is not a field). */
function unpackRecord(
  def: RecordDef,
  className: string,
  document: Record<string, unknown>,
  floats: ReadonlySet<string | number> | undefined,
  path: JsonPath,
  registry: Registry,
  lazy?: LazyFields,
): object {
  let stored = document;
  let migrated = false;
  if (def.beforeUnpack) {
    const { __class__: _, ...fields } = document;
    stored = def.beforeUnpack(fields);
    migrated = stored !== fields;
  }
  const record = Object.create(def.cls.prototype as object) as Record<string, unknown>;
  let enumsAsRead: Record<string, string> | undefined;
  const fieldList = def.fieldList;
  for (let i = 0; i < fieldList.length; i++) {
    const [name, key, field] = fieldList[i]!;
    const raw = stored[key];
    if (lazy?.keys.has(key)) defineLazyField(record, name, raw as object, field.type, path, key, lazy.context);
    else if (raw !== undefined || key in stored) {
      const value = convert(raw, field.type, path, key, registry);
      record[name] = value;
      if (raw instanceof PyEnumValue && !migrated) {
        const current = enumReference(value, field.type);
        if (current !== undefined && current !== raw.toString()) (enumsAsRead ??= {})[key] = raw.toString();
      }
    } else if (hasDefault(field)) record[name] = missingValue(field);
    else throw new DeserializationError(`${def.name} is missing required field ${key}`, formatPath(path));
  }
  let unknown: Record<string, unknown> | undefined;
  const keys = Object.keys(stored);
  let classAt = -1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === '__class__' && stored === document) classAt = i;
    else if (!def.fieldOfStored.has(key)) (unknown ??= {})[key] = stored[key];
  }
  if (classAt >= 0) keys.splice(classAt, 1);
  const meta: { -readonly [K in keyof RecordMeta]: RecordMeta[K] } = {};
  if (className !== def.storageName && !migrated) meta.readAs = className;
  if (!migrated) meta.keys = keys;
  if (unknown) meta.unknown = unknown;
  if (floats && !migrated) meta.floats = floats;
  if (enumsAsRead) meta.enumsAsRead = enumsAsRead;
  attachMeta(record, meta);
  return Object.freeze(record);
}

// ---------------------------------------------------------------- lazy reading

/** What decoding a part of a parsed tree needs. */
interface LazyContext {
  readonly hook: (object: Record<string, unknown>, path: JsonPath) => unknown;
  readonly registry: Registry;
  /** The tree holds marked integral floats (see `parseTreeFast`). */
  readonly marked: boolean;
  /** `DeserializeOptions.lazyError`. */
  readonly wrapError?: (error: unknown) => unknown;
}

/** The stored keys of a record decoded on first read, with what decoding them needs. */
interface LazyFields {
  readonly keys: ReadonlySet<string>;
  readonly context: LazyContext;
}

/**
 * Decodes an object or array of a parsed tree: a registered record (without a `beforeUnpack` migration) gets its
 * primitive fields now and its nested fields as lazy ones; anything else is walked whole, as the eager path does.
 */
function decodeLazily(value: object, path: (string | number)[], context: LazyContext): unknown {
  const { hook, registry, marked } = context;
  if (Array.isArray(value)) return walk(value, path, hook, marked);
  const object = value as Record<string, unknown>;
  const className = object.__class__;
  const def = typeof className === 'string' ? registry.recordByName(className) : undefined;
  if (!def || def.beforeUnpack) return walk(value, path, hook, marked);
  // Enum references are read now (an old enum name is remembered in the record's metadata); fields this class
  // lacks are kept as read, so they are walked now too. The rest waits for its first read.
  const lazy = new LazyKeys(def);
  const floats = walkMembers(object, path, hook, marked, lazy);
  return unpackRecord(def, className as string, object, floats, path, registry, lazy.keys ? { keys: lazy.keys, context } : undefined);
}

/** Collects the members of a record's document that `decodeLazily` leaves for their first read. */
class LazyKeys {
  keys: Set<string> | undefined;
  constructor(private readonly def: RecordDef) {}

  defer(key: string, item: object): boolean {
    if (!this.def.fieldOfStored.has(key) || '__enum__' in item) return false;
    (this.keys ??= new Set()).add(key);
    return true;
  }
}

/** A lazy field's part of the tree, decoded on first read; the value (or the error, thrown on every read) is kept. */
class LazyField {
  #state = 0; // 0: not decoded, 1: decoded, 2: failed
  #result: unknown;

  constructor(
    readonly raw: object,
    readonly type: FieldType | undefined,
    readonly parent: JsonPath,
    readonly key: string,
    readonly context: LazyContext,
  ) {}

  value(): unknown {
    if (this.#state === 0) {
      const { raw, type, parent, key, context } = this;
      try {
        this.#result = convert(decodeLazily(raw, [...parent, key], context), type, parent, key, context.registry);
        this.#state = 1;
      } catch (error) {
        this.#result = context.wrapError ? context.wrapError(error) : error;
        this.#state = 2;
      }
    }
    if (this.#state === 2) throw this.#result;
    return this.#result;
  }
}

/** A record's lazy fields by TypeScript name (a hidden member, so that one getter per name serves every record). */
const LAZY_FIELDS: unique symbol = Symbol('inst.serdes.lazyFields');
type WithLazyFields = { [LAZY_FIELDS]?: Record<string, LazyField> };
const lazyGetters = new Map<string, (this: WithLazyFields) => unknown>();

function lazyGetter(name: string): (this: WithLazyFields) => unknown {
  let get = lazyGetters.get(name);
  if (!get) {
    get = function (this: WithLazyFields) {
      return this[LAZY_FIELDS]![name]!.value();
    };
    lazyGetters.set(name, get);
  }
  return get;
}

/** A read-only field that decodes its part of the tree on first read (and throws the same error on every read if that fails). */
function defineLazyField(record: object, name: string, raw: object, type: FieldType | undefined, path: JsonPath, key: string, context: LazyContext): void {
  let fields = (record as WithLazyFields)[LAZY_FIELDS];
  if (!fields) {
    fields = {};
    Object.defineProperty(record, LAZY_FIELDS, { value: fields });
  }
  fields[name] = new LazyField(raw, type, path.slice(), key, context);
  Object.defineProperty(record, name, { enumerable: true, get: lazyGetter(name) });
}

/**
 * Checks a read value against its field type, turning enum references into member values. The value is at
 * `key` of the object at `path`; the path to it is only built for an error or a nested container.
 */
function convert(value: unknown, type: FieldType | undefined, path: JsonPath, key: string | number, registry: Registry): unknown {
  if (!type) return value;
  switch (type.kind) {
    case 'any':
      return value;
    case 'nullable':
      return value === null ? null : convert(value, type.of, path, key, registry);
    case 'str':
      if (typeof value === 'string') return value;
      break;
    case 'int':
    case 'float':
      if (typeof value === 'number' || typeof value === 'bigint') return value;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      break;
    case 'enum':
      if (value instanceof PyEnumValue) return enumMemberValue(value, type.def, path, key);
      break;
    case 'list':
      if (Array.isArray(value)) return convertItems(value, type.of, path, key, registry);
      break;
    case 'set':
      if (value instanceof Set) {
        if (type.of.kind === 'any') return value;
        const converted: Set<unknown> = value instanceof FrozenSet ? new FrozenSet() : new Set();
        const at = [...path, key];
        let i = 0;
        for (const item of value) converted.add(convert(item, type.of, at, i++, registry));
        Object.defineProperty(converted, STORED_ORDER, { value: true, enumerable: false });
        return converted;
      }
      if (Array.isArray(value)) return convertItems(value, type.of, path, key, registry);
      break;
    case 'dict':
      if (isPlainObject(value)) {
        if (type.of.kind === 'any') return value;
        const at = [...path, key];
        for (const member of Object.keys(value)) value[member] = convert(value[member], type.of, at, member, registry);
        return value;
      }
      break;
    case 'record': {
      const def = registry.recordOfClass(type.cls);
      if (typeof value === 'object' && value !== null && registry.recordOf(value) === def) return value;
      throw new DeserializationError(`expected ${def?.name ?? type.cls.name}, got ${describe(value)}`, formatPath([...path, key]));
    }
  }
  throw new DeserializationError(`expected ${describeType(type)}, got ${describe(value)}`, formatPath([...path, key]));
}

function convertItems(items: unknown[], of: FieldType, path: JsonPath, key: string | number, registry: Registry): unknown[] {
  if (of.kind === 'any' || items.length === 0) return items;
  const at = [...path, key];
  for (let i = 0; i < items.length; i++) items[i] = convert(items[i], of, at, i, registry);
  return items;
}

function enumMemberValue(value: PyEnumValue, def: EnumDef, parent: JsonPath, key: string | number): string {
  const path = (): JsonPath => [...parent, key];
  if (value.enumName !== def.storageName && value.enumName !== def.name && !def.oldStorageNames.includes(value.enumName)) {
    throw new DeserializationError(`expected a member of ${def.name}, got ${value.toString()}`, formatPath(path()));
  }
  const member = def.memberAliases[value.member] ?? value.member;
  const result = def.members[member];
  if (result === undefined) throw new DeserializationError(`${def.name} has no member ${value.member}`, formatPath(path()));
  return result;
}

/** How an enum field's value is written (`PipelineRunStatus.SUCCESS`), to tell whether a read reference was an old name. */
function enumReference(value: unknown, type: FieldType | undefined): string | undefined {
  const inner = type?.kind === 'nullable' ? type.of : type;
  if (inner?.kind !== 'enum' || typeof value !== 'string') return undefined;
  const member = inner.def.memberOfValue.get(value);
  return member === undefined ? undefined : `${inner.def.storageName}.${member}`;
}

function describeType(type: FieldType): string {
  switch (type.kind) {
    case 'str': return 'a string';
    case 'int': return 'an int';
    case 'float': return 'a number';
    case 'bool': return 'a boolean';
    case 'enum': return `a member of ${type.def.name}`;
    case 'list': return 'a list';
    case 'set': return type.frozen ? 'a frozenset' : 'a set';
    case 'dict': return 'a mapping';
    case 'record': return type.cls.name;
    case 'nullable': return `${describeType(type.of)} or null`;
    default: return 'a value';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof UnknownRecord) return `unknown class ${value.className}`;
  if (value instanceof PyEnumValue) return value.toString();
  if (typeof value === 'object') return value.constructor?.name && value.constructor !== Object ? value.constructor.name : 'a mapping';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}` : `${typeof value} ${String(value)}`;
}
