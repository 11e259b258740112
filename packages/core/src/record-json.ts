/*
 * Plain-JSON views of records, shared by the programs that print or serve them (the CLI's --json output, the
 * UI's API): stable camelCase fields, epoch seconds as numbers.
 */
import type { DaemonHeartbeat, DaemonStatus, DagsterRun, RunRecord } from '@inst/types';

/** A run as plain JSON; the times come from its {@link RunRecord} when one is given. */
export interface RunJson {
  runId: string;
  jobName: string;
  status: string;
  tags: Record<string, string>;
  parentRunId: string | null;
  rootRunId: string | null;
  createTime: number | null;
  updateTime: number | null;
  startTime: number | null;
  endTime: number | null;
}

export function runJson(run: DagsterRun, record?: RunRecord): RunJson {
  return {
    runId: run.runId,
    jobName: run.jobName,
    status: String(run.status),
    tags: { ...run.tags },
    parentRunId: run.parentRunId ?? null,
    rootRunId: run.rootRunId ?? null,
    createTime: record ? record.createTimestamp.getTime() / 1000 : null,
    updateTime: record ? record.updateTimestamp.getTime() / 1000 : null,
    startTime: record?.startTime ?? null,
    endTime: record?.endTime ?? null,
  };
}

/** Python logging levels by name. */
export const LEVELS: Readonly<Record<string, number>> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

/** A Python logging level (number, name in any case, or number as a string) as its number; 0 when unknown. */
export function levelNumber(level: number | string): number {
  if (typeof level === 'number') return level;
  const named = LEVELS[level.toUpperCase()];
  if (named !== undefined) return named;
  const n = Number(level);
  return Number.isFinite(n) ? n : 0;
}

/** A Python logging level as its name; a level with no name comes back as given. */
export function levelName(level: number | string): string {
  const n = levelNumber(level);
  for (const [name, value] of Object.entries(LEVELS)) if (value === n) return name;
  return String(level);
}

/** One daemon's health as plain JSON. */
export interface DaemonJson {
  daemonType: string;
  required: boolean;
  /** Null for a daemon that only has a stored heartbeat (not one the instance requires or was asked about). */
  healthy: boolean | null;
  lastHeartbeatTime: number | null;
  daemonId: string | null;
  errors: string[];
}

/**
 * Every daemon that has a status or a stored heartbeat (`getDaemonStatuses()` and `getDaemonHeartbeats()`), in
 * the order they first appear.
 */
export function daemonsJson(statuses: ReadonlyMap<string, DaemonStatus>, heartbeats: ReadonlyMap<string, DaemonHeartbeat>): DaemonJson[] {
  const types = [...new Set([...statuses.keys(), ...heartbeats.keys()])];
  return types.map((type) => {
    const status = statuses.get(type);
    const heartbeat = status?.lastHeartbeat ?? heartbeats.get(type) ?? null;
    return {
      daemonType: type,
      required: status?.required ?? false,
      healthy: status ? status.healthy : null,
      lastHeartbeatTime: heartbeat?.timestamp ?? null,
      daemonId: heartbeat?.daemonId ?? null,
      errors: (heartbeat?.errors ?? []).map((e) => e.message),
    };
  });
}
