import { describe, expect, it } from 'vitest';
import { loadDump } from '@inst/fixtures';
import { fromSqlBoolean, fromSqlTimestamp, toSqlParam, toSqlParams, toSqlTimestamp } from './values.js';

describe('toSqlTimestamp / fromSqlTimestamp', () => {
  it("writes Dagster's naive-UTC text with six fraction digits", () => {
    // facts §9.3: event 1731664851.966126 is stored as 2024-11-15 10:00:51.966126.
    expect(toSqlTimestamp(1731664851.966126)).toBe('2024-11-15 10:00:51.966126');
    expect(toSqlTimestamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))).toBe('2024-01-02 03:04:05.006000');
    expect(toSqlTimestamp(0)).toBe('1970-01-01 00:00:00.000000');
    expect(toSqlTimestamp(1.9999996)).toBe('1970-01-01 00:00:02.000000');
  });

  it('reads back the float seconds exactly, as Python computes them', () => {
    expect(fromSqlTimestamp('2024-11-15 10:00:51.966126')).toBe(1731664851.966126);
    expect(fromSqlTimestamp('2024-11-15 10:00:51')).toBe(1731664851);
    expect(fromSqlTimestamp('2024-11-15T10:00:51.5Z')).toBe(1731664851.5);
    expect(fromSqlTimestamp('2024-11-15 18:00:51.966126+08:00')).toBe(1731664851.966126);
    expect(fromSqlTimestamp(new Date(1_000))).toBe(1);
    expect(() => fromSqlTimestamp('yesterday')).toThrow(/Not a SQL timestamp/);
  });

  it('agrees with every 2024/2025 event of the 1.12.3 fixture: column text ↔ the float in its JSON body', () => {
    const events = loadDump('1_12_3').table('event_logs').rows;
    let checked = 0;
    for (const row of events) {
      const body = JSON.parse(row.event!) as { timestamp: number };
      // 2021 rows were written in the writer's local time (facts §9.3); the 2024/25 ones are UTC.
      if (body.timestamp < 1_700_000_000) continue;
      // Postgres prints the fraction without trailing zeros; SQLite text keeps all six digits.
      const text = row.timestamp!.includes('.') ? row.timestamp!.padEnd(26, '0') : `${row.timestamp!}.000000`;
      expect(toSqlTimestamp(body.timestamp)).toBe(text);
      // The JSON float can carry more than microseconds; the column keeps microseconds.
      const seconds = fromSqlTimestamp(row.timestamp!);
      expect(Math.abs(seconds - body.timestamp)).toBeLessThanOrEqual(5e-7);
      expect(toSqlTimestamp(seconds)).toBe(text);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(25);
  });
});

describe('toSqlParam', () => {
  it('binds booleans as 0/1 on SQLite and as booleans on Postgres', () => {
    expect(toSqlParams([true, false, undefined, null, 3, 'x'], 'sqlite')).toEqual([1, 0, null, null, 3, 'x']);
    expect(toSqlParams([true, false, undefined], 'postgres')).toEqual([true, false, null]);
  });

  it('binds Dates as naive UTC text on both (no session-time-zone conversion on Postgres)', () => {
    const d = new Date(Date.UTC(2025, 10, 15, 21, 46, 56, 804));
    expect(toSqlParam(d, 'sqlite')).toBe('2025-11-15 21:46:56.804000');
    expect(toSqlParam(d, 'postgres')).toBe('2025-11-15 21:46:56.804000');
  });

  it('hands SQLite a Buffer for any Uint8Array', () => {
    const bytes = new Uint8Array([1, 2, 3]).subarray(1);
    const bound = toSqlParam(bytes, 'sqlite');
    expect(Buffer.isBuffer(bound) && [...bound]).toEqual([2, 3]);
  });

  it('reads booleans from either dialect', () => {
    expect([1, 0, true, false, 't', 'f', null].map(fromSqlBoolean)).toEqual([true, false, true, false, true, false, false]);
  });
});
