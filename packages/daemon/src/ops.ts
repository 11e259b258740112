/**
 * What the daemon domain may reach of an instance. The facade implements each member by calling the instance's
 * public member of the same name, so a subclass that overrides one is seen here.
 */
import type { RunStorage } from '@inst/storage';
import type { DaemonHeartbeat } from '@inst/types';

/**
 * What the daemon domain reads of the instance's scheduler and run coordinator: the daemon each relies on, if any.
 * A scheduler run by the daemon (Dagster's DagsterDaemonScheduler) names `SCHEDULER`; a queued run coordinator
 * names `QUEUED_RUN_COORDINATOR`.
 */
export interface DaemonRequirement {
  readonly requiredDaemonType?: string | null;
}

/** Everything the daemon functions need of an instance (Dagster's `DaemonInstanceOps`). */
export interface DaemonInstanceOps {
  /** The run storage, which keeps the heartbeats. */
  readonly runStorage: RunStorage;
  /** Whether the instance is ephemeral (it then needs no daemons). */
  readonly isEphemeral: boolean;
  /** The instance's scheduler, if any. */
  readonly scheduler: DaemonRequirement | null | undefined;
  /** The instance's run coordinator. */
  readonly runCoordinator: DaemonRequirement;
  /** Setting `run_monitoring.enabled`. */
  readonly runMonitoringEnabled: boolean;
  /** Setting `run_retries.enabled`. */
  readonly runRetriesEnabled: boolean;
  /** Setting `auto_materialize.enabled`. */
  readonly autoMaterializeEnabled: boolean;
  /** Setting `auto_materialize.use_sensors`. */
  readonly autoMaterializeUseSensors: boolean;
  /** Setting `freshness.enabled`. */
  readonly freshnessEnabled: boolean;
  /** Whether daemons write heartbeats only when they have errors (always false in Dagster OSS). */
  readonly daemonSkipHeartbeatsWithoutErrors: boolean;
  /** The instance's `getRequiredDaemonTypes` (statuses ask it, so an override is seen). */
  getRequiredDaemonTypes(): readonly string[];
  /** The instance's `getDaemonHeartbeats`. */
  getDaemonHeartbeats(): Promise<ReadonlyMap<string, DaemonHeartbeat>>;
  /** The instance's `addDaemonHeartbeat`. */
  addDaemonHeartbeat(daemonHeartbeat: DaemonHeartbeat): Promise<unknown>;
}
