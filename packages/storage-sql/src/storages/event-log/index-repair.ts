import { ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS, type EventLogEntry } from '@inst/types';
import type { SqlExecutor } from '../../driver.js';
import { storeAssetEvents, storeAssetEventTags } from './assets.js';
import { storeAssetCheckEvent } from './checks.js';
import type { WipeRecord } from './connections.js';
import type { EventLogContext, IndexSchema } from './context.js';
import { insertEventRows, parseEntry, placeholders, type EventRow } from './rows.js';

/*
 * Run-sharded storage (Dagster's SQLite layout) keeps copies of each run's asset and run-status
 * events in the index database, written in the same logical write as the run's shard but committed
 * after it (issue #10). These functions bring the index back in line with the shards: one run
 * (after a crash between the two commits), or the whole index (index.db lost, or on request).
 */

/** Event types the index holds copies of: asset events (with an asset key) and run-status events. */
const MIRRORED_TYPES: readonly string[] = [...new Set<string>([...ASSET_EVENTS, ...EVENT_TYPE_TO_PIPELINE_RUN_STATUS.keys()])];
/** What a full rebuild reads from each shard: the mirrored events and the asset check events. */
const REBUILD_TYPES: readonly string[] = [...new Set<string>([...MIRRORED_TYPES, ...ASSET_CHECK_EVENTS])];

interface ShardRow {
  id: number | bigint;
  run_id: string | null;
  event: string;
  dagster_event_type: string | null;
  timestamp: string | null;
  step_key: string | null;
  asset_key: string | null;
  partition: string | null;
}

const SHARD_ROW_COLUMNS = 'id, run_id, event, dagster_event_type, "timestamp", step_key, asset_key, "partition"';

function asEventRow(row: ShardRow): EventRow {
  return [row.run_id ?? '', row.event, row.dagster_event_type, row.timestamp ?? '', row.step_key, row.asset_key, row.partition];
}

/** Whether the index keeps a copy of this row (an asset event needs its asset key). */
function isMirrored(row: ShardRow): boolean {
  if (!row.dagster_event_type) return false;
  if (EVENT_TYPE_TO_PIPELINE_RUN_STATUS.has(row.dagster_event_type as never)) return true;
  return ASSET_EVENTS.has(row.dagster_event_type as never) && row.asset_key !== null;
}

/**
 * Whether a shard row's event was wiped (by the wipe log, see `EventLogConnections.wipeLog`): an
 * asset event of a wiped asset, or of a wiped partition, stored at or before the wipe.
 */
function wipedBy(wipes: readonly WipeRecord[]): (row: ShardRow) => boolean {
  if (wipes.length === 0) return () => false;
  const byKey = new Map<string, WipeRecord[]>();
  for (const wipe of wipes) {
    const list = byKey.get(wipe.assetKey);
    if (list) list.push(wipe);
    else byKey.set(wipe.assetKey, [wipe]);
  }
  return (row) => {
    if (row.asset_key === null || row.timestamp === null || !ASSET_EVENTS.has(row.dagster_event_type as never)) return false;
    const partition = row.partition;
    return (byKey.get(row.asset_key) ?? []).some(
      (wipe) => row.timestamp! <= wipe.timestamp && (wipe.partitions === null || (partition !== null && wipe.partitions.includes(partition))),
    );
  };
}

async function shardRows(shard: SqlExecutor, runId: string, types: readonly string[]): Promise<ShardRow[]> {
  return shard.all<ShardRow>(
    `SELECT ${SHARD_ROW_COLUMNS} FROM event_logs WHERE run_id = ? AND dagster_event_type IN (${placeholders(types.length)}) ORDER BY id`,
    [runId, ...types],
  );
}

/**
 * Copies `rows` (shard rows the index lacks, in the order they should get index ids) into the
 * index with their asset bookkeeping: the `asset_keys` upserts and indexed tags (against the new
 * index ids), and — with `checks` — the asset check executions of check events.
 */
async function copyIntoIndex(schema: IndexSchema, index: SqlExecutor, rows: readonly ShardRow[], checks: boolean): Promise<number> {
  const mirrored = rows.filter(isMirrored);
  const ids = await insertEventRows(index, mirrored.map(asEventRow));
  const assetEntries: EventLogEntry[] = [];
  const assetIds: number[] = [];
  mirrored.forEach((row, i) => {
    if (ASSET_EVENTS.has(row.dagster_event_type as never)) {
      assetEntries.push(parseEntry(row.event, 'event_logs', Number(row.id)));
      assetIds.push(ids[i]!);
    }
  });
  await storeAssetEvents(index, schema, assetEntries, assetIds);
  await storeAssetEventTags(index, schema, assetEntries, assetIds);
  if (checks && schema.assetCheckExecutions) {
    for (const row of rows) {
      if (ASSET_CHECK_EVENTS.has(row.dagster_event_type as never)) await storeAssetCheckEvent(index, schema, parseEntry(row.event, 'event_logs', Number(row.id)), null);
    }
  }
  return mirrored.length;
}

/** What {@link repairRunIndex} did. */
export interface RunIndexRepair {
  /** Shard events the index lacked, now copied into it. */
  readonly added: number;
  /** Index copies without their event in the run's shard, now deleted (with their indexed tags). */
  readonly removed: number;
}

/**
 * Makes the index's copies of one run's events match the run's shard: copies what the index lacks
 * (a crash between the shard's commit and the index's), and deletes copies the shard does not have
 * (left by older versions, which committed the index first). Rows are matched by their stored
 * event text. Runs under the index's write lock, so a writer that has committed a shard but not
 * yet the index (it holds that lock) is waited for rather than repaired.
 */
