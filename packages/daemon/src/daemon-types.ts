/**
 * The daemon types Dagster's daemons report in their heartbeats (each daemon class's `daemon_type()`).
 */

/** Daemon type names, as stored in `daemon_heartbeats.daemon_type`. */
export const DaemonType = Object.freeze({
  SENSOR: 'SENSOR',
  BACKFILL: 'BACKFILL',
  SCHEDULER: 'SCHEDULER',
  QUEUED_RUN_COORDINATOR: 'QUEUED_RUN_COORDINATOR',
  MONITORING: 'MONITORING',
  EVENT_LOG_CONSUMER: 'EVENT_LOG_CONSUMER',
  ASSET: 'ASSET',
  FRESHNESS: 'FRESHNESS_DAEMON',
} as const);
/** A member value of {@link DaemonType}. */
export type DaemonType = (typeof DaemonType)[keyof typeof DaemonType];
