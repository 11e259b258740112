import type { RunStorage } from '@inst/storage';
import { DaemonHeartbeat, DaemonStatus, SerializableErrorInfo } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { DaemonHeartbeatTracker, DAEMON_HEARTBEAT_ERROR_LIMIT } from './heartbeat-tracker';
import { addDaemonHeartbeat, getDaemonHeartbeats, wipeDaemonHeartbeats } from './heartbeats';
import type { DaemonInstanceOps } from './ops';
import { getRequiredDaemonTypes } from './required';
import { computeDaemonStatuses, getDaemonStatuses } from './statuses';

/** Just the heartbeat part of a run storage: latest heartbeat per daemon type. */
class FakeRunStorage {
  readonly heartbeats = new Map<string, DaemonHeartbeat>();
  writes = 0;
  async addDaemonHeartbeat(heartbeat: DaemonHeartbeat): Promise<void> {
    this.writes += 1;
    this.heartbeats.set(heartbeat.daemonType, heartbeat);
  }
  async getDaemonHeartbeats(): Promise<Map<string, DaemonHeartbeat>> {
    return new Map(this.heartbeats);
  }
  async wipeDaemonHeartbeats(): Promise<void> {
    this.heartbeats.clear();
  }
}

type Settings = Omit<DaemonInstanceOps, 'runStorage' | 'getRequiredDaemonTypes' | 'getDaemonHeartbeats' | 'addDaemonHeartbeat'>;

/** A fake instance's ops: settings as plain fields, public methods delegating to the domain functions. */
function fakeOps(settings: Partial<Settings> = {}) {
  const storage = new FakeRunStorage();
  const ops: DaemonInstanceOps & Settings = {
    runStorage: storage as unknown as RunStorage,
    isEphemeral: false,
    scheduler: null,
    runCoordinator: {},
    runMonitoringEnabled: false,
    runRetriesEnabled: false,
    autoMaterializeEnabled: false,
    autoMaterializeUseSensors: false,
    freshnessEnabled: false,
    daemonSkipHeartbeatsWithoutErrors: false,
    ...settings,
    getRequiredDaemonTypes: () => getRequiredDaemonTypes(ops),
    getDaemonHeartbeats: () => getDaemonHeartbeats(ops),
    addDaemonHeartbeat: (heartbeat) => addDaemonHeartbeat(ops, heartbeat),
  };
  return { ops, storage };
}

const error = (message: string) => new SerializableErrorInfo({ message, stack: [], clsName: 'Error' });

describe('daemon heartbeats', () => {
  it('keeps the latest heartbeat per daemon type in run storage, and wipes them', async () => {
    const { ops } = fakeOps();
    await addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: 100, daemonType: 'SENSOR', daemonId: 'a' }));
    await addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: 130, daemonType: 'SENSOR', daemonId: 'a', errors: [error('oops')] }));
    await addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: 120, daemonType: 'BACKFILL', daemonId: 'a' }));

    const heartbeats = await getDaemonHeartbeats(ops);
    expect([...heartbeats.keys()].sort()).toEqual(['BACKFILL', 'SENSOR']);
    expect(heartbeats.get('SENSOR')?.timestamp).toBe(130);
    expect(heartbeats.get('SENSOR')?.errors?.[0]?.message).toBe('oops');

    await wipeDaemonHeartbeats(ops);
    expect((await getDaemonHeartbeats(ops)).size).toBe(0);
  });
});

