import type { SqlExecutor } from '../driver.js';

/*
 * Composing the run storage's SQL so that every value is bound: a {@link sql} template turns each
 * interpolated value into a `?` placeholder and carries the values along in order; only
 * {@link SqlFragment}s (built here, or by {@link ident} from a fixed list of names) are spliced.
 */

/** A piece of SQL and the values bound to its `?` placeholders, in order. */
export class SqlFragment {
  constructor(
    readonly text: string,
    readonly params: readonly unknown[],
  ) {}
}

/** `sql\`… WHERE run_id = ${runId}\``: values become `?`, fragments are inlined with their values. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  let text = strings[0] ?? '';
  const params: unknown[] = [];
  values.forEach((value, i) => {
    if (value instanceof SqlFragment) {
      text += value.text;
      params.push(...value.params);
    } else {
      text += '?';
      params.push(value);
    }
    text += strings[i + 1] ?? '';
  });
  return new SqlFragment(text, params);
}

/** A column or table name taken from a fixed list in this package — never user input. */
export function ident(name: string): SqlFragment {
  return new SqlFragment(name, []);
}

/** Fragments joined by a separator (`' AND '`, `', '`). */
export function joinSql(parts: readonly SqlFragment[], separator: string): SqlFragment {
  return new SqlFragment(
    parts.map((p) => p.text).join(separator),
    parts.flatMap((p) => p.params),
  );
}

/** `(?, ?, …)` for an IN list; an empty list is `(NULL)`, which matches nothing (as SQLAlchemy's empty IN). */
export function inList(values: readonly unknown[]): SqlFragment {
  if (values.length === 0) return new SqlFragment('(NULL)', []);
  return new SqlFragment(`(${values.map(() => '?').join(', ')})`, values);
}

/** `WHERE a AND b …`, or nothing. */
export function whereSql(conditions: readonly SqlFragment[]): SqlFragment {
  return conditions.length === 0 ? sql`` : sql` WHERE ${joinSql(conditions, ' AND ')}`;
}

export const all = <T>(db: SqlExecutor, query: SqlFragment): Promise<T[]> => db.all<T>(query.text, query.params);
export const get = <T>(db: SqlExecutor, query: SqlFragment): Promise<T | undefined> => db.get<T>(query.text, query.params);
export const run = (db: SqlExecutor, query: SqlFragment) => db.run(query.text, query.params);

/**
 * ` FOR UPDATE` on Postgres, where a read-modify-write transaction must lock the row it read (READ
 * COMMITTED would let two writers each overwrite the other's change); nothing on SQLite, whose
 * write transactions (BEGIN IMMEDIATE) already exclude every other writer.
 */
export function forUpdate(db: SqlExecutor): SqlFragment {
  return new SqlFragment(db.dialect === 'postgres' ? ' FOR UPDATE' : '', []);
}

/** Bound values per multi-row INSERT: under SQLite's historic 999 and Postgres' 65535. */
const MAX_PARAMS_PER_INSERT = 900;

/** Inserts rows (each a list of values for `columns`) with as few multi-row INSERTs as the parameter limits allow. */
export async function insertRows(db: SqlExecutor, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS_PER_INSERT / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    await db.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}

/** A count or id as a number: Postgres returns BIGINT values (ids, COUNT(*)) as strings. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
