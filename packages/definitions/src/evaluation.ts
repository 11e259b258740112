/**
 * Evaluating schedules and sensors (Dagster's `ScheduleDefinition.evaluate_tick` / `SensorDefinition.evaluate_tick`):
 * pure, in-process; the code server calls these and sends the results over IPC. A user function that throws gives
 * an evaluation with `error` set (as Dagster's `ScheduleExecutionErrorSnap` / `SensorExecutionErrorSnap`), not a throw.
 */
import { SerializableErrorInfo } from '@inst/types';
import type { Definitions } from './definitions';
import { InvalidDefinitionError } from './errors';
import {
  SkipReason,
  type DynamicPartitionsRequest,
  type RunRequest,
  type ScheduleContext,
  type ScheduleDefinition,
  type ScheduleEvaluation,
  type SensorContext,
  type SensorDefinition,
  type SensorEvaluation,
  type SensorFnResult,
  type SensorResult,
} from './instigators';
import type { JobDefinition } from './job';
import { TimeWindowPartitionsDefinition } from './partitions/definitions';
import { evaluateRunStatusSensor } from './run-status-sensor';

/** The tick of a schedule evaluation. */
export interface ScheduleEvaluationOptions {
  /** The tick time, epoch seconds. */
  scheduledExecutionTime: number;
  /** Overrides the schedule's execution timezone for the context. */
  timezone?: string;
  instance?: unknown;
}

/** The state a sensor evaluation starts from (what the sensor daemon stored from earlier ticks). */
export interface SensorEvaluationOptions {
  cursor: string | null;
  lastTickCompletionTime: number | null;
  lastRunKey: string | null;
  lastSensorStartTime: number | null;
  instance?: unknown;
  /** The evaluation time (epoch seconds), default now; run status sensors read events up to it. */
  now?: number;
}

function errorOf(error: unknown): SerializableErrorInfo {
  return SerializableErrorInfo.fromError(error instanceof Error ? error : new Error(String(error)));
}

function isRunRequest(value: unknown): value is RunRequest {
  if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof SkipReason) return false;
  const keys = Object.keys(value);
  const sensorResultKeys = ['runRequests', 'skipReason', 'cursor', 'dynamicPartitionsRequests'];
  return !keys.some((key) => sensorResultKeys.includes(key));
}

function checkRunRequest(request: RunRequest, jobNames: readonly string[], owner: string): RunRequest {
  if (!request || typeof request !== 'object') throw new InvalidDefinitionError(`${owner} returned a run request that is not an object`);
  const out: RunRequest = {
    runKey: request.runKey ?? null,
    runConfig: { ...(request.runConfig ?? {}) },
    tags: { ...(request.tags ?? {}) },
    partitionKey: request.partitionKey ?? null,
  };
  for (const [key, value] of Object.entries(out.tags!)) {
    if (typeof value !== 'string') throw new InvalidDefinitionError(`${owner} returned a run request whose tag ${key} is not a string`);
  }
  if (request.assetSelection) out.assetSelection = request.assetSelection.map((path) => [...path]);
  const jobName = request.jobName ?? (jobNames.length === 1 ? jobNames[0] : undefined);
  if (jobName !== undefined) {
    if (jobNames.length > 0 && !jobNames.includes(jobName)) {
      throw new InvalidDefinitionError(`${owner} requested a run of job ${jobName}, which it does not target (it targets ${jobNames.join(', ')})`);
    }
    out.jobName = jobName;
  } else if (jobNames.length > 1) {
    throw new InvalidDefinitionError(`${owner} targets several jobs; each run request needs a jobName`);
  }
  return out;
}

/** The partition a time-window partitioned job's schedule targets at a tick: the last one complete at that time. */
function defaultSchedulePartition(job: JobDefinition | null, scheduledExecutionTime: number): string | null {
  const partitions = job?.partitions;
  if (!(partitions instanceof TimeWindowPartitionsDefinition)) return null;
  const keys = partitions.getPartitionKeys({ now: scheduledExecutionTime });
  return keys.length > 0 ? keys[keys.length - 1]! : null;
}