describe('getRequiredDaemonTypes', () => {
  it('needs no daemons for an ephemeral instance', () => {
    expect(getRequiredDaemonTypes(fakeOps({ isEphemeral: true, runMonitoringEnabled: true }).ops)).toEqual([]);
  });

  it('always needs the sensor and backfill daemons', () => {
    expect(getRequiredDaemonTypes(fakeOps().ops)).toEqual(['SENSOR', 'BACKFILL']);
  });

  it("adds each daemon the instance's components and settings call for, in Dagster's order", () => {
    const { ops } = fakeOps({
      scheduler: { requiredDaemonType: 'SCHEDULER' },
      runCoordinator: { requiredDaemonType: 'QUEUED_RUN_COORDINATOR' },
      runMonitoringEnabled: true,
      runRetriesEnabled: true,
      autoMaterializeEnabled: true,
      freshnessEnabled: true,
    });
    expect(getRequiredDaemonTypes(ops)).toEqual([
      'SENSOR',
      'BACKFILL',
      'SCHEDULER',
      'QUEUED_RUN_COORDINATOR',
      'MONITORING',
      'EVENT_LOG_CONSUMER',
      'ASSET',
      'FRESHNESS_DAEMON',
    ]);
  });

  it('needs the asset daemon for auto-materialize sensors alone, and ignores components that need no daemon', () => {
    const { ops } = fakeOps({ autoMaterializeUseSensors: true, scheduler: {}, runCoordinator: { requiredDaemonType: null } });
    expect(getRequiredDaemonTypes(ops)).toEqual(['SENSOR', 'BACKFILL', 'ASSET']);
  });
});

