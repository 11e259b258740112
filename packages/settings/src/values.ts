/** Helpers for raw YAML values, and `{env: VAR}` values (Dagster's StringSource / IntSource / BoolSource). */

/** A YAML mapping: a plain object (not a list, null, or a Date that a YAML timestamp becomes). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** An `{env: NAME}` reference. */
export interface EnvRef {
  env: string;
}

/** True for exactly `{env: '<name>'}`. */
export function isEnvRef(value: unknown): value is EnvRef {
  return isMapping(value) && Object.keys(value).length === 1 && typeof value.env === 'string';
}

/** The variable's text turned into an integer when it is one, else left as text for the schema to reject. */
export function intFromEnv(text: string): unknown {
  return /^\s*[-+]?\d+\s*$/.test(text) ? Number(text) : text;
}

/** `true`/`false`/`1`/`0` in any case become booleans; anything else is left for the schema to reject. */
export function boolFromEnv(text: string): unknown {
  const lower = text.trim().toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return text;
}
