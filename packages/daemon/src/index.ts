/**
 * `@inst/daemon`: the daemon domain of the instance — heartbeats, the daemons an instance requires, and their
 * health — as functions that take a {@link DaemonInstanceOps} first.
 *
 * @packageDocumentation
 */
/** The ops interface: what this domain needs of an instance. */
export type { DaemonInstanceOps, DaemonRequirement } from './ops';
export { daemonOpsFromStorages, type DaemonStorages, type DaemonSettings } from './from-storages';
/** Daemon type names. */
export { DaemonType } from './daemon-types';
/** Store, read and wipe daemon heartbeats through the run storage. */
export { addDaemonHeartbeat, getDaemonHeartbeats, wipeDaemonHeartbeats } from './heartbeats';
/** The daemons an instance needs, by Dagster's rules. */
export { getRequiredDaemonTypes } from './required';
/** Daemon statuses from heartbeats. */
export {
  getDaemonStatuses,
  computeDaemonStatuses,
  DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
  DEFAULT_DAEMON_HEARTBEAT_TOLERANCE_SECONDS,
  type DaemonStatusOptions,
} from './statuses';
/** A daemon's heartbeat writer: error limit, error interval, skip-without-errors. */
export {
  DaemonHeartbeatTracker,
  DAEMON_HEARTBEAT_ERROR_LIMIT,
  DEFAULT_DAEMON_ERROR_INTERVAL_SECONDS,
  type DaemonHeartbeatTrackerOptions,
  type HeartbeatCheck,
} from './heartbeat-tracker';
