/**
 * Small helpers shared by the record modules (not part of the public API).
 */
import { InvariantViolationError } from '@inst/errors';
import { FrozenSet } from '@inst/serdes';

/** Dagster's `check.invariant`: throws an InvariantViolationError when the condition is false. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantViolationError(message);
}

/** A frozenset from any iterable (kept as is when it already is one); null stays null. */
export function toFrozenSet<T>(items: Iterable<T> | null | undefined): FrozenSet<T> | null {
  if (items === null || items === undefined) return null;
  if (items instanceof FrozenSet) return items as FrozenSet<T>;
  const set = new FrozenSet<T>();
  for (const item of items) set.add(item);
  return set;
}

/** Copies an init object's defined values onto a plain (non-serdes) record, fills defaults and freezes it. */
export function initPlain<T extends object>(self: T, init: object, defaults: object = {}): void {
  Object.assign(self, defaults);
  for (const [key, value] of Object.entries(init)) if (value !== undefined) (self as Record<string, unknown>)[key] = value;
  Object.freeze(self);
}

/** Seconds since the epoch, as Python's `time.time()`. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}
