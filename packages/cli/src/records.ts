/*
 * The --json shapes: stable camelCase fields, plain JSON values (epoch seconds as numbers).
 */
import type { DagsterRun, EventLogEntry, RunRecord } from '@inst/types';
import { isoTime } from './context';

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

export function levelNumber(level: number | string): number {
  if (typeof level === 'number') return level;
  const named = LEVELS[level.toUpperCase()];
  if (named !== undefined) return named;
  const n = Number(level);
  return Number.isFinite(n) ? n : 0;
}

export function levelName(level: number | string): string {
  const n = levelNumber(level);
  for (const [name, value] of Object.entries(LEVELS)) if (value === n) return name;
  return String(level);
}

export interface EventJson {
  storageId: number | null;
  runId: string;
  timestamp: number;
  level: string;
  eventType: string | null;
  stepKey: string | null;
  message: string;
}

export function eventJson(entry: EventLogEntry, storageId: number | null): EventJson {
  return {
    storageId,
    runId: entry.runId,
    timestamp: entry.timestamp,
    level: levelName(entry.level),
    eventType: entry.dagsterEventType ?? null,
    stepKey: entry.stepKey ?? null,
    message: entry.message,
  };
}

export function eventLine(event: EventJson): string {
  const time = isoTime(event.timestamp) ?? '-';
  return [time, event.level.padEnd(8), (event.eventType ?? 'LOG').padEnd(24), event.stepKey ?? '-', event.message].join('  ');
}
