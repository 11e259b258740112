import { InvalidArgumentError, InvalidFilterError, NotSupportedError } from '@inst/errors';
import {
  ASSET_EVENTS,
  AssetKey,
  AssetRecordsFilter,
  DagsterEventType,
  EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
  EventLogConnection,
  EventLogCursor,
  type EventLogEntry,
  EventLogRecord,
  EventRecordsFilter,
  EventRecordsResult,
  PlannedMaterializationInfo,
  RunShardedEventsCursor,
  RunStatusChangeRecordsFilter,
  type EventCursor,
} from '@inst/types';
import type { SqlExecutor } from '../../driver.js';
import { toSqlTimestamp } from '../../values.js';
import { assetWipeCutoff } from './assets.js';
import type { EventLogContext } from './context.js';
import { eventTypeValues, limitOffsetSql, optionalLimit, parseEntry, placeholders, recordsSkippingBadRows } from './rows.js';

/*
 * Reading events: one run's records (cursor pages), cross-run records by filter, the fetch_*
 * APIs with EventRecordsResult cursors, and the by-id scans (facts §6.3).
 */

/** Dagster's `get_max_event_records_limit`: `MAX_LIMIT_GET_EVENT_RECORDS`, default 10000. */
function maxEventRecordsLimit(): number {
  const value = Number.parseInt(process.env.MAX_LIMIT_GET_EVENT_RECORDS ?? '', 10);
  return Number.isSafeInteger(value) ? value : 10_000;
}

function enforceMaxRecordsLimit(limit: number): void {
  const max = maxEventRecordsLimit();
  if (limit > max) throw new InvalidArgumentError(`Cannot fetch more than ${max} event records at a time. Requested ${limit}.`);
}

/** The cursor a page hands back: its last record, else the cursor it was given, else the start. */
function nextCursor(records: readonly EventLogRecord[], cursor: string | null | undefined): string {
  const last = records[records.length - 1];
  if (last) return EventLogCursor.fromStorageId(last.storageId).toString();
  return cursor || EventLogCursor.fromStorageId(-1).toString();
}

// ------------------------------------------------------------------------------------ one run

export async function getRecordsForRun(
  ctx: EventLogContext,
  runId: string,
  cursor?: string | null,
  ofType?: DagsterEventType | Iterable<DagsterEventType>,
  limit?: number,
  ascending = true,
): Promise<EventLogConnection> {
  const types = eventTypeValues(ofType);
  const maxRows = optionalLimit(limit);
  const parsed = cursor ? EventLogCursor.parse(cursor) : null;
  const db = await ctx.connections.readRun(runId);
  let rows: { id: number | bigint; event: string }[] = [];
  if (db) {
    const params: unknown[] = [runId];
    let sql = 'SELECT id, event FROM event_logs WHERE run_id = ?';
    if (types.length > 0) {
      sql += ` AND dagster_event_type IN (${placeholders(types.length)})`;
      params.push(...types);
    }
    if (parsed?.isIdCursor()) {
      sql += ascending ? ' AND id > ?' : ' AND id < ?';
      params.push(parsed.storageId());
    }
    sql += ascending ? ' ORDER BY id ASC' : ' ORDER BY id DESC';
    const page = limitOffsetSql(db.dialect, maxRows, parsed?.isOffsetCursor() ? parsed.offset() : null);
    rows = await db.all(sql + page.sql, [...params, ...page.params]);
  }
  const records = rows.map((row) => {
    const id = Number(row.id);
    return new EventLogRecord({ storageId: id, eventLogEntry: parseEntry(row.event, 'event_logs', id) });
  });
  return new EventLogConnection({ records, cursor: nextCursor(records, cursor), hasMore: maxRows !== null && rows.length === maxRows });
}

/** Entries of a run; a number cursor is Dagster's legacy offset (skip n+1; -1 for all). */
export async function getLogsForRun(
  ctx: EventLogContext,
  runId: string,
  cursor?: string | number | null,
  ofType?: DagsterEventType | Iterable<DagsterEventType>,
  limit?: number,
  ascending = true,
): Promise<EventLogEntry[]> {
  const cursorString = typeof cursor === 'number' ? EventLogCursor.fromOffset(cursor + 1).toString() : cursor;
  const connection = await getRecordsForRun(ctx, runId, cursorString, ofType, limit, ascending);
  return connection.records.map((record) => record.eventLogEntry);
}

// ------------------------------------------------------------------------------------ across runs

function cursorId(cursor: EventCursor | null): number | null {
  if (cursor === null || cursor === undefined) return null;
  return cursor instanceof RunShardedEventsCursor ? cursor.id : cursor;
}

