/**
 * Schedules and sensors (Dagster's `ScheduleDefinition`, `@sensor`, `@run_status_sensor`), their run requests,
 * skip reasons and evaluations.
 */
import type { DagsterRun, DagsterRunStatus, SerializableErrorInfo } from '@inst/types';
import type { AssetJobDefinition } from './asset-job';
import { InvalidDefinitionError } from './errors';
import type { JobDefinition } from './job';
import { checkValidName, toAssetKey, type AssetKeyLike } from './keys';
import type { AssetDefinition } from './assets';
import { checkCronSchedule } from './partitions/cron';
import { checkTimezone } from './partitions/time';

/** A request for a run (Dagster's `RunRequest`), as evaluations return it. */
export interface RunRequest {
  /** Deduplicates requests across ticks: a key already launched for this instigator is skipped. */
  runKey?: string | null;
  runConfig?: Record<string, unknown>;
  tags?: Record<string, string>;
  /** Which of the instigator's jobs (required when it targets several). */
  jobName?: string;
  partitionKey?: string | null;
  /** Asset key paths to materialize (an asset subset of the job). */
  assetSelection?: string[][];
}

/** Dagster's `SkipReason`: the tick ran and chose not to request runs. */
export class SkipReason {
  readonly skipMessage: string | null;
  constructor(skipMessage?: string | null) {
    this.skipMessage = skipMessage ?? null;
  }
}

/** A request to add or delete keys of a dynamic partitions definition (Dagster's `AddDynamicPartitionsRequest` / `DeleteDynamicPartitionsRequest`). */
export interface DynamicPartitionsRequest {
  partitionsDefName: string;
  add?: string[];
  delete?: string[];
}

/** What a schedule evaluation produced (sent by the code server over IPC). */
export interface ScheduleEvaluation {
  runRequests: RunRequest[];
  skipMessage?: string | null;
  error?: SerializableErrorInfo | null;
}

/** What a sensor evaluation produced. */
export interface SensorEvaluation {
  runRequests: RunRequest[];
  skipMessage?: string | null;
  cursor?: string | null;
  dynamicPartitionsRequests?: DynamicPartitionsRequest[];
  error?: SerializableErrorInfo | null;
}

/** An instigator's default status when nothing is stored for it (Dagster's `DefaultScheduleStatus` / `DefaultSensorStatus`). */
export type DefaultInstigatorStatus = 'RUNNING' | 'STOPPED';

/** What a schedule's functions get. */
export interface ScheduleContext {
  /** The tick time, epoch seconds. */
  readonly scheduledExecutionTime: number;
  /** The tick time as a Date. */
  readonly scheduledExecutionDate: Date;
  /** The schedule's execution timezone. */
  readonly timezone: string;
  readonly scheduleName: string;
  /** The instance, when the caller passes one. */
  readonly instance?: unknown;
}

/** A job target: a job, an asset job, or a job's name. */
export type JobTarget = JobDefinition | AssetJobDefinition | string;

/** What a schedule function may return. */
export type ScheduleFnResult = RunRequest | readonly RunRequest[] | SkipReason | null | undefined | void;

/** Options of {@link defineSchedule}. */
export interface ScheduleOptions {
  name: string;
  job: JobTarget;
  /** A cron string (five fields or `@daily` etc.), in `timezone`. */
  cron: string;
  /** IANA zone; default UTC. */
  timezone?: string;
  description?: string;
  defaultStatus?: DefaultInstigatorStatus;
  /** Run config of the tick's run. */
  runConfig?: (context: ScheduleContext) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Tags of the tick's run. */
  tags?: (context: ScheduleContext) => Record<string, string> | Promise<Record<string, string>>;
  /** The tick's partition (for partitioned jobs); by default a time-window job's partition ending at the tick. */
  partitionKey?: (context: ScheduleContext) => string | null | Promise<string | null>;
  /** Return false to skip the tick. */
  shouldExecute?: (context: ScheduleContext) => boolean | Promise<boolean>;
}

/** A schedule (Dagster's `ScheduleDefinition`). */
export interface ScheduleDefinition {
  readonly kind: 'schedule';
  readonly name: string;
  readonly job: JobTarget;
  readonly jobName: string;
  readonly cronSchedule: string;
  readonly executionTimezone: string;
  readonly description: string | null;
  readonly defaultStatus: DefaultInstigatorStatus;
  readonly options: Readonly<ScheduleOptions>;
  /** The custom function, when one was given (it replaces runConfig / tags / shouldExecute). */
  readonly fn: ((context: ScheduleContext) => ScheduleFnResult | Promise<ScheduleFnResult>) | null;
}

