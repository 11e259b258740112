/** Type flow: an op's outputs type the inputs that read them (checked by tsc via @ts-expect-error, and at runtime). */
import { describe, expect, it } from 'vitest';
import { defineAsset, defineJob, defineOp, input, output, type GraphBuilder } from './index';

describe('types flow through graphs', () => {
  const numbers = defineOp({ name: 'numbers' }, () => [1, 2, 3]);
  const sum = defineOp({ name: 'sum', ins: { values: input<number[]>() } }, (_ctx, { values }) => values.reduce((a, b) => a + b, 0));
  const shout = defineOp({ name: 'shout', ins: { text: input<string>() } }, (_ctx, { text }) => text.toUpperCase());
  const split = defineOp({ name: 'split', outs: { low: output<number>(), high: output<string>() } }, () => ({ low: 1, high: 'x' }));

  it('accepts matching outputs and rejects others', () => {
    const job = defineJob({
      name: 'typed',
      graph: (g) => {
        const values = g.add(numbers);
        g.add(sum, { values });
        const parts = g.add(split);
        g.add(shout, { text: parts.high });
      },
    });
    expect(job.node('shout')!.inputs[0]!.upstream).toEqual({ nodeName: 'split', outputName: 'high' });
    // Never called: only for the type checker.
    const wrong = (g: GraphBuilder): void => {
      const parts = g.add(split);
      // @ts-expect-error a number output cannot feed a string input
      g.add(shout, { text: parts.low });
      // @ts-expect-error the input is required
      g.add(sum, {});
    };
    void wrong;
  });

  it('asset ins are typed by the upstream asset', () => {
    const raw = defineAsset({ key: 'raw' }, () => ({ rows: 3 }));
    const clean = defineAsset({ key: 'clean', ins: { raw } }, (_ctx, inputs) => inputs.raw.rows * 2);
    // @ts-expect-error rows is a number
    defineAsset({ key: 'bad', ins: { raw } }, (_ctx, inputs) => inputs.raw.rows.toUpperCase());
    expect(clean.ins.raw!.path).toEqual(['raw']);
  });

  it('wiring errors are typed errors', () => {
    expect(() => defineJob({ name: 'j', graph: (g) => void g.add(sum, {} as never) })).toThrow(/not connected/);
    expect(() => defineJob({ name: 'j', ops: [sum, { op: numbers }] })).toThrow(/not connected/);
    expect(() => defineJob({ name: 'j', ops: [{ op: sum, inputs: { values: 'nope' } }] })).toThrow(expect.objectContaining({ kind: 'UNKNOWN_DEPENDENCY' }));
  });
});
