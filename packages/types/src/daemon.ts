/**
 * Daemon heartbeats and health (`_daemon/types.py`).
 */
import { initRecord, registerRecord, t } from '@inst/serdes';
import { SerializableErrorInfo } from './event-data';

/** Init of {@link DaemonHeartbeat}. */
export interface DaemonHeartbeatInit {
  /** Unix seconds (always written as a float). */
  timestamp: number;
  daemonType: string;
  daemonId?: string | null;
  errors?: readonly SerializableErrorInfo[] | null;
}

/** A daemon's latest sign of life (`daemon_heartbeats.body`). */
export class DaemonHeartbeat {
  declare readonly timestamp: number;
  declare readonly daemonType: string;
  declare readonly daemonId: string | null;
  declare readonly errors: readonly SerializableErrorInfo[] | null;
  constructor(init: DaemonHeartbeatInit) {
    initRecord(this, init);
  }
}
registerRecord(DaemonHeartbeat, {
  name: 'DaemonHeartbeat',
  fields: {
    timestamp: { type: t.float },
    daemonType: { type: t.str },
    daemonId: { type: t.nullable(t.str) },
    errors: { type: t.nullable(t.list(t.record(SerializableErrorInfo))), default: () => [] },
  },
});

/** Whether a daemon is required and healthy, with its latest heartbeat. Not serdes. */
export class DaemonStatus {
  readonly daemonType: string;
  readonly required: boolean;
  readonly healthy: boolean | null;
  readonly lastHeartbeat: DaemonHeartbeat | null;
  constructor(init: { daemonType: string; required: boolean; healthy?: boolean | null; lastHeartbeat?: DaemonHeartbeat | null }) {
    this.daemonType = init.daemonType;
    this.required = init.required;
    this.healthy = init.healthy ?? null;
    this.lastHeartbeat = init.lastHeartbeat ?? null;
    Object.freeze(this);
  }
}
