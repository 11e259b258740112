/**
 * `@inst/storage-sqlite`: inst's SQLite driver and Dagster's on-disk SQLite layout under an
 * instance home (the storages built on them come in later packages).
 *
 * @packageDocumentation
 */

export type { SqliteDriverOptions } from './driver.js';
export {
  isBusyError,
  SQLITE_BEGIN_READ,
  SQLITE_BEGIN_WRITE,
  SQLITE_BUSY_TIMEOUT_MS,
  SQLITE_PRAGMAS,
  SqliteDriver,
} from './driver.js';

export type { PendingIndexWrite, SqliteLayoutOptions, SqliteLayoutPaths, SqliteLayoutUpgradeResult } from './layout.js';
export { INDEX_SHARD_NAME, openSqliteLayout, PENDING_INDEX_DIR, RUNLESS_RUN_ID, SqliteLayout, sqliteLayoutPaths } from './layout.js';
export { openSqliteEventLogStorage, sqliteEventLogConnections, type SqliteEventLogConnectionsOptions, type SqliteEventLogStorageOptions } from './event-log.js';
export { openSqliteStorages, type SqliteStorages } from './storages.js';
