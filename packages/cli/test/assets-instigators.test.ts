import { rmSync } from 'node:fs';
import { Instance } from '@inst/core';
import {
  AssetKey,
  AssetMaterialization,
  BulkActionStatus,
  DaemonHeartbeat,
  InstigatorType,
  PartitionBackfill,
  RegisteredCodeLocationOrigin,
  RemoteRepositoryOrigin,
  TickData,
  TickStatus,
} from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inst, instJson, makeHome } from './support';

/*
 * Asset, schedule, sensor, backfill, daemon and retention verbs spawned against a SQLite home seeded in this
 * process with Dagster's records.
 */

const DAY = 86_400;
const ORDERS = new AssetKey(['warehouse', 'orders']);
const USERS = new AssetKey(['warehouse', 'users']);
const RAW = new AssetKey(['raw_events']);
const repository = new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'shop' }), repositoryName: '__repository__' });

let home: string;
const YAML = `run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
retention:
  sensor:
    purge_after_days:
      skipped: 1
`;

beforeAll(async () => {
  home = makeHome('assets', YAML);
  await using instance = await Instance.fromConfig(home);
  for (const partition of ['2024-01-01', '2024-01-02', '2024-01-03']) await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: ORDERS, partition }));
  await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: USERS }));
  await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: RAW }));

  await instance.startSchedule({ origin: repository.getInstigatorOrigin('daily_orders'), cronSchedule: '0 0 * * *' });
  const sensor = await instance.startSensor({ origin: repository.getInstigatorOrigin('new_files'), minIntervalSeconds: 30 });
  const now = Date.now() / 1000;
  for (const [timestamp, status] of [
    [now - 3 * DAY, TickStatus.SKIPPED],
    [now - 3 * DAY + 60, TickStatus.SUCCESS],
    [now - 60, TickStatus.SKIPPED],
  ] as const) {
    const tick = await instance.createTick(
      new TickData({ instigatorOriginId: sensor.instigatorOriginId, selectorId: sensor.selectorId, instigatorName: 'new_files', instigatorType: InstigatorType.SENSOR, status: TickStatus.STARTED, timestamp }),
    );
    await instance.updateTick(tick.withStatus(status));
  }

  await instance.addBackfill(
    new PartitionBackfill({
      backfillId: 'bf-orders',
      status: BulkActionStatus.REQUESTED,
      fromFailure: false,
      tags: { team: 'data' },
      backfillTimestamp: now,
      partitionSetOrigin: repository.getPartitionSetOrigin('daily_orders_partition_set'),
      partitionNames: ['2024-01-01', '2024-01-02'],
    }),
  );
  for (const daemonType of instance.getRequiredDaemonTypes()) {
    await instance.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: now, daemonType, daemonId: 'test-daemon' }));
  }
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

interface AssetDoc {
  assetKey: string;
  path: string[];
  lastMaterialization: { partition: string | null } | null;
}

