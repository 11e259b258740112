/**
 * The built-in daemons, one per Dagster daemon type the instance requires.
 */
import type { Instance } from '@inst/core';
import { registerDefaultDaemons, type DaemonDefinition } from './host';
import { runMonitoringDaemon, runQueueDaemon, runRetriesDaemon } from './run-queue-daemons';
import { schedulerDaemon } from './scheduler';
import { sensorDaemon } from './sensors';
import { backfillDaemon } from './backfills';

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
};

/**
 * A daemon for a type this package does not implement (ASSET, FRESHNESS_DAEMON): it heartbeats so the host's
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

/** @internal Lets later modules (sensors, backfills, retention) add their daemon type. */
export function registerBuiltinDaemon(daemonType: string, factory: (instance: Instance) => DaemonDefinition): void {
  (BUILTINS as Record<string, (instance: Instance) => DaemonDefinition>)[daemonType] = factory;
}

/** The daemons for every type `instance.getRequiredDaemonTypes()` names, in that order, plus `extra`. */
export function defaultDaemonsFor(instance: Instance, options: DefaultDaemonsOptions = {}): DaemonDefinition[] {
  const required = instance.getRequiredDaemonTypes().map((type) => options.overrides?.[type] ?? BUILTINS[type]?.(instance) ?? idleDaemon(type));
  return [...required, ...(options.extra ?? [])];
}

registerDefaultDaemons((instance) => defaultDaemonsFor(instance));
