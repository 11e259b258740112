import type { Instance } from '@inst/core';
import { DagsterEvent, DagsterEventType, DagsterRunStatus, RUN_TAGS, RunsFilter, RunStatusChangeRecordsFilter, TickStatus } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { executeSensorIteration, SimulatedCrashError } from '../src/sensors';
import type { SensorEvaluationLike } from '../src/workspace';
import { Clock, contextFor, fakeLocation, startSensorAt, tempInstance, workspaceOf } from './fixtures';

let instance: Instance | undefined;
afterEach(async () => {
  await instance?.dispose();
  instance = undefined;
});

const T0 = Date.parse('2024-06-01T00:00:00Z') / 1000;

function sensorLocation(evaluate: (ctx: { cursor: string | null; lastRunKey: string | null }) => SensorEvaluationLike, extra: { minInterval?: number; sensorType?: string } = {}) {
  const seen: { cursor: string | null; lastRunKey: string | null }[] = [];
  const loc = fakeLocation({
    snapshot: {
      jobs: [{ name: 'the_job' }],
      sensors: [{ name: 'the_sensor', jobNames: ['the_job'], minIntervalSeconds: extra.minInterval ?? 30, sensorType: extra.sensorType ?? 'STANDARD' }],
    },
    sensor: (_name, ctx) => {
      seen.push({ cursor: ctx.cursor, lastRunKey: ctx.lastRunKey });
      return evaluate(ctx);
    },
  });
  return { loc, seen };
}

async function ticksOf(inst: Instance, ids: { originId: string; selectorId: string }) {
  return inst.getTicks(ids.originId, ids.selectorId);
}

