/**
 * `@inst/storage-postgres`: inst's PostgreSQL backend, schema-compatible with Dagster's
 * `dagster-postgres`. This layer holds the driver — one `pg` pool per instance, UTC sessions,
 * `?` placeholders, savepoints — the `run_events` NOTIFY Dagster sends on every stored event,
 * and a reconnecting LISTEN client for watchers.
 *
 * @packageDocumentation
 */

export type { PgConnection, PgConnectionFields } from './config.js';
export { pgConfigFrom, pgConfigFromUrl, pgUrlFromFields } from './config.js';

export type { PgDriverOptions } from './driver.js';
export { createPgDriver, DEFAULT_PG_POOL_SIZE, PgDriver } from './driver.js';

export { pgErrorCode } from './errors.js';

export type { PgListenerOptions, RunEventHandler } from './listener.js';
export { PgListener } from './listener.js';

export { notifyRunEvent, parseRunEventPayload, RUN_EVENTS_CHANNEL } from './notify.js';
