import type { RunStorage, ScheduleStorage } from '@inst/storage';
import type { InstigatorState, InstigatorStatus, InstigatorType, RemoteInstigatorOrigin, SensorType, TickStatus } from '@inst/types';

/** `retention.<schedule|sensor|auto_materialize>.purge_after_days`: days for every tick status, or per status. */

/** What a scheduler may reach of the instance (Dagster passes the instance itself to its scheduler). */
export interface SchedulerHost {
  /** The local artifact directory of schedules. */
  schedulesDirectory(): string;
}

/**
 * The instance's scheduler (Dagster's `Scheduler`). inst has no scheduler process of its own: the default,
 * {@link DagsterDaemonScheduler}, describes the scheduler daemon that ticks schedules, exactly as Dagster's default
 * does. Starting, stopping and resetting schedules is the same for every scheduler (Dagster forbids overriding it),
 * so it lives in this package's functions; a scheduler only contributes what differs.
 */
export interface Scheduler {
  /** The class name that `schedulerClass` reports (Dagster's `scheduler.__class__.__name__`). */
  readonly className: string;
  /** The daemon the scheduler relies on (`'SCHEDULER'` for DagsterDaemonScheduler); read by `@inst/daemon`. */
  readonly requiredDaemonType?: string | null;
  /** Scheduler-specific debug text for `schedulerDebugInfo` (`''` for DagsterDaemonScheduler). */
  debugInfo(): string;
  /** Where a schedule's log file goes, creating its directory if needed (Dagster's `get_logs_path`). */
  getLogsPath(instance: SchedulerHost, scheduleOriginId: string): string | Promise<string>;
  /** Clears scheduler-side state on `wipeAllSchedules` (optional; a no-op for DagsterDaemonScheduler). */
  wipe?(instance: SchedulerHost): void | Promise<void>;
}

/** Dagster's `DefaultScheduleStatus` / `DefaultSensorStatus`: the status declared in code. */
export type DefaultInstigatorStatus = 'RUNNING' | 'STOPPED';

/**
 * The part of Dagster's `RemoteSchedule` (a schedule as loaded from a code location) that starting, stopping and
 * resetting read. A `RemoteSchedule`-like object with more fields is accepted as it is.
 */
export interface RemoteScheduleLike {
  /** The schedule's name (only used in messages; the origin carries the name that is stored). */
  readonly name?: string;
  /** Where the schedule lives; its `getId()` is the `origin_id` of the stored state. */
  readonly origin: RemoteInstigatorOrigin;
  /** The selector id (SHA-1 of the InstigatorSelector); derived from `origin` when absent. */
  readonly selectorId?: string;
  /** The cron schedule (or several) stored in `ScheduleInstigatorData`. */
  readonly cronSchedule: string | readonly string[];
  /** The status declared in code; `'STOPPED'` when absent, as in Dagster. */
  readonly defaultStatus?: DefaultInstigatorStatus | null;
}

/**
 * The part of Dagster's `RemoteSensor` that starting, stopping and resetting read. A `RemoteSensor`-like object with
 * more fields is accepted as it is.
 */
export interface RemoteSensorLike {
  /** The sensor's name (only used in messages). */
  readonly name?: string;
  /** Where the sensor lives; its `getId()` is the `origin_id` of the stored state. */
  readonly origin: RemoteInstigatorOrigin;
  /** The selector id (SHA-1 of the InstigatorSelector); derived from `origin` when absent. */
  readonly selectorId?: string;
  /** Seconds between evaluations; Dagster's default (30) when absent or 0. */
  readonly minIntervalSeconds?: number | null;
  /** The kind of sensor; `UNKNOWN` when absent. */
  readonly sensorType?: SensorType | null;
  /** The status declared in code; `'STOPPED'` when absent, as in Dagster. */
  readonly defaultStatus?: DefaultInstigatorStatus | null;
}

/**
 * Everything the scheduling domain needs from an instance (Dagster's `SchedulingInstanceOps`).
 *
 * The storages and the scheduler are the instance's components (Dagster's private `_schedule_storage`,
 * `_run_storage`, `_scheduler`), used directly as Dagster does. Every method is a **public method of the
 * instance** under its camel name, so an adapter that forwards to the instance lets a subclass that overrides one
 * (say `addInstigatorState`) be seen by this domain.
 */
export interface SchedulingInstanceOps {
  /** Instigator states and ticks; undefined for an ephemeral instance (see each function for what it then does). */
  readonly scheduleStorage: ScheduleStorage | undefined;
  /** The run storage, which keeps backfills. */
  readonly runStorage: RunStorage;
  /** The scheduler component; undefined when the instance has none (ephemeral instances). */
  readonly scheduler: Scheduler | undefined;

  /** `instance.schedulesDirectory()`: the local artifact directory of schedules (scheduler logs go under it). */
  schedulesDirectory(): string;
  /** `instance.getTickRetentionSettings`: days to keep ticks per status (-1 keeps forever). */
  getTickRetentionSettings(instigatorType: InstigatorType): Readonly<Record<TickStatus, number>>;

  /** `instance.allInstigatorState`. */
  allInstigatorState(
    repositoryOriginId?: string,
    repositorySelectorId?: string,
    instigatorType?: InstigatorType,
    instigatorStatuses?: Iterable<InstigatorStatus>,
  ): Promise<readonly InstigatorState[]>;
  /** `instance.getInstigatorState`: the stored state, or nothing. */
  getInstigatorState(originId: string, selectorId: string): Promise<InstigatorState | null | undefined>;
  /** `instance.addInstigatorState`. */
  addInstigatorState(state: InstigatorState): Promise<InstigatorState>;
  /** `instance.updateInstigatorState`. */
  updateInstigatorState(state: InstigatorState): Promise<InstigatorState>;
  /** `instance.deleteInstigatorState`. */
  deleteInstigatorState(originId: string, selectorId: string): Promise<void>;
  /** `instance.purgeTicks`. */
  purgeTicks(originId: string, selectorId: string, before: number, tickStatuses?: Iterable<TickStatus> | null): Promise<void>;
}
