/**
 * Dagster's schema as data: enough to render DDL for SQLite and Postgres, to compare a live
 * database with it, and to know at which revision each piece appeared.
 */

/**
 * Column types, named after SQLAlchemy's (facts §1.0):
 * - `id`: `BigInteger` with the SQLite `INTEGER` variant, primary key, autoincrement
 *   (SQLite `INTEGER` rowid alias without AUTOINCREMENT, Postgres `BIGSERIAL`);
 * - `bigint`: `BigInteger` with the SQLite `INTEGER` variant (SQLite `INTEGER`, Postgres `BIGINT`);
 * - `datetime`: `DateTime` (SQLite `DATETIME`); `timestamp`: `types.TIMESTAMP` (SQLite
 *   `TIMESTAMP`) — both `timestamp without time zone` on Postgres;
 * - `float` (SQLite `FLOAT`, Postgres `double precision`), `blob` (`BLOB`/`bytea`), `boolean`.
 */
export type ColumnType =
  | 'id'
  | 'bigint'
  | 'integer'
  | 'varchar'
  | 'text'
  | 'datetime'
  | 'timestamp'
  | 'float'
  | 'blob'
  | 'boolean';

/** A server-side default: `CURRENT_TIMESTAMP`, or SQLAlchemy's `false()` (`0` on SQLite). */
export type ColumnDefault = 'current_timestamp' | 'false';

/** A single-column foreign key (not enforced on SQLite, as in Dagster). */
export interface ForeignKeyDef {
  /** Referenced table. */
  readonly table: string;
  /** Referenced column. */
  readonly column: string;
  /** Constraint name when Dagster names it; otherwise the database picks one. */
  readonly name?: string;
  /** `ON DELETE CASCADE` (run_tags → runs). */
  readonly onDelete?: 'CASCADE';
}

/** One column, as Dagster's `schema.py` declares it. */
export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  /** Length of a `varchar`. */
  readonly length?: number;
  /** Default `true`; the `id` column is never null. */
  readonly nullable?: boolean;
  /** Server-side default. */
  readonly default?: ColumnDefault;
  /** A single-column UNIQUE constraint (Postgres names it `<table>_<column>_key`). */
  readonly unique?: boolean;
  /** Foreign key from this column. */
  readonly references?: ForeignKeyDef;
  /** Revision that added the column; absent for baseline columns. */
  readonly since?: string;
}

/** One table. */
export interface TableDef {
  readonly name: string;
  /** Columns in Dagster's `schema.py` order (the order a fresh `create_all` produces). */
  readonly columns: readonly ColumnDef[];
  /** A named primary key on non-`id` columns (only `alembic_version`: `alembic_version_pkc`). */
  readonly primaryKey?: { readonly name: string; readonly columns: readonly string[] };
  /** Revision that added the table; absent for baseline tables. */
  readonly since?: string;
}

/** One index created with CREATE INDEX (UNIQUE constraints are {@link ColumnDef.unique}). */
export interface IndexDef {
  readonly name: string;
  readonly table: string;
  /** Indexed columns, in order. */
  readonly columns: readonly string[];
  readonly unique?: boolean;
  /** Postgres partial-index predicate (SQLite gets a full index, as with SQLAlchemy). */
  readonly postgresWhere?: string;
  /** Revision that added the index; absent for baseline indexes. */
  readonly since?: string;
  /** Revision that dropped it. */
  readonly until?: string;
}

/** Postgres extended statistics plus the per-column statistics target that goes with them. */
export interface PostgresStatisticsDef {
  readonly name: string;
  readonly table: string;
  readonly kinds: readonly ('dependencies' | 'ndistinct' | 'mcv')[];
  readonly columns: readonly string[];
  /** `ALTER TABLE … ALTER COLUMN … SET STATISTICS n` issued with them. */
  readonly statisticsTarget?: { readonly column: string; readonly target: number };
  readonly since?: string;
}

/** Which of Dagster's three SQLAlchemy metadatas (one SQLite file kind each). */
export type MetadataName = 'runs' | 'event_log' | 'schedules';

/** One of Dagster's metadatas (`RunStorageSqlMetadata`, `SqlEventLogStorageMetadata`, `ScheduleStorageSqlMetadata`), or their union on Postgres. */
export interface SchemaMetadata {
  /** The metadatas this one covers: one name, or all three for the Postgres union. */
  readonly names: readonly MetadataName[];
  /** Tables in creation order (a referenced table comes before the tables referencing it). */
  readonly tables: readonly TableDef[];
  readonly indexes: readonly IndexDef[];
  readonly statistics: readonly PostgresStatisticsDef[];
  /** Secondary (data-migration) indexes a fresh database marks as built. */
  readonly secondaryIndexes: readonly string[];
}
