import { describe, expect, it } from 'vitest';
import { CorruptRowError, DeserializationError, InstError, RunNotFoundError } from './index';

describe('InstError', () => {
  it('carries a code, ids and cause, and names its class', () => {
    const cause = new Error('boom');
    const error = new RunNotFoundError('abc', undefined, { cause });
    expect(error).toBeInstanceOf(InstError);
    expect(error.name).toBe('RunNotFoundError');
    expect(error.code).toBe('RUN_NOT_FOUND');
    expect(error.ids).toEqual({ runId: 'abc' });
    expect(error.cause).toBe(cause);
    expect(InstError.isInstance(error)).toBe(true);
    expect(InstError.isInstance(new Error('x'))).toBe(false);
  });

  it('names the path of a deserialization problem and the row of a corrupt one', () => {
    expect(new DeserializationError('expected a string', '$.tags.a').message).toBe('$.tags.a: expected a string');
    const corrupt = new CorruptRowError('runs', 7, { cause: new Error('bad json') });
    expect(corrupt.message).toBe('Corrupt row 7 in table runs: bad json');
    expect(corrupt.ids).toMatchObject({ table: 'runs', rowId: 7 });
  });
});

describe('warnOnce', () => {
  it('emits each message once', async () => {
    const { warnOnce } = await import('./index');
    const seen: string[] = [];
    const listener = (warning: Error) => seen.push(`${warning.name}: ${warning.message}`);
    process.on('warning', listener);
    try {
      warnOnce('use fetchMaterializations instead', 'DeprecationWarning');
      warnOnce('use fetchMaterializations instead', 'DeprecationWarning');
      warnOnce('another');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(seen).toEqual(['DeprecationWarning: use fetchMaterializations instead', 'UserWarning: another']);
  });
});
