/**
 * The built-in daemons, one per Dagster daemon type the instance requires.
 */
import type { Instance } from '@inst/core';
import { registerDefaultDaemons, type DaemonDefinition } from './host';

/** Options of {@link defaultDaemonsFor}. */
export interface DefaultDaemonsOptions {
  /** Extra or replacement daemons by type (e.g. the run queue's iterations). */
  readonly overrides?: Readonly<Record<string, DaemonDefinition>>;
}

/** Daemons registered by other modules of this package (scheduler, sensors, backfills, …), by type. */
const builtins = new Map<string, (instance: Instance) => DaemonDefinition>();

/** @internal */
export function registerBuiltinDaemon(daemonType: string, factory: (instance: Instance) => DaemonDefinition): void {
  builtins.set(daemonType, factory);
}

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

/** The daemons for every type `instance.getRequiredDaemonTypes()` names, in that order. */
export function defaultDaemonsFor(instance: Instance, options: DefaultDaemonsOptions = {}): DaemonDefinition[] {
  return instance.getRequiredDaemonTypes().map((type) => options.overrides?.[type] ?? builtins.get(type)?.(instance) ?? idleDaemon(type));
}

registerDefaultDaemons((instance) => defaultDaemonsFor(instance));
