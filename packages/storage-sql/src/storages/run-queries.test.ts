import { describe, expect, it } from 'vitest';
import { TAG_COUNT_CAP, chooseTagShape } from './run-queries.js';

describe('chooseTagShape', () => {
  it('keeps IN for a rare tag and for a probe that would scan past its budget', () => {
    expect(chooseTagShape('postgres', 60, 100_000, 50)).toBe('in');
    expect(chooseTagShape('sqlite', 60, 100_000, 50)).toBe('in');
    expect(chooseTagShape('postgres', 200, 1_000_000, 50)).toBe('in');
  });

  it('probes newest first for a common tag: EXISTS on SQLite, a form Postgres cannot pull up on Postgres', () => {
    // 1% of 10k and of 100k runs: the same shape at both sizes, so the cost stays flat as the data grows.
    for (const [matches, top] of [[100, 10_000], [1000, 100_000]] as const) {
      expect(chooseTagShape('sqlite', matches, top, 50)).toBe('exists');
      expect(chooseTagShape('postgres', matches, top, 50)).toBe('hashed-in');
    }
    // At the counting cap the matches may be far more than a hash should hold.
    expect(chooseTagShape('postgres', TAG_COUNT_CAP, 1_000_000, 50)).toBe('first-match');
  });
});
