export { assetsNamespace, type AssetsNamespace, type AssetEventsOptions, type AssetEventsIterateOptions, type AssetsWipeOptions } from './assets';
export { backfillsNamespace, type BackfillsNamespace, type BackfillsListOptions } from './backfills';
export { daemonsNamespace, type DaemonsNamespace } from './daemons';
export { eventsNamespace, type EventsNamespace, type EventsForRunOptions, type EventsIterateOptions, type EventsWatchOptions } from './events';
export { NAMESPACED_FORMS } from './map';
export { partitionsNamespace, type PartitionsNamespace, type PartitionsIterateOptions } from './partitions';
export {
  runsNamespace,
  type RunsNamespace,
  type RunsCreateForJobOptions,
  type RunsIterateOptions,
  type RunsListOptions,
  type RunsRecordsOptions,
  type RunsFilterLike,
  type RunsRegisterManagedOptions,
} from './runs';
export { schedulesNamespace, type SchedulesNamespace } from './schedules';
export { sensorsNamespace, type SensorsNamespace } from './sensors';
export { snapshotsNamespace, type SnapshotsNamespace } from './snapshots';
export { settingsNamespace, type SettingsNamespace } from './settings';
export { storageNamespace, type MaintenanceCallOptions, type StorageNamespace } from './storage';
export type { LongOperationOptions, Page, PageOptions, Progress } from './support';