describe('inst asset', () => {
  it('lists, shows, wipes partitions and wipes assets', async () => {
    const [all, prefixed, show, missing, badUsage, noYes] = await Promise.all([
      instJson<{ assets: AssetDoc[] }>(home, ['asset', 'list']),
      instJson<{ assets: AssetDoc[] }>(home, ['asset', 'list', '--prefix', 'warehouse']),
      instJson<AssetDoc & { materializedPartitions: string[] }>(home, ['asset', 'show', 'warehouse/orders']),
      inst(['--home', home, 'asset', 'show', 'nope']),
      inst(['--home', home, 'asset', 'wipe']),
      inst(['--home', home, 'asset', 'wipe', '--all']),
    ]);
    expect(all.assets.map((a) => a.assetKey)).toEqual(['raw_events', 'warehouse/orders', 'warehouse/users']);
    expect(prefixed.assets.map((a) => a.assetKey)).toEqual(['warehouse/orders', 'warehouse/users']);
    expect(show).toMatchObject({ assetKey: 'warehouse/orders', path: ['warehouse', 'orders'], lastMaterialization: { partition: '2024-01-03' } });
    expect(show.materializedPartitions).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'inst: ASSET_NOT_FOUND: no asset nope in the event log']);
    expect(badUsage.code).toBe(2);
    expect(noYes.code).toBe(2);

    expect(await instJson(home, ['asset', 'wipe-partitions', '["warehouse", "orders"]', '--partitions', '2024-01-02,2024-01-03'])).toEqual({
      assetKey: 'warehouse/orders',
      wipedPartitions: ['2024-01-02', '2024-01-03'],
    });
    expect((await instJson<{ materializedPartitions: string[] }>(home, ['asset', 'show', 'warehouse/orders'])).materializedPartitions).toEqual(['2024-01-01']);

    expect(await instJson(home, ['asset', 'wipe', 'raw_events'])).toEqual({ wiped: ['raw_events'] });
    const afterOne = await instJson<{ assets: AssetDoc[] }>(home, ['asset', 'list']);
    expect(afterOne.assets.map((a) => a.assetKey)).toEqual(['warehouse/orders', 'warehouse/users']);
    const wipedAll = await instJson<{ wiped: string[] }>(home, ['asset', 'wipe', '--all', '--yes']);
    // A wiped asset leaves the key list, as in Dagster.
    expect(wipedAll.wiped.sort()).toEqual(['warehouse/orders', 'warehouse/users']);
    expect((await instJson<{ assets: AssetDoc[] }>(home, ['asset', 'list'])).assets).toEqual([]);
  });
});

interface StateDoc {
  name: string;
  status: string;
  running: boolean;
  cronSchedule: string | null;
  cursor: string | null;
  location: string;
}

describe('inst schedule and sensor', () => {
  it('lists stored states, stops and starts them, and sets and clears a sensor cursor', async () => {
    const [schedules, sensors, unknown, neither] = await Promise.all([
      instJson<{ schedules: StateDoc[] }>(home, ['schedule', 'list']),
      instJson<{ sensors: StateDoc[] }>(home, ['sensor', 'list']),
      inst(['--home', home, 'schedule', 'stop', 'nope']),
      inst(['--home', home, 'sensor', 'cursor', 'new_files']),
    ]);
    expect(schedules.schedules).toEqual([expect.objectContaining({ name: 'daily_orders', status: 'RUNNING', cronSchedule: '0 0 * * *', location: 'shop' })]);
    expect(sensors.sensors).toEqual([expect.objectContaining({ name: 'new_files', status: 'RUNNING', cursor: null })]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^inst: SCHEDULE_NOT_FOUND: no stored schedule named nope/);
    expect([neither.code, neither.stderr.trim()]).toEqual([2, 'inst: USAGE: Must set cursor using `--set <value>` or use `--delete`']);

    const [stoppedSchedule, stoppedSensor] = await Promise.all([instJson<StateDoc>(home, ['schedule', 'stop', 'daily_orders']), instJson<StateDoc>(home, ['sensor', 'stop', 'new_files'])]);
    expect([stoppedSchedule.status, stoppedSensor.status]).toEqual(['STOPPED', 'STOPPED']);
    const [running, stopped] = await Promise.all([
      instJson<{ schedules: StateDoc[] }>(home, ['schedule', 'list', '--running']),
      instJson<{ schedules: StateDoc[] }>(home, ['schedule', 'list', '--stopped']),
    ]);
    expect(running.schedules).toEqual([]);
    expect(stopped.schedules.map((s) => s.name)).toEqual(['daily_orders']);
    const [startedSchedule, cursorSet] = await Promise.all([
      instJson<StateDoc>(home, ['schedule', 'start', 'daily_orders']),
      instJson<StateDoc>(home, ['sensor', 'cursor', 'new_files', '--set', 'file-42']),
    ]);
    expect(startedSchedule).toMatchObject({ status: 'RUNNING', cronSchedule: '0 0 * * *' });
    expect(cursorSet.cursor).toBe('file-42');
    expect((await instJson<StateDoc>(home, ['sensor', 'start', 'new_files'])).status).toBe('RUNNING');
    const listed = await instJson<{ sensors: StateDoc[] }>(home, ['sensor', 'list']);
    expect(listed.sensors[0]).toMatchObject({ status: 'RUNNING', cursor: 'file-42' });
    expect((await instJson<StateDoc>(home, ['sensor', 'cursor', 'new_files', '--delete'])).cursor).toBeNull();
  });
});

