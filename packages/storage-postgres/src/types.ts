import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

/**
 * How values come back from Postgres. The connection's own parsers (not pg's global registry)
 * so that other users of `pg` in the same process are not affected.
 */

/** Postgres type oids this module handles. */
const OID = {
  INT8: 20,
  NUMERIC: 1700,
  TIMESTAMP: 1114,
  INT8_ARRAY: 1016,
  TIMESTAMP_ARRAY: 1115,
  NUMERIC_ARRAY: 1231,
  TEXT_ARRAY: 1009,
} as const;

/**
 * `int8` as a number: ids, counts and sums are far below 2^53 in practice. A value beyond the
 * safe range comes back as a bigint rather than as a silently wrong number.
 */
function parseInt8(value: string): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}

const TIMESTAMP_TEXT = /^(\d{4,}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;

/**
 * A `timestamp without time zone` value as Dagster's naive-UTC text, always with six fraction
 * digits: `2024-11-15 10:00:51.966126` — exactly what the SQLite backend stores and returns, so
 * the shared storage code reads both with `fromSqlTimestamp` from `@inst/storage-sql`.
 *
 * Why text and not a `Date`: pg's default parser reads the value as *local* time (wrong unless
 * the process runs in UTC), and any `Date` drops the microseconds Dagster keeps (its float
 * timestamps are microsecond-exact, e.g. `1731664851.966126`). Values Postgres prints in
 * another form (`infinity`, BC dates) pass through unchanged.
 */
export function parseTimestamp(value: string): string {
  const m = TIMESTAMP_TEXT.exec(value);
  if (!m) return value;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}`;
}

// pg-types' declared TypeId enum lacks the array oids it does register.
const parseTextArray = (pg.types.getTypeParser as (oid: number, format: 'text') => (value: string) => unknown)(OID.TEXT_ARRAY, 'text');

/** An array parser applying `element` to every non-null item, nested arrays included. */
function arrayOf(element: (value: string) => unknown): (value: string) => unknown {
  const map = (item: unknown): unknown => (Array.isArray(item) ? item.map(map) : item === null ? null : element(item as string));
  return (value) => map(parseTextArray(value));
}

const TEXT_PARSERS = new Map<number, (value: string) => unknown>([
  [OID.INT8, parseInt8],
  [OID.NUMERIC, Number],
  [OID.TIMESTAMP, parseTimestamp],
  [OID.INT8_ARRAY, arrayOf(parseInt8)],
  [OID.NUMERIC_ARRAY, arrayOf(Number)],
  [OID.TIMESTAMP_ARRAY, arrayOf(parseTimestamp)],
]);

/**
 * The type parsers every inst connection uses: int8 and numeric as numbers, timestamps as
 * naive-UTC text ({@link parseTimestamp}); everything else as pg does it (bytea → Buffer,
 * boolean, json, float8 …).
 */
export const PG_TYPE_PARSERS: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if ((format ?? 'text') === 'text') {
      const parser = TEXT_PARSERS.get(oid);
      if (parser) return parser;
    }
    return (pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown)(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};

/**
 * Run once on every new connection, before it is used:
 * - `TimeZone = UTC`: Dagster's timestamp columns are naive UTC, and Postgres converts
 *   `CURRENT_TIMESTAMP` defaults and any zoned value to the *session's* zone before storing it
 *   without one (the 2024 rows of Dagster's own fixtures are 8 h off because of this). Set per
 *   session, it wins over a server or `ALTER DATABASE … SET TimeZone` default.
 * - `DateStyle = ISO`: the timestamp text the parsers read.
 * - `extra_float_digits = 3`: `double precision` columns (run start/end times) come back exact
 *   on servers before 12, which otherwise round to 15 digits.
 */
export const PG_SESSION_SETUP_SQL = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 3";
