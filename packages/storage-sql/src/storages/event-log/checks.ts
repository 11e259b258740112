import { InvariantViolationError, StorageError } from '@inst/errors';
import { serializeValue } from '@inst/serdes';
import type {
  AssetCheckKey} from '@inst/types';
import {
  AssetCheckExecutionRecord,
  AssetCheckExecutionRecordStatus,
  AssetCheckSummaryRecord,
  COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
  DagsterEventType,
  type EventLogEntry,
} from '@inst/types';
import type { SqlExecutor } from '../../driver.js';
import { fromSqlTimestamp, toSqlTimestamp } from '../../values.js';
import type { EventLogContext, IndexSchema } from './context.js';
import { parseEntry, placeholders } from './rows.js';

/*
 * Asset check executions (`asset_check_executions` in the index database): a row per planned
 * check, updated by its evaluation in the same run (facts §6.2).
 */

const S = AssetCheckExecutionRecordStatus;

/**
 * Records an ASSET_CHECK_EVALUATION_PLANNED / ASSET_CHECK_EVALUATION event. `storageId` is the
 * event's id where ids are global (null on run-sharded storage, as in Dagster).
 */
export async function storeAssetCheckEvent(tx: SqlExecutor, schema: IndexSchema, entry: EventLogEntry, storageId: number | null): Promise<void> {
  if (!schema.assetCheckExecutions) {
    throw new StorageError('Asset checks require a database schema migration. Run `inst instance migrate`.');
  }
  const event = entry.dagsterEvent!;
  const eventJson = serializeValue(entry);
  const eventTimestamp = toSqlTimestamp(entry.timestamp);
  if (event.eventType === DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED) {
    const planned = event.assetCheckPlannedData;
    await tx.run(
      `INSERT INTO asset_check_executions (asset_key, check_name, run_id, execution_status, evaluation_event, evaluation_event_timestamp, evaluation_event_storage_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [planned.assetKey.toString(), planned.checkName, entry.runId, S.PLANNED, eventJson, eventTimestamp, storageId],
    );
    return;
  }
  if (event.eventType !== DagsterEventType.ASSET_CHECK_EVALUATION) return;
  const evaluation = event.assetCheckEvaluationData;
  const status = evaluation.passed ? S.SUCCEEDED : S.FAILED;
  const targetStorageId = evaluation.targetMaterializationData?.storageId ?? null;
  const assetKey = evaluation.assetKey.toString();
  const insert = () =>
    tx.run(
      `INSERT INTO asset_check_executions (asset_key, check_name, run_id, execution_status, evaluation_event, evaluation_event_timestamp,
                                           evaluation_event_storage_id, materialization_event_storage_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [assetKey, evaluation.checkName, entry.runId, status, eventJson, eventTimestamp, storageId, targetStorageId],
    );
  // A runless evaluation has no planned row to complete.
  if (!entry.runId) {
    await insert();
    return;
  }
  // (asset_key, check_name, run_id) identifies the row the planned event created.
  const updated = await tx.run(
    `UPDATE asset_check_executions
        SET execution_status = ?, evaluation_event = ?, evaluation_event_timestamp = ?, evaluation_event_storage_id = ?, materialization_event_storage_id = ?
      WHERE asset_key = ? AND check_name = ? AND run_id = ? AND "partition" IS NULL`,
    [status, eventJson, eventTimestamp, storageId, targetStorageId, assetKey, evaluation.checkName, entry.runId],
  );
  // No planned row happens with step launchers that emit no planned events.
  if (updated.changes === 0) await insert();
  if (updated.changes > 1) {
    throw new InvariantViolationError(
      `Updated ${updated.changes} rows for asset check evaluation ${evaluation.assetCheckKey.toUserString()} as a result of duplicate AssetCheckPlanned events.`,
    );
  }
}

interface ExecutionRow {
  id: number | bigint;
  asset_key?: string;
  check_name?: string;
  run_id: string;
  execution_status: string;
  evaluation_event: string | null;
  create_timestamp: string | Date;
  partition: string | null;
}

const EXECUTION_COLUMNS = 'id, asset_key, check_name, run_id, execution_status, evaluation_event, create_timestamp, "partition" AS "partition"';

/** Dagster's `AssetCheckExecutionRecord.from_db_row`. */
function executionRecord(row: ExecutionRow, key: AssetCheckKey): AssetCheckExecutionRecord {
  const id = Number(row.id);
  return new AssetCheckExecutionRecord({
    key,
    id,
    runId: row.run_id,
    status: row.execution_status as AssetCheckExecutionRecordStatus,
    event: row.evaluation_event ? parseEntry(row.evaluation_event, 'asset_check_executions', id) : null,
    createTimestamp: fromSqlTimestamp(row.create_timestamp),
    partition: row.partition,
  });
}

/** The check's executions, newest first; `cursor` is an execution id (exclusive). */
export async function getAssetCheckExecutionHistory(
  ctx: EventLogContext,
  checkKey: AssetCheckKey,
  limit: number,
  cursor?: number,
  status?: Iterable<AssetCheckExecutionRecordStatus>,
): Promise<AssetCheckExecutionRecord[]> {
  if (!(await ctx.schema()).assetCheckExecutions) return [];
  const params: unknown[] = [checkKey.assetKey.toString(), checkKey.name];
  let sql = `SELECT ${EXECUTION_COLUMNS} FROM asset_check_executions WHERE asset_key = ? AND check_name = ?`;
  if (cursor) {
    sql += ' AND id < ?';
    params.push(cursor);
  }
  const statuses = status ? [...status] : [];
  if (statuses.length > 0) {
    sql += ` AND execution_status IN (${placeholders(statuses.length)})`;
    params.push(...statuses);
  }
  sql += ' ORDER BY id DESC LIMIT ?';
  params.push(limit);
  const rows = await ctx.index.all<ExecutionRow>(sql, params);
  return rows.map((row) => executionRecord(row, checkKey));
}

/** The latest execution of each check that has one, keyed by the AssetCheckKey instances passed in. */
export async function getLatestAssetCheckExecutionByKey(
  ctx: EventLogContext,
  checkKeys: readonly AssetCheckKey[],
): Promise<Map<AssetCheckKey, AssetCheckExecutionRecord>> {
  const result = new Map<AssetCheckKey, AssetCheckExecutionRecord>();
  if (checkKeys.length === 0 || !(await ctx.schema()).assetCheckExecutions) return result;
  const assetKeys = [...new Set(checkKeys.map((key) => key.assetKey.toString()))];
  const names = [...new Set(checkKeys.map((key) => key.name))];
  const rows = await ctx.index.all<ExecutionRow>(
    `SELECT ${EXECUTION_COLUMNS} FROM asset_check_executions WHERE id IN (
       SELECT MAX(id) FROM asset_check_executions
        WHERE asset_key IN (${placeholders(assetKeys.length)}) AND check_name IN (${placeholders(names.length)})
        GROUP BY asset_key, check_name)`,
    [...assetKeys, ...names],
  );
  for (const row of rows) {
    const key = checkKeys.find((k) => k.assetKey.toString() === row.asset_key && k.name === row.check_name);
    if (key) result.set(key, executionRecord(row, key));
  }
  return result;
}

/** The latest execution and latest completed execution of each check (every key gets a record). */
export async function getAssetCheckSummaryRecords(
  ctx: EventLogContext,
  checkKeys: readonly AssetCheckKey[],
): Promise<Map<AssetCheckKey, AssetCheckSummaryRecord>> {
  const result = new Map<AssetCheckKey, AssetCheckSummaryRecord>();
  for (const checkKey of checkKeys) {
    const [last] = await getAssetCheckExecutionHistory(ctx, checkKey, 1);
    const lastCompleted =
      !last || COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES.has(last.status)
        ? last
        : (await getAssetCheckExecutionHistory(ctx, checkKey, 1, undefined, COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES))[0];
    result.set(
      checkKey,
      new AssetCheckSummaryRecord({
        assetCheckKey: checkKey,
        lastCheckExecutionRecord: last ?? null,
        lastRunId: last?.runId ?? null,
        lastCompletedCheckExecutionRecord: lastCompleted ?? null,
      }),
    );
  }
  return result;
}