/** Evaluates a schedule at a tick: its run requests, or a skip message, or the error its code raised. */
export async function evaluateSchedule(defs: Definitions, name: string, options: ScheduleEvaluationOptions): Promise<ScheduleEvaluation> {
  const schedule: ScheduleDefinition = defs.getSchedule(name);
  const time = options.scheduledExecutionTime;
  const context: ScheduleContext = Object.freeze({
    scheduledExecutionTime: time,
    scheduledExecutionDate: new Date(time * 1000),
    timezone: options.timezone ?? schedule.executionTimezone,
    scheduleName: schedule.name,
    instance: options.instance,
  });
  const owner = `Schedule ${schedule.name}`;
  try {
    const job = defs.hasJob(schedule.jobName) ? defs.getJob(schedule.jobName) : null;
    if (schedule.fn) {
      const result = await schedule.fn(context);
      if (result instanceof SkipReason) return { runRequests: [], skipMessage: result.skipMessage, error: null };
      if (result == null) return { runRequests: [], skipMessage: null, error: null };
      const requests = Array.isArray(result) ? (result as RunRequest[]) : [result as RunRequest];
      return { runRequests: requests.map((request) => checkRunRequest(request, [schedule.jobName], owner)), skipMessage: null, error: null };
    }
    const options_ = schedule.options;
    if (options_.shouldExecute && !(await options_.shouldExecute(context))) {
      return { runRequests: [], skipMessage: `should_execute function for ${schedule.name} returned false.`, error: null };
    }
    const runConfig = options_.runConfig ? await options_.runConfig(context) : {};
    const tags = options_.tags ? await options_.tags(context) : {};
    const partitionKey = options_.partitionKey ? await options_.partitionKey(context) : defaultSchedulePartition(job, time);
    if (job?.partitions instanceof TimeWindowPartitionsDefinition && !options_.partitionKey && partitionKey === null) {
      return { runRequests: [], skipMessage: `No partition for the tick at ${new Date(time * 1000).toISOString()}`, error: null };
    }
    return { runRequests: [checkRunRequest({ runConfig, tags, partitionKey }, [schedule.jobName], owner)], skipMessage: null, error: null };
  } catch (error) {
    return { runRequests: [], skipMessage: null, error: errorOf(error) };
  }
}

/** Evaluates a sensor from its stored state: run requests, skip message, new cursor, dynamic partition requests, or an error. */
export async function evaluateSensor(defs: Definitions, name: string, options: SensorEvaluationOptions): Promise<SensorEvaluation> {
  const sensor: SensorDefinition = defs.getSensor(name);
  const owner = `Sensor ${sensor.name}`;
  let cursor = options.cursor ?? null;
  let cursorUpdated = false;
  const context: SensorContext = {
    sensorName: sensor.name,
    get cursor() {
      return cursor;
    },
    lastTickCompletionTime: options.lastTickCompletionTime ?? null,
    lastRunKey: options.lastRunKey ?? null,
    lastSensorStartTime: options.lastSensorStartTime ?? null,
    instance: options.instance,
    updateCursor(next: string | null) {
      cursor = next;
      cursorUpdated = true;
    },
  };
  try {
    if (sensor.sensorType === 'RUN_STATUS') {
      return await evaluateRunStatusSensor(defs, sensor, options);
    }
    const result: SensorFnResult = await sensor.fn(context);
    let runRequests: RunRequest[] = [];
    let skipMessage: string | null = null;
    let dynamicPartitionsRequests: DynamicPartitionsRequest[] = [];
    if (result instanceof SkipReason) skipMessage = result.skipMessage;
    else if (Array.isArray(result)) runRequests = [...(result as RunRequest[])];
    else if (isRunRequest(result)) runRequests = [result];
    else if (result && typeof result === 'object') {
      const full = result as SensorResult;
      runRequests = [...(full.runRequests ?? [])];
      if (full.skipReason != null) skipMessage = typeof full.skipReason === 'string' ? full.skipReason : full.skipReason.skipMessage;
      if (full.cursor !== undefined) {
        if (cursorUpdated) throw new InvalidDefinitionError(`${owner}: a SensorResult with a cursor cannot be combined with context.updateCursor()`);
        cursor = full.cursor;
      }
      dynamicPartitionsRequests = (full.dynamicPartitionsRequests ?? []).map((request) => ({
        partitionsDefName: request.partitionsDefName,
        ...(request.add ? { add: [...request.add] } : {}),
        ...(request.delete ? { delete: [...request.delete] } : {}),
      }));
    }
    if (skipMessage !== null && runRequests.length > 0) throw new InvalidDefinitionError(`${owner}: expected a skip reason or run requests, got both`);
    const targeted = runRequests.map((request) => {
      const checked = checkRunRequest(request, sensor.jobNames, owner);
      if (!checked.jobName && !checked.assetSelection && sensor.assetSelection) checked.assetSelection = sensor.assetSelection.map((path) => [...path]);
      if (!checked.jobName && !checked.assetSelection) throw new InvalidDefinitionError(`${owner} returned a run request but targets no job`);
      return checked;
    });
    return { runRequests: targeted, skipMessage, cursor, dynamicPartitionsRequests, error: null };
  } catch (error) {
    return { runRequests: [], skipMessage: null, cursor: options.cursor ?? null, dynamicPartitionsRequests: [], error: errorOf(error) };
  }
}
