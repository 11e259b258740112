/**
 * `@inst/storage-postgres`: inst's PostgreSQL backend, schema-compatible with Dagster's
 * `dagster-postgres`: `openPostgresStorages` gives the run, event-log and schedule storages of one
 * instance over one `pg` pool. Below them: the driver — UTC sessions, `?` placeholders,
 * savepoints — the `run_events` NOTIFY Dagster sends on every stored event, and a reconnecting
 * LISTEN client that wakes watchers.
 *
 * @packageDocumentation
 */

export type { PgConnection, PgConnectionFields } from './config.js';
export { pgConfigFrom, pgConfigFromUrl, pgUrlFromFields } from './config.js';

export type { PgDriverOptions } from './driver.js';
export { createPgDriver, DEFAULT_PG_POOL_SIZE, isRetryableRead, PgDriver } from './driver.js';

export { isConnectFailure, isConnectionLoss, pgErrorCode } from './errors.js';

export type { PgListenerOptions, RunEventHandler } from './listener.js';
export { PgListener } from './listener.js';

export { notifyRunEvent, notifyRunEvents, parseRunEventPayload, RUN_EVENTS_CHANNEL } from './notify.js';

export { migrationErrorFor, withMigrationCheck } from './migration-check.js';

export { lockRunsForWrite, RUN_WRITE_LOCK_CLASS } from './run-write-lock.js';

export type { RunEventsWakerOptions } from './watch.js';
export { DEFAULT_WATCH_SAFETY_POLL_MS, RunEventsWaker } from './watch.js';

export type { PostgresEventLogConnectionsOptions, PostgresStorages, PostgresStoragesOptions } from './storages.js';
export { openPostgresStorages, postgresEventLogConnections, postgresIdentity } from './storages.js';
