/**
 * `@inst/storage-sql`: the SQL that inst's SQLite and Postgres backends share — the driver
 * contract, Dagster's schema as data with DDL for both dialects, the alembic revisions, schema
 * probes, and a transactional migration runner.
 *
 * @packageDocumentation
 */

export type { RecordedStatement, RunResult, SqlDialect, SqlDriver, SqlExecutor, TransactionOptions } from './driver.js';
export { isUniqueViolation, recordingDriver, tryRun } from './driver.js';
export { toPostgresPlaceholders } from './placeholders.js';

export type { StorageFailureReason } from './errors.js';
export { StorageFileMissingError, storageFailureReason, StorageUnavailableError, WriteOutcomeUnknownError } from './errors.js';

export { fromSqlBoolean, fromSqlTimestamp, toSqlParam, toSqlParams, toSqlTimestamp } from './values.js';

export type { Revision } from './revisions.js';
export { BASELINE_REVISION, HEAD_REVISION, isKnownRevision, REVISIONS, revisionIndex } from './revisions.js';

export type {
  ColumnDef,
  ColumnDefault,
  ColumnType,
  ForeignKeyDef,
  IndexDef,
  MetadataName,
  PostgresStatisticsDef,
  SchemaMetadata,
  TableDef,
} from './schema/types.js';
export {
  ALL_METADATA,
  EVENT_LOG_METADATA,
  EVENT_LOG_SECONDARY_INDEXES,
  mergeMetadata,
  metadataFor,
  RUN_SECONDARY_INDEXES,
  RUN_STORAGE_METADATA,
  SCHEDULE_SECONDARY_INDEXES,
  SCHEDULE_STORAGE_METADATA,
} from './schema/tables.js';
export {
  columnSql,
  columnTypeSql,
  createIndexSql,
  createSchemaSql,
  createStatisticsSql,
  createTableSql,
  metadataAtRevision,
  quoteIdent,
} from './schema/render.js';

export type { ColumnInfo, IndexInfo } from './introspect.js';
export {
  getRevision,
  hasColumn,
  hasIndex,
  hasSecondaryIndex,
  hasStatistics,
  hasTable,
  listColumns,
  listIndexes,
  listTables,
  markSecondaryIndexBuilt,
  stampRevision,
} from './introspect.js';

export type { DataMigration, DataMigrationContext, RunDataMigrationsOptions, RunTimes } from './data-migrations.js';
export {
  BACKFILL_ID_TAG,
  backfillEndTimestampMigration,
  backfillJobNameAndTagsMigration,
  RUN_REQUIRED_DATA_MIGRATIONS,
  runBackfillIdMigration,
  runDataMigrations,
  runStartEndMigration,
  SERDES_DATA_MIGRATION_NAMES,
  SQL_DATA_MIGRATIONS,
} from './data-migrations.js';

export type { PendingStep, SchemaState, UpgradeOptions, UpgradeResult } from './migrate.js';
export {
  assertSchemaCurrent,
  getSchemaState,
  initializeSchema,
  MIGRATION_LOCK_KEY,
  migrationRequiredMessage,
  PRE_BASELINE_REVISIONS,
  revisionStanding,
  type RevisionStanding,
  upgradeSchema,
} from './migrate.js';

export { SqlScheduleStorage, type SqlScheduleStorageOptions } from './storages/schedule-storage.js';
export { SqlRunStorage, type SqlRunStorageOptions } from './storages/run-storage.js';
export type { OwnedDriverOptions } from './storages/owned-driver.js';

export * from './storages/event-log/index.js';
