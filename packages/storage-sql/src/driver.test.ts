import { describe, expect, it } from 'vitest';
import { StorageError } from '@inst/errors';
import { isUniqueViolation, tryRun, type SqlExecutor } from './driver.js';
import { toPostgresPlaceholders } from './placeholders.js';

describe('toPostgresPlaceholders', () => {
  it('numbers the placeholders in order', () => {
    expect(toPostgresPlaceholders('SELECT * FROM runs WHERE run_id = ? AND status IN (?, ?) LIMIT ?')).toBe(
      'SELECT * FROM runs WHERE run_id = $1 AND status IN ($2, $3) LIMIT $4',
    );
  });

  it('leaves question marks in literals, quoted identifiers and comments alone', () => {
    expect(toPostgresPlaceholders(`SELECT '?', 'it''s ?', "odd?col" FROM t -- why?\nWHERE a = ?`)).toBe(
      `SELECT '?', 'it''s ?', "odd?col" FROM t -- why?\nWHERE a = $1`,
    );
  });
});

describe('isUniqueViolation', () => {
  it('recognises SQLite and Postgres unique violations, also wrapped as a cause', () => {
    const sqlite = Object.assign(new Error('UNIQUE constraint failed: runs.run_id'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    const pk = Object.assign(new Error('PRIMARY KEY'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    const pg = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect([sqlite, pk, pg].map(isUniqueViolation)).toEqual([true, true, true]);
    expect(isUniqueViolation(new StorageError('wrapped', { cause: pg }))).toBe(true);
  });

  it('is false for other errors', () => {
    const notNull = Object.assign(new Error('NOT NULL constraint failed'), { code: 'SQLITE_CONSTRAINT_NOTNULL' });
    const fk = Object.assign(new Error('fk'), { code: '23503' });
    expect([notNull, fk, new Error('x'), null, 'text'].map(isUniqueViolation)).toEqual([false, false, false, false, false]);
  });
});

describe('tryRun', () => {
  const conflict = Object.assign(new Error('dup'), { code: '23505' });
  const executor = (fail: unknown): SqlExecutor => {
    const self: SqlExecutor = {
      dialect: 'postgres',
      all: async () => [],
      get: async () => undefined,
      run: async () => {
        if (fail) throw fail;
        return { changes: 1 };
      },
      transaction: (fn) => fn(self),
    };
    return self;
  };

  it('returns null on a unique violation and rethrows anything else', async () => {
    await expect(tryRun(executor(undefined), 'INSERT …')).resolves.toEqual({ changes: 1 });
    await expect(tryRun(executor(conflict), 'INSERT …')).resolves.toBeNull();
    await expect(tryRun(executor(new Error('disk full')), 'INSERT …')).rejects.toThrow('disk full');
  });
});
