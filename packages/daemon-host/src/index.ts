/**
 * `@inst/daemon-host`: the inst daemon host — runs the daemons an instance requires (scheduler, sensors, backfills,
 * run queue, monitoring, retries, retention), writes their heartbeats in Dagster's format, and shares the work
 * between several hosts safely.
 *
 * @packageDocumentation
 */
export { runDaemonHost, defaultLeasesFor, type DaemonContext, type DaemonDefinition, type DaemonHostOptions } from './host';
export { defaultDaemonsFor, idleDaemon, type DefaultDaemonsOptions } from './daemons';
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
  CodeLocationSnapshotLike,
  JobSnapshotEntryLike,
  RunRequestLike,
  ScheduleEvaluationLike,
  ScheduleSnapshotLike,
  SensorEvaluationLike,
  SensorSnapshotLike,
  WorkspaceLike,
} from './workspace';
