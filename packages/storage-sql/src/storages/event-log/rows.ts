import { CorruptRowError, InvalidArgumentError } from '@inst/errors';
import { deserializeValue, serializeValue } from '@inst/serdes';
import { DagsterEventType, EventLogEntry, EventLogRecord } from '@inst/types';
import type { SqlDialect, SqlExecutor } from '../../driver.js';
import { toSqlTimestamp } from '../../values.js';

/*
 * The `event_logs` row of an entry (facts §6.2), reading rows back, and small SQL helpers shared
 * by the event-log modules.
 */

/** The columns of an `event_logs` row, in insert order. */
export const EVENT_COLUMNS = 'run_id, event, dagster_event_type, "timestamp", step_key, asset_key, "partition"';

/** An `event_logs` row as bound parameters, in {@link EVENT_COLUMNS} order. */
export type EventRow = readonly [
  runId: string,
  event: string,
  dagsterEventType: string | null,
  timestamp: string,
  stepKey: string | null,
  assetKey: string | null,
  partition: string | null,
];

/** Dagster's `_event_to_row`: the serialized entry and the columns extracted for queries. */
export function eventRow(entry: EventLogEntry): EventRow {
  const event = entry.dagsterEvent;
  return [
    entry.runId,
    serializeValue(entry),
    event?.eventTypeValue ?? null,
    toSqlTimestamp(entry.timestamp),
    event ? event.stepKey : entry.stepKey,
    event?.assetKey?.toString() ?? null,
    event?.partition || null,
  ];
}

/** Rows per multi-row INSERT: well under SQLite's 32766 bound parameters. */
export const INSERT_CHUNK = 500;

/** `?, ?, ?` for `n` values. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/**
 * Inserts event rows (multi-row INSERTs) and returns their storage ids in row order. The ids one
 * statement assigns ascend in VALUES order on both dialects; sorting the RETURNING rows makes the
 * pairing independent of the order they come back in. `wrap` (`EventLogConnections.eventInsertSql`)
 * turns each `INSERT … RETURNING id, run_id` into the statement run instead.
 */
export async function insertEventRows(tx: SqlExecutor, rows: readonly EventRow[], wrap?: (insert: string) => string): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const insert = `${insertEventsSql(chunk.length)} RETURNING id`;
    const returned = await tx.all<{ id: number | bigint }>(wrap ? wrap(`${insert}, run_id`) : insert, chunk.flat());
    ids.push(...returned.map((r) => Number(r.id)).sort((a, b) => a - b));
  }
  return ids;
}

/**
 * {@link insertEventRows} when nothing needs the storage ids: without `RETURNING` (on SQLite a
 * third faster: no result row per event to build and hand back).
 */
export async function insertEventRowsWithoutIds(tx: SqlExecutor, rows: readonly EventRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = start === 0 && rows.length <= INSERT_CHUNK ? rows : rows.slice(start, start + INSERT_CHUNK);
    await tx.run(insertEventsSql(chunk.length), chunk.flat());
  }
}

/** `INSERT INTO event_logs … VALUES (…), (…)` for `n` rows (built once for the common sizes: one row, a full chunk). */
function insertEventsSql(n: number): string {
  const cached = n === 1 ? INSERT_ONE : n === INSERT_CHUNK ? INSERT_FULL_CHUNK : undefined;
  return cached ?? `INSERT INTO event_logs (${EVENT_COLUMNS}) VALUES ${Array.from({ length: n }, () => `(${placeholders(7)})`).join(', ')}`;
}
const INSERT_ONE = `INSERT INTO event_logs (${EVENT_COLUMNS}) VALUES (${placeholders(7)})`;
const INSERT_FULL_CHUNK = `INSERT INTO event_logs (${EVENT_COLUMNS}) VALUES ${Array.from({ length: INSERT_CHUNK }, () => `(${placeholders(7)})`).join(', ')}`;

