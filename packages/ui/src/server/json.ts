/*
 * The JSON shapes the API serves: plain values (epoch seconds as numbers), camelCase fields. Everything here is
 * user data to the page, rendered as text.
 */
import type { DagsterRun, EventLogEntry, RunRecord } from '@inst/types';

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

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'DEBUG', 20: 'INFO', 30: 'WARNING', 40: 'ERROR', 50: 'CRITICAL' };

/** A Python logging level (number or name) as its name. */
export function levelName(level: number | string): string {
  if (typeof level === 'string') return Number.isFinite(Number(level)) ? levelName(Number(level)) : level.toUpperCase();
  return LEVEL_NAMES[level] ?? String(level);
}

export interface EventJson {
  storageId: number;
  timestamp: number;
  level: string;
  eventType: string | null;
  stepKey: string | null;
  message: string;
  /** What the page needs of the event's data: compute log file keys, failure errors, partitions. */
  data: EventData | null;
}

export interface EventData {
  fileKey?: string;
  stepKeys?: string[];
  error?: string;
  partition?: string;
}

function errorText(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  const e = error as { message?: string; stack?: readonly string[]; cause?: unknown };
  const own = `${e.message ?? ''}${e.stack?.length ? `\n${e.stack.join('')}` : ''}`.trim();
  const cause = errorText(e.cause);
  return cause ? `${own}\n\nThe above exception was caused by:\n${cause}` : own || null;
}

function dataOf(entry: EventLogEntry): EventData | null {
  const event = entry.dagsterEvent;
  if (!event) return null;
  const data = event.eventSpecificData as Record<string, unknown> | null | undefined;
  const out: EventData = {};
  if (event.partition) out.partition = event.partition;
  if (data) {
    if (typeof data.fileKey === 'string') out.fileKey = data.fileKey;
    if (Array.isArray(data.stepKeys)) out.stepKeys = data.stepKeys.map(String);
    const error = errorText(data.error);
    if (error) out.error = error;
  }
  return Object.keys(out).length ? out : null;
}

export function eventJson(entry: EventLogEntry, storageId: number): EventJson {
  return {
    storageId,
    timestamp: entry.timestamp,
    level: levelName(entry.level),
    eventType: entry.dagsterEventType ?? null,
    stepKey: entry.stepKey ?? null,
    message: entry.message,
    data: dataOf(entry),
  };
}