function jobNameOf(target: JobTarget | undefined, owner: string): string {
  if (typeof target === 'string') return checkValidName(target, `Job of ${owner}:`);
  if (target && (target.kind === 'job' || target.kind === 'asset_job')) return target.name;
  throw new InvalidDefinitionError(`${owner} targets no job`, { ids: { name: owner } });
}

/** Defines a schedule: each cron tick requests a run of `job` (or what `fn` returns). */
export function defineSchedule(options: ScheduleOptions, fn?: (context: ScheduleContext) => ScheduleFnResult | Promise<ScheduleFnResult>): ScheduleDefinition {
  const name = checkValidName(options?.name, 'Schedule');
  const timezone = options.timezone ?? 'UTC';
  checkTimezone(timezone);
  return Object.freeze({
    kind: 'schedule' as const,
    name,
    job: options.job,
    jobName: jobNameOf(options.job, `Schedule ${name}`),
    cronSchedule: checkCronSchedule(options.cron, `schedule ${name}`),
    executionTimezone: timezone,
    description: options.description ?? null,
    defaultStatus: options.defaultStatus ?? 'STOPPED',
    options: Object.freeze({ ...options }),
    fn: fn ?? null,
  });
}

/** What a sensor's function gets. */
export interface SensorContext {
  readonly sensorName: string;
  /** The cursor stored by the last tick, else null. */
  readonly cursor: string | null;
  readonly lastTickCompletionTime: number | null;
  readonly lastRunKey: string | null;
  readonly lastSensorStartTime: number | null;
  readonly instance?: unknown;
  /** Stores a new cursor with this tick (as Dagster's `context.update_cursor`). */
  updateCursor(cursor: string | null): void;
}

/** A sensor's full result (Dagster's `SensorResult`). */
export interface SensorResult {
  runRequests?: RunRequest[];
  skipReason?: SkipReason | string | null;
  cursor?: string | null;
  dynamicPartitionsRequests?: DynamicPartitionsRequest[];
}

/** What a sensor function may return. */
export type SensorFnResult = SensorResult | RunRequest | readonly RunRequest[] | SkipReason | null | undefined | void;

/** The kinds of sensors (Dagster's `SensorType`). */
export type SensorType = 'STANDARD' | 'RUN_STATUS' | 'ASSET' | 'MULTI_ASSET' | 'FRESHNESS_POLICY' | 'AUTO_MATERIALIZE' | 'AUTOMATION' | 'UNKNOWN';

/** Options of {@link defineSensor}. */
export interface SensorOptions {
  name: string;
  job?: JobTarget;
  jobs?: readonly JobTarget[];
  /** Seconds between evaluations; default 30. */
  minimumIntervalSeconds?: number;
  description?: string;
  defaultStatus?: DefaultInstigatorStatus;
  /** Assets the sensor requests (run requests with `assetSelection`). */
  assetSelection?: readonly (AssetDefinition<any> | AssetKeyLike)[];
}

/** A sensor (Dagster's `SensorDefinition`). */
export interface SensorDefinition {
  readonly kind: 'sensor';
  readonly name: string;
  readonly jobs: readonly JobTarget[];
  readonly jobNames: readonly string[];
  readonly minimumIntervalSeconds: number;
  readonly description: string | null;
  readonly defaultStatus: DefaultInstigatorStatus;
  readonly sensorType: SensorType;
  readonly assetSelection: readonly string[][] | null;
  readonly fn: (context: SensorContext) => SensorFnResult | Promise<SensorFnResult>;
  /** Set for run status sensors. */
  readonly runStatus: DagsterRunStatus | null;
  readonly monitoredJobNames: readonly string[] | null;
  /** For run status sensors: whether runs of every code location are monitored. */
  readonly monitorAllCodeLocations: boolean;
  readonly runStatusFn: ((context: RunStatusSensorContext) => SensorFnResult | Promise<SensorFnResult>) | null;
}

