import type { SqlDialect } from '../driver.js';
import { revisionIndex } from '../revisions.js';
import type { ColumnDef, IndexDef, PostgresStatisticsDef, SchemaMetadata, TableDef } from './types.js';

/*
 * DDL in the shape SQLAlchemy's create_all emits for Dagster's metadata (facts §1.0), so a file
 * inst creates looks like one Dagster created.
 */

// Names SQLite or Postgres reserve (or that pg_dump quotes); quoting more than needed is harmless.
const QUOTED = new Set(['limit', 'key', 'timestamp', 'partition', 'order', 'group', 'default', 'index', 'table', 'values']);

/** An identifier as DDL and queries must spell it (`"limit"`, `"timestamp"`, …). */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || QUOTED.has(name.toLowerCase())) return `"${name.replace(/"/g, '""')}"`;
  return name;
}

/** The column's SQL type in the dialect. */
export function columnTypeSql(column: ColumnDef, dialect: SqlDialect): string {
  const pg = dialect === 'postgres';
  switch (column.type) {
    case 'id':
      return pg ? 'BIGSERIAL' : 'INTEGER';
    case 'bigint':
      return pg ? 'BIGINT' : 'INTEGER';
    case 'integer':
      return 'INTEGER';
    case 'varchar':
      return `VARCHAR(${column.length ?? 255})`;
    case 'text':
      return 'TEXT';
    case 'datetime':
      return pg ? 'TIMESTAMP WITHOUT TIME ZONE' : 'DATETIME';
    case 'timestamp':
      return pg ? 'TIMESTAMP WITHOUT TIME ZONE' : 'TIMESTAMP';
    case 'float':
      return pg ? 'DOUBLE PRECISION' : 'FLOAT';
    case 'blob':
      return pg ? 'BYTEA' : 'BLOB';
    case 'boolean':
      return 'BOOLEAN';
  }
}

/** `name TYPE [DEFAULT …] [NOT NULL]`, as in CREATE TABLE and ALTER TABLE … ADD COLUMN. */
export function columnSql(column: ColumnDef, dialect: SqlDialect): string {
  let sql = `${quoteIdent(column.name)} ${columnTypeSql(column, dialect)}`;
  if (column.default === 'current_timestamp') sql += ' DEFAULT CURRENT_TIMESTAMP';
  else if (column.default === 'false') sql += dialect === 'postgres' ? ' DEFAULT false' : ' DEFAULT 0';
  if (column.nullable === false || column.type === 'id') sql += ' NOT NULL';
  return sql;
}

/** CREATE TABLE for one table (with `IF NOT EXISTS` unless told otherwise). */
export function createTableSql(table: TableDef, dialect: SqlDialect, options: { ifNotExists?: boolean } = {}): string {
  const lines = table.columns.map((c) => columnSql(c, dialect));
  const idColumn = table.columns.find((c) => c.type === 'id');
  if (table.primaryKey) {
    lines.push(`CONSTRAINT ${quoteIdent(table.primaryKey.name)} PRIMARY KEY (${table.primaryKey.columns.map(quoteIdent).join(', ')})`);
  } else if (idColumn) {
    lines.push(`PRIMARY KEY (${quoteIdent(idColumn.name)})`);
  }
  for (const c of table.columns) if (c.unique) lines.push(`UNIQUE (${quoteIdent(c.name)})`);
  for (const c of table.columns) {
    const fk = c.references;
    if (!fk) continue;
    const name = fk.name ? `CONSTRAINT ${quoteIdent(fk.name)} ` : '';
    const onDelete = fk.onDelete ? ` ON DELETE ${fk.onDelete}` : '';
    lines.push(`${name}FOREIGN KEY(${quoteIdent(c.name)}) REFERENCES ${quoteIdent(fk.table)} (${quoteIdent(fk.column)})${onDelete}`);
  }
  const ine = options.ifNotExists === false ? '' : 'IF NOT EXISTS ';
  return `CREATE TABLE ${ine}${quoteIdent(table.name)} (\n\t${lines.join(', \n\t')}\n)`;
}

/** CREATE INDEX for one index; Postgres gets the partial-index predicate. */
export function createIndexSql(index: IndexDef, dialect: SqlDialect, options: { ifNotExists?: boolean } = {}): string {
  const ine = options.ifNotExists === false ? '' : 'IF NOT EXISTS ';
  const where = dialect === 'postgres' && index.postgresWhere ? ` WHERE ${index.postgresWhere}` : '';
  return (
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${ine}${quoteIdent(index.name)} ` +
    `ON ${quoteIdent(index.table)} (${index.columns.map(quoteIdent).join(', ')})${where}`
  );
}

/** Postgres statements creating extended statistics (and their statistics target). */
export function createStatisticsSql(stats: PostgresStatisticsDef): string[] {
  const out = [
    `CREATE STATISTICS IF NOT EXISTS ${quoteIdent(stats.name)} (${stats.kinds.join(', ')}) ` +
      `ON ${stats.columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(stats.table)}`,
  ];
  if (stats.statisticsTarget) {
    out.push(
      `ALTER TABLE ${quoteIdent(stats.table)} ALTER COLUMN ${quoteIdent(stats.statisticsTarget.column)} ` +
        `SET STATISTICS ${Math.trunc(stats.statisticsTarget.target)}`,
    );
  }
  return out;
}

/**
 * The DDL creating a metadata's tables, indexes and (Postgres) statistics — what Dagster's
 * `create_all` produces, with `IF NOT EXISTS` so that, like create_all's `checkfirst`, tables
 * already there are left alone.
 */
export function createSchemaSql(metadata: SchemaMetadata, dialect: SqlDialect): string[] {
  const out: string[] = [];
  for (const table of metadata.tables) {
    out.push(createTableSql(table, dialect));
    for (const index of metadata.indexes) {
      // An index with `until` was dropped by that revision: not part of the head schema.
      if (index.table === table.name && index.until === undefined) out.push(createIndexSql(index, dialect));
    }
  }
  if (dialect === 'postgres') for (const stats of metadata.statistics) out.push(...createStatisticsSql(stats));
  return out;
}

function presentAt(since: string | undefined, until: string | undefined, at: number): boolean {
  if (since !== undefined && revisionIndex(since) > at) return false;
  if (until !== undefined && revisionIndex(until) <= at) return false;
  return true;
}

/**
 * The metadata as it was at a known revision (what Dagster's migrations had produced by then),
 * as a snapshot without history marks:
 * e.g. at `284a732df317` (1.8.12) without `runs.backfill_id`, `bulk_actions.job_name`,
 * `backfill_tags` and `using_default_limit`, and with `idx_run_tags` instead of `idx_run_tags_run_id`.
 */
export function metadataAtRevision(metadata: SchemaMetadata, revision: string): SchemaMetadata {
  const at = revisionIndex(revision);
  if (at < 0) throw new RangeError(`Unknown revision ${revision}`);
  const tables = metadata.tables
    .filter((t) => presentAt(t.since, undefined, at))
    .map((t) => ({ ...t, columns: t.columns.filter((c) => presentAt(c.since, undefined, at)) }));
  const names = new Set(tables.map((t) => t.name));
  return {
    ...metadata,
    tables,
    indexes: metadata.indexes
      .filter((i) => names.has(i.table) && presentAt(i.since, i.until, at))
      .map(({ until: _until, ...index }) => index),
    statistics: metadata.statistics.filter((s) => presentAt(s.since, undefined, at)),
  };
}