/**
 * Reads a stored entry; a row that is not JSON or does not hold one is a {@link CorruptRowError}. Its nested
 * records (the DagsterEvent and below) are decoded when first read (serdes `lazy`): a page of records costs
 * little more than `JSON.parse`, and a malformed nested field throws, on that read, a CorruptRowError naming the
 * row (its DeserializationError as the cause).
 */
export function parseEntry(json: string, table: string, rowId: number): EventLogEntry {
  try {
    return deserializeValue(json, { as: EventLogEntry, lazy: true, lazyError: corruptRow(table, rowId) }) as EventLogEntry;
  } catch (cause) {
    throw new CorruptRowError(table, rowId, { cause });
  }
}

/** What a lazily read field of row `rowId` throws when it fails to decode: a CorruptRowError naming the row. */
export function corruptRow(table: string, rowId: number): (cause: unknown) => CorruptRowError {
  return (cause) => new CorruptRowError(table, rowId, { cause });
}

/** Receives warnings about rows skipped while reading (Dagster's `logging.warning`). */
export interface EventLogLogger {
  warn(message: string): void;
}

/**
 * Warnings already given to each logger: a bad row is skipped on every read but reported once (not on each
 * poll) — once per row and reason (the message names both), so a row that goes bad in another way is reported again.
 */
const reportedRows = new WeakMap<EventLogLogger, Set<string>>();

function warnOncePerRow(logger: EventLogLogger, message: string): void {
  let reported = reportedRows.get(logger);
  if (!reported) reportedRows.set(logger, (reported = new Set()));
  if (reported.has(message)) return;
  reported.add(message);
  logger.warn(message);
}

/**
 * Reads `event_logs` rows for cross-run queries, skipping with a warning the rows that are not
 * JSON or not an EventLogEntry, as Dagster does (nested records decoded lazily, as in {@link parseEntry}).
 */
export function recordsSkippingBadRows(rows: readonly { id: number | bigint; event: string }[], logger: EventLogLogger): EventLogRecord[] {
  const records: EventLogRecord[] = [];
  for (const row of rows) {
    const id = Number(row.id);
    let value: unknown;
    try {
      value = deserializeValue(row.event, { lazy: true, lazyError: corruptRow('event_logs', id) });
    } catch {
      warnOncePerRow(logger, `Could not parse event record id \`${id}\`.`);
      continue;
    }
    if (!(value instanceof EventLogEntry)) {
      warnOncePerRow(logger, `Could not resolve event record as EventLogEntry for id \`${id}\`.`);
      continue;
    }
    records.push(new EventLogRecord({ storageId: id, eventLogEntry: value }));
  }
  return records;
}

/** One event type or several, as the stored values (`PIPELINE_SUCCESS` for RUN_SUCCESS). */
export function eventTypeValues(selection: DagsterEventType | Iterable<DagsterEventType> | null | undefined): string[] {
  if (selection === null || selection === undefined) return [];
  const values = typeof selection === 'string' ? [selection] : [...selection];
  const known = new Set<string>(Object.values(DagsterEventType));
  for (const value of values) if (!known.has(value)) throw new InvalidArgumentError(`${String(value)} is not a DagsterEventType`);
  return values;
}

/** `LIMIT … OFFSET …`: SQLite needs a LIMIT for an OFFSET (-1 is none); Postgres takes `LIMIT ALL`. */
export function limitOffsetSql(dialect: SqlDialect, limit: number | null, offset: number | null): { sql: string; params: number[] } {
  if (offset === null || offset <= 0) return limit === null ? { sql: '', params: [] } : { sql: ' LIMIT ?', params: [limit] };
  if (limit === null) return { sql: dialect === 'sqlite' ? ' LIMIT -1 OFFSET ?' : ' OFFSET ?', params: [offset] };
  return { sql: ' LIMIT ? OFFSET ?', params: [limit, offset] };
}

/** A positive limit, or null for none (Dagster treats 0 / None as no limit). */
export function optionalLimit(limit: number | null | undefined): number | null {
  if (limit === null || limit === undefined || limit === 0) return null;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}
