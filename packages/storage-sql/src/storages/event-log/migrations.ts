import type { MigrationOptions } from '@inst/storage';
import { deserializeValue } from '@inst/serdes';
import { AssetKey, EventLogEntry, EventLogRecord, type AssetDetails } from '@inst/types';
import { fromSqlTimestamp, toSqlTimestamp } from '../../values.js';
import type { EventLogContext } from './context.js';

/*
 * The event log's data migrations (Dagster's `event_log/migration.py`), each recorded as a
 * secondary index once done: `asset_key_table` builds `asset_keys` from the events,
 * `asset_key_index_columns` fills the existence columns of `asset_keys`.
 */

const CHUNK_SIZE = 100;

/** `asset_key_table`: an `asset_keys` row for every asset key met in the (index) events. */
export async function migrateAssetKeyData(ctx: EventLogContext, options: MigrationOptions): Promise<void> {
  const rows = await ctx.index.all<{ asset_key: string }>('SELECT DISTINCT asset_key FROM event_logs WHERE asset_key IS NOT NULL');
  options.printFn?.(`Found ${rows.length} asset keys to index.`);
  for (let start = 0; start < rows.length; start += CHUNK_SIZE) {
    await ctx.index.transaction(async (tx) => {
      for (const row of rows.slice(start, start + CHUNK_SIZE)) {
        const key = AssetKey.fromString(row.asset_key);
        if (key) await tx.run('INSERT INTO asset_keys (asset_key) VALUES (?) ON CONFLICT (asset_key) DO NOTHING', [key.toString()]);
      }
    });
  }
}

/** The time of an `asset_keys.last_materialization` value, whatever form it was stored in. */
function storedEventTimestamp(json: string | null): number | null {
  if (!json) return null;
  try {
    const value = deserializeValue(json);
    if (value instanceof EventLogRecord) return value.timestamp;
    if (value instanceof EventLogEntry) return value.timestamp;
  } catch {
    // An unreadable value is treated as absent; the events decide.
  }
  return null;
}

/**
 * `asset_key_index_columns`: sets `last_materialization_timestamp` (the latest event of the asset)
 * and `wipe_timestamp` (from `asset_details`) on every `asset_keys` row.
 */
export async function migrateAssetKeysIndexColumns(ctx: EventLogContext, options: MigrationOptions): Promise<void> {
  if (!(await ctx.schema()).assetKeyIndexColumns) return;
  const rows = await ctx.index.all<{ id: number | bigint; asset_key: string; asset_details: string | null; last_materialization: string | null }>(
    'SELECT id, asset_key, asset_details, last_materialization FROM asset_keys ORDER BY id',
  );
  options.printFn?.(`Found ${rows.length} assets to reindex.`);
  for (let start = 0; start < rows.length; start += CHUNK_SIZE) {
    await ctx.index.transaction(async (tx) => {
      for (const row of rows.slice(start, start + CHUNK_SIZE)) {
        let wipedAt: number | null = null;
        try {
          wipedAt = row.asset_details ? ((deserializeValue(row.asset_details) as AssetDetails | null)?.lastWipeTimestamp ?? null) : null;
        } catch {
          wipedAt = null;
        }
        let lastEvent = storedEventTimestamp(row.last_materialization);
        if (lastEvent === null) {
          const latest = await tx.get<{ ts: string | null }>('SELECT MAX("timestamp") AS ts FROM event_logs WHERE asset_key = ?', [row.asset_key]);
          lastEvent = latest?.ts ? fromSqlTimestamp(latest.ts) : null;
        }
        await tx.run('UPDATE asset_keys SET last_materialization_timestamp = ?, wipe_timestamp = ? WHERE id = ?', [
          lastEvent === null ? null : toSqlTimestamp(lastEvent),
          wipedAt === null ? null : toSqlTimestamp(wipedAt),
          row.id,
        ]);
      }
    });
  }
}
