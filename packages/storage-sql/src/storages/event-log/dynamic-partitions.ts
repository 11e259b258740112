import { InvalidArgumentError, InvalidCursorError } from '@inst/errors';
import type { PaginatedResults } from '@inst/storage';
import type { EventLogContext } from './context.js';
import { placeholders } from './rows.js';

/*
 * Dynamic partitions (`dynamic_partitions` in the index database): keys per definition, in the
 * order they were added.
 */

/**
 * Dagster's `StorageIdCursor` string: base64 of `{"__class__": "StorageIdCursor", "storage_id": n}`.
 * (Not in @inst/types yet; kept here.)
 */
function storageIdCursor(storageId: number): string {
  return Buffer.from(`{"__class__": "StorageIdCursor", "storage_id": ${storageId}}`, 'utf8').toString('base64');
}

function parseStorageIdCursor(cursor: string): number {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
  } catch (cause) {
    throw new InvalidCursorError(cursor, `Invalid storage id cursor ${JSON.stringify(cursor)}`, { cause });
  }
  const { __class__: cls, storage_id: storageId } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (cls !== 'StorageIdCursor' || typeof storageId !== 'number' || !Number.isSafeInteger(storageId)) {
    throw new InvalidCursorError(cursor, `Invalid storage id cursor ${JSON.stringify(cursor)}`);
  }
  return storageId;
}

async function checkTable(ctx: EventLogContext): Promise<void> {
  if (!(await ctx.schema()).dynamicPartitions) {
    throw new InvalidArgumentError(
      'Using dynamic partitions definitions requires the dynamic partitions table, which currently does not exist. ' +
        'Add this table by running `inst instance migrate`.',
    );
  }
}

export async function getDynamicPartitions(ctx: EventLogContext, partitionsDefName: string): Promise<string[]> {
  await checkTable(ctx);
  const rows = await ctx.index.all<{ partition: string }>(
    'SELECT "partition" AS "partition" FROM dynamic_partitions WHERE partitions_def_name = ? ORDER BY id',
    [partitionsDefName],
  );
  return rows.map((row) => row.partition);
}

export async function getPaginatedDynamicPartitions(
  ctx: EventLogContext,
  partitionsDefName: string,
  limit: number,
  ascending: boolean,
  cursor?: string,
): Promise<PaginatedResults<string>> {
  await checkTable(ctx);
  if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`limit must be a non-negative integer, got ${limit}`);
  const params: unknown[] = [partitionsDefName];
  let sql = 'SELECT id, "partition" AS "partition" FROM dynamic_partitions WHERE partitions_def_name = ?';
  if (cursor) {
    sql += ascending ? ' AND id > ?' : ' AND id < ?';
    params.push(parseStorageIdCursor(cursor));
  }
  sql += ` ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`;
  params.push(limit);
  const rows = await ctx.index.all<{ id: number | bigint; partition: string }>(sql, params);
  const last = rows[rows.length - 1];
  return {
    results: rows.map((row) => row.partition),
    cursor: last ? storageIdCursor(Number(last.id)) : cursor || storageIdCursor(-1),
    hasMore: rows.length === limit,
  };
}

export async function hasDynamicPartition(ctx: EventLogContext, partitionsDefName: string, partitionKey: string): Promise<boolean> {
  await checkTable(ctx);
  const row = await ctx.index.get('SELECT 1 AS found FROM dynamic_partitions WHERE partitions_def_name = ? AND "partition" = ? LIMIT 1', [
    partitionsDefName,
    partitionKey,
  ]);
  return row !== undefined;
}

/** Adds the keys not present yet, in the given order; the unique index makes it idempotent under races too. */
export async function addDynamicPartitions(ctx: EventLogContext, partitionsDefName: string, partitionKeys: readonly string[]): Promise<void> {
  await checkTable(ctx);
  if (partitionKeys.length === 0) return;
  await ctx.index.transaction(async (tx) => {
    for (let start = 0; start < partitionKeys.length; start += 500) {
      const chunk = partitionKeys.slice(start, start + 500);
      await tx.run(
        `INSERT INTO dynamic_partitions (partitions_def_name, "partition") VALUES ${chunk.map(() => `(${placeholders(2)})`).join(', ')} ON CONFLICT DO NOTHING`,
        chunk.flatMap((key) => [partitionsDefName, key]),
      );
    }
  });
}

export async function deleteDynamicPartition(ctx: EventLogContext, partitionsDefName: string, partitionKey: string): Promise<void> {
  await checkTable(ctx);
  await ctx.index.run('DELETE FROM dynamic_partitions WHERE partitions_def_name = ? AND "partition" = ?', [partitionsDefName, partitionKey]);
}
