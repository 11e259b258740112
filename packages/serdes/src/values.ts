/**
 * Value classes for what JSON cannot say by itself, so a document read and written again loses nothing.
 */

/**
 * Marks, on a parsed object or array (and on unknown records' fields), which keys held a number written as a
 * float with an integral value (`1000.0`). JavaScript numbers cannot tell `1000.0` from `1000`; Python can.
 */
export const FLOAT_KEYS: unique symbol = Symbol.for('inst.serdes.floatKeys');

/** A set read from a document keeps the order it was stored in; sets built in code are sorted as Python sorts them. */
export const STORED_ORDER: unique symbol = Symbol.for('inst.serdes.storedOrder');

/** Dagster's `frozenset`: written as `{"__frozenset__": [...]}`. A plain `Set` is written as `{"__set__": [...]}`. */
export class FrozenSet<T> extends Set<T> {}

/** A float to write as a float even when its value is integral: `new PyFloat(1)` is written `1.0`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** An enum member met where no field type says which enum it is, or of an enum this registry does not know. */
export class PyEnumValue {
  constructor(
    /** The enum's name as stored (`PipelineRunStatus`). */
    readonly enumName: string,
    /** The member's name (`SUCCESS`). */
    readonly member: string,
  ) {}
  toString(): string {
    return `${this.enumName}.${this.member}`;
  }
}

/**
 * An object of a class this registry does not know, kept whole (Dagster raises; inst keeps it so that reading
 * and writing a newer writer's document loses nothing). `fields` holds the stored field names.
 */
export class UnknownRecord {
  constructor(
    readonly className: string,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {}
}

/** Marks a container's keys that held integral floats (non-enumerable, so equality and spreading ignore it). */
export function markFloatKeys(target: object, keys: ReadonlySet<string | number>): void {
  if (keys.size > 0) Object.defineProperty(target, FLOAT_KEYS, { value: keys, enumerable: false });
}

/** The keys of `target` that held integral floats when it was read. */
export function floatKeysOf(target: object): ReadonlySet<string | number> | undefined {
  return (target as { [FLOAT_KEYS]?: ReadonlySet<string | number> })[FLOAT_KEYS];
}
