import { InvalidArgumentError } from '@inst/errors';
import { ASSET_CHECK_EVENTS, ASSET_EVENTS, DagsterEventType, EVENT_TYPE_TO_PIPELINE_RUN_STATUS, EventLogEntry } from '@inst/types';
import { storeAssetEvents, storeAssetEventTags } from './assets.js';
import { storageFailureReason } from '../../errors.js';
import { storeAssetCheckEvent } from './checks.js';
import { freeConcurrencySlots } from './concurrency.js';
import type { EventLogContext } from './context.js';
import { eventRow, INSERT_CHUNK, insertEventRows, insertEventRowsWithoutIds, placeholders } from './rows.js';

/*
 * The write paths: storing events (facts §6.2), deleting a run's events, wiping everything.
 */

const E = DagsterEventType;

/** What storing an entry involves beyond its row in the run's database. */
function roleOf(entry: EventLogEntry): { asset: boolean; check: boolean; runStatus: boolean } {
  const event = entry.dagsterEvent;
  if (!event) return { asset: false, check: false, runStatus: false };
  const type = event.eventType;
  return {
    asset: ASSET_EVENTS.has(type) && event.assetKey !== null,
    check: ASSET_CHECK_EVENTS.has(type),
    runStatus: EVENT_TYPE_TO_PIPELINE_RUN_STATUS.has(type),
  };
}

/**
 * Stores events, all in one transaction (see `inWriteTransaction`): each event's row in its run's
 * database; for asset events, the `asset_keys` upsert and indexed tags (on run-sharded storage
 * against a copy of the row in the index, with the index's id); check executions; and, run-sharded,
 * copies of run-status events in the index. Rows are inserted with multi-row INSERTs, and
 * `asset_keys` with one row per asset (see `storeAssetEvents`: the end state of one upsert per event).
 */
export async function storeEvents(ctx: EventLogContext, entries: readonly EventLogEntry[]): Promise<void> {
  for (const entry of entries) {
    if (!(entry instanceof EventLogEntry)) throw new InvalidArgumentError('storeEvent expects EventLogEntry values');
  }
  if (entries.length === 0) return;
  const roles = entries.map(roleOf);
  const sharded = ctx.isRunSharded;
  const withIndex = roles.some((role) => role.asset || role.check || (sharded && role.runStatus));
  const schema = await ctx.schema();
  // Serialize before any transaction opens: an unserializable event fails with nothing written.
  const rows = entries.map(eventRow);
  const runIds = [...new Set(entries.map((entry) => entry.runId))];
  const connections = ctx.connections;
  const eventInsertSql = connections.eventInsertSql?.bind(connections);

  // SQLite, one INSERT and nothing else to write: in autocommit it is the same atomic write as in
  // BEGIN IMMEDIATE … COMMIT, without those two statements. (Postgres keeps its transaction: a
  // BEGIN that finds its pooled connection lost is run again, a lost INSERT could not be.)
  if (connections.dialect === 'sqlite' && !withIndex && runIds.length === 1 && rows.length <= INSERT_CHUNK && !connections.afterStore && !connections.afterStoreBatch && !eventInsertSql && !connections.beforeStore) {
    await insertEventRowsWithoutIds(await connections.forRun(runIds[0]!), rows);
    ctx.notifyWritten(runIds);
    return;
  }

  // One run's rows and nothing else, on a backend that stores them with one statement (Postgres:
  // lock, INSERT and NOTIFY in one CTE).
  if (connections.storeRunRows && !withIndex && runIds.length === 1 && rows.length <= INSERT_CHUNK) {
    await connections.storeRunRows(runIds[0]!, rows);
    ctx.notifyWritten(runIds);
    return;
  }

  const beforeStore = connections.beforeStore?.bind(connections);
  // The run rows' storage ids are needed by the hooks, and by the index when it is the same database.
  const needsRunIds = Boolean(eventInsertSql || connections.afterStore || connections.afterStoreBatch || (!sharded && withIndex));
  // Shards commit before the index: until the index has committed too, a marker says which runs to repair after a crash.
  const clearMark = sharded && withIndex ? connections.markIndexedWrite?.(runIds) : undefined;
  await ctx.write(runIds, withIndex, async (scope) => {
    if (beforeStore && !sharded) await beforeStore(scope.forRun(runIds[0]!), [...runIds].sort());
    // Each run's rows, in input order, into its database.
    const runStorageIds = new Array<number>(entries.length);
    if (!sharded && eventInsertSql) {
      // One database holds every run and the INSERT announces its own rows: all of them in one statement per
      // chunk, in input order (so each run's rows keep their order), instead of one per run.
      const ids = await insertEventRows(scope.forRun(runIds[0]!), rows, eventInsertSql);
      ids.forEach((id, i) => (runStorageIds[i] = id));
    }
    for (const runId of !sharded && eventInsertSql ? [] : runIds) {
      const positions = entries.flatMap((entry, i) => (entry.runId === runId ? [i] : []));
      const tx = scope.forRun(runId);
      if (!needsRunIds) {
        await insertEventRowsWithoutIds(tx, positions.map((i) => rows[i]!));
        continue;
      }
      const ids = await insertEventRows(tx, positions.map((i) => rows[i]!), eventInsertSql);
      positions.forEach((position, k) => (runStorageIds[position] = ids[k]!));
      if (eventInsertSql) continue;
      if (ctx.connections.afterStoreBatch) await ctx.connections.afterStoreBatch(tx, runId, ids);
      else if (ctx.connections.afterStore) for (const id of ids) await ctx.connections.afterStore(tx, runId, id);
    }
    const index = scope.index;
    if (!index) return;

    // Asset events get their index id: a mirrored row when run-sharded, else the run row's id.
    const assetPositions = roles.flatMap((role, i) => (role.asset ? [i] : []));
    const indexIds = new Map<number, number>();
    if (sharded) {
      const mirrored = roles.flatMap((role, i) => (role.asset || role.runStatus ? [i] : []));
      const ids = await insertEventRows(index, mirrored.map((i) => rows[i]!));
      mirrored.forEach((position, k) => indexIds.set(position, ids[k]!));
    } else {
      for (const position of assetPositions) indexIds.set(position, runStorageIds[position]!);
    }

    const assetEntries = assetPositions.map((i) => entries[i]!);
    const assetIndexIds = assetPositions.map((i) => indexIds.get(i)!);
    await storeAssetEvents(index, schema, assetEntries, assetIndexIds);
    await storeAssetEventTags(index, schema, assetEntries, assetIndexIds);

    for (let i = 0; i < entries.length; i++) {
      if (roles[i]!.check) await storeAssetCheckEvent(index, schema, entries[i]!, sharded ? null : runStorageIds[i]!);
    }
  });
  // Kept when the write failed: a shard may have committed without the index; the next open checks.
  clearMark?.();
  ctx.notifyWritten(runIds);
}

