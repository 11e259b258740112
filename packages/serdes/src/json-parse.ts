import { DeserializationError } from '@inst/errors';
import { markFloatKeys } from './values';

/** Where the parser is inside the document: object keys and array indexes from the root. */
export type JsonPath = readonly (string | number)[];

/** Renders a path as `$.a.b[2]`. */
export function formatPath(path: JsonPath): string {
  let out = '$';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : /^[A-Za-z_]\w*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  return out;
}

/** Called for each object once its members are read (bottom-up, like Python's `object_hook`). */
export type ObjectHook = (object: Record<string, unknown>, path: JsonPath) => unknown;

/**
 * A JSON reader with Python's `json.loads(strict=False)` rules: NaN/Infinity literals, control characters inside
 * strings, the last of duplicate keys wins. Unlike `JSON.parse` it keeps what JSON says and JavaScript numbers do
 * not: integers beyond 2^53 become bigints, and containers remember which keys held integral floats (`1.0`).
 */
export function parseJson(text: string, hook?: ObjectHook): unknown {
  return new Parser(text, hook).parseDocument();
}

class Parser {
  private pos = 0;
  private readonly path: (string | number)[] = [];
  /** Set by parseNumber when the number just read was written as a float but has an integral value. */
  private integralFloat = false;

  constructor(
    private readonly text: string,
    private readonly hook: ObjectHook | undefined,
  ) {}

  parseDocument(): unknown {
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private fail(message: string): never {
    throw new DeserializationError(`${message} (at character ${this.pos})`, formatPath(this.path));
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  private parseValue(): unknown {
    this.skipWhitespace();
    this.integralFloat = false;
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: return this.parseObject(); // {
      case 0x5b: return this.parseArray(); // [
      case 0x22: return this.parseString(); // "
      case 0x74: return this.literal('true', true);
      case 0x66: return this.literal('false', false);
      case 0x6e: return this.literal('null', null);
      case 0x4e: return this.literal('NaN', NaN);
      case 0x49: return this.literal('Infinity', Infinity);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail(Number.isNaN(c) ? 'unexpected end of document' : `unexpected character ${JSON.stringify(this.text[this.pos])}`);
    }
  }

  private literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number | bigint {
    const text = this.text;
    const start = this.pos;
    if (text.startsWith('-Infinity', start)) {
      this.pos += 9;
      return -Infinity;
    }
    let pos = start;
    let isFloat = false;
    if (text.charCodeAt(pos) === 0x2d) pos++;
    const intStart = pos;
    while (isDigit(text.charCodeAt(pos))) pos++;
    if (pos === intStart) this.fail('invalid number');
    if (text.charCodeAt(intStart) === 0x30 && pos - intStart > 1) this.fail('invalid number (leading zero)');
    if (text.charCodeAt(pos) === 0x2e) {
      isFloat = true;
      pos++;
      const fracStart = pos;
      while (isDigit(text.charCodeAt(pos))) pos++;
      if (pos === fracStart) this.fail('invalid number');
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      isFloat = true;
      pos++;
      const s = text.charCodeAt(pos);
      if (s === 0x2b || s === 0x2d) pos++;
      const expStart = pos;
      while (isDigit(text.charCodeAt(pos))) pos++;
      if (pos === expStart) this.fail('invalid number');
    }
    this.pos = pos;
    const token = text.slice(start, pos);
    const value = Number(token);
    if (isFloat) {
      this.integralFloat = Number.isInteger(value);
      return value;
    }
    return Number.isSafeInteger(value) ? value : BigInt(token);
  }

  private parseString(): string {
    const text = this.text;
    let pos = this.pos + 1;
    let out = '';
    let chunkStart = pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunkStart, pos);
        this.pos = pos + 1;
        return out;
      }
      if (Number.isNaN(c)) {
        this.pos = pos;
        this.fail('unterminated string');
      }
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(chunkStart, pos);
      const esc = text[pos + 1];
      switch (esc) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = pos;
            this.fail('invalid \\u escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          this.pos = pos;
          this.fail('invalid escape');
      }
      pos += 2;
      chunkStart = pos;
    }
  }

  private parseArray(): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    let floats: Set<number> | undefined;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.path.push(items.length);
      const value = this.parseValue();
      if (this.integralFloat) (floats ??= new Set()).add(items.length);
      this.path.pop();
      items.push(value);
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x2c) continue;
      if (c === 0x5d) break;
      this.pos--;
      this.fail("expected ',' or ']'");
    }
    if (floats) markFloatKeys(items, floats);
    this.integralFloat = false;
    return items;
  }

  private parseObject(): unknown {
    this.pos++;
    const object: Record<string, unknown> = {};
    let floats: Set<string> | undefined;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return this.finishObject(object, floats);
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos++) !== 0x3a) {
        this.pos--;
        this.fail("expected ':'");
      }
      this.path.push(key);
      const value = this.parseValue();
      if (this.integralFloat) (floats ??= new Set()).add(key);
      else floats?.delete(key);
      this.path.pop();
      // Own data property even for "__proto__", which plain assignment would turn into a prototype change.
      if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x2c) continue;
      if (c === 0x7d) break;
      this.pos--;
      this.fail("expected ',' or '}'");
    }
    return this.finishObject(object, floats);
  }

  private finishObject(object: Record<string, unknown>, floats: Set<string> | undefined): unknown {
    if (floats) markFloatKeys(object, floats);
    this.integralFloat = false;
    return this.hook ? this.hook(object, this.path) : object;
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
