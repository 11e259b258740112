import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetPartitionStatus, staticPartitionsDefinition, type AssetWipedData } from '@inst/assets';
import type { InProcessRunLauncher } from '@inst/run-launcher';
import { defineJob } from '@inst/run-launcher';
import { purgeTicksByRetention, type SchedulingInstanceOps } from '@inst/scheduling';
import {
  AssetKey,
  AssetMaterialization,
  AssetRecordsFilter,
  BulkActionsFilter,
  BulkActionStatus,
  DagsterEventType,
  DagsterRunStatus,
  InstigatorStatus,
  InstigatorType,
  PartitionBackfill,
  RegisteredCodeLocationOrigin,
  RemoteRepositoryOrigin,
  RUN_TAGS,
  RunsFilter,
  TickData,
  TickStatus,
} from '@inst/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

/*
 * Issue 5's end to end on a SQLite home: a partitioned asset materialized by runs, one partition wiped, dynamic
 * partitions, a sensor's ticks purged by the retention of the home's dagster.yaml, and backfills.
 */

const E = DagsterEventType;
const DAILY = new AssetKey(['warehouse', 'daily_orders']);
const PARTITIONS = ['2024-01-01', '2024-01-02', '2024-01-03'] as const;
const [P1, P2, P3] = PARTITIONS;
const DAILY_PARTITIONS = staticPartitionsDefinition(PARTITIONS);
const DAY = 86_400;

/** Materializes the partition of its run (the run's `dagster/partition` tag), as a partitioned Dagster asset job does. */
const dailyOrders = defineJob('daily_orders', [
  {
    key: 'load_orders',
    fn: async (context) => {
      const partition = context.run.tags[RUN_TAGS.PARTITION_NAME] ?? null;
      await context.reportAssetMaterialization({ assetKey: DAILY, partition, metadata: { rows: 10 } });
    },
  },
]);

const repository = new RemoteRepositoryOrigin({
  codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'orders' }),
  repositoryName: '__repository__',
});

const DAGSTER_YAML = `run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
run_launcher:
  module: dagster.core.launcher
  class: SyncInMemoryRunLauncher
retention:
  sensor:
    purge_after_days:
      skipped: 1
`;

