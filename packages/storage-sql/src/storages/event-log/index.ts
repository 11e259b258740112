export type { EventLogConnections, RunChangeProbe, SingleDatabaseOptions } from './connections.js';
export { singleDatabaseEventLogConnections } from './connections.js';
export type { EventLogLogger } from './rows.js';
export { isIndexedAssetTag } from './assets.js';
export { buildRunStepStats } from './stats.js';
export { MAX_CONCURRENCY_LIMIT } from './concurrency.js';
export { notifyRunWritten, subscribeToRun, WATCH_POLL_MAX_MS, WATCH_POLL_MIN_MS, WATCH_PROBE_MAX_MS, WATCH_PROBE_MIN_MS } from './watch.js';
export type { SqlEventLogStorageOptions } from './context.js';
export { SqlEventLogStorage } from './sql-event-log-storage.js';
