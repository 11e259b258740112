/**
 * Evaluation of run status sensors (Dagster's `RunStatusSensorDefinition`): the run status events of the status
 * after the cursor are read from the instance, each run of a monitored job is handed to the sensor's function, and
 * the cursor (a serialized `RunStatusSensorCursor`) moves past them. The first evaluation only places the cursor at
 * the latest event, as Dagster does, so history is not replayed.
 */
import { deserializeValue, initRecord, registerRecord, serializeValue, t } from '@inst/serdes';
import type {
  DagsterEventType} from '@inst/types';
import {
  PIPELINE_RUN_STATUS_TO_EVENT_TYPE,
  RunStatusChangeRecordsFilter,
  type DagsterRun,
  type DagsterRunStatus,
  type EventRecordsResult,
} from '@inst/types';
import type { Definitions } from './definitions';
import { InvalidDefinitionError } from './errors';
import type { SensorEvaluationOptions } from './evaluation';
import { SkipReason, type RunRequest, type SensorDefinition, type SensorEvaluation, type SensorFnResult, type SensorResult } from './instigators';

/** The cursor of a run status sensor (Dagster's `RunStatusSensorCursor`). */
export class RunStatusSensorCursor {
  declare readonly recordId: number | null;
  declare readonly updateTimestamp: string;
  declare readonly recordTimestamp: string | null;
  constructor(init: { recordId: number | null; updateTimestamp: string; recordTimestamp?: string | null }) {
    initRecord(this, { recordTimestamp: null, ...init });
  }
}
registerRecord(RunStatusSensorCursor, {
  name: 'RunStatusSensorCursor',
  fields: { recordId: { type: t.nullable(t.int) }, updateTimestamp: { type: t.str }, recordTimestamp: { type: t.nullable(t.str) } },
});

/** What a run status sensor needs of the instance (`@inst/core`'s Instance has both). */
export interface RunStatusSensorInstance {
  fetchRunStatusChanges(filter: RunStatusChangeRecordsFilter | DagsterEventType, limit: number, cursor?: string | null, ascending?: boolean): Promise<EventRecordsResult>;
  getRunById(runId: string): Promise<DagsterRun | undefined>;
}

function isInstance(value: unknown): value is RunStatusSensorInstance {
  return typeof (value as RunStatusSensorInstance | undefined)?.fetchRunStatusChanges === 'function' && typeof (value as RunStatusSensorInstance).getRunById === 'function';
}

/** `datetime.isoformat()` of an epoch time in UTC. */
function isoformat(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

const BATCH = 100;

/** @internal Evaluates a run status sensor; see the module comment. */
export async function evaluateRunStatusSensor(defs: Definitions, sensor: SensorDefinition, options: SensorEvaluationOptions): Promise<SensorEvaluation> {
  const instance = options.instance;
  if (!isInstance(instance)) throw new InvalidDefinitionError(`Run status sensor ${sensor.name} needs the instance (fetchRunStatusChanges, getRunById) to evaluate`);
  const eventType = PIPELINE_RUN_STATUS_TO_EVENT_TYPE.get(sensor.runStatus as DagsterRunStatus);
  if (!eventType) throw new InvalidDefinitionError(`Run status sensor ${sensor.name}: no event type for status ${String(sensor.runStatus)}`);
  const now = options.now ?? Date.now() / 1000;

  if (!options.cursor) {
    const latest = await instance.fetchRunStatusChanges(new RunStatusChangeRecordsFilter({ eventType }), 1, null, false);
    const record = latest.records[0];
    const cursor = new RunStatusSensorCursor({
      recordId: record?.storageId ?? null,
      updateTimestamp: isoformat(now),
      recordTimestamp: record ? isoformat(record.eventLogEntry.timestamp) : null,
    });
    return { runRequests: [], skipMessage: null, cursor: serializeValue(cursor), dynamicPartitionsRequests: [], error: null };
  }

  const stored = deserializeValue(options.cursor) as RunStatusSensorCursor;
  const monitored = new Set(sensor.monitoredJobNames ?? (sensor.monitorAllCodeLocations ? [] : defs.jobs.map((job) => job.name)));
  const filter = new RunStatusChangeRecordsFilter({ eventType, afterStorageId: stored.recordId ?? null });
  const result = await instance.fetchRunStatusChanges(filter, BATCH, null, true);
  const runRequests: RunRequest[] = [];
  const skipMessages: string[] = [];
  let cursor = stored;
  for (const record of result.records) {
    cursor = new RunStatusSensorCursor({ recordId: record.storageId, updateTimestamp: isoformat(now), recordTimestamp: isoformat(record.eventLogEntry.timestamp) });
    const run = await instance.getRunById(record.eventLogEntry.runId);
    if (!run) continue;
    if (monitored.size > 0 && !monitored.has(run.jobName)) continue;
    const outcome: SensorFnResult = await sensor.runStatusFn!({ sensorName: sensor.name, dagsterRun: run, eventTimestamp: record.eventLogEntry.timestamp, instance });
    if (outcome instanceof SkipReason) {
      if (outcome.skipMessage) skipMessages.push(outcome.skipMessage);
    } else if (Array.isArray(outcome)) runRequests.push(...(outcome as RunRequest[]));
    else if (outcome && typeof outcome === 'object') {
      if ('runRequests' in outcome || 'skipReason' in outcome) runRequests.push(...((outcome as SensorResult).runRequests ?? []));
      else runRequests.push(outcome as RunRequest);
    }
  }
  const targeted = runRequests.map((request) => {
    const jobName = request.jobName ?? sensor.jobNames[0];
    if (!jobName) throw new InvalidDefinitionError(`Run status sensor ${sensor.name} returned a run request but has no requestJob`);
    return { runKey: request.runKey ?? null, runConfig: { ...(request.runConfig ?? {}) }, tags: { ...(request.tags ?? {}) }, partitionKey: request.partitionKey ?? null, jobName };
  });
  return {
    runRequests: targeted,
    skipMessage: targeted.length === 0 ? (skipMessages.join('\n') || null) : null,
    cursor: serializeValue(cursor),
    dynamicPartitionsRequests: [],
    error: null,
  };
}
