import { CorruptRowError, DeserializationError } from '@inst/errors';
import { deserializeValue, type RecordClass } from '@inst/serdes';
import { DagsterRun, DagsterRunStatus, RunRecord } from '@inst/types';
import { fromSqlTimestamp } from '../values.js';
import { toNumber } from './run-sql.js';

/*
 * Rows of the run storage's tables as records. A row that does not read (bad JSON, an unknown
 * status, a missing timestamp) is a CorruptRowError naming its table and id.
 */

const RUN_STATUSES: ReadonlySet<string> = new Set(Object.values(DagsterRunStatus));

/** Runs `read`, turning any failure into a CorruptRowError for the row (its `id`, or a snapshot's id). */
export function readRow<T>(table: string, rowId: string | number, read: () => T): T {
  try {
    return read();
  } catch (cause) {
    throw new CorruptRowError(table, rowId, { cause });
  }
}

/** A serdes body as an instance of `cls` (throws inside {@link readRow}). */
export function deserializeBody<T>(body: unknown, cls: abstract new (...args: never[]) => T): T {
  if (typeof body !== 'string') throw new DeserializationError(`expected a serialized ${cls.name}, got ${body === null ? 'NULL' : typeof body}`, '$');
  return deserializeValue(body, { as: cls as unknown as RecordClass }) as T;
}

/** A `runs.status` value as a DagsterRunStatus (throws inside {@link readRow}). */
export function runStatusOf(value: unknown): DagsterRunStatus {
  if (typeof value !== 'string' || !RUN_STATUSES.has(value)) throw new DeserializationError(`${JSON.stringify(value)} is not a DagsterRunStatus`, 'status');
  return value as DagsterRunStatus;
}

/** The columns a run is read from. */
export interface RunRow {
  readonly id: unknown;
  readonly run_body: unknown;
  readonly status: unknown;
}

/**
 * The run of a row: its body with the `status` column applied — the column is what status
 * updates write first, so it wins over a body written concurrently (as in Dagster).
 */
export function rowToRun(row: RunRow): DagsterRun {
  return readRow('runs', toNumber(row.id), () => {
    const run = deserializeBody(row.run_body, DagsterRun);
    const status = runStatusOf(row.status);
    return run.status === status ? run : run.withStatus(status);
  });
}

/** The columns a run record is read from (`start_time`/`end_time` when the table has them). */
export interface RunRecordRow extends RunRow {
  readonly create_timestamp: unknown;
  readonly update_timestamp: unknown;
  readonly start_time?: unknown;
  readonly end_time?: unknown;
}

function timestampOf(value: unknown, column: string): Date {
  if (typeof value !== 'string' && !(value instanceof Date)) throw new DeserializationError(`expected a timestamp, got ${String(value)}`, column);
  return new Date(fromSqlTimestamp(value) * 1000);
}

const optionalFloat = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function rowToRunRecord(row: RunRecordRow): RunRecord {
  const dagsterRun = rowToRun(row);
  return readRow(
    'runs',
    toNumber(row.id),
    () =>
      new RunRecord({
        storageId: toNumber(row.id),
        dagsterRun,
        createTimestamp: timestampOf(row.create_timestamp, 'create_timestamp'),
        updateTimestamp: timestampOf(row.update_timestamp, 'update_timestamp'),
        startTime: optionalFloat(row.start_time),
        endTime: optionalFloat(row.end_time),
      }),
  );
}
