/**
 * The built-in daemons, one per Dagster daemon type the instance requires.
 */
import type { Instance } from '@inst/core';
import { registerDefaultDaemons, type DaemonDefinition } from './host';
import { runMonitoringDaemon, runQueueDaemon, runRetriesDaemon } from './run-queue-daemons';
import { schedulerDaemon } from './scheduler';
import { sensorDaemon } from './sensors';
import { backfillDaemon } from './backfills';
import { automationSensors } from './sensors';
import { retentionDaemon, retentionPolicyFromSettings } from './retention';
import type { RetentionSettings } from '@inst/settings';

/** Options of {@link defaultDaemonsFor}. */
export interface DefaultDaemonsOptions {
  /** Replacement daemons by type. */
  readonly overrides?: Readonly<Record<string, DaemonDefinition>>;
  /** Daemons to run besides the required ones (e.g. a retention daemon). */
  readonly extra?: readonly DaemonDefinition[];
}

const BUILTINS: Readonly<Record<string, (instance: Instance) => DaemonDefinition>> = {
  SCHEDULER: () => schedulerDaemon(),
  SENSOR: () => sensorDaemon(),
  BACKFILL: () => backfillDaemon(),
  QUEUED_RUN_COORDINATOR: (instance) => runQueueDaemon(instance),
  MONITORING: (instance) => runMonitoringDaemon(instance),
  EVENT_LOG_CONSUMER: () => runRetriesDaemon(),
  ASSET: () => assetDaemon(),
};

/**
 * A daemon for a type this package does not implement (FRESHNESS_DAEMON: inst's definitions declare no freshness
 * policies, so there is nothing for it to evaluate): it heartbeats so the host's
 * health reflects the host, and says once that it does nothing.
 */
export function idleDaemon(daemonType: string, intervalSeconds = 30): DaemonDefinition {
  let warned = false;
  return {
    daemonType,
    intervalSeconds,
    async runIteration(ctx) {
      if (!warned) ctx.log.warn(`The ${daemonType} daemon is not implemented by inst's daemon host; it only sends heartbeats`);
      warned = true;
    },
  };
}

/** Thrown by the ASSET daemon when there is automation it does not run. */
export class AutomationNotRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AutomationNotRunError';
  }
}

/**
 * The ASSET daemon. inst does not evaluate automation conditions, so it does nothing — and says so in its heartbeat
 * errors (and the log) whenever a running AUTOMATION / AUTO_MATERIALIZE sensor of the loaded code locations would need
 * it: `getDaemonStatuses(…, { ignoreErrors: false })` then reads it unhealthy, as a Dagster daemon failing its
 * iterations would. With no such sensor, nothing is waiting on it and it only heartbeats.
 */
export function assetDaemon(intervalSeconds = 30): DaemonDefinition {
  return {
    daemonType: 'ASSET',
    intervalSeconds,
    async runIteration(ctx) {
      const names = await automationSensors(ctx);
      if (names.length === 0) return;
      const message =
        `${names.length} running automation sensor(s) are not evaluated: inst's daemon host does not implement the ASSET daemon ` +
        `(automation conditions / auto-materialize). Sensors: ${names.join(', ')}`;
      ctx.log.error(message);
      throw new AutomationNotRunError(message);
    },
  };
}

/** @internal Lets later modules (sensors, backfills, retention) add their daemon type. */
export function registerBuiltinDaemon(daemonType: string, factory: (instance: Instance) => DaemonDefinition): void {
  (BUILTINS as Record<string, (instance: Instance) => DaemonDefinition>)[daemonType] = factory;
}

/**
 * The daemons for every type `instance.getRequiredDaemonTypes()` names, in that order; then EVENT_LOG_RETENTION when
 * the `retention` settings ask for run or event-log retention (beyond Dagster, so not a required type); then `extra`.
 */
export function defaultDaemonsFor(instance: Instance, options: DefaultDaemonsOptions = {}): DaemonDefinition[] {
  const types = instance.getRequiredDaemonTypes();
  const required = types.map((type) => options.overrides?.[type] ?? BUILTINS[type]?.(instance) ?? idleDaemon(type));
  const extra = options.extra ?? [];
  const retention = retentionPolicyFromSettings(instance.settings.getSettings('retention') as RetentionSettings);
  const wantsRetention = retention && !types.includes('EVENT_LOG_RETENTION') && !extra.some((d) => d.daemonType === 'EVENT_LOG_RETENTION');
  return [...required, ...(wantsRetention ? [options.overrides?.EVENT_LOG_RETENTION ?? retentionDaemon()] : []), ...extra];
}

registerDefaultDaemons((instance) => defaultDaemonsFor(instance));
