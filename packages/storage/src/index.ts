export type { AlembicVersion, MaintenanceOptions, MaintenanceProgress, MigrationOptions, PaginatedResults, PrintFn, StorageLifecycle } from './common';
export type { JobBucket, RunStorage, TagBucket } from './run-storage';
export type { EventHandlerFn, EventLogStorage, EventTypeSelection, WatchAllRunsOptions, WatchOptions, WatchedEvent } from './event-log-storage';
export type { ScheduleStorage } from './schedule-storage';
export * from './domain/index';
