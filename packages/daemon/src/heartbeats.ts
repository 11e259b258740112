/**
 * Daemon heartbeats, kept in run storage (Dagster's `add_daemon_heartbeat`, `get_daemon_heartbeats`,
 * `wipe_daemon_heartbeats`).
 */
import type { DaemonHeartbeat } from '@inst/types';
import type { DaemonInstanceOps } from './ops';

/** Stores a daemon's heartbeat (daemons call it on an interval); it replaces that daemon type's previous one. */
export async function addDaemonHeartbeat(ops: Pick<DaemonInstanceOps, 'runStorage'>, daemonHeartbeat: DaemonHeartbeat): Promise<void> {
  await ops.runStorage.addDaemonHeartbeat(daemonHeartbeat);
}

/** The latest heartbeat of each daemon type. */
export async function getDaemonHeartbeats(ops: Pick<DaemonInstanceOps, 'runStorage'>): Promise<Map<string, DaemonHeartbeat>> {
  return ops.runStorage.getDaemonHeartbeats();
}

/** Deletes every daemon heartbeat. */
export async function wipeDaemonHeartbeats(ops: Pick<DaemonInstanceOps, 'runStorage'>): Promise<void> {
  await ops.runStorage.wipeDaemonHeartbeats();
}
