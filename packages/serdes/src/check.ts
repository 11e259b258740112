import { InvalidArgumentError } from '@inst/errors';
import { formatPath } from './json-parse';
import { type FieldType, type RecordDef, type Registry, defaultRegistry } from './registry';
import { FrozenSet, PyEnumValue, PyFloat, UnknownRecord } from './values';

/*
 * The write-side twin of the reader's field checks: a value that passes `checkSerializable` is written by
 * `serializeValue` and read back by `deserializeValue` as the same value. Values are checked before they are
 * stored, so that nothing a caller hands in can make a later read of the row fail.
 */

export interface CheckOptions {
  registry?: Registry;
}

/** Frozen records already checked (records are immutable, so a record checked once stays good). */
const checkedRecords = new WeakSet<object>();

/**
 * Throws an `InvalidArgumentError` naming `name` and the path inside the value when the value could not be
 * stored and read back exactly: a registered record's field of the wrong type (`description: 5`), an enum value
 * that is not a member, a cycle, a BigInt, a function or symbol, a class serdes does not know, a string or key
 * that is not well-formed Unicode (a lone surrogate), a number that is not finite where an int is expected.
 */
export function checkSerializable(value: unknown, name: string, options: CheckOptions = {}): void {
  const registry = options.registry ?? defaultRegistry;
  try {
    new Checker(registry, name, false).check(value, undefined, []);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    // Deeper than any record inst writes: perhaps a cycle. Walked again keeping the objects on the path, which
    // finds it (and names it) or checks a legitimately deep value.
    new Checker(registry, name, true).check(value, undefined, []);
  }
}

/**
 * The first walk keeps no set of the objects on its path (the cost of a check is mostly that set): it counts
 * its depth instead, and gives up past this depth, where a cycle would take it. Errors found before are the
 * same either way — both walks visit values in the same order, and a cycle revisits only values already passed.
 */
const FAST_MAX_DEPTH = 100;
const TOO_DEEP: unique symbol = Symbol('too deep');

/** True for a string without lone surrogates (Python and Postgres cannot store those as text). */
export function isWellFormedString(value: string): boolean {
  return (value as { isWellFormed?: () => boolean }).isWellFormed?.() ?? !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}

class Checker {
  /** The objects on the path, in the careful walk (undefined in the fast one). */
  readonly #active: Set<object> | undefined;
  #depth = 0;

  constructor(
    private readonly registry: Registry,
    private readonly name: string,
    careful: boolean,
  ) {
    this.#active = careful ? new Set() : undefined;
  }

  fail(path: (string | number)[], message: string, value: unknown): never {
    const where = path.length ? `${this.name}${formatPath(path).slice(1)}` : this.name;
    throw new InvalidArgumentError(`${where}: ${message}, got ${describe(value)}`, { ids: { parameter: this.name, path: formatPath(path) } });
  }

  check(value: unknown, type: FieldType | undefined, path: (string | number)[]): void {
    if (type && type.kind !== 'any') {
      this.checkTyped(value, type, path);
      return;
    }
    switch (typeof value) {
      case 'string':
        if (!isWellFormedString(value)) this.fail(path, 'a string with a lone surrogate cannot be stored', value);
        return;
      case 'number':
      case 'boolean':
      case 'undefined':
        return;
      case 'bigint':
        return this.fail(path, 'a BigInt is not stored exactly (it reads back as a number)', value);
      case 'object':
        if (value === null) return;
        this.checkObject(value, path);
        return;
      default:
        this.fail(path, `a ${typeof value} cannot be stored`, value);
    }
  }