/**
 * Deletes a run's events, the indexed tags of its asset events and (run-sharded) their index
 * copies, and frees the run's concurrency slots — shard and index in nested transactions.
 */
export async function deleteEvents(ctx: EventLogContext, runId: string): Promise<void> {
  const schema = await ctx.schema();
  // A run whose shard file was lost can still be deleted: its index rows go.
  const exists = await ctx.connections.readRun(runId).catch((error: unknown) => {
    if (storageFailureReason(error) === 'file-missing') return null;
    throw error;
  });
  const runIds = exists && ctx.isRunSharded ? [runId] : [];
  await ctx.write(runIds, true, async (scope) => {
    const index = scope.index!;
    const databases = ctx.isRunSharded && exists ? [scope.forRun(runId), index] : [index];
    for (const db of databases) {
      const assetEvents = await db.all<{ id: number | bigint }>('SELECT id FROM event_logs WHERE run_id = ? AND dagster_event_type IN (?, ?)', [
        runId,
        E.ASSET_MATERIALIZATION,
        E.ASSET_OBSERVATION,
      ]);
      await db.run('DELETE FROM event_logs WHERE run_id = ?', [runId]);
      if (db === index && schema.assetEventTags && assetEvents.length > 0) {
        for (let start = 0; start < assetEvents.length; start += 500) {
          const chunk = assetEvents.slice(start, start + 500).map((row) => row.id);
          await db.run(`DELETE FROM asset_event_tags WHERE event_id IN (${placeholders(chunk.length)})`, chunk);
        }
      }
    }
    if (schema.concurrencySlots) await freeConcurrencySlots(index, runId);
  });
}

/** Tables of the index database a wipe empties (when present). */
const WIPED_TABLES = [
  'event_logs',
  'asset_keys',
  'asset_event_tags',
  'dynamic_partitions',
  'concurrency_limits',
  'concurrency_slots',
  'pending_steps',
  'asset_check_executions',
] as const;

/** Clears the event log: every run database goes (run-sharded), and the index tables are emptied. */
export async function wipe(ctx: EventLogContext): Promise<void> {
  const schema = await ctx.schema();
  const present: Record<(typeof WIPED_TABLES)[number], boolean> = {
    event_logs: true,
    asset_keys: true,
    asset_event_tags: schema.assetEventTags,
    dynamic_partitions: schema.dynamicPartitions,
    concurrency_limits: schema.concurrencyLimits,
    concurrency_slots: schema.concurrencySlots,
    pending_steps: schema.concurrencySlots,
    asset_check_executions: schema.assetCheckExecutions,
  };
  // The index first, then the shards: an index row never outlives its run's shard.
  await ctx.index.transaction(async (tx) => {
    for (const table of WIPED_TABLES) if (present[table]) await tx.run(`DELETE FROM ${table}`);
  });
  if (ctx.isRunSharded) for (const runId of await ctx.connections.runIds()) await ctx.connections.dropRun(runId);
}