describe('assets, partitions, sensors and backfills end to end on a SQLite home', () => {
  let home: string;
  let instance: Instance;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-assets-scheduling-'));
    writeFileSync(join(home, 'dagster.yaml'), DAGSTER_YAML);
    instance = await Instance.fromConfig(home);
    (instance.runLauncher as InProcessRunLauncher).registerJob(dailyOrders);
  });

  afterEach(async () => {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  /** Creates and launches a run of `daily_orders` for one partition; returns its id once it succeeded. */
  async function materializePartition(partition: string, tags: Record<string, string> = {}): Promise<string> {
    const run = await instance.createRun({ jobName: 'daily_orders', tags: { ...tags, [RUN_TAGS.PARTITION_NAME]: partition } });
    await instance.submitRun(run.runId);
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.SUCCESS);
    return run.runId;
  }

  async function latestRecordOf(partition: string) {
    const [record] = (await instance.fetchMaterializations(new AssetRecordsFilter({ assetKey: DAILY, assetPartitions: [partition] }), 1)).records;
    return record;
  }

  it('materializes partitions over several runs, wipes one, and keeps the asset listed with the right status', async () => {
    const r1 = await materializePartition(P1);
    const r2 = await materializePartition(P2);
    const r3 = await materializePartition(P3);
    const r4 = await materializePartition(P2); // P2 again: its latest materialization is r4's

    // Latest materialization by partition.
    expect(await instance.getMaterializedPartitions(DAILY)).toEqual(new Set(PARTITIONS));
    const latestIds = await instance.getLatestStorageIdByPartition(DAILY, E.ASSET_MATERIALIZATION);
    expect([...latestIds.keys()].sort()).toEqual([...PARTITIONS]);
    const latestP2 = await latestRecordOf(P2);
    expect(latestP2?.runId).toBe(r4);
    expect(latestIds.get(P2)).toBe(latestP2!.storageId);
    expect(latestIds.get(P1)).toBe((await latestRecordOf(P1))!.storageId);
    expect((await instance.fetchMaterializations(new AssetRecordsFilter({ assetKey: DAILY, assetPartitions: [P2] }), 10)).records.map((r) => r.runId)).toEqual([r4, r2]);
    const statuses = await instance.getStatusByPartition(DAILY, [...PARTITIONS], DAILY_PARTITIONS);
    expect(Object.fromEntries(statuses!)).toEqual({ [P1]: AssetPartitionStatus.MATERIALIZED, [P2]: AssetPartitionStatus.MATERIALIZED, [P3]: AssetPartitionStatus.MATERIALIZED });
    expect((await instance.getAssetRecords([DAILY]))[0]?.assetEntry.cachedStatus).not.toBeNull();
    expect((await instance.getLatestMaterializationEvent(DAILY))?.runId).toBe(r4);

    // Wipe P2: the partition goes, the asset stays, its latest materialization moves back to P3 (r3).
    await instance.wipeAssetPartitions(DAILY, [P2]);
    expect(await instance.getMaterializedPartitions(DAILY)).toEqual(new Set([P1, P3]));
    expect([...(await instance.getLatestStorageIdByPartition(DAILY, E.ASSET_MATERIALIZATION)).keys()].sort()).toEqual([P1, P3]);
    expect(await latestRecordOf(P2)).toBeUndefined();
    expect((await instance.allAssetKeys()).map((key) => key.toUserString())).toEqual(['warehouse/daily_orders']);
    expect(await instance.hasAssetKey(DAILY)).toBe(true);
    const [record] = await instance.getAssetRecords([DAILY]);
    expect(record?.assetEntry.lastMaterializationRecord?.runId).toBe(r3);
    expect(record?.assetEntry.lastMaterializationRecord?.partitionKey).toBe(P3);
    expect(record?.assetEntry.lastRunId).toBe(r3);
    expect(record?.assetEntry.cachedStatus).toBeNull();
    expect(Object.fromEntries((await instance.getStatusByPartition(DAILY, [...PARTITIONS], DAILY_PARTITIONS))!)).toEqual({
      [P1]: AssetPartitionStatus.MATERIALIZED,
      [P2]: null,
      [P3]: AssetPartitionStatus.MATERIALIZED,
    });

    // The wipe is reported as Dagster's runless ASSET_WIPED event with the partition keys.
    const wiped = (await instance.allLogs('')).filter((entry) => entry.dagsterEvent?.eventTypeValue === 'ASSET_WIPED');
    expect(wiped).toHaveLength(1);
    const data = wiped[0]!.dagsterEvent!.eventSpecificData as AssetWipedData;
    expect([data.assetKey.toUserString(), data.partitionKeys]).toEqual(['warehouse/daily_orders', [P2]]);

    // Every run's event log keeps its materialization.
    for (const [runId, partition] of [
      [r1, P1],
      [r2, P2],
      [r3, P3],
      [r4, P2],
    ] as const) {
      const logged = await instance.allLogs(runId, E.ASSET_MATERIALIZATION);
      expect(logged.map((entry) => entry.dagsterEvent?.partition)).toEqual([partition]);
    }

    // Materialized again, P2 is back.
    const r5 = await materializePartition(P2);
    expect(await instance.getMaterializedPartitions(DAILY)).toEqual(new Set(PARTITIONS));
    expect((await latestRecordOf(P2))?.runId).toBe(r5);
    expect((await instance.getAssetRecords([DAILY]))[0]?.assetEntry.lastRunId).toBe(r5);
    expect((await instance.getStatusByPartition(DAILY, [P2], DAILY_PARTITIONS))?.get(P2)).toBe(AssetPartitionStatus.MATERIALIZED);
  });

  it('adds dynamic partitions twice (stored once), deletes one, and materializes one outside any run', async () => {
    const name = 'regions';
    const initialId = await instance.getDynamicPartitionsDefinitionId(name);
    await instance.addDynamicPartitions(name, ['eu', 'us']);
    await instance.addDynamicPartitions(name, ['us', 'apac']);
    expect(await instance.getDynamicPartitions(name)).toEqual(['eu', 'us', 'apac']);
    expect(await instance.hasDynamicPartition(name, 'us')).toBe(true);
    const page = await instance.getPaginatedDynamicPartitions(name, 2, true);
    expect(page.results).toEqual(['eu', 'us']);
    const addedId = await instance.getDynamicPartitionsDefinitionId(name);
    expect(addedId).not.toBe(initialId);
    // Adding keys that are all present changes nothing.
    await instance.addDynamicPartitions(name, ['eu']);
    expect(await instance.getDynamicPartitionsDefinitionId(name)).toBe(addedId);

    await instance.deleteDynamicPartition(name, 'us');
    expect(await instance.getDynamicPartitions(name)).toEqual(['eu', 'apac']);
    expect(await instance.hasDynamicPartition(name, 'us')).toBe(false);
    const deletedId = await instance.getDynamicPartitionsDefinitionId(name);
    expect(deletedId).not.toBe(addedId);
    expect(await instance.getDynamicPartitions('other')).toEqual([]);

    // A dynamic partition of an asset, materialized outside any run.
    const regional = new AssetKey(['regional_sales']);
    await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: regional, partition: 'eu' }));
    expect(await instance.getMaterializedPartitions(regional)).toEqual(new Set(['eu']));
    expect((await instance.getAssetRecords([regional]))[0]?.assetEntry.lastRunId).toBe('');
  });

  it('starts a sensor, ticks it, stops it, and purges its ticks by the retention in dagster.yaml', async () => {
    const sensor = { origin: repository.getInstigatorOrigin('new_orders'), minIntervalSeconds: 30 };
    const started = await instance.startSensor(sensor);
    expect(started.status).toBe(InstigatorStatus.RUNNING);
    const { instigatorOriginId: originId, selectorId } = started;
    expect((await instance.getInstigatorState(originId, selectorId))?.status).toBe(InstigatorStatus.RUNNING);
    // Starting a running sensor changes nothing.
    expect((await instance.startSensor(sensor)).instigatorData).toEqual(started.instigatorData);

    // Ticks as the sensor daemon records them: created STARTED, then updated with their outcome.
    const now = Date.now() / 1000;
    const tick = async (timestamp: number, status: TickStatus) => {
      const created = await instance.createTick(
        new TickData({ instigatorOriginId: originId, selectorId, instigatorName: 'new_orders', instigatorType: InstigatorType.SENSOR, status: TickStatus.STARTED, timestamp }),
      );
      return instance.updateTick(created.withStatus(status, status === TickStatus.SUCCESS ? { runIds: ['run-1'] } : {}));
    };
    const oldSkipped = await tick(now - 3 * DAY, TickStatus.SKIPPED);
    const oldSuccess = await tick(now - 3 * DAY + 60, TickStatus.SUCCESS);
    const recentSkipped = await tick(now - 60, TickStatus.SKIPPED);
    expect((await instance.getTicks(originId, selectorId)).map((t) => t.tickId)).toEqual([recentSkipped.tickId, oldSuccess.tickId, oldSkipped.tickId]);
    expect((await instance.getTick(originId, selectorId, oldSkipped.timestamp))?.status).toBe(TickStatus.SKIPPED);
    expect((await instance.getTicks(originId, selectorId, null, null, null, [TickStatus.SUCCESS])).map((t) => t.tickId)).toEqual([oldSuccess.tickId]);

    const stopped = await instance.stopSensor(originId, selectorId);
    expect(stopped.status).toBe(InstigatorStatus.STOPPED);
    expect((await instance.getInstigatorState(originId, selectorId))?.status).toBe(InstigatorStatus.STOPPED);

    // The retention of dagster.yaml: SKIPPED sensor ticks are kept one day, the rest forever.
    expect(instance.getTickRetentionSettings(InstigatorType.SENSOR)).toEqual({ STARTED: -1, SKIPPED: 1, SUCCESS: -1, FAILURE: -1 });
    // The daemons' purge is @inst/scheduling's purgeTicksByRetention (not a facade member), run over the instance's
    // public members.
    const ops: Pick<SchedulingInstanceOps, 'scheduleStorage' | 'getTickRetentionSettings' | 'allInstigatorState' | 'purgeTicks'> = {
      scheduleStorage: instance.scheduleStorage,
      getTickRetentionSettings: (type) => instance.getTickRetentionSettings(type),
      allInstigatorState: (...args) => instance.allInstigatorState(...args),
      purgeTicks: (...args) => instance.purgeTicks(...args),
    };
    const purges = await purgeTicksByRetention(ops, InstigatorType.SENSOR, now);
    expect(purges).toEqual([{ originId, selectorId, before: now - DAY, tickStatuses: [TickStatus.SKIPPED] }]);
    expect((await instance.getTicks(originId, selectorId)).map((t) => t.tickId)).toEqual([recentSkipped.tickId, oldSuccess.tickId]);
  });

  it('adds backfills, filters them, updates one, and runs its partitions', async () => {
    const now = Date.now() / 1000;
    const jobBackfill = (backfillId: string, jobName: string, backfillTimestamp: number, tags: Record<string, string>, status: BulkActionStatus = BulkActionStatus.REQUESTED) =>
      new PartitionBackfill({
        backfillId,
        status,
        fromFailure: false,
        tags,
        backfillTimestamp,
        partitionSetOrigin: repository.getPartitionSetOrigin(`${jobName}_partition_set`),
        partitionNames: [...PARTITIONS],
      });
    await instance.addBackfill(jobBackfill('orders_jan', 'daily_orders', now - 300, { team: 'data' }));
    await instance.addBackfill(jobBackfill('returns_jan', 'daily_returns', now - 200, { team: 'ml' }));
    await instance.addBackfill(jobBackfill('orders_dec', 'daily_orders', now - 100, { team: 'data' }, BulkActionStatus.COMPLETED_SUCCESS));

    const ids = (backfills: readonly PartitionBackfill[]) => backfills.map((b) => b.backfillId);
    expect(ids(await instance.getBackfills())).toEqual(['orders_dec', 'returns_jan', 'orders_jan']);
    expect(ids(await instance.getBackfills(new BulkActionsFilter({ statuses: [BulkActionStatus.REQUESTED] })))).toEqual(['returns_jan', 'orders_jan']);
    expect(ids(await instance.getBackfills(new BulkActionsFilter({ jobName: 'daily_orders' })))).toEqual(['orders_dec', 'orders_jan']);
    expect(ids(await instance.getBackfills(new BulkActionsFilter({ tags: { team: 'ml' } })))).toEqual(['returns_jan']);
    expect(ids(await instance.getBackfills(new BulkActionsFilter({ backfillIds: ['orders_jan', 'nope'] })))).toEqual(['orders_jan']);
    expect(ids(await instance.getBackfills(new BulkActionsFilter({ createdBefore: new Date((now - 150) * 1000) })))).toEqual(['returns_jan', 'orders_jan']);
    expect(ids(await instance.getBackfills(null, 'orders_dec', 1))).toEqual(['returns_jan']);
    expect(ids(await instance.getBackfills(null, null, null, BulkActionStatus.COMPLETED_SUCCESS))).toEqual(['orders_dec']);
    expect(await instance.getBackfillsCount(new BulkActionsFilter({ jobName: 'daily_orders' }))).toBe(2);

    // The backfill's runs, one per partition, tagged with it; then it is marked done with its checkpoint.
    const backfill = (await instance.getBackfill('orders_jan'))!;
    for (const partition of backfill.partitionNames!) await materializePartition(partition, { [RUN_TAGS.BACKFILL_ID]: backfill.backfillId });
    expect(await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'orders_jan' } }))).toBe(3);
    expect(await instance.getMaterializedPartitions(DAILY)).toEqual(new Set(PARTITIONS));
    await instance.updateBackfill(backfill.withPartitionCheckpoint(P3).withStatus(BulkActionStatus.COMPLETED_SUCCESS));
    const updated = await instance.getBackfill('orders_jan');
    expect([updated?.status, updated?.lastSubmittedPartitionName]).toEqual([BulkActionStatus.COMPLETED_SUCCESS, P3]);
    expect(ids(await instance.getBackfills(new BulkActionsFilter({ statuses: [BulkActionStatus.REQUESTED] })))).toEqual(['returns_jan']);
    expect(await instance.getBackfillsCount(new BulkActionsFilter({ statuses: [BulkActionStatus.COMPLETED_SUCCESS] }))).toBe(2);
  });
});
