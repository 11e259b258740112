/**
 * `@inst/daemon-host`: the inst daemon host — runs the daemons an instance requires (scheduler, sensors, backfills,
 * run queue, monitoring, retries, retention), writes their heartbeats in Dagster's format, and shares the work
 * between several hosts safely.
 *
 * @packageDocumentation
 */
export { runDaemonHost, defaultLeasesFor, type DaemonContext, type DaemonDefinition, type DaemonHostOptions } from './host';
export { defaultDaemonsFor, idleDaemon, assetDaemon, AutomationNotRunError, type DefaultDaemonsOptions } from './daemons';
export {
  ExclusiveLeases,
  SqliteHomeLeases,
  PostgresAdvisoryLeases,
  DaemonHostAlreadyRunningError,
  ADVISORY_LOCK_CLASS_ID,
  SQLITE_HOST_LOCK_FILE,
  type DaemonLeases,
} from './leases';
export { createJsonLogger, childLogger, silentLogger, type Logger, type LogLevel } from './logger';
export type {
  CodeLocationLike,
  AssetNodeSnapshotLike,
  CodeLocationSnapshotLike,
  JobSnapshotEntryLike,
  RunRequestLike,
  ScheduleEvaluationLike,
  ScheduleSnapshotLike,
  SensorEvaluationLike,
  SensorSnapshotLike,
  WorkspaceLike,
} from './workspace';
export { schedulerDaemon, launchScheduledRuns, nextSchedulerIterationTime, SCHEDULE_CHECKPOINT_INTERVAL_SECONDS, type SchedulerOptions, type SchedulerCrashPoint, type ScheduleIterationResult } from './scheduler';
export {
  sensorDaemon,
  executeSensorIteration,
  isUnderMinInterval,
  SENSOR_DAEMON_LOOP_SECONDS,
  MAX_TIME_TO_RESUME_TICK_SECONDS,
  MAX_FAILURE_RESUBMISSION_RETRIES,
  type SensorOptions,
  type SensorCrashPoint,
  type SensorTickResult,
  type DagsterRunReactionLike,
} from './sensors';
export { backfillDaemon, executeBackfillIteration, BACKFILL_CHECKPOINT_COUNT, type BackfillOptions, type BackfillCrashPoint, type BackfillIterationResult } from './backfills';
export { MAX_RUNS_CANCELED_PER_ITERATION } from './backfill-runs';
export { ASSET_BACKFILL_RUN_CHUNK_SIZE, emptyAssetBackfillData } from './asset-backfills';
export { retentionDaemon, purgeByRetention, retentionPolicyFromSettings, ASSET_EVENT_TYPES, type RetentionPolicy, type RetentionReport } from './retention';
export { purgeInstigatorTicks, type InstigatorTickPurge } from './tick-retention';
export { runQueueDaemon, runMonitoringDaemon, runRetriesDaemon } from './run-queue-daemons';
export { SimulatedCrashError } from './crash';
export {
  reloadableWorkspace,
  isReloadable,
  WORKSPACE_RELOAD_INTERVAL_SECONDS,
  type ReloadableWorkspace,
  type WorkspaceReloadResult,
} from './workspace-reload';
export {
  createRunForRequest,
  repositoryOriginOf,
  loadLocations,
  remoteSchedules,
  remoteSensors,
  pythonUtcIsoformat,
  SINGLETON_REPOSITORY_NAME,
  type LoadedLocation,
  type RemoteSchedule,
  type RemoteSensor,
  type RunCreator,
  type RunForRequestOptions,
} from './locations';
