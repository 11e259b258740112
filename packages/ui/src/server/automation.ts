/*
 * The automation API: schedules and sensors (stored states) with their next tick and tick history, start/stop;
 * backfills (cursor paged) with the status of each partition's run; daemon health from the heartbeats.
 */
import { daemonsJson, type Instance } from '@inst/core';
import { InstigatorType, RUN_TAGS, RunsFilter, ScheduleInstigatorData, SensorInstigatorData, type InstigatorState, type PartitionBackfill } from '@inst/types';
import { scheduleExecutionTimeIterator } from '@inst/scheduling';
import type { Hono } from 'hono';
import { UiActionError } from './actions';
import { limitOf } from './http';

const TICKS = 20;

/** When the instigator ticks next (epoch seconds), or null when stopped. */
function nextTick(state: InstigatorState, nowSeconds: number): number | null {
  if (!state.isRunning) return null;
  const data = state.instigatorData;
  if (data instanceof SensorInstigatorData) {
    const last = data.lastTickTimestamp ?? data.lastSensorStartTimestamp ?? null;
    return last === null ? nowSeconds : Math.max(nowSeconds, last + (data.minInterval ?? 30));
  }
  if (data instanceof ScheduleInstigatorData) {
    // The scheduler's own iterator (Dagster's schedule_execution_time_iterator); the stored state has no timezone: UTC.
    const next = scheduleExecutionTimeIterator(Math.floor(nowSeconds) + 1, data.cronSchedule, null).next();
    return next.done ? null : next.value;
  }
  return null;
}

function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

async function instigatorJson(instance: Instance, state: InstigatorState, nowSeconds: number) {
  const ticks = await instance.getTicks(state.instigatorOriginId, state.selectorId, null, null, TICKS);
  const data = state.instigatorData;
  return {
    name: state.name,
    type: String(state.instigatorType),
    status: String(state.status),
    running: state.isRunning,
    location: state.repositorySelector.locationName,
    originId: state.instigatorOriginId,
    selectorId: state.selectorId,
    cronSchedule: data instanceof ScheduleInstigatorData ? [data.cronSchedule].flat().join(' | ') : null,
    nextTick: safe(() => nextTick(state, nowSeconds)),
    ticks: ticks.map((t) => ({
      tickId: t.tickId,
      status: String(t.status),
      timestamp: t.timestamp,
      runIds: [...t.runIds],
      skipReason: t.skipReason,
      error: t.error?.message ?? null,
    })),
  };
}

async function backfillJson(instance: Instance, backfill: PartitionBackfill) {
  const runs = await instance.getRunRecords(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: backfill.backfillId } }), 1000);
  // Newest first: the first run seen for a partition is its latest.
  const byPartition: Record<string, { status: string; runId: string }> = {};
  for (const record of runs) {
    const partition = record.dagsterRun.tags[RUN_TAGS.PARTITION_NAME];
    if (partition && !byPartition[partition]) byPartition[partition] = { status: String(record.dagsterRun.status), runId: record.dagsterRun.runId };
  }
  const partitionNames = [...(backfill.partitionNames ?? Object.keys(byPartition))];
  return {
    backfillId: backfill.backfillId,
    status: String(backfill.status),
    timestamp: backfill.backfillTimestamp,
    endTimestamp: backfill.backfillEndTimestamp,
    jobName: backfill.partitionSetOrigin?.partitionSetName.replace(/_partition_set$/, '') ?? null,
    assets: backfill.assetSelection?.map((k) => k.path.join('/')) ?? null,
    error: backfill.error?.message ?? null,
    partitions: partitionNames.map((name) => ({ name, status: byPartition[name]?.status ?? 'PENDING', runId: byPartition[name]?.runId ?? null })),
  };
}

async function findInstigator(instance: Instance, originId: string, selectorId: string): Promise<InstigatorState> {
  const state = await instance.getInstigatorState(originId, selectorId);
  if (!state) throw new UiActionError('INSTIGATOR_NOT_FOUND', `no stored schedule or sensor with origin ${originId}`, 404);
  return state;
}

export function mountAutomation(app: Hono, instance: Instance, now: () => number): void {
  app.get('/api/instigators', async (c) => {
    const states = await instance.allInstigatorState();
    const nowSeconds = now();
    const all = await Promise.all(states.map((s) => instigatorJson(instance, s, nowSeconds)));
    all.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    return c.json({ instigators: all });
  });

  app.post('/api/instigators/:originId/:selectorId/:action{start|stop}', async (c) => {
    const state = await findInstigator(instance, c.req.param('originId'), c.req.param('selectorId'));
    const action = c.req.param('action');
    let after: InstigatorState;
    if (state.instigatorType === InstigatorType.SCHEDULE) {
      const data = state.instigatorData as ScheduleInstigatorData;
      after =
        action === 'start'
          ? await instance.startSchedule({ name: state.name, origin: state.origin, selectorId: state.selectorId, cronSchedule: data.cronSchedule })
          : await instance.stopSchedule(state.instigatorOriginId, state.selectorId);
    } else {
      const data = state.sensorInstigatorData;
      after =
        action === 'start'
          ? await instance.startSensor({ name: state.name, origin: state.origin, selectorId: state.selectorId, minIntervalSeconds: data?.minInterval ?? null, sensorType: data?.sensorType ?? null })
          : await instance.stopSensor(state.instigatorOriginId, state.selectorId);
    }
    return c.json({ status: String(after.status) });
  });

  app.get('/api/backfills', async (c) => {
    const limit = limitOf(c.req.query('limit'), 20, 200);
    const backfills = await instance.getBackfills(null, c.req.query('cursor') || null, limit + 1);
    const page = backfills.slice(0, limit);
    return c.json({ backfills: await Promise.all(page.map((b) => backfillJson(instance, b))), cursor: backfills.length > limit ? page.at(-1)!.backfillId : null });
  });

  app.get('/api/daemons', async (c) => {
    const daemons = daemonsJson(await instance.getDaemonStatuses(), await instance.getDaemonHeartbeats());
    return c.json({ daemons: daemons.sort((x, y) => (x.daemonType < y.daemonType ? -1 : x.daemonType > y.daemonType ? 1 : 0)) });
  });
}