describe('getDaemonStatuses', () => {
  const now = Date.now() / 1000;

  it('reports each required daemon from its latest heartbeat, ignoring errors', async () => {
    const { ops } = fakeOps({ runMonitoringEnabled: true });
    await addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: now - 10, daemonType: 'SENSOR', daemonId: 'd1', errors: [error('flaky')] }));
    await addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: now - 1831, daemonType: 'BACKFILL', daemonId: 'd1' }));

    const statuses = await getDaemonStatuses(ops);

    expect([...statuses.keys()]).toEqual(['SENSOR', 'BACKFILL', 'MONITORING']);
    const sensor = statuses.get('SENSOR');
    expect(sensor).toBeInstanceOf(DaemonStatus);
    expect(sensor).toMatchObject({ daemonType: 'SENSOR', required: true, healthy: true });
    expect(sensor?.lastHeartbeat?.daemonId).toBe('d1');
    expect(statuses.get('BACKFILL')).toMatchObject({ required: true, healthy: false });
    expect(statuses.get('MONITORING')).toEqual(new DaemonStatus({ daemonType: 'MONITORING', required: true, healthy: false, lastHeartbeat: null }));
  });

  it('reports daemons that are not required as such, and treats an empty list as "the required ones"', async () => {
    const { ops } = fakeOps();
    const statuses = await getDaemonStatuses(ops, ['SCHEDULER', 'SENSOR']);
    expect(statuses.get('SCHEDULER')).toEqual(new DaemonStatus({ daemonType: 'SCHEDULER', required: false, healthy: null, lastHeartbeat: null }));
    expect(statuses.get('SENSOR')).toMatchObject({ required: true, healthy: false });
    expect([...(await getDaemonStatuses(ops, [])).keys()]).toEqual(['SENSOR', 'BACKFILL']);
    expect([...(await getDaemonStatuses(ops, new Set(['BACKFILL']))).keys()]).toEqual(['BACKFILL']);
  });

  it('asks the instance for the required daemons, so an override is seen', async () => {
    const { ops } = fakeOps();
    const statuses = await getDaemonStatuses({ ...ops, getRequiredDaemonTypes: () => ['CUSTOM'] });
    expect([...statuses.keys()]).toEqual(['CUSTOM']);
    expect(statuses.get('CUSTOM')).toMatchObject({ required: true, healthy: false });
  });

  it('rejects a daemon type list that is not a list of names', async () => {
    const { ops } = fakeOps();
    await expect(getDaemonStatuses(ops, 'SENSOR')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(getDaemonStatuses(ops, [1 as unknown as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('computes health at the tolerance boundary, and counts errors unless told to ignore them', () => {
    const heartbeat = new DaemonHeartbeat({ timestamp: 1000, daemonType: 'SENSOR', daemonId: 'd', errors: [error('e')] });
    const heartbeats = new Map([['SENSOR', heartbeat]]);
    const at = (currTimeSeconds: number, ignoreErrors = true) =>
      computeDaemonStatuses(heartbeats, ['SENSOR'], ['SENSOR'], { currTimeSeconds, ignoreErrors }).get('SENSOR')?.healthy;
    expect(at(1000 + 30 + 1800)).toBe(true);
    expect(at(1000 + 30 + 1800.5)).toBe(false);
    expect(at(1001, false)).toBe(false);
    expect(computeDaemonStatuses(heartbeats, ['SENSOR'], ['SENSOR'], { currTimeSeconds: 1010, heartbeatIntervalSeconds: 5, heartbeatToleranceSeconds: 4 }).get('SENSOR')?.healthy).toBe(false);
  });
});

describe('DaemonHeartbeatTracker', () => {
  it('writes a heartbeat at most once per interval, with the daemon id', async () => {
    const { ops, storage } = fakeOps();
    const tracker = new DaemonHeartbeatTracker({ daemonType: 'SENSOR', daemonId: 'me' });

    const first = await tracker.checkAddHeartbeat(ops, 1000);
    expect(first.heartbeat).toMatchObject({ timestamp: 1000, daemonType: 'SENSOR', daemonId: 'me', errors: [] });
    expect((await tracker.checkAddHeartbeat(ops, 1029)).heartbeat).toBeNull();
    expect((await tracker.checkAddHeartbeat(ops, 1030)).heartbeat?.timestamp).toBe(1030);
    expect(storage.writes).toBe(2);
  });

  it('carries at most the 5 newest errors, and drops errors older than the error interval', async () => {
    const { ops } = fakeOps();
    const tracker = new DaemonHeartbeatTracker({ daemonType: 'SENSOR', daemonId: 'me', heartbeatIntervalSeconds: 0 });
    for (let i = 1; i <= 7; i += 1) tracker.recordError(error(`e${i}`), 1000 + i);
    tracker.recordError(new Error('thrown'), 1100);

    const check = await tracker.checkAddHeartbeat(ops, 1200);
    expect(check.heartbeat?.errors?.map((e) => e.message)).toEqual(['Error: thrown\n', 'e7', 'e6', 'e5', 'e4']);
    expect(check.heartbeat?.errors).toHaveLength(DAEMON_HEARTBEAT_ERROR_LIMIT);

    // 300s after e7 (1007) it has expired; the thrown one (1100) has not.
    expect((await tracker.checkAddHeartbeat(ops, 1308)).heartbeat?.errors?.map((e) => e.message)).toEqual(['Error: thrown\n']);
    expect((await tracker.checkAddHeartbeat(ops, 1401)).heartbeat?.errors).toEqual([]);
  });

  it('writes nothing while there are no errors when daemons skip heartbeats without errors', async () => {
    const { ops, storage } = fakeOps({ daemonSkipHeartbeatsWithoutErrors: true });
    const tracker = new DaemonHeartbeatTracker({ daemonType: 'SENSOR', daemonId: 'me' });
    expect((await tracker.checkAddHeartbeat(ops, 1000)).heartbeat).toBeNull();
    tracker.recordError(error('bad'), 1001);
    expect((await tracker.checkAddHeartbeat(ops, 1002)).heartbeat?.errors?.map((e) => e.message)).toEqual(['bad']);
    expect(storage.writes).toBe(1);
  });

  it('notices another daemon of the same type writing heartbeats', async () => {
    const { ops } = fakeOps();
    const tracker = new DaemonHeartbeatTracker({ daemonType: 'SENSOR', daemonId: 'me' });
    expect((await tracker.checkAddHeartbeat(ops, 1000)).otherDaemonId).toBeNull();
    await addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: 1010, daemonType: 'SENSOR', daemonId: 'someone-else' }));
    expect(await tracker.checkAddHeartbeat(ops, 1040)).toMatchObject({ otherDaemonId: 'someone-else' });
    expect(() => new DaemonHeartbeatTracker({ daemonType: 'SENSOR', daemonId: '' })).toThrow(/daemonId/);
  });
});
