import type { Instance } from '../instance';
import { type LongOperationOptions, type P, type R, chunked, compatible } from './support';

/** Daemon heartbeats and statuses: `instance.daemons.statuses()`, `.heartbeats()` … */
export function daemonsNamespace(instance: Instance) {
  return {
    /** Daemons write heartbeats only on errors (always false in OSS). */
    get skipHeartbeatsWithoutErrors(): boolean {
      return instance.daemonSkipHeartbeatsWithoutErrors;
    },
    addHeartbeat: (heartbeat: P<'addDaemonHeartbeat'>[0]): R<'addDaemonHeartbeat'> => instance.addDaemonHeartbeat(heartbeat),
    heartbeats: (): R<'getDaemonHeartbeats'> => instance.getDaemonHeartbeats(),
    /** Deletes every heartbeat (one step; the signal is checked before it starts). */
    wipeHeartbeats: (options: LongOperationOptions = {}): Promise<void> =>
      chunked('wipeDaemonHeartbeats', ['heartbeats'], (step) => step, () => instance.wipeDaemonHeartbeats(), options),
    requiredTypes: (): R<'getRequiredDaemonTypes'> => instance.getRequiredDaemonTypes(),
    statuses: compatible(instance, 'getDaemonStatuses', ['daemonTypes'], (o: { daemonTypes?: P<'getDaemonStatuses'>[0] } = {}): R<'getDaemonStatuses'> =>
      instance.getDaemonStatuses(o.daemonTypes)),
  };
}

export type DaemonsNamespace = ReturnType<typeof daemonsNamespace>;
