/**
 * Which daemons an instance needs (Dagster's `get_required_daemon_types`).
 */
import { DaemonType } from './daemon-types';
import type { DaemonInstanceOps, DaemonRequirement } from './ops';

function requirementOf(component: DaemonRequirement | null | undefined, expected: string): boolean {
  return component?.requiredDaemonType === expected;
}

/**
 * The daemon types the instance needs, in Dagster's order: none for an ephemeral instance; otherwise SENSOR and
 * BACKFILL always, SCHEDULER for a daemon-run scheduler, QUEUED_RUN_COORDINATOR for a queued run coordinator,
 * MONITORING with run monitoring, EVENT_LOG_CONSUMER with run retries, ASSET with auto-materialize (or its
 * sensors), FRESHNESS_DAEMON with freshness.
 */
export function getRequiredDaemonTypes(
  ops: Pick<
    DaemonInstanceOps,
    | 'isEphemeral'
    | 'scheduler'
    | 'runCoordinator'
    | 'runMonitoringEnabled'
    | 'runRetriesEnabled'
    | 'autoMaterializeEnabled'
    | 'autoMaterializeUseSensors'
    | 'freshnessEnabled'
  >,
): string[] {
  if (ops.isEphemeral) return [];
  const daemons: string[] = [DaemonType.SENSOR, DaemonType.BACKFILL];
  if (requirementOf(ops.scheduler, DaemonType.SCHEDULER)) daemons.push(DaemonType.SCHEDULER);
  if (requirementOf(ops.runCoordinator, DaemonType.QUEUED_RUN_COORDINATOR)) daemons.push(DaemonType.QUEUED_RUN_COORDINATOR);
  if (ops.runMonitoringEnabled) daemons.push(DaemonType.MONITORING);
  if (ops.runRetriesEnabled) daemons.push(DaemonType.EVENT_LOG_CONSUMER);
  if (ops.autoMaterializeEnabled || ops.autoMaterializeUseSensors) daemons.push(DaemonType.ASSET);
  if (ops.freshnessEnabled) daemons.push(DaemonType.FRESHNESS);
  return daemons;
}
