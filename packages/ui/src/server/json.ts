/*
 * The JSON shapes the API serves: plain values (epoch seconds as numbers), camelCase fields. Everything here is
 * user data to the page, rendered as text.
 */
import { levelName } from '@inst/core';
import type { EventLogEntry } from '@inst/types';

export { runJson, type RunJson } from '@inst/core';

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
