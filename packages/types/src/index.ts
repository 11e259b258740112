/**
 * `@inst/types`: the records every inst domain shares — runs, events, assets, instigators, backfills,
 * heartbeats, snapshots, filters and cursors — each registered with `@inst/serdes` so that it reads and writes
 * exactly what Dagster stores. Importing this package registers the classes.
 */
// The InstError family (re-exported here directly: a bundler keeps `export *` of a package only at the entry).
export * from '@inst/errors';
export * from './assets';
export * from './origins';
export * from './runs';
export * from './metadata';
export * from './event-data';
export * from './events';
export * from './cursors';
export * from './filters';
export * from './instigation';
export * from './backfills';
export * from './asset-backfills';
export * from './daemon';
export * from './snapshots';
