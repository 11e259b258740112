/*
 * The --json shapes: stable camelCase fields, plain JSON values (epoch seconds as numbers).
 */
import { levelName } from '@inst/core';
import type { EventLogEntry } from '@inst/types';
import { isoTime } from './context';

export { LEVELS, levelName, levelNumber, runJson, type RunJson } from '@inst/core';

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
