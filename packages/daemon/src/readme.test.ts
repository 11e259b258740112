// The README's example, kept runnable (with an in-memory stand-in for a run storage).
import type { RunStorage } from '@inst/storage';
import { DaemonHeartbeat } from '@inst/types';
import { expect, it } from 'vitest';
import { addDaemonHeartbeat, getDaemonStatuses, getRequiredDaemonTypes, type DaemonInstanceOps } from './index';

const stored = new Map<string, DaemonHeartbeat>();
const runStorage = {
  addDaemonHeartbeat: async (heartbeat: DaemonHeartbeat) => void stored.set(heartbeat.daemonType, heartbeat),
  getDaemonHeartbeats: async () => new Map(stored),
  wipeDaemonHeartbeats: async () => stored.clear(),
} as unknown as RunStorage;

async function example() {
  // --- README example start
  const ops: DaemonInstanceOps = {
    runStorage, // any @inst/storage RunStorage
    isEphemeral: false,
    scheduler: { requiredDaemonType: 'SCHEDULER' },
    runCoordinator: { requiredDaemonType: 'QUEUED_RUN_COORDINATOR' },
    runMonitoringEnabled: true,
    runRetriesEnabled: false,
    autoMaterializeEnabled: true,
    autoMaterializeUseSensors: true,
    freshnessEnabled: true,
    daemonSkipHeartbeatsWithoutErrors: false,
    getRequiredDaemonTypes: () => getRequiredDaemonTypes(ops),
    getDaemonHeartbeats: () => runStorage.getDaemonHeartbeats(),
    addDaemonHeartbeat: (heartbeat) => addDaemonHeartbeat(ops, heartbeat),
  };

  await addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: Date.now() / 1000, daemonType: 'SENSOR', daemonId: 'd1' }));
  const statuses = await getDaemonStatuses(ops);
  // SENSOR: healthy; BACKFILL, SCHEDULER, QUEUED_RUN_COORDINATOR, MONITORING, ASSET, FRESHNESS_DAEMON: no heartbeat yet
  // --- README example end
  return statuses;
}

it('runs the README example', async () => {
  const statuses = await example();
  expect([...statuses].map(([type, status]) => [type, status.healthy])).toEqual([
    ['SENSOR', true],
    ['BACKFILL', false],
    ['SCHEDULER', false],
    ['QUEUED_RUN_COORDINATOR', false],
    ['MONITORING', false],
    ['ASSET', false],
    ['FRESHNESS_DAEMON', false],
  ]);
});
