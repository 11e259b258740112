import { InvalidArgumentError } from '@inst/errors';
import type { SqlDialect } from './driver.js';

/**
 * Converting values at the SQL boundary. Dagster stores DATETIME/TIMESTAMP columns as naive UTC;
 * on SQLite SQLAlchemy writes the text `YYYY-MM-DD HH:MM:SS.ffffff` (always six fraction digits),
 * and on Postgres a naive value is stored as given, whatever the session time zone.
 */

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The naive-UTC text Dagster writes for a timestamp column, `YYYY-MM-DD HH:MM:SS.ffffff`.
 * A number is unix seconds (Dagster's float timestamps), rounded to the microsecond as Python's
 * `datetime.fromtimestamp` does.
 */
export function toSqlTimestamp(value: Date | number): string {
  let seconds: number;
  let micros: number;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw new InvalidArgumentError('toSqlTimestamp: invalid Date');
    seconds = Math.floor(ms / 1000);
    micros = (ms - seconds * 1000) * 1000;
  } else {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`toSqlTimestamp: not a finite number: ${value}`);
    seconds = Math.floor(value);
    micros = roundHalfEven((value - seconds) * 1e6);
    if (micros === 1_000_000) {
      seconds += 1;
      micros = 0;
    }
  }
  const d = new Date(seconds * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(micros, 6)}`
  );
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Unix seconds (microsecond precision, computed as Python's `datetime.timestamp()` does) of a
 * timestamp column value: naive text is read as UTC (`YYYY-MM-DD HH:MM:SS[.ffffff]`, also
 * SQLite's `CURRENT_TIMESTAMP` form without fraction); a `Date` (a Postgres driver may return
 * one) is taken as is.
 */
export function fromSqlTimestamp(value: string | Date): number {
  if (value instanceof Date) return value.getTime() / 1000;
  const m = TIMESTAMP_RE.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`Not a SQL timestamp: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  let micros = Number(frac.slice(0, 6).padEnd(6, '0'));
  const epochSeconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  let offsetSeconds = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetSeconds = sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60);
  }
  if (frac.length > 6 && Number(frac[6]) >= 5) micros += 1;
  // One division of an exact integer, as Python's timedelta.total_seconds() does.
  return ((epochSeconds - offsetSeconds) * 1_000_000 + micros) / 1_000_000;
}

/**
 * A parameter as the dialect's driver should bind it: `Date` → Dagster's naive-UTC text (which
 * also keeps node-postgres from converting it to the session's local time), `undefined` → `null`,
 * and on SQLite booleans → `1`/`0` and non-Buffer `Uint8Array`s → `Buffer`.
 */
export function toSqlParam(value: unknown, dialect: SqlDialect): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return toSqlTimestamp(value);
  if (dialect === 'sqlite') {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

/** {@link toSqlParam} over a parameter list. */
export function toSqlParams(params: readonly unknown[] | undefined, dialect: SqlDialect): unknown[] {
  return params ? params.map((p) => toSqlParam(p, dialect)) : [];
}

/** A boolean column as read back: SQLite returns 0/1, Postgres true/false. */
export function fromSqlBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 't' || value === 'true';
}
