/**
 * `@inst/scheduling`: the schedules, sensors, ticks and backfills domain of inst — stored instigator states and
 * starting / stopping / resetting schedules and sensors, ticks and their retention, the scheduler, and backfills.
 * Every function takes a {@link SchedulingInstanceOps} first.
 *
 * @packageDocumentation
 */

/** What the domain needs from an instance, and the shapes it reads. */
export type {
  SchedulingInstanceOps,
  Scheduler,
  SchedulerHost,
  RemoteScheduleLike,
  RemoteSensorLike,
  DefaultInstigatorStatus,
} from './ops';
/** Errors of this domain (InstError subclasses). */
export { schedulingOpsFromStorages, type SchedulingStorages, type SchedulingSettings } from './from-storages';
export { ScheduleStorageNotAvailableError, SchedulerNotAvailableError, InstigatorStateNotFoundError } from './errors';

export {
  /** Stored states matching the filters. */
  allInstigatorState,
  /** The stored state of one schedule or sensor. */
  getInstigatorState,
  /** Inserts a state. */
  addInstigatorState,
  /** Replaces a stored state. */
  updateInstigatorState,
  /** Deletes a stored state. */
  deleteInstigatorState,
  /** Wipes the scheduler's state and all of schedule storage. */
  wipeAllSchedules,
} from './instigator-state';

export {
  /** Turns a schedule on. */
  startSchedule,
  /** Turns a schedule off. */
  stopSchedule,
  /** Returns a schedule to the status declared in code. */
  resetSchedule,
} from './schedules';

export {
  /** Turns a sensor on. */
  startSensor,
  /** Turns a sensor off. */
  stopSensor,
  /** Returns a sensor to the status declared in code. */
  resetSensor,
} from './sensors';

export {
  /** A schedule's current state from its stored state and the status declared in code. */
  currentScheduleState,
  /** A sensor's current state from its stored state and the status declared in code. */
  currentSensorState,
  /** The origin id and selector id a remote schedule or sensor is stored under. */
  instigatorIds,
  /** Seconds between sensor evaluations when a sensor names none (30). */
  DEFAULT_SENSOR_DAEMON_INTERVAL,
} from './current-state';

export {
  /** Dagster's default scheduler: schedules are ticked by the scheduler daemon. */
  DagsterDaemonScheduler,
  /** The scheduler a `scheduler` config block names. */
  schedulerFromConfig,
  /** The instance's scheduler. */
  scheduler,
  /** The scheduler's class name. */
  schedulerClass,
  /** A schedule's log file path. */
  logsPathForSchedule,
  /** A debug summary of the scheduler and the stored states. */
  schedulerDebugInfo,
  /** Default catch-up runs of the daemon scheduler (5). */
  DEFAULT_MAX_CATCHUP_RUNS,
  type DagsterDaemonSchedulerOptions,
  type SchedulerConfig,
  type SchedulerDebugInfo,
} from './scheduler';

export {
  /** Whether batch tick queries are available. */
  supportsBatchTickQueries,
  /** The newest ticks of many instigators. */
  getBatchTicks,
  /** The tick within a second of a timestamp. */
  getTick,
  /** Ticks of one instigator. */
  getTicks,
  /** Stores a new tick. */
  createTick,
  /** Replaces a stored tick. */
  updateTick,
  /** Deletes old ticks of one instigator. */
  purgeTicks,
  /** How often an in-flight tick checks whether to stop (never in OSS). */
  getTickTerminationCheckInterval,
} from './ticks';

export {
  /** Days to keep ticks per status, from the retention settings. */
  /** Dagster's default tick retention of an instigator type. */
  /** Purges ticks past their retention for every instigator of a type. */
  purgeTicksByRetention,
  /** Origin id of the pre-sensor auto-materialize ticks. */
  PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID,
  /** Selector id of the pre-sensor auto-materialize ticks. */
  PRE_SENSOR_AUTO_MATERIALIZE_SELECTOR_ID,
  type TickPurge,
} from './retention';

export {
  /** Backfills matching filters, paged. */
  getBackfills,
  /** Number of backfills matching filters. */
  getBackfillsCount,
  /** One backfill by id. */
  getBackfill,
  /** Stores a new backfill. */
  addBackfill,
  /** Replaces a stored backfill. */
  updateBackfill,
  /** Per-backfill log storage gate (false in OSS). */
  backfillLogStorageEnabled,
  /** Declarative-automation-as-backfills gate (false in OSS). */
  daRequestBackfills,
} from './backfills';

export {
  /** A schedule's execution times in its timezone, with Dagster's DST rules. */
  scheduleExecutionTimeIterator,
  /** A schedule's execution times in a closed interval. */
  scheduleExecutionTimesBetween,
  /** Whether a cron string is valid (five fields). */
  isValidCronString,
  /** Whether a schedule's cron (string or list) is valid. */
  isValidCronSchedule,
} from './cron';
