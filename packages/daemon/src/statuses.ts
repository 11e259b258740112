/**
 * Daemon health from heartbeats (Dagster's `get_daemon_statuses` in `_daemon/controller.py`).
 */
import { InvalidArgumentError } from '@inst/errors';
import { DaemonStatus, type DaemonHeartbeat } from '@inst/types';
import type { DaemonInstanceOps } from './ops';

/** How often daemons post heartbeats (seconds). */
export const DEFAULT_HEARTBEAT_INTERVAL_SECONDS = 30;
/** How long past the expected heartbeat a daemon still counts as healthy (seconds). */
export const DEFAULT_DAEMON_HEARTBEAT_TOLERANCE_SECONDS = 1800;

/** Options of {@link computeDaemonStatuses}. */
export interface DaemonStatusOptions {
  /** "Now", in Unix seconds; default the current time. */
  currTimeSeconds?: number;
  /** Count a daemon whose latest heartbeat carries errors as healthy anyway (default false). */
  ignoreErrors?: boolean;
  heartbeatIntervalSeconds?: number;
  heartbeatToleranceSeconds?: number;
}

/**
 * The status of each of `daemonTypes`: a daemon the instance does not require is `required: false, healthy:
 * null`; a required one is healthy when its latest heartbeat is no older than interval + tolerance (and, unless
 * `ignoreErrors`, carries no errors); no heartbeat at all is unhealthy.
 */
export function computeDaemonStatuses(
  heartbeats: ReadonlyMap<string, DaemonHeartbeat>,
  requiredDaemonTypes: readonly string[],
  daemonTypes: Iterable<string>,
  options: DaemonStatusOptions = {},
): Map<string, DaemonStatus> {
  const now = options.currTimeSeconds ?? Date.now() / 1000;
  const interval = options.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
  const tolerance = options.heartbeatToleranceSeconds ?? DEFAULT_DAEMON_HEARTBEAT_TOLERANCE_SECONDS;
  const required = new Set(requiredDaemonTypes);
  const statuses = new Map<string, DaemonStatus>();
  for (const daemonType of daemonTypes) {
    if (!required.has(daemonType)) {
      statuses.set(daemonType, new DaemonStatus({ daemonType, required: false, healthy: null, lastHeartbeat: null }));
      continue;
    }
    const latest = heartbeats.get(daemonType);
    if (!latest) {
      statuses.set(daemonType, new DaemonStatus({ daemonType, required: true, healthy: false, lastHeartbeat: null }));
      continue;
    }
    let healthy = now <= latest.timestamp + interval + tolerance;
    if (!options.ignoreErrors && latest.errors && latest.errors.length > 0) healthy = false;
    statuses.set(daemonType, new DaemonStatus({ daemonType, required: true, healthy, lastHeartbeat: latest }));
  }
  return statuses;
}

/** Checks Dagster's `Sequence[str] | None` argument; an empty one means "the required types", as in Python. */
function daemonTypesArgument(daemonTypes: Iterable<string> | null | undefined): string[] | undefined {
  if (daemonTypes === null || daemonTypes === undefined) return undefined;
  if (typeof daemonTypes === 'string' || typeof (daemonTypes as Iterable<string>)[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError('daemonTypes must be a list (or other iterable) of daemon type names');
  }
  const types = [...daemonTypes];
  for (const type of types) {
    if (typeof type !== 'string') throw new InvalidArgumentError(`daemonTypes: ${String(type)} is not a daemon type name`);
  }
  return types.length > 0 ? types : undefined;
}

/**
 * The status of each daemon type (by default, of each required one), from the stored heartbeats. As in Dagster,
 * errors in a heartbeat do not make a daemon unhealthy here: only a missing or stale heartbeat does.
 */
export async function getDaemonStatuses(
  ops: Pick<DaemonInstanceOps, 'getRequiredDaemonTypes' | 'getDaemonHeartbeats'>,
  daemonTypes?: Iterable<string> | null,
): Promise<Map<string, DaemonStatus>> {
  const requested = daemonTypesArgument(daemonTypes);
  const required = ops.getRequiredDaemonTypes();
  const heartbeats = await ops.getDaemonHeartbeats();
  return computeDaemonStatuses(heartbeats, required, requested ?? required, { ignoreErrors: true });
}