/** The WHERE conditions of an events filter (Dagster's `_apply_filter_to_query`). */
function filterConditions(filter: EventRecordsFilter, wipeCutoff: string | null, withCursors: boolean): { sql: string; params: unknown[] } {
  const where = ['dagster_event_type = ?'];
  const params: unknown[] = [filter.eventType];
  if (filter.assetKey) {
    where.push('asset_key = ?');
    params.push(filter.assetKey.toString());
  }
  if (filter.assetPartitions) {
    where.push(filter.assetPartitions.length > 0 ? `"partition" IN (${placeholders(filter.assetPartitions.length)})` : '1 = 0');
    params.push(...filter.assetPartitions);
  }
  if (wipeCutoff) {
    where.push('"timestamp" > ?');
    params.push(wipeCutoff);
  }
  if (withCursors) {
    const before = cursorId(filter.beforeCursor);
    const after = cursorId(filter.afterCursor);
    if (before !== null) {
      where.push('id < ?');
      params.push(before);
    }
    if (after !== null) {
      where.push('id > ?');
      params.push(after);
    }
  }
  if (filter.beforeTimestamp) {
    where.push('"timestamp" < ?');
    params.push(toSqlTimestamp(filter.beforeTimestamp));
  }
  if (filter.afterTimestamp) {
    where.push('"timestamp" > ?');
    params.push(toSqlTimestamp(filter.afterTimestamp));
  }
  if (filter.storageIds && filter.storageIds.length > 0) {
    where.push(`id IN (${placeholders(filter.storageIds.length)})`);
    params.push(...filter.storageIds);
  }
  return { sql: where.join(' AND '), params };
}

function checkFilter(filter: unknown): asserts filter is EventRecordsFilter {
  if (!(filter instanceof EventRecordsFilter)) throw new InvalidFilterError('eventRecordsFilter', 'expected an EventRecordsFilter');
}

/** Event records from the index database (every event where ids are global). */
async function indexEventRecords(ctx: EventLogContext, filter: EventRecordsFilter, limit: number | null, ascending: boolean): Promise<EventLogRecord[]> {
  const cutoff = filter.assetKey ? await assetWipeCutoff(ctx.index, filter.assetKey) : null;
  const where = filterConditions(filter, cutoff, true);
  const page = limitOffsetSql(ctx.index.dialect, limit, null);
  const rows = await ctx.index.all<{ id: number | bigint; event: string }>(
    `SELECT id, event FROM event_logs WHERE ${where.sql} ORDER BY id ${ascending ? 'ASC' : 'DESC'}${page.sql}`,
    [...where.params, ...page.params],
  );
  return recordsSkippingBadRows(rows, ctx.logger);
}

/**
 * Non-asset records on run-sharded storage: storage ids are per shard, so a plain id cursor means
 * nothing; a RunShardedEventsCursor selects the runs updated after its time (here: whose shard
 * has events after it), read run by run in order of their last event, events by time.
 */
async function runShardedEventRecords(ctx: EventLogContext, filter: EventRecordsFilter, limit: number | null, ascending: boolean): Promise<EventLogRecord[]> {
  if (filter.afterCursor !== null && filter.afterCursor !== undefined && !(filter.afterCursor instanceof RunShardedEventsCursor)) {
    throw new InvalidFilterError(
      'afterCursor',
      'Called getEventRecords on a run-sharded event log storage with a cursor that is not run-aware. ' +
        'Add a RunShardedEventsCursor to your query filter or switch to an event log storage that is not run-sharded.',
    );
  }
  const updatedAfter = filter.afterCursor instanceof RunShardedEventsCursor ? toSqlTimestamp(filter.afterCursor.runUpdatedAfter) : null;
  const cutoff = filter.assetKey ? await assetWipeCutoff(ctx.index, filter.assetKey) : null;
  const where = filterConditions(filter, cutoff, false);
  const runs: { db: SqlExecutor; lastEvent: string }[] = [];
  for (const runId of await ctx.connections.runIds()) {
    const db = await ctx.connections.readRun(runId);
    const last = db ? await db.get<{ last: string | null }>('SELECT MAX("timestamp") AS last FROM event_logs') : undefined;
    if (!db || !last?.last || (updatedAfter !== null && last.last <= updatedAfter)) continue;
    runs.push({ db, lastEvent: last.last });
  }
  runs.sort((a, b) => (ascending ? 1 : -1) * (a.lastEvent < b.lastEvent ? -1 : a.lastEvent > b.lastEvent ? 1 : 0));
  const direction = ascending ? 'ASC' : 'DESC';
  const records: EventLogRecord[] = [];
  for (const { db } of runs) {
    const page = limitOffsetSql(db.dialect, limit === null ? null : limit - records.length, null);
    const rows = await db.all<{ id: number | bigint; event: string }>(
      `SELECT id, event FROM event_logs WHERE ${where.sql} ORDER BY "timestamp" ${direction}, id ${direction}${page.sql}`,
      [...where.params, ...page.params],
    );
    records.push(...recordsSkippingBadRows(rows, ctx.logger));
    if (limit !== null && records.length >= limit) break;
  }
  return limit === null ? records : records.slice(0, limit);
}

export async function getEventRecords(ctx: EventLogContext, filter: EventRecordsFilter, limit?: number, ascending = false): Promise<EventLogRecord[]> {
  checkFilter(filter);
  const maxRows = optionalLimit(limit);
  if (ctx.isRunSharded && !ASSET_EVENTS.has(filter.eventType)) return runShardedEventRecords(ctx, filter, maxRows, ascending);
  return indexEventRecords(ctx, filter, maxRows, ascending);
}