  private checkTyped(value: unknown, type: FieldType, path: (string | number)[]): void {
    switch (type.kind) {
      case 'nullable':
        if (value === null || value === undefined) return;
        return this.checkTyped(value, type.of, path);
      case 'str':
        if (typeof value !== 'string') return this.fail(path, 'expected a string', value);
        return this.check(value, undefined, path);
      case 'int':
        if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, 'expected an integer', value);
        return;
      case 'float':
        if (typeof value !== 'number' && !(value instanceof PyFloat)) return this.fail(path, 'expected a number', value);
        return;
      case 'bool':
        if (typeof value !== 'boolean') return this.fail(path, 'expected a boolean', value);
        return;
      case 'enum':
        if (value instanceof PyEnumValue) return;
        if (typeof value !== 'string' || !(type.def.memberOfValue.has(value) || value in type.def.members)) {
          return this.fail(path, `expected a member of ${type.def.name}`, value);
        }
        return;
      case 'list':
        if (!Array.isArray(value) && !(value instanceof Set)) return this.fail(path, 'expected a list', value);
        return this.checkItems(value, type.of, path);
      case 'set':
        if (!Array.isArray(value) && !(value instanceof Set)) return this.fail(path, 'expected a set', value);
        return this.checkItems(value, type.of, path);
      case 'dict':
        if (!isPlainObject(value)) return this.fail(path, 'expected a plain object', value);
        return this.checkEntries(value, type.of, path);
      case 'record': {
        const def = this.registry.recordOfClass(type.cls);
        const own = typeof value === 'object' && value !== null ? this.registry.recordOf(value) : undefined;
        if (typeof value !== 'object' || value === null || (own !== def && !(value instanceof (type.cls as unknown as new () => object)))) {
          return this.fail(path, `expected ${def?.name ?? type.cls.name}`, value);
        }
        if (!own) return this.fail(path, 'not a record inst can store (a plain object, array or registered record)', value);
        return this.checkRecord(value, own, path);
      }
      default:
        return this.check(value, undefined, path);
    }
  }

  private checkItems(items: Iterable<unknown>, of: FieldType | undefined, path: (string | number)[]): void {
    let i = 0;
    for (const item of items) {
      path.push(i++);
      this.check(item, of, path);
      path.pop();
    }
  }

  private checkEntries(object: object, of: FieldType | undefined, path: (string | number)[]): void {
    for (const [key, item] of Object.entries(object)) {
      if (!isWellFormedString(key)) this.fail(path, 'a key with a lone surrogate cannot be stored', key);
      path.push(key);
      this.check(item, of, path);
      path.pop();
    }
  }

  /** Steps into an object: a cycle is refused (careful walk), or the depth counted (fast walk). */
  private enter(value: object, path: (string | number)[]): void {
    const active = this.#active;
    if (active) {
      if (active.has(value)) this.fail(path, 'a cycle cannot be stored', '[Circular]');
      active.add(value);
    } else if (++this.#depth > FAST_MAX_DEPTH) {
      throw TOO_DEEP;
    }
  }

  private leave(value: object): void {
    if (this.#active) this.#active.delete(value);
    else this.#depth--;
  }

  /** A value already known to be an instance of `def`'s class: its fields (the cycle guard as in checkObject). */
  private checkRecord(value: object, def: RecordDef, path: (string | number)[]): void {
    if (checkedRecords.has(value)) return;
    this.enter(value, path);
    try {
      this.checkFields(value, def, path);
    } finally {
      this.leave(value);
    }
  }

  private checkFields(value: object, def: RecordDef, path: (string | number)[]): void {
    if (checkedRecords.has(value)) return;
    const fields = value as Record<string, unknown>;
    const fieldList = def.fieldList;
    for (let i = 0; i < fieldList.length; i++) {
      const [name, , field] = fieldList[i]!;
      path.push(name);
      this.check(fields[name], field.type, path);
      path.pop();
    }
    // Only the value a check starts from is remembered (the set is costly to grow): a record passed again.
    if (path.length === 0 && Object.isFrozen(value)) checkedRecords.add(value);
  }

  private checkObject(value: object, path: (string | number)[]): void {
    this.enter(value, path);
    try {
      if (Array.isArray(value) || value instanceof Set) this.checkItems(value, undefined, path);
      else if (value instanceof Map) {
        for (const [key, item] of value) {
          this.check(key, undefined, path);
          this.check(item, undefined, path);
        }
      } else if (isPlainObject(value)) this.checkEntries(value, undefined, path);
      else if (value instanceof PyFloat || value instanceof PyEnumValue) return;
      else if (value instanceof UnknownRecord) this.checkEntries(value.fields, undefined, path);
      else {
        const def = this.registry.recordOf(value);
        if (!def) return this.fail(path, 'not a record inst can store (a plain object, array or registered record)', value);
        this.checkFields(value, def, path);
      }
    } finally {
      this.leave(value);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for an error message: its type, and the value itself when short. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint':
      return `bigint ${value.toString()}n`;
    case 'function':
      return `function ${(value as { name?: string }).name || '(anonymous)'}`;
    case 'symbol':
      return value.toString();
    default:
      break;
  }
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value instanceof FrozenSet || value instanceof Set) return `set of ${value.size}`;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor !== 'Object' ? `${ctor} instance` : 'object';
}
