import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOT_FAST, parseJsonFast } from './fast-parse';
import { type JsonPath, parseJson } from './json-parse';
import { PyFloat, floatKeysOf } from './values';
import { deserializeValue, serializeValue } from './index';

/** What a parse saw: each object the hook met, with its path and float marks, and the result with its marks. */
function trace(parse: (text: string, hook: (o: Record<string, unknown>, p: JsonPath) => unknown) => unknown, text: string) {
  const calls: unknown[] = [];
  const value = parse(text, (object, path) => {
    calls.push([[...path], { ...object }, [...(floatKeysOf(object) ?? [])]]);
    return object;
  });
  return { value, calls, marks: marksOf(value) };
}

function marksOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return null;
  const inner = Array.isArray(value) ? value.map(marksOf) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, marksOf(v)]));
  return { floats: [...(floatKeysOf(value) ?? [])], inner };
}

describe('the JSON.parse fast path', () => {
  it('reads what parseJson reads, hook calls, paths and float marks included', () => {
    const docs = [
      '{"a": 1.0, "b": [2.0, 3, -0.0, 4.5], "c": {"d": 1700000003.0, "e": "x: 1.0, [2.0"}}',
      '{"s": "quote \\" then : 1.0", "t": "back\\\\", "u": 7.0}',
      '[{"__proto__": {"x": 1.0}}, [], {}, [1.00, 10.000]]',
      '{"dup": 1.0, "dup": 2}',
      '{"dup": 2, "dup": 3.0}',
      '{"k": "\\u00e9\\ud83d\\ude00\\n", "n": null, "t": true, "f": false}',
      // Only marked floats need the scan; these are found however the number ends (whitespace, ] or }).
      '{\n  "a": [1.0\n, 2.0 ],\n  "b": 3.0\n}',
      '{"run_id": "41e9-1e9a-1.0x", "n": 5, "x": 0.5}',
    ];
    for (const doc of docs) {
      const fast = trace(parseJsonFast, doc);
      expect(fast.value).not.toBe(NOT_FAST);
      expect(fast).toEqual(trace(parseJson, doc));
    }
  });

  it('leaves to parseJson what JSON.parse would read differently or not at all', () => {
    const docs = [
      '{"big": 12345678901234567890}',
      '{"e": 1e+16}',
      '{"e": 1.5E-05}',
      '{"e": [1e5]}',
      '{"e": 2E5 }',
      '{"big": [-1234567890123456]}',
      '{"n": NaN}',
      '{"i": -Infinity}',
      '{"m": "\\u0000inst.float:1.0"}',
      '{"control": "a\tb"}',
      '3',
      '{"a": 1,}',
    ];
    for (const doc of docs) expect(parseJsonFast(doc, (o) => o)).toBe(NOT_FAST);
  });

  it('keeps byte-exact round trips through deserializeValue', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -1e6, max: 1e6 }).map((n) => new PyFloat(n)),
      fc.constantFrom(': 1.0', '"[2.0', '\\', 'a\\"b', null, true),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node'))),
    })).node;
    fc.assert(
      fc.property(fc.array(tree), (value) => {
        const text = serializeValue(value);
        expect(serializeValue(deserializeValue(text))).toBe(text);
        const fast = trace(parseJsonFast, text);
        if (fast.value !== NOT_FAST) expect(fast).toEqual(trace(parseJson, text));
      }),
      { numRuns: 500 },
    );
  });
});
