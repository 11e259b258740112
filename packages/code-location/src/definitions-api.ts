/**
 * The one module that reaches into `@inst/definitions`: listing, snapshots, plans, partitions and evaluation.
 */
import {
  Definitions,
  evaluateSchedule as evaluateScheduleOf,
  evaluateSensor as evaluateSensorOf,
  executionPlanSnapshot,
  partitionKeys,
  type JobDefinition,
} from '@inst/definitions';
import { InvalidArgumentError } from '@inst/errors';
import type { ExecutableJobLike, IOManager } from '@inst/execution';
import type { ExecutionPlanSnapshot } from '@inst/types';
import type { CodeLocationSnapshot, ExecutionPlanOptions, ScheduleEvaluation, ScheduleEvaluationContext, SensorEvaluation, SensorEvaluationContext } from './types';

/** A `Definitions` object. */
export type AnyDefinitions = Definitions;

/**
 * Whether a value is a `Definitions`: an instance of this copy of `@inst/definitions`, or one of another copy
 * (a user project with its own install) that has the same shape.
 */
export function isDefinitions(value: unknown): value is Definitions {
  if (value instanceof Definitions) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Definitions>;
  return value.constructor?.name === 'Definitions' && typeof candidate.getJob === 'function' && Array.isArray(candidate.jobs) && Array.isArray(candidate.schedules);
}

/** Jobs, schedules, sensors and assets of a `Definitions`. */
export function describe(defs: Definitions): Omit<CodeLocationSnapshot, 'locationName' | 'repositoryName'> {
  const jobsOfAsset = new Map<string, string[]>();
  for (const job of defs.jobs) {
    for (const key of job.assetKeys) {
      const id = key.toDbString();
      jobsOfAsset.set(id, [...(jobsOfAsset.get(id) ?? []), job.name]);
    }
  }
  return {
    jobs: defs.jobs.map((job) => ({ name: job.name, jobSnapshot: job.snapshot, partitioned: job.partitions !== null })),
    schedules: defs.schedules.map((schedule) => ({
      name: schedule.name,
      jobName: schedule.jobName,
      cronSchedule: schedule.cronSchedule,
      executionTimezone: schedule.executionTimezone ?? null,
      defaultStatus: schedule.defaultStatus,
    })),
    sensors: defs.sensors.map((sensor) => ({
      name: sensor.name,
      jobNames: [...sensor.jobNames],
      minIntervalSeconds: sensor.minimumIntervalSeconds,
      defaultStatus: sensor.defaultStatus,
      sensorType: sensor.sensorType,
    })),
    assetNodes: defs.assets.map((asset) => ({
      assetKey: [...asset.key.path],
      dependencyKeys: [...Object.values(asset.ins), ...asset.deps].map((key) => [...key.path]),
      groupName: asset.group ?? null,
      jobNames: jobsOfAsset.get(asset.key.toDbString()) ?? [],
      partitioned: asset.partitions !== null,
    })),
  };
}

/** The plan of a job (or of some of its steps). */
export function executionPlan(defs: Definitions, jobName: string, options: ExecutionPlanOptions): ExecutionPlanSnapshot {
  return executionPlanSnapshot(defs.getJob(jobName), {
    ...(options.stepKeysToExecute != null ? { stepKeysToExecute: [...options.stepKeysToExecute] } : {}),
    ...(options.runConfig ? { runConfig: options.runConfig } : {}),
    ...(options.knownState !== undefined ? { knownState: options.knownState } : {}),
  } as Parameters<typeof executionPlanSnapshot>[1]);
}

/** The partition keys of a partitioned job; throws for a job without partitions. */
export function partitionKeysOfJob(defs: Definitions, jobName: string): string[] {
  const job = defs.getJob(jobName);
  if (!job.partitions) throw new InvalidArgumentError(`Job ${jobName} is not partitioned`, { ids: { jobName } });
  return partitionKeys(job.partitions);
}

/** A schedule's evaluation at a tick. */
export function evaluateSchedule(defs: Definitions, name: string, context: ScheduleEvaluationContext): Promise<ScheduleEvaluation> {
  return evaluateScheduleOf(defs, name, { scheduledExecutionTime: context.scheduledExecutionTime, ...(context.timezone ? { timezone: context.timezone } : {}) });
}

/** A sensor's evaluation from its stored state. */
export function evaluateSensor(defs: Definitions, name: string, context: SensorEvaluationContext): Promise<SensorEvaluation> {
  return evaluateSensorOf(defs, name, {
    cursor: context.cursor ?? null,
    lastTickCompletionTime: context.lastTickCompletionTime ?? null,
    lastRunKey: context.lastRunKey ?? null,
    lastSensorStartTime: context.lastSensorStartTime ?? null,
    ...(context.instance !== undefined ? { instance: context.instance } : {}),
  });
}

/** The job a run names (its `jobName`) and the location's IO manager, for the run worker. */
export function loadJob(defs: unknown, run: { jobName: string }): { job: ExecutableJobLike; ioManager: IOManager | undefined } {
  if (!isDefinitions(defs)) throw new InvalidArgumentError('The code location did not load a Definitions');
  const job: JobDefinition = defs.getJob(run.jobName);
  return { job, ioManager: (defs.ioManager ?? undefined) as IOManager | undefined };
}
