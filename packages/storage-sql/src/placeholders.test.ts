import { describe, expect, it } from 'vitest';
import { rewritePlaceholders, toPostgresPlaceholders } from './placeholders.js';

describe('rewritePlaceholders', () => {
  it('numbers ? in order', () => {
    expect(rewritePlaceholders('SELECT * FROM runs WHERE run_id = ? AND status IN (?, ?) LIMIT ?')).toBe(
      'SELECT * FROM runs WHERE run_id = $1 AND status IN ($2, $3) LIMIT $4',
    );
  });

  it('leaves ? inside string literals alone', () => {
    expect(rewritePlaceholders("SELECT '?', ? , 'a?b'")).toBe("SELECT '?', $1 , 'a?b'");
    expect(rewritePlaceholders("SELECT 'it''s ?' AS s, ?")).toBe("SELECT 'it''s ?' AS s, $1");
    expect(rewritePlaceholders("SELECT '''?''', ?")).toBe("SELECT '''?''', $1");
  });

  it("reads E'' strings with backslash escapes", () => {
    expect(rewritePlaceholders("SELECT E'it\\'s ?', ?")).toBe("SELECT E'it\\'s ?', $1");
    // A plain literal ending in a backslash is not an escape.
    expect(rewritePlaceholders("SELECT 'C:\\', ?")).toBe("SELECT 'C:\\', $1");
  });

  it('leaves quoted identifiers alone', () => {
    expect(rewritePlaceholders('SELECT "col?", "a""?" FROM t WHERE x = ?')).toBe('SELECT "col?", "a""?" FROM t WHERE x = $1');
  });

  it('leaves dollar-quoted bodies alone', () => {
    expect(rewritePlaceholders('SELECT $$ ? $$, ?')).toBe('SELECT $$ ? $$, $1');
    expect(rewritePlaceholders('DO $fn$ BEGIN PERFORM ?; END $fn$; SELECT ?')).toBe('DO $fn$ BEGIN PERFORM ?; END $fn$; SELECT $1');
    expect(rewritePlaceholders('SELECT $a$ $$ ? $$ $a$, ?')).toBe('SELECT $a$ $$ ? $$ $a$, $1');
  });

  it('leaves comments alone', () => {
    expect(rewritePlaceholders('SELECT ? -- why?\n, ?')).toBe('SELECT $1 -- why?\n, $2');
    expect(rewritePlaceholders('SELECT /* ? /* nested ? */ still ? */ ?')).toBe('SELECT /* ? /* nested ? */ still ? */ $1');
  });

  it('keeps numbered parameters and $ inside identifiers', () => {
    expect(rewritePlaceholders('SELECT $1, a$b$c, ?')).toBe('SELECT $1, a$b$c, $1');
    expect(rewritePlaceholders('SELECT 1')).toBe('SELECT 1');
  });

  it('caches per SQL text', () => {
    const sql = 'SELECT ? AS cached';
    expect(toPostgresPlaceholders(sql)).toBe('SELECT $1 AS cached');
    expect(toPostgresPlaceholders(sql)).toBe('SELECT $1 AS cached');
  });
});
