import type { SqlExecutor } from './driver.js';
import { tryRun } from './driver.js';
import { revisionIndex } from './revisions.js';
import { toSqlTimestamp } from './values.js';

/*
 * Probing a live database, as Dagster's code does (`has_table`, `has_column`, `has_index`,
 * `has_built_index`): the revision alone does not say which optional columns exist (facts §3.1).
 */

/** Whether the table exists (in the current schema on Postgres). */
export async function hasTable(db: SqlExecutor, table: string): Promise<boolean> {
  const sql =
    db.dialect === 'sqlite'
      ? "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?"
      : 'SELECT 1 AS found FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?';
  return (await db.get(sql, [table])) !== undefined;
}

/** Whether the table has the column (false when the table is missing). */
export async function hasColumn(db: SqlExecutor, table: string, column: string): Promise<boolean> {
  const sql =
    db.dialect === 'sqlite'
      ? 'SELECT 1 AS found FROM pragma_table_info(?) WHERE name = ?'
      : 'SELECT 1 AS found FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?';
  return (await db.get(sql, [table, column])) !== undefined;
}

/** Whether an index of that name exists on the table. */
export async function hasIndex(db: SqlExecutor, table: string, index: string): Promise<boolean> {
  const sql =
    db.dialect === 'sqlite'
      ? "SELECT 1 AS found FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?"
      : 'SELECT 1 AS found FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname = ?';
  return (await db.get(sql, [table, index])) !== undefined;
}

/** Whether Postgres extended statistics of that name exist (always false on SQLite). */
export async function hasStatistics(db: SqlExecutor, name: string): Promise<boolean> {
  if (db.dialect !== 'postgres') return false;
  const row = await db.get(
    'SELECT 1 AS found FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE n.nspname = current_schema() AND s.stxname = ?',
    [name],
  );
  return row !== undefined;
}

/** Names of the tables, sorted. */
export async function listTables(db: SqlExecutor): Promise<string[]> {
  const sql =
    db.dialect === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name";
  return (await db.all<{ name: string }>(sql)).map((r) => r.name);
}

/** A column as the database reports it. */
export interface ColumnInfo {
  /** Column name. */
  readonly name: string;
  /** Declared type, upper case (`VARCHAR(255)`, `TEXT`, `TIMESTAMP WITHOUT TIME ZONE`, …). */
  readonly type: string;
  /** Whether NULL is allowed. */
  readonly nullable: boolean;
  /** Default expression as stored, or `null`. */
  readonly default: string | null;
}

/** The table's columns in their physical order. */
export async function listColumns(db: SqlExecutor, table: string): Promise<ColumnInfo[]> {
  if (db.dialect === 'sqlite') {
    const rows = await db.all<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(
      'SELECT name, type, "notnull" AS "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid',
      [table],
    );
    return rows.map((r) => ({ name: r.name, type: r.type.toUpperCase(), nullable: r.notnull === 0, default: r.dflt_value }));
  }
  const rows = await db.all<{ name: string; type: string; length: number | null; is_nullable: string; column_default: string | null }>(
    `SELECT column_name AS name, data_type AS type, character_maximum_length AS length, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => ({
    name: r.name,
    type: r.type.toUpperCase() === 'CHARACTER VARYING' && r.length != null ? `VARCHAR(${r.length})` : r.type.toUpperCase(),
    nullable: r.is_nullable === 'YES',
    default: r.column_default,
  }));
}

/** An index created with CREATE INDEX (not one backing a PRIMARY KEY or UNIQUE constraint). */
export interface IndexInfo {
  /** Index name. */
  readonly name: string;
  /** Table it indexes. */
  readonly table: string;
  /** Indexed columns, in order. */
  readonly columns: readonly string[];
  /** Whether it is a UNIQUE index. */
  readonly unique: boolean;
  /** Partial-index predicate (Postgres), or `null`. */
  readonly where: string | null;
}

/** The explicitly created indexes of a table, sorted by name. */
export async function listIndexes(db: SqlExecutor, table: string): Promise<IndexInfo[]> {
  if (db.dialect === 'sqlite') {
    const list = await db.all<{ name: string; unique: number; origin: string }>(
      'SELECT name, "unique" AS "unique", origin FROM pragma_index_list(?) ORDER BY name',
      [table],
    );
    const out: IndexInfo[] = [];
    for (const index of list) {
      if (index.origin !== 'c') continue;
      const cols = await db.all<{ name: string }>('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [index.name]);
      out.push({ name: index.name, table, columns: cols.map((c) => c.name), unique: index.unique === 1, where: null });
    }
    return out;
  }
  const rows = await db.all<{ name: string; is_unique: boolean; predicate: string | null; columns: string }>(
    `SELECT i.relname AS name, ix.indisunique AS is_unique, pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
               FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND t.relname = ?
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                         WHERE c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid AND c.contype IN ('p', 'u'))
      ORDER BY i.relname`,
    [table],
  );
  return rows.map((r) => ({ name: r.name, table, columns: r.columns.split(','), unique: r.is_unique, where: r.predicate }));
}

/**
 * The revision in `alembic_version`, or `null` when there is none. Should a database hold several
 * rows (alembic branches), the newest one inst knows wins.
 */
export async function getRevision(db: SqlExecutor): Promise<string | null> {
  if (!(await hasTable(db, 'alembic_version'))) return null;
  const rows = await db.all<{ version_num: string }>('SELECT version_num FROM alembic_version');
  if (rows.length === 0) return null;
  return rows.map((r) => r.version_num).sort((a, b) => revisionIndex(b) - revisionIndex(a))[0]!;
}

/** Sets the one `alembic_version` row (creating the table as alembic does when missing). */
export async function stampRevision(db: SqlExecutor, revision: string): Promise<void> {
  if (!(await hasTable(db, 'alembic_version'))) {
    await db.run(
      'CREATE TABLE IF NOT EXISTS alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)',
    );
  }
  const rows = await db.all<{ version_num: string }>('SELECT version_num FROM alembic_version');
  if (rows.length === 1) {
    await db.run('UPDATE alembic_version SET version_num = ?', [revision]);
  } else {
    await db.run('DELETE FROM alembic_version');
    await db.run('INSERT INTO alembic_version (version_num) VALUES (?)', [revision]);
  }
}

/**
 * Dagster's `has_built_index`: a `secondary_indexes` row with `migration_completed` set
 * (false when the table is missing).
 */
export async function hasSecondaryIndex(db: SqlExecutor, name: string): Promise<boolean> {
  if (!(await hasTable(db, 'secondary_indexes'))) return false;
  const row = await db.get('SELECT 1 AS found FROM secondary_indexes WHERE name = ? AND migration_completed IS NOT NULL', [name]);
  return row !== undefined;
}

/**
 * Dagster's `mark_index_built`: records that a data migration finished. Dagster writes the local
 * wall time of the Python host here; inst writes naive UTC like every other timestamp column.
 */
export async function markSecondaryIndexBuilt(db: SqlExecutor, name: string, completedAt: Date = new Date()): Promise<void> {
  const when = toSqlTimestamp(completedAt);
  const updated = await db.run('UPDATE secondary_indexes SET migration_completed = ? WHERE name = ?', [when, name]);
  if (updated.changes > 0) return;
  const inserted = await tryRun(db, 'INSERT INTO secondary_indexes (name, migration_completed) VALUES (?, ?)', [name, when]);
  // Another writer inserted it in between: set our completion time on its row.
  if (inserted === null) await db.run('UPDATE secondary_indexes SET migration_completed = ? WHERE name = ?', [when, name]);
}
