import { InvalidArgumentError } from '@inst/errors';
import { describe, expect, it } from 'vitest';
import { Registry, checkSerializable, registerRecord, t } from './index';

const registry = new Registry();
class Leaf {
  constructor(readonly label: string) {
    Object.freeze(this);
  }
}
registerRecord(Leaf, { name: 'Leaf', fields: { label: { type: t.str } } }, registry);
class Holder {
  constructor(
    readonly leaf: Leaf,
    readonly extra: unknown,
  ) {
    Object.freeze(this);
  }
}
registerRecord(Holder, { name: 'Holder', fields: { leaf: { type: t.record(Leaf) }, extra: {} } }, registry);

const check = (value: unknown) => checkSerializable(value, 'arg', { registry });
const errorOf = (value: unknown) => {
  try {
    check(value);
  } catch (error) {
    return error as InvalidArgumentError;
  }
  throw new Error('expected the check to refuse the value');
};

describe('checkSerializable', () => {
  it('names a cycle, whether it runs through plain objects, lists, maps or a record field', () => {
    const viaObject: Record<string, unknown> = {};
    viaObject.self = { again: viaObject };
    const viaList: unknown[] = [];
    viaList.push([viaList]);
    const viaMap = new Map<string, unknown>();
    viaMap.set('m', viaMap);
    const inner: Record<string, unknown> = {};
    const viaRecord = new Holder(new Leaf('x'), inner);
    inner.back = viaRecord;
    for (const value of [viaObject, viaList, viaMap, viaRecord]) {
      const error = errorOf(value);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toContain('a cycle cannot be stored');
    }
    expect(errorOf(viaRecord).message).toBe('arg.extra.back: a cycle cannot be stored, got string "[Circular]"');
  });

  it('accepts values nested deeper than its first walk goes, and a value shared without a cycle', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 500; i++) deep = i % 2 ? [deep] : { d: deep };
    expect(() => check(deep)).not.toThrow();
    const shared = { s: 1 };
    expect(() => check([shared, shared, { a: shared }])).not.toThrow();
  });

  it('finds a bad value deep inside (past the fast walk) with its path', () => {
    let deep: unknown = new Holder(new Leaf(5 as unknown as string), null);
    for (let i = 0; i < 150; i++) deep = [deep];
    expect(errorOf(deep).message).toMatch(/^arg(\[0\]){150}\.leaf\.label: expected a string, got number 5$/);
  });

  it('refuses a wrong field type and a record of the wrong class, with the path', () => {
    expect(errorOf(new Holder(new Leaf(7 as unknown as string), null)).message).toBe('arg.leaf.label: expected a string, got number 7');
    expect(errorOf(new Holder({ label: 'x' } as Leaf, null)).message).toBe('arg.leaf: expected Leaf, got object');
    expect(errorOf(new Holder(new Leaf('ok'), 10n)).message).toContain('arg.extra: a BigInt');
  });

  it('passes a good record again (remembered) and still refuses a new bad one', () => {
    const good = new Holder(new Leaf('ok'), { n: 1 });
    expect(() => check(good)).not.toThrow();
    expect(() => check(good)).not.toThrow();
    expect(() => check(new Holder(new Leaf('ok'), { n: () => 1 }))).toThrow(InvalidArgumentError);
  });
});
