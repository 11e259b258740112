/**
 * The heartbeat side of a daemon's loop (Dagster's `DagsterDaemon._check_add_heartbeat`): which errors a
 * heartbeat carries, and when a heartbeat is written at all.
 */
import { InvalidArgumentError } from '@inst/errors';
import { DaemonHeartbeat, SerializableErrorInfo } from '@inst/types';
import type { DaemonInstanceOps } from './ops';
import { DEFAULT_HEARTBEAT_INTERVAL_SECONDS } from './statuses';

/** A heartbeat shows at most this many errors (the newest). */
export const DAEMON_HEARTBEAT_ERROR_LIMIT = 5;
/** How long after it was raised an error is still shown in the daemon's heartbeats (seconds). */
export const DEFAULT_DAEMON_ERROR_INTERVAL_SECONDS = 300;

/** Options of {@link DaemonHeartbeatTracker}. */
export interface DaemonHeartbeatTrackerOptions {
  /** The daemon's type, e.g. `SENSOR`. */
  daemonType: string;
  /** This daemon process's id (Dagster uses one uuid per daemon controller). */
  daemonId: string;
  /** Minimum seconds between two heartbeats (default 30). */
  heartbeatIntervalSeconds?: number;
  /** Seconds an error stays in the heartbeats (default 300). */
  errorIntervalSeconds?: number;
}

/** What {@link DaemonHeartbeatTracker.checkAddHeartbeat} did. */
export interface HeartbeatCheck {
  /** The heartbeat written, or null when none was due. */
  readonly heartbeat: DaemonHeartbeat | null;
  /**
   * The id of another daemon of the same type whose heartbeat was the latest stored one: several daemon
   * processes are running at once, which Dagster reports as an error.
   */
  readonly otherDaemonId: string | null;
}

/** Keeps a daemon's recent errors and writes its heartbeats with Dagster's rules. */
export class DaemonHeartbeatTracker {
  readonly daemonType: string;
  readonly daemonId: string;
  readonly #heartbeatIntervalSeconds: number;
  readonly #errorIntervalSeconds: number;
  /** Newest first, at most DAEMON_HEARTBEAT_ERROR_LIMIT. */
  #errors: { error: SerializableErrorInfo; timestamp: number }[] = [];
  #lastHeartbeatTime: number | undefined;

  constructor(options: DaemonHeartbeatTrackerOptions) {
    if (!options.daemonType) throw new InvalidArgumentError('A heartbeat tracker needs a daemonType');
    if (!options.daemonId) throw new InvalidArgumentError('A heartbeat tracker needs a daemonId', { ids: { daemonType: options.daemonType } });
    this.daemonType = options.daemonType;
    this.daemonId = options.daemonId;
    this.#heartbeatIntervalSeconds = options.heartbeatIntervalSeconds ?? DEFAULT_HEARTBEAT_INTERVAL_SECONDS;
    this.#errorIntervalSeconds = options.errorIntervalSeconds ?? DEFAULT_DAEMON_ERROR_INTERVAL_SECONDS;
  }

  /** Records an error the daemon hit (a SerializableErrorInfo or anything thrown); only the newest few are kept. */
  recordError(error: unknown, timestampSeconds = Date.now() / 1000): void {
    const info = error instanceof SerializableErrorInfo ? error : SerializableErrorInfo.fromError(error);
    this.#errors.unshift({ error: info, timestamp: timestampSeconds });
    this.#errors.length = Math.min(this.#errors.length, DAEMON_HEARTBEAT_ERROR_LIMIT);
  }

  /** The errors the next heartbeat would carry, newest first. */
  get errors(): readonly SerializableErrorInfo[] {
    return this.#errors.map(({ error }) => error);
  }

  /**
   * Writes a heartbeat if one is due: errors older than the error interval are dropped first; with
   * `daemonSkipHeartbeatsWithoutErrors` nothing is written while there are no errors; and heartbeats are at
   * least the heartbeat interval apart.
   */
  async checkAddHeartbeat(
    ops: Pick<DaemonInstanceOps, 'daemonSkipHeartbeatsWithoutErrors' | 'getDaemonHeartbeats' | 'addDaemonHeartbeat'>,
    nowSeconds = Date.now() / 1000,
  ): Promise<HeartbeatCheck> {
    const errorMaxTime = nowSeconds - this.#errorIntervalSeconds;
    this.#errors = this.#errors.filter(({ timestamp }) => timestamp >= errorMaxTime);

    if (ops.daemonSkipHeartbeatsWithoutErrors && this.#errors.length === 0) return { heartbeat: null, otherDaemonId: null };
    if (this.#lastHeartbeatTime !== undefined && nowSeconds - this.#lastHeartbeatTime < this.#heartbeatIntervalSeconds) {
      return { heartbeat: null, otherDaemonId: null };
    }

    let otherDaemonId: string | null = null;
    if (this.#lastHeartbeatTime !== undefined) {
      // Only after our own first heartbeat: a stored one from another id then means two daemons are running.
      const stored = (await ops.getDaemonHeartbeats()).get(this.daemonType);
      if (stored && stored.daemonId !== this.daemonId) otherDaemonId = stored.daemonId;
    }

    const heartbeat = new DaemonHeartbeat({ timestamp: nowSeconds, daemonType: this.daemonType, daemonId: this.daemonId, errors: this.errors });
    await ops.addDaemonHeartbeat(heartbeat);
    this.#lastHeartbeatTime = nowSeconds;
    return { heartbeat, otherDaemonId };
  }
}
