import { MigrationRequiredError } from '@inst/errors';
import { ALL_METADATA, getSchemaState, migrationRequiredMessage, type SchemaMetadata, type SqlDriver, type SqlExecutor, type TransactionOptions } from '@inst/storage-sql';
import { pgErrorCode } from './errors.js';

/**
 * SQLSTATEs a statement gets when the schema lacks what it names: undefined column, table,
 * function or object. Dagster turns any SQL error into `DagsterInstanceMigrationRequired` while
 * the database is behind; inst limits that to the errors a missing migration can cause.
 */
const SCHEMA_ERROR_CODES: ReadonlySet<string> = new Set(['42703', '42P01', '42883', '42704']);

/**
 * The error a failed statement should surface as: a {@link MigrationRequiredError} naming
 * `inst instance migrate` when it failed for want of a table or column and the database is behind
 * inst's head schema (tables or columns missing, or another alembic revision), otherwise the error
 * itself. Probes the schema only on that error path.
 */
export async function migrationErrorFor(db: SqlExecutor, error: unknown, metadata: SchemaMetadata = ALL_METADATA): Promise<unknown> {
  const code = pgErrorCode(error);
  if (code === undefined || !SCHEMA_ERROR_CODES.has(code)) return error;
  let state;
  try {
    state = await getSchemaState(db, metadata);
  } catch {
    return error;
  }
  if (!state.needsMigration && state.revision === state.head) return error;
  const detail = error instanceof Error ? ` (${error.message})` : '';
  return new MigrationRequiredError(
    `Raised an exception that may indicate that the database needs to be migrated. ${migrationRequiredMessage(state.revision, state.head)}${detail}`,
    state.revision ?? undefined,
    state.head,
    { cause: error },
  );
}

/**
 * The driver the storages use: `driver` itself, except that a statement (or transaction) failing
 * because the database is behind the schema inst needs fails with a {@link MigrationRequiredError}
 * (see {@link migrationErrorFor}) — one place for every query of the run, event-log and schedule
 * storages. Errors inside a transaction surface when the transaction ends, so they are converted
 * once, after the rollback.
 */
export function withMigrationCheck(driver: SqlDriver, metadata: SchemaMetadata = ALL_METADATA): SqlDriver {
  const checked = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw await migrationErrorFor(driver, error, metadata);
    }
  };
  return {
    dialect: driver.dialect,
    all: <T>(sql: string, params?: readonly unknown[]) => checked(() => driver.all<T>(sql, params)),
    get: <T>(sql: string, params?: readonly unknown[]) => checked(() => driver.get<T>(sql, params)),
    run: (sql: string, params?: readonly unknown[]) => checked(() => driver.run(sql, params)),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions) => checked(() => driver.transaction(fn, options)),
    close: () => driver.close(),
  };
}
