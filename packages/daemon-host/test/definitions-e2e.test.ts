/*
 * The scheduler, sensor and backfill daemons over a real Definitions (from @inst/definitions) loaded as a code
 * location by @inst/code-location's inProcessCodeLocation: the shapes the code location reports are the ones the
 * daemons read, and the runs they create carry both snapshots and the location's origin.
 */
import type { Instance } from '@inst/core';
import { inProcessCodeLocation } from '@inst/code-location';
import { Definitions, defineJob, defineOp, defineSchedule, defineSensor, staticPartitions } from '@inst/definitions';
import { BulkActionStatus, PartitionBackfill, RUN_TAGS, RunsFilter, TickStatus } from '@inst/types';
import { afterEach, expect, it } from 'vitest';
import { executeBackfillIteration } from '../src/backfills';
import { loadLocations, remoteSchedules, remoteSensors } from '../src/locations';
import { launchScheduledRuns } from '../src/scheduler';
import { executeSensorIteration } from '../src/sensors';
import { Clock, contextFor, tempInstance, workspaceOf } from './fixtures';

let instance: Instance | undefined;
afterEach(async () => {
  await instance?.dispose();
  instance = undefined;
});

const hello = defineOp({ name: 'hello' }, async () => 'hi');
const job = defineJob({ name: 'hello_job', ops: [hello] });
const partitionedJob = defineJob({ name: 'regions_job', ops: [hello], partitions: staticPartitions(['eu', 'us', 'apac']) });
const defs = new Definitions({
  jobs: [job, partitionedJob],
  schedules: [defineSchedule({ name: 'hourly', job, cron: '0 * * * *', defaultStatus: 'RUNNING', tags: () => ({ from: 'schedule' }) })],
  sensors: [
    defineSensor({ name: 'counter', job, minimumIntervalSeconds: 30, defaultStatus: 'RUNNING' }, (ctx) => {
      const n = Number(ctx.cursor ?? '0');
      ctx.updateCursor(String(n + 1));
      return [{ runKey: `k${n}` }, { runKey: 'always' }];
    }),
  ],
});

it('schedules, sensors and backfills of a real Definitions create planned runs with Dagster tags', async () => {
  instance = await tempInstance();
  const location = inProcessCodeLocation(defs, 'hello_location');
  const workspace = workspaceOf(location);
  const clock = new Clock(Date.parse('2024-06-01T00:00:30Z') / 1000);
  const ctx = contextFor(instance, workspace, clock);

  // First passes store DECLARED_IN_CODE states (both run by default).
  await launchScheduledRuns(ctx);
  await executeSensorIteration(ctx);
  clock.t += 3600;
  await launchScheduledRuns(ctx);
  clock.t += 40;
  await executeSensorIteration(ctx);

  const scheduled = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SCHEDULE_NAME]: 'hourly' } }));
  expect(scheduled).toHaveLength(1);
  expect(scheduled[0]!.tags[RUN_TAGS.SCHEDULED_EXECUTION_TIME]).toBe('2024-06-01T01:00:00+00:00');
  expect(scheduled[0]!.tags.from).toBe('schedule');
  expect(scheduled[0]!.executionPlanSnapshotId).toBeTruthy();
  expect(scheduled[0]!.jobSnapshotId).toBeTruthy();
  expect(scheduled[0]!.remoteJobOrigin?.locationName).toBe('hello_location');

  const sensed = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SENSOR_NAME]: 'counter' } }));
  expect(sensed.map((r) => r.tags[RUN_TAGS.RUN_KEY]).sort()).toEqual(['always', 'k0', 'k1']);
  const loaded = await loadLocations(workspace, () => undefined);
  const sensor = remoteSensors(loaded[0]!)[0]!;
  const state = (await instance.getInstigatorState(sensor.origin.getId(), sensor.selectorId))!;
  expect(state.sensorInstigatorData?.cursor).toBe('2');
  const ticks = await instance.getTicks(sensor.origin.getId(), sensor.selectorId);
  expect(ticks.map((t) => t.tickData.status)).toEqual([TickStatus.SUCCESS, TickStatus.SUCCESS]);
  expect(remoteSchedules(loaded[0]!)[0]!.hasPartitions).toBe(false);

  await instance.addBackfill(
    new PartitionBackfill({
      backfillId: 'regionsx',
      status: BulkActionStatus.REQUESTED,
      fromFailure: false,
      backfillTimestamp: clock.t,
      partitionSetOrigin: loaded[0]!.repositoryOrigin.getPartitionSetOrigin('regions_job_partition_set'),
      partitionNames: await location.partitionKeys('regions_job'),
    }),
  );
  await executeBackfillIteration(ctx);
  const backfillRuns = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'regionsx' } }));
  expect(backfillRuns.map((r) => r.tags[RUN_TAGS.PARTITION_NAME]).sort()).toEqual(['apac', 'eu', 'us']);
  expect(backfillRuns.every((r) => r.executionPlanSnapshotId && r.jobName === 'regions_job')).toBe(true);
  await location.dispose();
});