describe('sensor daemon', () => {
  it('persists the cursor, evaluates at the minimum interval, and deduplicates run requests by run key', async () => {
    instance = await tempInstance();
    const clock = new Clock(T0);
    const { loc, seen } = sensorLocation(({ cursor }) => {
      const n = Number(cursor ?? '0');
      // Each tick re-requests every earlier key: only the new one may create a run.
      return { runRequests: Array.from({ length: n + 1 }, (_, i) => ({ runKey: `key_${i}`, tags: { n: String(i) } })), cursor: String(n + 1) };
    });
    const ids = await startSensorAt(instance, loc, 'the_sensor', T0);
    const ctx = contextFor(instance, workspaceOf(loc), clock);

    await executeSensorIteration(ctx);
    clock.t = T0 + 10; // under the 30 s interval: not evaluated
    await executeSensorIteration(ctx);
    expect(seen).toHaveLength(1);
    clock.t = T0 + 31;
    await executeSensorIteration(ctx);
    clock.t = T0 + 62;
    await executeSensorIteration(ctx);

    expect(seen.map((s) => s.cursor)).toEqual([null, '1', '2']);
    expect(seen.map((s) => s.lastRunKey)).toEqual([null, 'key_0', 'key_1']);
    const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SENSOR_NAME]: 'the_sensor' } }));
    expect(runs.map((r) => r.tags[RUN_TAGS.RUN_KEY]).sort()).toEqual(['key_0', 'key_1', 'key_2']);
    expect(runs.every((r) => r.status === DagsterRunStatus.QUEUED)).toBe(true);

    const ticks = await ticksOf(instance, ids);
    expect(ticks.map((t) => t.tickData.status)).toEqual([TickStatus.SUCCESS, TickStatus.SUCCESS, TickStatus.SUCCESS]);
    const newest = ticks[0]!.tickData;
    expect(newest.runKeys).toEqual(['key_0', 'key_1', 'key_2']);
    expect(newest.runIds).toHaveLength(1); // the two earlier keys were skipped
    expect(newest.reservedRunIds).toHaveLength(3);
    expect(newest.reservedRunIds).toContain(newest.runIds[0]);
    expect(newest.cursor).toBe('3');
    const run = (await instance.getRunById(newest.runIds[0]!))!;
    expect(run.tags[RUN_TAGS.TICK_ID]).toBe(String(ticks[0]!.tickId));
    const state = (await instance.getInstigatorState(ids.originId, ids.selectorId))!;
    expect(state.sensorInstigatorData?.cursor).toBe('3');
    expect(state.sensorInstigatorData?.lastRunKey).toBe('key_2');
    expect(state.sensorInstigatorData?.lastTickTimestamp).toBe(T0 + 62);
  });

  it('records SKIPPED with the skip reason and FAILURE with the error, without advancing the cursor on failure', async () => {
    instance = await tempInstance();
    const clock = new Clock(T0);
    let mode: 'skip' | 'fail' = 'skip';
    const { loc } = sensorLocation(({ cursor }) => {
      if (mode === 'skip') return { runRequests: [], skipMessage: 'nothing new', cursor: 'c1' };
      throw new Error(`boom after ${cursor}`);
    });
    const ids = await startSensorAt(instance, loc, 'the_sensor', T0);
    const ctx = contextFor(instance, workspaceOf(loc), clock);
    await executeSensorIteration(ctx);
    mode = 'fail';
    clock.t = T0 + 40;
    await executeSensorIteration(ctx);
    const ticks = await ticksOf(instance, ids);
    expect(ticks.map((t) => t.tickData.status)).toEqual([TickStatus.FAILURE, TickStatus.SKIPPED]);
    expect(ticks[1]!.tickData.skipReason).toBe('nothing new');
    expect(ticks[0]!.tickData.error?.message).toContain('boom after c1');
    expect(ticks[0]!.tickData.failureCount).toBe(1);
    const state = (await instance.getInstigatorState(ids.originId, ids.selectorId))!;
    expect(state.sensorInstigatorData?.cursor).toBe('c1');
  });

  it('applies dynamic partition requests before run requests and records their results', async () => {
    instance = await tempInstance();
    const clock = new Clock(T0);
    let step = 0;
    const { loc } = sensorLocation(() => {
      step++;
      return step === 1
        ? { runRequests: [], dynamicPartitionsRequests: [{ partitionsDefName: 'regions', add: ['eu', 'us'] }] }
        : { runRequests: [{ runKey: 'r', partitionKey: 'apac' }], dynamicPartitionsRequests: [{ partitionsDefName: 'regions', add: ['us', 'apac'] }, { partitionsDefName: 'regions', delete: ['eu', 'nowhere'] }] };
    });
    const ids = await startSensorAt(instance, loc, 'the_sensor', T0);
    const ctx = contextFor(instance, workspaceOf(loc), clock);
    await executeSensorIteration(ctx);
    expect(await instance.getDynamicPartitions('regions')).toEqual(['eu', 'us']);
    clock.t = T0 + 40;
    await executeSensorIteration(ctx);
    expect((await instance.getDynamicPartitions('regions')).sort()).toEqual(['apac', 'us']);
    const [tick] = await ticksOf(instance, ids);
    expect(tick!.tickData.dynamicPartitionsRequestResults.map((r) => [r.addedPartitions, r.deletedPartitions, r.skippedPartitions])).toEqual([
      [['apac'], null, ['us']],
      [null, ['eu'], ['nowhere']],
    ]);
    const run = (await instance.getRunById(tick!.tickData.runIds[0]!))!;
    expect(run.tags[RUN_TAGS.PARTITION_NAME]).toBe('apac');
  });

  it('a tick whose run submission fails is FAILURE and the next tick submits the unsubmitted reserved runs once', async () => {
    instance = await tempInstance();
    const clock = new Clock(T0);
    const { loc, seen } = sensorLocation(() => ({ runRequests: [{ runKey: 'a' }, { runKey: 'b' }], cursor: 'x' }));
    const ids = await startSensorAt(instance, loc, 'the_sensor', T0);
    let hits = 0;
    await executeSensorIteration(contextFor(instance, workspaceOf(loc), clock), {
      crashAt: (p) => {
        if (p === 'RUN_CREATED' && ++hits === 2) throw new Error('storage hiccup');
      },
    });
    expect((await ticksOf(instance, ids))[0]!.tickData.status).toBe(TickStatus.FAILURE);
    clock.t = T0 + 31;
    await executeSensorIteration(contextFor(instance, workspaceOf(loc), clock));
    expect(seen).toHaveLength(1);
    const ticks = await ticksOf(instance, ids);
    expect(ticks.map((t) => t.tickData.status)).toEqual([TickStatus.SUCCESS, TickStatus.FAILURE]);
    const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SENSOR_NAME]: 'the_sensor' } }));
    expect(runs.map((r) => r.tags[RUN_TAGS.RUN_KEY]).sort()).toEqual(['a', 'b']);
  });

  for (const point of ['TICK_HELD', 'RUN_CREATED', 'RUN_SUBMITTED'] as const) {
    it(`a daemon killed at ${point} resumes the tick and creates each run once`, async () => {
      instance = await tempInstance();
      const clock = new Clock(T0);
      const { loc, seen } = sensorLocation(() => ({ runRequests: [{ runKey: 'a' }, { runKey: 'b' }], cursor: 'x' }));
      const ids = await startSensorAt(instance, loc, 'the_sensor', T0);
      let hits = 0;
      await executeSensorIteration(contextFor(instance, workspaceOf(loc), clock), {
        crashAt: (p) => {
          if (p === point && ++hits === 1) throw new SimulatedCrashError(p);
        },
      });
      expect((await ticksOf(instance, ids))[0]!.tickData.status).toBe(TickStatus.STARTED);
      clock.t = T0 + 31;
      await executeSensorIteration(contextFor(instance, workspaceOf(loc), clock));
      expect(seen).toHaveLength(1); // resumed from the tick body, not re-evaluated
      const ticks = await ticksOf(instance, ids);
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickData.status).toBe(TickStatus.SUCCESS);
      const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SENSOR_NAME]: 'the_sensor' } }));
      expect(runs.map((r) => r.tags[RUN_TAGS.RUN_KEY]).sort()).toEqual(['a', 'b']);
      expect(new Set(runs.map((r) => r.runId))).toEqual(new Set(ticks[0]!.tickData.reservedRunIds));
      expect((await instance.getInstigatorState(ids.originId, ids.selectorId))!.sensorInstigatorData?.cursor).toBe('x');
    });
  }

  it('a run status sensor reacts to each finished run once, with its own cursor over the event log', async () => {
    instance = await tempInstance();
    const inst = instance;
    const clock = new Clock(T0);
    // The code server's side of a run status sensor (Dagster's RunStatusSensorDefinition): read PIPELINE_SUCCESS
    // events after the cursor's storage id, react to each, return the new cursor.
    const { loc } = sensorLocation(
      ({ cursor }) => ({ runRequests: [], cursor }),
      { sensorType: 'RUN_STATUS' },
    );
    loc.evaluateSensor = async (_name, ctx) => {
      const parsed = ctx.cursor ? (JSON.parse(ctx.cursor) as { record_id: number }) : null;
      if (!parsed) {
        const latest = await inst.fetchRunStatusChanges(DagsterEventType.RUN_SUCCESS, 1);
        const id = latest.records[0]?.storageId ?? -1;
        return { runRequests: [], skipMessage: `Initiating the_sensor. Set cursor to ${id}`, cursor: JSON.stringify({ record_id: id }) };
      }
      const changes = await inst.fetchRunStatusChanges(new RunStatusChangeRecordsFilter({ eventType: DagsterEventType.RUN_SUCCESS, afterStorageId: parsed.record_id }), 5, null, true);
      const records = changes.records;
      const last = records.length ? records[records.length - 1]!.storageId : parsed.record_id;
      return {
        runRequests: [],
        cursor: JSON.stringify({ record_id: last }),
        dagsterRunReactions: records.map((r) => ({ runId: r.eventLogEntry.runId, runStatus: 'SUCCESS' })),
      } as SensorEvaluationLike;
    };
    const ids = await startSensorAt(inst, loc, 'the_sensor', T0);
    const ctx = contextFor(inst, workspaceOf(loc), clock);
    const finishRun = async () => {
      const run = await inst.createRun({ jobName: 'other_job', status: 'STARTED' });
      await inst.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_SUCCESS, jobName: 'other_job' }), run.runId);
      return run.runId;
    };
    await finishRun(); // before the sensor starts: not reacted to
    await executeSensorIteration(ctx);
    const a = await finishRun();
    const b = await finishRun();
    clock.t = T0 + 31;
    await executeSensorIteration(ctx);
    clock.t = T0 + 62;
    await executeSensorIteration(ctx);
    const ticks = await ticksOf(inst, ids);
    expect(ticks.map((t) => t.tickData.status)).toEqual([TickStatus.SKIPPED, TickStatus.SUCCESS, TickStatus.SKIPPED]);
    expect(ticks[2]!.tickData.skipReason).toMatch(/^Initiating the_sensor\. Set cursor to \d+$/);
    expect(ticks[1]!.tickData.originRunIds).toEqual([a, b]);
    expect(ticks[0]!.tickData.skipReason).toBeNull();
    expect(ticks[0]!.tickData.originRunIds).toEqual([]);
    const logs = await inst.allLogs(a);
    expect(logs.some((e) => e.dagsterEvent?.eventTypeValue === DagsterEventType.ENGINE_EVENT && e.message.includes('Sensor "the_sensor" acted on run status SUCCESS'))).toBe(true);
  });
});
