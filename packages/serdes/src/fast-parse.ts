import { type JsonPath, type ObjectHook } from './json-parse';
import { markFloatKeys } from './values';

/*
 * The fast path of `deserializeValue`: the engine's own `JSON.parse`, then one bottom-up walk that calls the
 * object hook as `parseJson` would. `JSON.parse` reads everything `parseJson` reads the same way except what
 * JavaScript numbers cannot hold — integers beyond 2^53 and integral floats (`1000.0`) — and Python's
 * non-standard literals, which it rejects. A document with any of those (or anything that merely looks like
 * one) goes to `parseJson`, except integral floats: those are handed to
 * `JSON.parse` as marked strings and turned back into numbers, with their float marks, by the walk.
 */

/** Returned when the fast path cannot read a document exactly; the caller uses `parseJson`. */
export const NOT_FAST: unique symbol = Symbol('inst.serdes.notFast');

/** What an integral float becomes for `JSON.parse`: a string no document holds (a document with its text goes to parseJson). */
const MARK = '\u0000inst.float:';
const MARK_TEXT = '\\u0000inst.float:';

export function parseJsonFast(text: string, hook: ObjectHook): unknown {
  const tree = parseTreeFast(text);
  return tree === NOT_FAST ? NOT_FAST : walk(tree.value, [], hook, tree.marked);
}

/** A document as `JSON.parse` reads it, not yet walked; `marked`: integral floats in it are marked strings (see {@link walk}). */
export interface ParsedTree {
  readonly value: unknown;
  readonly marked: boolean;
}

/** `JSON.parse` of a document the fast path can read exactly, leaving the walk to the caller (lazy decoding walks parts on demand). */
export function parseTreeFast(text: string): ParsedTree | typeof NOT_FAST {
  const first = text.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) return NOT_FAST;
  if (text.includes(MARK_TEXT)) return NOT_FAST;
  const source = MAY_NEED_SCAN.test(text) ? markNumbers(text) : text;
  if (source === undefined) return NOT_FAST;
  try {
    return { value: JSON.parse(source) as unknown, marked: source !== text };
  } catch {
    return NOT_FAST;
  }
}

/**
 * What `markNumbers` acts on, looked for anywhere in the text (inside strings too, so it may find more than is
 * there): an integral float or an exponent followed by what ends a number, 16 digits in a row, NaN, Infinity.
 * Most documents have none, and the regular expression finds that far faster than the scan would.
 */
const MAY_NEED_SCAN = /\d(?:\.0+[\s,\]}]|[eE][-+]?\d+[\s,\]}]|\d{15})/;

/**
 * Scans the document outside its strings (jumping over each string with `indexOf`): undefined when a number
 * needs parseJson (an exponent, 16 or more integer digits) or a Python literal is there (NaN, Infinity); else
 * the text with each integral float (`1000.0`) replaced by a marked string.
 */
function markNumbers(text: string): string | undefined {
  const length = text.length;
  let out: string | undefined;
  let copied = 0;
  let pos = 0;
  while (pos < length) {
    const c = text.charCodeAt(pos);
    if (c === 0x22) {
      let end = text.indexOf('"', pos + 1);
      while (end > 0 && text.charCodeAt(end - 1) === 0x5c && escapedQuote(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return undefined;
      pos = end + 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = pos;
      if (c === 0x2d) pos++;
      const intStart = pos;
      while (isDigit(text.charCodeAt(pos))) pos++;
      if (pos - intStart >= 16) return undefined;
      let integral = false;
      if (text.charCodeAt(pos) === 0x2e) {
        pos++;
        integral = true;
        while (isDigit(text.charCodeAt(pos))) {
          if (text.charCodeAt(pos) !== 0x30) integral = false;
          pos++;
        }
      }
      const e = text.charCodeAt(pos);
      if (e === 0x65 || e === 0x45) return undefined;
      if (integral) {
        out = `${out ?? ''}${text.slice(copied, start)}"\\u0000inst.float:${text.slice(start, pos)}"`;
        copied = pos;
      }
    } else if (c === 0x4e || c === 0x49) {
      return undefined;
    } else pos++;
  }
  return out === undefined ? text : out + text.slice(copied);
}

/** Whether the quote at `at` is escaped: an odd number of backslashes before it. */
function escapedQuote(text: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; text.charCodeAt(i) === 0x5c; i--) n++;
  return n % 2 === 1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function unmark(value: unknown): number | undefined {
  return typeof value === 'string' && value.charCodeAt(0) === 0 && value.startsWith(MARK) ? Number(value.slice(MARK.length)) : undefined;
}

/**
 * Calls the hook on every object of a parsed tree, bottom-up, turning marked integral floats back into numbers
 * (with their float marks). `value` must be an object or array; it is changed in place.
 */
export function walk(value: unknown, path: (string | number)[], hook: ObjectHook, marked: boolean): unknown {
  if (Array.isArray(value)) {
    let floats: Set<number> | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) {
        path.push(i);
        value[i] = walk(item, path, hook, marked);
        path.pop();
      } else if (marked) {
        const float = unmark(item);
        if (float !== undefined) {
          value[i] = float;
          (floats ??= new Set()).add(i);
        }
      }
    }
    if (floats) markFloatKeys(value, floats);
    return value;
  }
  const object = value as Record<string, unknown>;
  const floats = walkMembers(object, path, hook, marked);
  if (floats) markFloatKeys(object, floats);
  return hook(object, path as JsonPath);
}

/**
 * The members of an object, walked in place: nested objects and arrays (except those `defer` keeps as they are,
 * for a lazy reader) and marked floats. Returns the keys that held integral floats.
 */
export function walkMembers(
  object: Record<string, unknown>,
  path: (string | number)[],
  hook: ObjectHook,
  marked: boolean,
  defer?: { defer(key: string, item: object): boolean },
): Set<string> | undefined {
  let floats: Set<string> | undefined;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = object[key];
    if (typeof item === 'object' && item !== null) {
      if (defer?.defer(key, item)) continue;
      path.push(key);
      const replaced = walk(item, path, hook, marked);
      path.pop();
      if (replaced !== item) setMember(object, key, replaced);
    } else if (marked) {
      const float = unmark(item);
      if (float !== undefined) {
        setMember(object, key, float);
        (floats ??= new Set()).add(key);
      }
    }
  }
  return floats;
}

/** An own data member, even for `__proto__` (which `JSON.parse` also makes an own member). */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}