describe('inst backfill, daemon, retention', () => {
  it('lists, shows and cancels a backfill', async () => {
    const [list, show, unknown] = await Promise.all([
      instJson<{ backfills: { backfillId: string; status: string; partitionNames: string[] }[] }>(home, ['backfill', 'list']),
      instJson<{ backfillId: string; runs: unknown[]; tags: Record<string, string> }>(home, ['backfill', 'show', 'bf-orders']),
      inst(['--home', home, 'backfill', 'show', 'nope']),
    ]);
    expect(list.backfills).toEqual([expect.objectContaining({ backfillId: 'bf-orders', status: 'REQUESTED', partitionNames: ['2024-01-01', '2024-01-02'] })]);
    expect(show).toMatchObject({ backfillId: 'bf-orders', runs: [], tags: { team: 'data' } });
    expect(unknown.code).toBe(1);
    expect(await instJson(home, ['backfill', 'cancel', 'bf-orders'])).toEqual({ backfillId: 'bf-orders', status: 'CANCELING' });
    const [again, canceling] = await Promise.all([
      inst(['--home', home, 'backfill', 'cancel', 'bf-orders']),
      instJson<{ backfills: { backfillId: string }[] }>(home, ['backfill', 'list', '--status', 'canceling']),
    ]);
    expect(again.code).toBe(1);
    expect(canceling.backfills.map((b) => b.backfillId)).toEqual(['bf-orders']);
  });

  it('reports heartbeats and liveness (0 when every required daemon beats, 1 when one does not)', async () => {
    const [beats, live] = await Promise.all([
      instJson<{ daemons: { daemonType: string; required: boolean; healthy: boolean | null; daemonId: string }[] }>(home, ['daemon', 'heartbeats']),
      inst(['--home', home, 'daemon', 'liveness-check']),
    ]);
    expect(beats.daemons.length).toBeGreaterThan(0);
    expect(beats.daemons.every((d) => d.required && d.healthy === true && d.daemonId === 'test-daemon')).toBe(true);
    expect([live.code, live.stdout.trim()]).toEqual([0, 'Daemon live']);

    const other = makeHome('no-daemons', YAML);
    try {
      const dead = await inst(['--home', other, 'daemon', 'liveness-check', '--json']);
      expect(dead.code).toBe(1);
      expect((JSON.parse(dead.stdout) as { live: boolean; notRunning: string[] }).notRunning).toContain('SENSOR');
      expect(dead.stderr).toMatch(/^inst: DAEMON_NOT_RUNNING: /);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('purges ticks by the retention settings, counting first with --dry-run', async () => {
    const dry = await instJson<{ dryRun: boolean; ticksToPurge: number; purgedTicks: number; details: { name: string; statuses: string[] }[] }>(home, ['retention', 'purge', '--dry-run']);
    expect(dry).toMatchObject({ dryRun: true, ticksToPurge: 1, purgedTicks: 0 });
    expect(dry.details).toEqual([expect.objectContaining({ name: 'new_files', statuses: ['SKIPPED'], olderThanDays: 1 })]);
    expect((await instJson<{ ticksToPurge: number }>(home, ['retention', 'purge', '--dry-run'])).ticksToPurge).toBe(1);
    expect(await instJson(home, ['retention', 'purge'])).toMatchObject({ dryRun: false, purgedTicks: 1 });
    expect(await instJson(home, ['retention', 'purge'])).toMatchObject({ purgedTicks: 0, details: [] });
  });
});