async function recordsResult(
  records: Promise<EventLogRecord[]>,
  limit: number,
  cursor: string | undefined,
): Promise<EventRecordsResult> {
  const list = await records;
  return new EventRecordsResult({ records: list, cursor: nextCursor(list, cursor), hasMore: list.length === limit });
}

/** fetch_materializations / observations / planned: one asset event type, newest first by default. */
export async function fetchAssetEvents(
  ctx: EventLogContext,
  eventType: DagsterEventType,
  recordsFilter: AssetKey | AssetRecordsFilter,
  limit: number,
  cursor?: string,
  ascending = false,
): Promise<EventRecordsResult> {
  enforceMaxRecordsLimit(limit);
  let filter: EventRecordsFilter;
  if (recordsFilter instanceof AssetRecordsFilter) {
    filter = recordsFilter.toEventRecordsFilter(eventType, cursor, ascending);
  } else if (recordsFilter instanceof AssetKey) {
    const [beforeCursor, afterCursor] = EventRecordsFilter.getCursorParams(cursor, ascending);
    filter = new EventRecordsFilter({ eventType, assetKey: recordsFilter, beforeCursor, afterCursor });
  } else {
    throw new InvalidFilterError('recordsFilter', 'expected an AssetKey or an AssetRecordsFilter');
  }
  return recordsResult(indexEventRecords(ctx, filter, limit, ascending), limit, cursor);
}

/** Run status change events, from the index (where run-sharded storage mirrors them). */
export async function fetchRunStatusChanges(
  ctx: EventLogContext,
  recordsFilter: DagsterEventType | RunStatusChangeRecordsFilter,
  limit: number,
  cursor?: string,
  ascending = false,
): Promise<EventRecordsResult> {
  enforceMaxRecordsLimit(limit);
  const eventType = recordsFilter instanceof RunStatusChangeRecordsFilter ? recordsFilter.eventType : recordsFilter;
  if (!EVENT_TYPE_TO_PIPELINE_RUN_STATUS.has(eventType)) {
    throw new InvalidArgumentError(`Expected one of ${[...EVENT_TYPE_TO_PIPELINE_RUN_STATUS.keys()].join(', ')}, received ${String(eventType)}`);
  }
  let filter: EventRecordsFilter;
  if (recordsFilter instanceof RunStatusChangeRecordsFilter) {
    if (recordsFilter.jobNames && recordsFilter.jobNames.length > 0) {
      throw new NotSupportedError('Called fetchRunStatusChanges with job names, which are not supported with this storage.');
    }
    filter = recordsFilter.toEventRecordsFilterWithoutJobNames(cursor, ascending);
  } else {
    const [beforeCursor, afterCursor] = EventRecordsFilter.getCursorParams(cursor, ascending);
    filter = new EventRecordsFilter({ eventType, beforeCursor, afterCursor });
  }
  return recordsResult(indexEventRecords(ctx, filter, limit, ascending), limit, cursor);
}

/** Events of every run after a storage id, ascending (index ids on run-sharded storage). */
export async function getLogsForAllRunsByLogId(
  ctx: EventLogContext,
  afterCursor = -1,
  dagsterEventType?: DagsterEventType | Iterable<DagsterEventType>,
  limit?: number,
): Promise<Map<number, EventLogEntry>> {
  if (!Number.isSafeInteger(afterCursor) || afterCursor < -1) throw new InvalidArgumentError(`Don't know what to do with negative cursor ${afterCursor}`);
  const types = eventTypeValues(dagsterEventType);
  const params: unknown[] = [afterCursor];
  let sql = 'SELECT id, event FROM event_logs WHERE id > ?';
  if (types.length > 0) {
    sql += ` AND dagster_event_type IN (${placeholders(types.length)})`;
    params.push(...types);
  }
  const page = limitOffsetSql(ctx.index.dialect, optionalLimit(limit), null);
  const rows = await ctx.index.all<{ id: number | bigint; event: string }>(`${sql} ORDER BY id ASC${page.sql}`, [...params, ...page.params]);
  return new Map(recordsSkippingBadRows(rows, ctx.logger).map((record) => [record.storageId, record.eventLogEntry]));
}

export async function getMaximumRecordId(ctx: EventLogContext): Promise<number | null> {
  const row = await ctx.index.get<{ max_id: number | bigint | null }>('SELECT MAX(id) AS max_id FROM event_logs');
  return row?.max_id === null || row?.max_id === undefined ? null : Number(row.max_id);
}

export async function getLatestPlannedMaterializationInfo(ctx: EventLogContext, assetKey: AssetKey, partition?: string): Promise<PlannedMaterializationInfo | null> {
  const [record] = await indexEventRecords(
    ctx,
    new EventRecordsFilter({ eventType: DagsterEventType.ASSET_MATERIALIZATION_PLANNED, assetKey, assetPartitions: partition ? [partition] : null }),
    1,
    false,
  );
  return record ? new PlannedMaterializationInfo({ storageId: record.storageId, runId: record.runId }) : null;
}
