import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, pyFloatRepr, pyIntRepr, pyJsonString, pyStrRepr } from './json-text';

describe("Python's float repr", () => {
  it.each([
    [1000, '1000.0'],
    [1e-5, '1e-05'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [0.0001, '0.0001'],
    [1731664851.966126, '1731664851.966126'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1.5e300, '1.5e+300'],
    [5e-324, '5e-324'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123456789012345680000, '1.2345678901234568e+20'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('%s → %s', (value, text) => {
    expect(pyFloatRepr(value)).toBe(text);
  });

  it('round-trips every finite double and uses the exponent form exactly where Python does', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = pyFloatRepr(value);
        expect(Number(text)).toBe(value);
        const exponent = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
        const scientific = text.includes('e');
        // Python: repr uses an exponent when the decimal exponent is < -4 or >= 16.
        if (Math.abs(exponent) > 0 && value !== 0 && Math.abs(Math.log10(Math.abs(value)) - exponent) > 1e-9) {
          expect(scientific).toBe(exponent < -4 || exponent >= 16);
        }
        if (!scientific) expect(text).toMatch(/^-?\d+\.\d+$/);
        else expect(text).toMatch(/^-?\d(\.\d+)?e[+-]\d{2,3}$/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('integers', () => {
  it('keeps big ints as digits', () => {
    expect(pyIntRepr(1e21)).toBe('1000000000000000000000');
    expect(pyIntRepr(12345678901234567890n)).toBe('12345678901234567890');
    expect(pyIntRepr(-7)).toBe('-7');
  });
});

describe("Python's JSON strings (ensure_ascii)", () => {
  it.each([
    ['plain', '"plain"'],
    ['quote " and \\ backslash', '"quote \\" and \\\\ backslash"'],
    ['tab\tnew\nline\r', '"tab\\tnew\\nline\\r"'],
    ['\b\f\u0001\u001f\u007f', '"\\b\\f\\u0001\\u001f\\u007f"'],
    ['é ü ☃', '"\\u00e9 \\u00fc \\u2603"'],
    ['😀', '"\\ud83d\\ude00"'],
    ['/ not escaped', '"/ not escaped"'],
  ])('%j', (value, text) => {
    expect(pyJsonString(value)).toBe(text);
  });

  it('writes only printable ASCII and reads back the same string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const text = pyJsonString(value);
        expect(text).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(text)).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('key order', () => {
  it('sorts by code point, as Python sorts str', () => {
    const keys = ['b', '__class__', 'Z', 'a', '\uffff', '😀'];
    expect([...keys].sort(compareCodePoints)).toEqual(['Z', '__class__', 'a', 'b', '\uffff', '😀']);
  });

  it('agrees with code point order for any strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const pa = [...a].map((c) => c.codePointAt(0)!);
        const pb = [...b].map((c) => c.codePointAt(0)!);
        let expected = 0;
        for (let i = 0; i < Math.min(pa.length, pb.length) && expected === 0; i++) expected = pa[i]! - pb[i]!;
        if (expected === 0) expected = pa.length - pb.length;
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(expected));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("Python's str repr", () => {
  it('quotes as Python does', () => {
    expect(pyStrRepr('a')).toBe("'a'");
    expect(pyStrRepr("it's")).toBe('"it\'s"');
    expect(pyStrRepr('a\'b"c')).toBe("'a\\'b\"c'");
    expect(pyStrRepr('x\ny')).toBe("'x\\ny'");
  });
});
