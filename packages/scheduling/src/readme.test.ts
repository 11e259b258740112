// The README's example, kept runnable (with in-memory stand-ins for the storages).
import { InstigatorStatus, InstigatorType, RegisteredCodeLocationOrigin, RemoteRepositoryOrigin, TickData, TickStatus } from '@inst/types';
import { expect, it } from 'vitest';
import { FakeBackfillStorage, FakeScheduleStorage } from './fake-ops.test-support';
import {
  addInstigatorState,
  allInstigatorState,
  createTick,
  DagsterDaemonScheduler,
  deleteInstigatorState,
  getInstigatorState,
  getTicks,
  purgeTicks,
  purgeTicksByRetention,
  startSchedule,
  startSensor,
  stopSchedule,
  updateInstigatorState,
  type SchedulingInstanceOps,
} from './index';

const scheduleStorage = new FakeScheduleStorage().asStorage();
const runStorage = new FakeBackfillStorage().asStorage();

async function example() {
  // --- README example start
  const ops: SchedulingInstanceOps = {
    scheduleStorage, // a ScheduleStorage, e.g. from @inst/storage-sqlite (undefined for an ephemeral instance)
    runStorage, // a RunStorage: backfills live there
    scheduler: new DagsterDaemonScheduler(), // or schedulerFromConfig(settings.schedulerConfig)
    schedulesDirectory: () => '/srv/inst/schedules',
    // What InstanceSettings gives for `retention: { sensor: { purge_after_days: { skipped: 3 } } }`.
    getTickRetentionSettings: (type) => ({ STARTED: -1, SKIPPED: type === 'SCHEDULE' ? -1 : 3, SUCCESS: -1, FAILURE: -1 }),
    allInstigatorState: (...args) => allInstigatorState(ops, ...args),
    getInstigatorState: (originId, selectorId) => getInstigatorState(ops, originId, selectorId),
    addInstigatorState: (state) => addInstigatorState(ops, state),
    updateInstigatorState: (state) => updateInstigatorState(ops, state),
    deleteInstigatorState: (originId, selectorId) => deleteInstigatorState(ops, originId, selectorId),
    purgeTicks: (...args) => purgeTicks(ops, ...args),
  };

  const repository = new RemoteRepositoryOrigin({
    codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'etl' }),
    repositoryName: '__repository__',
  });

  // Stored RUNNING with ScheduleInstigatorData('0 2 * * *', startTimestamp = now).
  const nightly = await startSchedule(ops, { origin: repository.getInstigatorOrigin('nightly'), cronSchedule: '0 2 * * *' });
  await stopSchedule(ops, nightly.instigatorOriginId, nightly.selectorId); // STOPPED, cron kept

  // Stored RUNNING with SensorInstigatorData(minInterval 60, lastSensorStartTimestamp = now).
  const files = await startSensor(ops, { origin: repository.getInstigatorOrigin('new_files'), minIntervalSeconds: 60 });

  // A daemon records ticks ...
  const now = Date.now() / 1000;
  await createTick(ops, new TickData({
    instigatorOriginId: files.instigatorOriginId,
    selectorId: files.selectorId,
    instigatorName: files.instigatorName,
    instigatorType: InstigatorType.SENSOR,
    status: TickStatus.SKIPPED,
    timestamp: now - 5 * 86_400,
  }));
  // ... and applies the retention: SKIPPED sensor ticks older than 3 days go.
  const purges = await purgeTicksByRetention(ops, InstigatorType.SENSOR, now);
  // --- README example end
  return { ops, nightly, files, purges, ticks: await getTicks(ops, files.instigatorOriginId, files.selectorId) };
}

it('runs the README example', async () => {
  const { ops, nightly, files, purges, ticks } = await example();
  expect((await ops.getInstigatorState(nightly.instigatorOriginId, nightly.selectorId))?.status).toBe(InstigatorStatus.STOPPED);
  expect(files.status).toBe(InstigatorStatus.RUNNING);
  expect(purges).toHaveLength(1);
  expect(purges[0]?.tickStatuses).toEqual(['SKIPPED']);
  expect(ticks).toEqual([]);
});