/** Defines a sensor: each evaluation may request runs, skip, move its cursor and add dynamic partitions. */
export function defineSensor(options: SensorOptions, fn: (context: SensorContext) => SensorFnResult | Promise<SensorFnResult>): SensorDefinition {
  if (options?.job && options.jobs) throw new InvalidDefinitionError(`Sensor ${String(options.name)}: give job or jobs, not both`, { ids: { sensorName: String(options.name) } });
  const jobs = options?.jobs ? [...options.jobs] : options?.job ? [options.job] : [];
  return Object.freeze({
    ...sensorBasics(options, fn, jobs),
    sensorType: 'STANDARD' as const,
    assetSelection: options.assetSelection
      ? Object.freeze(options.assetSelection.map((entry) => [...(typeof entry === 'object' && (entry as AssetDefinition).kind === 'asset' ? (entry as AssetDefinition).key : toAssetKey(entry as AssetKeyLike)).path]))
      : null,
    fn,
    runStatus: null,
    monitoredJobNames: null,
    monitorAllCodeLocations: false,
    runStatusFn: null,
  });
}

/** The checks and fields every kind of sensor shares: name, function, targeted jobs, interval, status. */
function sensorBasics(
  options: { name: string; minimumIntervalSeconds?: number; description?: string; defaultStatus?: DefaultInstigatorStatus },
  fn: unknown,
  jobs: readonly JobTarget[],
) {
  const name = checkValidName(options?.name, 'Sensor');
  if (typeof fn !== 'function') throw new InvalidDefinitionError(`Sensor ${name} needs a function`, { ids: { sensorName: name } });
  const interval = options.minimumIntervalSeconds ?? 30;
  if (!Number.isInteger(interval) || interval < 1) throw new InvalidDefinitionError(`Sensor ${name}: minimumIntervalSeconds must be a positive integer`, { ids: { sensorName: name } });
  return {
    kind: 'sensor' as const,
    name,
    jobs: Object.freeze([...jobs]),
    jobNames: Object.freeze(jobs.map((job) => jobNameOf(job, `Sensor ${name}`))),
    minimumIntervalSeconds: interval,
    description: options.description ?? null,
    defaultStatus: options.defaultStatus ?? ('STOPPED' as DefaultInstigatorStatus),
  };
}

/** What a run status sensor's function gets: the run that reached the status. */
export interface RunStatusSensorContext {
  readonly sensorName: string;
  readonly dagsterRun: DagsterRun;
  /** The status event's timestamp, epoch seconds. */
  readonly eventTimestamp: number;
  readonly instance?: unknown;
}

/** Options of {@link defineRunStatusSensor}. */
export interface RunStatusSensorOptions {
  name: string;
  runStatus: DagsterRunStatus | `${DagsterRunStatus}`;
  /** Only runs of these jobs (default: every job of the code location). */
  monitoredJobs?: readonly JobTarget[];
  monitorAllCodeLocations?: boolean;
  /** The job the returned run requests launch. */
  requestJob?: JobTarget;
  minimumIntervalSeconds?: number;
  description?: string;
  defaultStatus?: DefaultInstigatorStatus;
}

/**
 * Defines a run status sensor (Dagster's `@run_status_sensor`): its function is called once per run that reached
 * `runStatus` since the cursor. Evaluating it needs the instance's run status events (see `evaluateSensor`).
 */
export function defineRunStatusSensor(
  options: RunStatusSensorOptions,
  fn: (context: RunStatusSensorContext) => SensorFnResult | Promise<SensorFnResult>,
): SensorDefinition {
  const basics = sensorBasics(options, fn, options?.requestJob ? [options.requestJob] : []);
  const name = basics.name;
  return Object.freeze({
    ...basics,
    sensorType: 'RUN_STATUS' as const,
    assetSelection: null,
    fn: () => new SkipReason('Run status sensors are evaluated with the instance'),
    runStatus: options.runStatus as DagsterRunStatus,
    monitoredJobNames: options.monitoredJobs ? Object.freeze(options.monitoredJobs.map((job) => jobNameOf(job, `Sensor ${name}`))) : null,
    monitorAllCodeLocations: options.monitorAllCodeLocations ?? false,
    runStatusFn: fn,
  });
}

/** A request to add keys to a dynamic partitions definition. */
export function addDynamicPartitions(partitionsDefName: string, partitionKeys: readonly string[]): DynamicPartitionsRequest {
  return { partitionsDefName, add: [...partitionKeys] };
}

/** A request to delete keys from a dynamic partitions definition. */
export function deleteDynamicPartitions(partitionsDefName: string, partitionKeys: readonly string[]): DynamicPartitionsRequest {
  return { partitionsDefName, delete: [...partitionKeys] };
}
