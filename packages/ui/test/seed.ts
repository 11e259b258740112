/*
 * What the browser tests and the screenshot script seed. Assets: finance/sales materialized for p1 twice (rows 10
 * then 25), failed for p3, in progress for p2 (its run waits for a file), never run for p4; two assets the code
 * does not define. Automation records as the daemons would have stored them: a schedule with a successful tick (one run) and a
 * skipped one, a sensor whose tick failed, a backfill of four partitions (succeeded, failed, running, not
 * started), and heartbeats of every required daemon, one of them stale. Shared by the browser tests and the
 * screenshot script.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Instance } from '@inst/core';
import {
  AssetKey,
  AssetMaterialization,
  BulkActionStatus,
  DagsterRunStatus,
  DaemonHeartbeat,
  InstigatorType,
  PartitionBackfill,
  RegisteredCodeLocationOrigin,
  RemoteRepositoryOrigin,
  RUN_TAGS,
  SerializableErrorInfo,
  TickData,
  TickStatus,
  type DagsterRun,
  type InstigatorState,
} from '@inst/types';
import type { Fixture } from './support';

export interface SeededAssets {
  /** The file whose creation lets p2's run finish. */
  release: string;
  inProgress: DagsterRun;
}

export async function seedAssets(fixture: Fixture): Promise<SeededAssets> {
  for (const [partitionKey, runConfig] of [
    ['p1', { rows: 10 }],
    ['p1', { rows: 25 }],
    ['p3', { fail: true }],
  ] as const) {
    await fixture.finished((await fixture.launch('sales_job', { partitionKey, runConfig })).runId);
  }
  const release = join(mkdtempSync(join(tmpdir(), 'inst-ui-release-')), 'release');
  const inProgress = await fixture.launch('sales_job', { partitionKey: 'p2', runConfig: { release } });
  await fixture.instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: new AssetKey(['finance', 'costs']) }));
  await fixture.instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: new AssetKey(['warehouse', 'orders']) }));
  return { release, inProgress };
}

export interface SeededAutomation {
  schedule: InstigatorState;
  sensor: InstigatorState;
  /** The run the schedule's successful tick requested. */
  tickRun: DagsterRun;
  backfillId: string;
  staleDaemon: string;
  healthyDaemons: string[];
}

const repository = new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'shop' }), repositoryName: '__repository__' });

async function tick(instance: Instance, state: InstigatorState, type: InstigatorType, timestamp: number, status: TickStatus, changes: { runIds?: string[]; skipReason?: string; error?: SerializableErrorInfo } = {}): Promise<void> {
  const started = await instance.createTick(
    new TickData({ instigatorOriginId: state.instigatorOriginId, selectorId: state.selectorId, instigatorName: state.name, instigatorType: type, status: TickStatus.STARTED, timestamp }),
  );
  await instance.updateTick(started.withStatus(status, changes));
}

export async function seedAutomation(instance: Instance, now: number): Promise<SeededAutomation> {
  const schedule = await instance.startSchedule({ origin: repository.getInstigatorOrigin('daily_sales'), cronSchedule: '0 6 * * *' });
  const sensor = await instance.startSensor({ origin: repository.getInstigatorOrigin('new_files'), minIntervalSeconds: 30 });
  const tickRun = await instance.createRun({ jobName: 'sales_job', status: DagsterRunStatus.SUCCESS, tags: { [RUN_TAGS.SCHEDULE_NAME]: 'daily_sales' } });
  await tick(instance, schedule, InstigatorType.SCHEDULE, now - 120, TickStatus.SUCCESS, { runIds: [tickRun.runId] });
  await tick(instance, schedule, InstigatorType.SCHEDULE, now - 60, TickStatus.SKIPPED, { skipReason: 'No run requested: the previous run is still going' });
  await tick(instance, sensor, InstigatorType.SENSOR, now - 30, TickStatus.FAILURE, {
    error: new SerializableErrorInfo({ message: 'SensorError: the bucket is gone\n', stack: ['  at poll (sensors.ts:12)\n'], clsName: 'SensorError' }),
  });

  const backfillId = 'bf-sales';
  await instance.addBackfill(
    new PartitionBackfill({
      backfillId,
      status: BulkActionStatus.REQUESTED,
      fromFailure: false,
      tags: {},
      backfillTimestamp: now - 300,
      partitionSetOrigin: repository.getPartitionSetOrigin('sales_job_partition_set'),
      partitionNames: ['p1', 'p2', 'p3', 'p4'],
    }),
  );
  for (const [partition, status] of [
    ['p1', DagsterRunStatus.SUCCESS],
    ['p2', DagsterRunStatus.FAILURE],
    ['p3', DagsterRunStatus.STARTED],
  ] as const) {
    await instance.createRun({ jobName: 'sales_job', status, tags: { [RUN_TAGS.BACKFILL_ID]: backfillId, [RUN_TAGS.PARTITION_NAME]: partition } });
  }

  const [staleDaemon, ...healthyDaemons] = instance.getRequiredDaemonTypes();
  for (const daemonType of healthyDaemons) await instance.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: Date.now() / 1000, daemonType, daemonId: 'ui-test-daemon' }));
  // Its last heartbeat an hour ago: not running.
  await instance.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: Date.now() / 1000 - 3600, daemonType: staleDaemon!, daemonId: 'ui-test-daemon' }));
  return { schedule, sensor, tickRun, backfillId, staleDaemon: staleDaemon!, healthyDaemons };
}