export async function repairRunIndex(ctx: EventLogContext, runId: string): Promise<RunIndexRepair> {
  if (!ctx.isRunSharded) return { added: 0, removed: 0 };
  // Probed before the index's transaction: nothing may use the index's connection outside it meanwhile.
  const schema = await ctx.schema();
  const shard = await ctx.connections.readRun(runId).catch(() => null);
  return ctx.index.transaction(async (index) => {
    const inShard = shard ? (await shardRows(shard, runId, MIRRORED_TYPES)).filter(isMirrored) : [];
    const inIndex = await index.all<{ id: number | bigint; event: string }>(
      `SELECT id, event FROM event_logs WHERE run_id = ? AND dagster_event_type IN (${placeholders(MIRRORED_TYPES.length)}) ORDER BY id`,
      [runId, ...MIRRORED_TYPES],
    );
    const unmatched = new Map<string, (number | bigint)[]>();
    for (const row of inIndex) {
      const list = unmatched.get(row.event);
      if (list) list.push(row.id);
      else unmatched.set(row.event, [row.id]);
    }
    const missing: ShardRow[] = [];
    for (const row of inShard) {
      const list = unmatched.get(row.event);
      if (list && list.length > 0) list.shift();
      else missing.push(row);
    }
    const orphans = [...unmatched.values()].flat();
    for (let start = 0; start < orphans.length; start += 500) {
      const chunk = orphans.slice(start, start + 500);
      await index.run(`DELETE FROM event_logs WHERE id IN (${placeholders(chunk.length)})`, chunk);
      if (schema.assetEventTags) await index.run(`DELETE FROM asset_event_tags WHERE event_id IN (${placeholders(chunk.length)})`, chunk);
    }
    // An asset or partition wiped since (its index copies deleted on purpose) must not come back.
    const isWiped = wipedBy((await ctx.connections.wipeLog?.read()) ?? []);
    const kept: ShardRow[] = [];
    for (const row of missing) {
      if (isWiped(row)) continue;
      if (row.asset_key !== null && schema.assetKeyIndexColumns) {
        const wiped = await index.get<{ wipe_timestamp: string | null }>('SELECT wipe_timestamp FROM asset_keys WHERE asset_key = ?', [row.asset_key]);
        if (wiped?.wipe_timestamp && row.timestamp !== null && row.timestamp <= wiped.wipe_timestamp) continue;
      }
      kept.push(row);
    }
    const added = kept.length > 0 ? await copyIntoIndex(schema, index, kept, false) : 0;
    return { added, removed: orphans.length };
  });
}

/** What {@link rebuildIndex} did. */
export interface IndexRebuild {
  /** Run shards read. */
  readonly runs: number;
  /** Event copies written into the index. */
  readonly events: number;
}

/**
 * Rebuilds the index's event copies, `asset_keys`, indexed asset tags and asset check executions
 * from every run's shard, in event-timestamp order across runs (the order they were first written
 * in). Asset and partition wipes recorded in the connections' wipe log stay wiped (their events are
 * not copied back), even when index.db was lost. What only the index ever held — dynamic
 * partitions, concurrency limits — is kept if the index still has it, and lost with it.
 */
export async function rebuildIndex(ctx: EventLogContext, onRun?: (runId: string) => void): Promise<IndexRebuild> {
  if (!ctx.isRunSharded) return { runs: 0, events: 0 };
  const runIds = await ctx.connections.runIds();
  const all: ShardRow[] = [];
  for (const runId of runIds) {
    const shard = await ctx.connections.readRun(runId);
    if (!shard) continue;
    onRun?.(runId);
    all.push(...(await shardRows(shard, runId, REBUILD_TYPES)));
  }
  // Timestamps are naive-UTC text of one fixed format, so they sort as strings; ties keep shard order.
  // Wipes recorded outside the index stay wiped, also when the index itself was lost.
  const wipes = (await ctx.connections.wipeLog?.read()) ?? [];
  const wiped = wipedBy(wipes);
  const order = all.filter((row) => !wiped(row)).map((row, i) => ({ row, i }));
  order.sort((a, b) => (a.row.timestamp ?? '').localeCompare(b.row.timestamp ?? '') || a.i - b.i);
  const schema = await ctx.schema();
  const events = await ctx.index.transaction(async (index) => {
    await index.run('DELETE FROM event_logs');
    // Asset rows lose what the events set; wipe timestamps (and other details) of surviving rows stay.
    await index.run(
      `UPDATE asset_keys SET last_materialization = NULL, last_run_id = NULL${schema.assetKeyIndexColumns ? ', last_materialization_timestamp = NULL' : ''}${schema.cachedStatusColumn ? ', cached_status_data = NULL' : ''}`,
    );
    if (schema.assetEventTags) await index.run('DELETE FROM asset_event_tags');
    if (schema.assetCheckExecutions) await index.run('DELETE FROM asset_check_executions');
    const copied = await copyIntoIndex(schema, index, order.map((o) => o.row), true);
    // A lost index also lost the assets' wipe times: put back the latest whole-asset wipe of each.
    if (schema.assetKeyIndexColumns) {
      const latest = new Map<string, string>();
      for (const wipe of wipes) if (wipe.partitions === null && wipe.timestamp > (latest.get(wipe.assetKey) ?? '')) latest.set(wipe.assetKey, wipe.timestamp);
      for (const [assetKey, timestamp] of latest) {
        await index.run('UPDATE asset_keys SET wipe_timestamp = ? WHERE asset_key = ? AND (wipe_timestamp IS NULL OR wipe_timestamp < ?)', [timestamp, assetKey, timestamp]);
      }
    }
    return copied;
  });
  return { runs: runIds.length, events };
}
