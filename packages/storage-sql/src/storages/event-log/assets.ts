import { CorruptRowError, InvalidArgumentError } from '@inst/errors';
import { compareCodePoints, deserializeValue, serializeValue } from '@inst/serdes';
import {
  ASSET_EVENTS,
  AssetDetails,
  AssetEntry,
  AssetKey,
  AssetMaterialization,
  AssetRecord,
  AssetStatusCacheValue,
  DagsterEventType,
  EventLogEntry,
  EventLogRecord,
  RUN_TAGS,
} from '@inst/types';
import type { SqlExecutor } from '../../driver.js';
import { fromSqlTimestamp, toSqlTimestamp } from '../../values.js';
import type { EventLogContext, IndexSchema } from './context.js';
import { corruptRow, parseEntry, placeholders, recordsSkippingBadRows } from './rows.js';

/*
 * Asset bookkeeping in the index database: the `asset_keys` rows kept per asset, the indexed
 * `asset_event_tags`, wipes, and the asset queries over them and the (mirrored) asset events.
 */

const E = DagsterEventType;

/** Dagster's `ASSET_KEY_INDEX_COLS` secondary index: `asset_keys` existence columns are filled in. */
export const ASSET_KEY_INDEX_COLUMNS = 'asset_key_index_columns';

/** Rows of `asset_keys` fetched at once before the existence columns are trusted (Dagster's MIN_ASSET_ROWS). */
const MIN_ASSET_ROWS = 25;

/**
 * Dagster's `get_asset_tags_to_index`: only the data version and the per-dimension partition
 * tags are copied into `asset_event_tags`.
 */
export function isIndexedAssetTag(key: string): boolean {
  return key === RUN_TAGS.DATA_VERSION || key.startsWith(RUN_TAGS.MULTIDIMENSIONAL_PARTITION_PREFIX);
}

/** Wipe time as the naive-UTC column text, or null when never wiped. */
function wipeCutoff(details: AssetDetails | null | undefined): string | null {
  return details?.lastWipeTimestamp ? toSqlTimestamp(details.lastWipeTimestamp) : null;
}

// ------------------------------------------------------------------------------------ writing

/** The `asset_keys` columns an asset event sets (Dagster's `_get_asset_entry_values`). */
function assetEntryValues(entry: EventLogEntry, storageId: number, schema: IndexSchema): [string, unknown][] {
  const event = entry.dagsterEvent!;
  const timestamp: [string, unknown][] = schema.assetKeyIndexColumns ? [['last_materialization_timestamp', toSqlTimestamp(entry.timestamp)]] : [];
  switch (event.eventType) {
    case E.ASSET_MATERIALIZATION:
      return [
        ['last_materialization', serializeValue(new EventLogRecord({ storageId, eventLogEntry: entry }))],
        ['last_run_id', entry.runId],
        ...timestamp,
      ];
    case E.ASSET_MATERIALIZATION_PLANNED:
      return [['last_run_id', entry.runId], ...timestamp];
    case E.ASSET_OBSERVATION:
      return timestamp;
    default:
      return [];
  }
}

/** The `asset_keys` columns {@link assetEntryValues} may set, in the order the upserts name them. */
const ASSET_ENTRY_COLUMNS: readonly string[] = ['last_materialization', 'last_run_id', 'last_materialization_timestamp'];

/** Assets upserted by one statement (at most 4 bound values each). */
const UPSERT_CHUNK = 500;

/**
 * Upserts the `asset_keys` rows of asset events (`store_asset_event` for each, in input order);
 * `storageIds` are their index ids. The end state of one upsert per event, with one row per asset:
 * each column an event sets takes the value of the last event of that asset setting it, and the
 * assets setting the same columns are upserted together by multi-row statements.
 */
export async function storeAssetEvents(tx: SqlExecutor, schema: IndexSchema, entries: readonly EventLogEntry[], storageIds: readonly number[]): Promise<void> {
  // From the last event back: a column keeps the first value met; an event whose asset already met
  // a later event of the same type (so the same columns) is skipped without serializing anything.
  const perAsset = new Map<string, { values: Map<string, unknown>; types: Set<string> }>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    const event = entry.dagsterEvent;
    if (!event?.assetKey) continue;
    const key = event.assetKey.toString();
    let asset = perAsset.get(key);
    if (asset?.types.has(event.eventType)) continue;
    if (!asset) perAsset.set(key, (asset = { values: new Map(), types: new Set() }));
    asset.types.add(event.eventType);
    for (const [column, value] of assetEntryValues(entry, storageIds[i]!, schema)) if (!asset.values.has(column)) asset.values.set(column, value);
  }
  // Assets grouped by the columns they set: one statement shape per group.
  const groups = new Map<string, { columns: string[]; rows: unknown[][] }>();
  for (const [key, { values }] of perAsset) {
    if (values.size === 0) continue;
    const columns = ASSET_ENTRY_COLUMNS.filter((column) => values.has(column));
    const signature = columns.join(',');
    let group = groups.get(signature);
    if (!group) groups.set(signature, (group = { columns, rows: [] }));
    group.rows.push([key, ...columns.map((column) => values.get(column))]);
  }
  for (const { columns, rows } of groups.values()) {
    const row = `(${placeholders(columns.length + 1)})`;
    const update = columns.map((c) => `${c} = excluded.${c}`).join(', ');
    for (let start = 0; start < rows.length; start += UPSERT_CHUNK) {
      const chunk = rows.slice(start, start + UPSERT_CHUNK);
      await tx.run(
        `INSERT INTO asset_keys (asset_key, ${columns.join(', ')}) VALUES ${chunk.map(() => row).join(', ')}
     ON CONFLICT (asset_key) DO UPDATE SET ${update}`,
        chunk.flat(),
      );
    }
  }
}

/** Inserts the indexed tags of asset events (`store_asset_event_tags`), one statement for all. */
export async function storeAssetEventTags(tx: SqlExecutor, schema: IndexSchema, entries: readonly EventLogEntry[], storageIds: readonly number[]): Promise<void> {
  if (!schema.assetEventTags) return;
  const rows: unknown[][] = [];
  entries.forEach((entry, i) => {
    const assetKey = entry.dagsterEvent?.assetKey;
    const tags = entry.dagsterEvent?.isStepMaterialization || entry.dagsterEvent?.isAssetObservation ? (entry.tags ?? {}) : {};
    if (!assetKey) return;
    for (const [key, value] of Object.entries(tags)) {
      if (isIndexedAssetTag(key)) rows.push([storageIds[i], assetKey.toString(), key, value, toSqlTimestamp(entry.timestamp)]);
    }
  });
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    await tx.run(
      `INSERT INTO asset_event_tags (event_id, asset_key, "key", "value", event_timestamp) VALUES ${chunk.map(() => `(${placeholders(5)})`).join(', ')}`,
      chunk.flat(),
    );
  }
}

/**
 * Hides an asset's history: `asset_keys` records the wipe (events are kept; reads filter on the
 * wipe time), and a run-sharded index drops its mirrored events. Its `asset_check_executions` are kept,
 * as Dagster's `wipe_asset` keeps them (on a database shared with Dagster they are check history).
 */
export async function wipeAsset(ctx: EventLogContext, assetKey: AssetKey): Promise<void> {
  const schema = await ctx.schema();
  const wipeTimestamp = Date.now() / 1000;
  const values: [string, unknown][] = [
    ['asset_details', serializeValue(new AssetDetails({ lastWipeTimestamp: wipeTimestamp }))],
    ['last_run_id', null],
  ];
  if (schema.assetKeyIndexColumns) values.push(['wipe_timestamp', toSqlTimestamp(wipeTimestamp)]);
  if (schema.cachedStatusColumn) values.push(['cached_status_data', null]);
  const key = assetKey.toString();
  // Recorded first, outside the index: a rebuild of the index from the shards honours it.
  if (ctx.isRunSharded) await ctx.connections.wipeLog?.record({ assetKey: key, partitions: null, timestamp: toSqlTimestamp(wipeTimestamp) });
  await ctx.index.transaction(async (tx) => {
    await tx.run(`UPDATE asset_keys SET ${values.map(([c]) => `${c} = ?`).join(', ')} WHERE asset_key = ?`, [...values.map(([, v]) => v), key]);
    if (ctx.isRunSharded) await tx.run('DELETE FROM event_logs WHERE asset_key = ?', [key]);
  });
}

// ------------------------------------------------------------------------------------ partition wipes

/** Partition keys bound in one statement. */
const PARTITION_CHUNK = 500;

/** The asset event types a partition wipe hides (Dagster's ASSET_EVENTS, as stored). */
const WIPED_PARTITION_EVENT_TYPES: readonly string[] = [...ASSET_EVENTS];

/** The event types each recomputed `asset_keys` column is derived from (see `assetEntryValues`). */
const LAST_MATERIALIZATION_TYPES: readonly string[] = [E.ASSET_MATERIALIZATION];
const LAST_RUN_ID_TYPES: readonly string[] = [E.ASSET_MATERIALIZATION, E.ASSET_MATERIALIZATION_PLANNED];
const LAST_EVENT_TIMESTAMP_TYPES: readonly string[] = [E.ASSET_MATERIALIZATION, E.ASSET_MATERIALIZATION_PLANNED, E.ASSET_OBSERVATION];

function checkPartitionWipeArguments(assetKey: unknown, partitionKeys: unknown): asserts partitionKeys is readonly string[] {
  if (!(assetKey instanceof AssetKey)) throw new InvalidArgumentError('wipeAssetPartitions: assetKey must be an AssetKey');
  const ids = { assetKey: assetKey.toUserString() };
  if (!Array.isArray(partitionKeys) || partitionKeys.length === 0) {
    throw new InvalidArgumentError('wipeAssetPartitions: partitionKeys must be a non-empty list of partition keys', { ids });
  }
  for (const key of partitionKeys) {
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError(`wipeAssetPartitions: partition keys must be non-empty strings, got ${typeof key === 'string' ? '""' : String(key)}`, { ids });
    }
  }
}

/** The partition of a stored `asset_keys.last_materialization` value, whatever form it was stored in. */
function storedMaterializationPartition(value: unknown): string | null {
  if (value instanceof EventLogRecord) return value.partitionKey;
  if (value instanceof EventLogEntry) return value.dagsterEvent?.partition ?? null;
  if (value instanceof AssetMaterialization) return value.partition;
  return null;
}

/** The partition of the asset's newest event (by id) of the types, `undefined` when it has none. */
async function newestEventPartition(tx: SqlExecutor, key: string, types: readonly string[]): Promise<string | null | undefined> {
  const row = await tx.get<{ partition: string | null }>(
    `SELECT "partition" AS "partition" FROM event_logs WHERE asset_key = ? AND dagster_event_type IN (${placeholders(types.length)}) ORDER BY id DESC LIMIT 1`,
    [key, ...types],
  );
  return row ? row.partition : undefined;
}

/** The asset's newest readable event (by id) of the types after the wipe cutoff, or null. */
async function newestEventRecord(ctx: EventLogContext, tx: SqlExecutor, key: string, types: readonly string[], cutoff: string | null): Promise<EventLogRecord | null> {
  let before: number | null = null;
  for (;;) {
    const params: unknown[] = [key, ...types];
    let sql = `SELECT id, event FROM event_logs WHERE asset_key = ? AND dagster_event_type IN (${placeholders(types.length)})`;
    if (cutoff) {
      sql += ' AND "timestamp" > ?';
      params.push(cutoff);
    }
    if (before !== null) {
      sql += ' AND id < ?';
      params.push(before);
    }
    const rows = await tx.all<{ id: number | bigint; event: string }>(`${sql} ORDER BY id DESC LIMIT 20`, params);
    // Unreadable rows are skipped with a warning, as in every cross-run read.
    const [newest] = recordsSkippingBadRows(rows, ctx.logger);
    if (newest) return newest;
    if (rows.length < 20) return null;
    before = Number(rows[rows.length - 1]!.id);
  }
}

/**
 * Hides the asset events of some partitions of an asset, in one transaction of the index database.
 *
 * Run logs keep every event: on one database (Postgres, a single SQLite file) the rows stay, with
 * `asset_key` and `partition` cleared, so asset queries (which select by those columns) no longer
 * find them while queries by run id and the JSON body are unchanged; run-sharded, the run shards
 * are not touched and the mirrored copies in the index are deleted, as Dagster's asset wipe does.
 * In both, the rows' `asset_event_tags` go; `asset_keys.last_materialization`, `last_run_id` and
 * `last_materialization_timestamp` are recomputed from the events left since the asset's last wipe
 * when the event they came from was wiped (null when none is left); `cached_status_data` is
 * cleared. The asset row stays, and asset check executions are left alone. Dagster reading the
 * database sees the same: it selects asset events by the same columns.
 */
export async function wipeAssetPartitions(ctx: EventLogContext, assetKey: AssetKey, partitionKeys: readonly string[]): Promise<void> {
  checkPartitionWipeArguments(assetKey, partitionKeys);
  const partitions = [...new Set(partitionKeys)];
  const wiped = new Set(partitions);
  const schema = await ctx.schema();
  const key = assetKey.toString();
  const types = WIPED_PARTITION_EVENT_TYPES;
  // Recorded first, outside the index: a rebuild of the index from the shards honours it.
  if (ctx.isRunSharded) await ctx.connections.wipeLog?.record({ assetKey: key, partitions, timestamp: toSqlTimestamp(Date.now() / 1000) });
  await ctx.index.transaction(async (tx) => {
    // Postgres: hold the asset row, so that a materialization stored meanwhile updates it after this one.
    const row = await tx.get<{ id: number | bigint; last_materialization: string | null; asset_details: string | null }>(
      `SELECT id, last_materialization, asset_details FROM asset_keys WHERE asset_key = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
      [key],
    );

    // Which columns came from an event about to be wiped (read before anything changes).
    let stored: unknown = null;
    try {
      stored = row?.last_materialization ? deserializeValue(row.last_materialization) : null;
    } catch {
      stored = null; // unreadable: recomputed below if the newest materialization is wiped
    }
    const isWiped = (partition: string | null | undefined) => partition !== null && partition !== undefined && wiped.has(partition);
    const recompute = {
      lastMaterialization: isWiped(storedMaterializationPartition(stored)) || isWiped(await newestEventPartition(tx, key, LAST_MATERIALIZATION_TYPES)),
      lastRunId: isWiped(await newestEventPartition(tx, key, LAST_RUN_ID_TYPES)),
      lastTimestamp: schema.assetKeyIndexColumns && isWiped(await newestEventPartition(tx, key, LAST_EVENT_TIMESTAMP_TYPES)),
    };

    for (let start = 0; start < partitions.length; start += PARTITION_CHUNK) {
      const chunk = partitions.slice(start, start + PARTITION_CHUNK);
      const match = `asset_key = ? AND dagster_event_type IN (${placeholders(types.length)}) AND "partition" IN (${placeholders(chunk.length)})`;
      const params = [key, ...types, ...chunk];
      if (schema.assetEventTags) {
        await tx.run(`DELETE FROM asset_event_tags WHERE asset_key = ? AND event_id IN (SELECT id FROM event_logs WHERE ${match})`, [key, ...params]);
      }
      if (ctx.isRunSharded) await tx.run(`DELETE FROM event_logs WHERE ${match}`, params);
      else await tx.run(`UPDATE event_logs SET asset_key = NULL, "partition" = NULL WHERE ${match}`, params);
    }

    if (!row) return;
    const cutoff = wipeCutoff(row.asset_details ? readSerdes(row.asset_details, AssetDetails, 'asset_keys', row.id) : null);
    const values: [string, unknown][] = [];
    if (recompute.lastMaterialization) {
      const latest = await newestEventRecord(ctx, tx, key, LAST_MATERIALIZATION_TYPES, cutoff);
      values.push(['last_materialization', latest ? serializeValue(latest) : null]);
    }
    if (recompute.lastRunId) values.push(['last_run_id', (await newestEventRecord(ctx, tx, key, LAST_RUN_ID_TYPES, cutoff))?.runId ?? null]);
    if (recompute.lastTimestamp) {
      const latest = await newestEventRecord(ctx, tx, key, LAST_EVENT_TIMESTAMP_TYPES, cutoff);
      values.push(['last_materialization_timestamp', latest ? toSqlTimestamp(latest.timestamp) : null]);
    }
    if (schema.cachedStatusColumn) values.push(['cached_status_data', null]);
    if (values.length === 0) return;
    await tx.run(`UPDATE asset_keys SET ${values.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`, [...values.map(([, value]) => value), row.id]);
  });
}

export async function updateAssetCachedStatusData(ctx: EventLogContext, assetKey: AssetKey, cacheValues: AssetStatusCacheValue): Promise<void> {
  if (!(await ctx.schema()).cachedStatusColumn) return;
  await ctx.index.run('UPDATE asset_keys SET cached_status_data = ? WHERE asset_key = ?', [serializeValue(cacheValues), assetKey.toString()]);
}

export async function wipeAssetCachedStatus(ctx: EventLogContext, assetKey: AssetKey): Promise<void> {
  if (!(await ctx.schema()).cachedStatusColumn) return;
  await ctx.index.run('UPDATE asset_keys SET cached_status_data = NULL WHERE asset_key = ?', [assetKey.toString()]);
}

// ------------------------------------------------------------------------------------ asset rows

interface AssetRow {
  id: number | bigint;
  asset_key: string;
  last_materialization: string | null;
  last_run_id: string | null;
  asset_details: string | null;
  cached_status_data?: string | null;
  last_materialization_timestamp?: string | null;
  wipe_timestamp?: string | null;
}

interface AssetRowFilter {
  readonly assetKeys?: readonly AssetKey[] | undefined;
  readonly prefix?: readonly string[] | undefined;
  readonly limit?: number | null | undefined;
  readonly cursor?: string | null | undefined;
  /** The caller reads only `id`, `asset_key` and `last_materialization`: on a migrated index, only those are selected. */
  readonly lean?: boolean;
}

function readSerdes<T>(json: string, cls: new (...args: never[]) => T, table: string, rowId: number | bigint): T {
  try {
    return deserializeValue(json, { as: cls as never }) as T;
  } catch (cause) {
    throw new CorruptRowError(table, Number(rowId), { cause });
  }
}

function rowAssetDetails(row: AssetRow): AssetDetails | null {
  return row.asset_details ? readSerdes(row.asset_details, AssetDetails, 'asset_keys', row.id) : null;
}

/** The `asset_keys.last_materialization` value: an EventLogRecord, or an older form (entry, bare materialization). */
function rowLastMaterialization(row: AssetRow): unknown {
  if (!row.last_materialization) return null;
  try {
    // Lazy: most callers read a field or two of a latest materialization (see parseEntry).
    return deserializeValue(row.last_materialization, { lazy: true, lazyError: corruptRow('asset_keys', Number(row.id)) });
  } catch (cause) {
    throw new CorruptRowError('asset_keys', Number(row.id), { cause });
  }
}

/**
 * Keys stored under `prefix`: `["b"` matches `["b", "x"]` but not `["banana"]`. LIKE (with its
 * wildcards escaped) narrows on an index; the substr comparison makes it exact, since SQLite's
 * LIKE ignores ASCII case. Stored keys are ASCII (`json.dumps` escapes the rest), so lengths agree.
 */
function prefixCondition(prefix: readonly string[]): { sql: string; params: unknown[] } {
  const text = new AssetKey(prefix).toString().slice(0, -1);
  const pattern = `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return { sql: "asset_key LIKE ? ESCAPE '\\' AND substr(asset_key, 1, ?) = ?", params: [pattern, text.length, text] };
}

async function fetchRawAssetRows(
  ctx: EventLogContext,
  schema: IndexSchema,
  filter: AssetRowFilter,
  migrated: boolean,
  withExistenceColumns: boolean,
): Promise<AssetRow[]> {
  // A migrated index needs no wipe check here, so a lean read skips the other columns (cached status can be large).
  const columns = filter.lean && migrated ? ['id', 'asset_key', 'last_materialization'] : ['id', 'asset_key', 'last_materialization', 'last_run_id', 'asset_details'];
  if (schema.cachedStatusColumn && !(filter.lean && migrated)) columns.push('cached_status_data');
  if (withExistenceColumns) columns.push('last_materialization_timestamp', 'wipe_timestamp');
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.assetKeys) {
    where.push(`asset_key IN (${placeholders(filter.assetKeys.length)})`);
    params.push(...filter.assetKeys.map((key) => key.toString()));
  }
  if (filter.prefix && filter.prefix.length > 0) {
    const condition = prefixCondition(filter.prefix);
    where.push(condition.sql);
    params.push(...condition.params);
  }
  if (filter.cursor) {
    where.push('asset_key > ?');
    params.push(filter.cursor);
  }
  if (migrated) where.push('(wipe_timestamp IS NULL OR last_materialization_timestamp > wipe_timestamp)');
  let sql = `SELECT ${columns.join(', ')} FROM asset_keys${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY asset_key ASC`;
  if (filter.limit) {
    sql += ' LIMIT ?';
    params.push(filter.limit);
  }
  return ctx.index.all<AssetRow>(sql, params);
}

/** Latest materialization time per asset from the events themselves (for rows that predate the existence columns). */
async function backcompatMaterializationTimes(ctx: EventLogContext, keys: readonly string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await ctx.index.all<{ asset_key: string; ts: string | null }>(
    `SELECT asset_key, MAX("timestamp") AS ts FROM event_logs WHERE asset_key IN (${placeholders(keys.length)}) GROUP BY asset_key`,
    keys,
  );
  return new Map(rows.filter((r) => r.ts !== null).map((r) => [r.asset_key, fromSqlTimestamp(r.ts!)]));
}

/**
 * Drops the rows of assets wiped and not materialized since, for a database whose existence
 * columns are not built yet (Dagster's slow path of `_fetch_raw_asset_rows`).
 */
async function keepUnwipedRows(ctx: EventLogContext, rows: readonly AssetRow[]): Promise<AssetRow[]> {
  const kept: AssetRow[] = [];
  const toCheck = new Map<string, number>();
  for (const row of rows) {
    const wipedAt = rowAssetDetails(row)?.lastWipeTimestamp;
    if (!wipedAt) {
      kept.push(row);
      continue;
    }
    const last = rowLastMaterialization(row);
    const lastTimestamp = last instanceof EventLogRecord ? last.timestamp : last instanceof EventLogEntry ? last.timestamp : null;
    if (lastTimestamp !== null) {
      if (wipedAt <= lastTimestamp) kept.push(row);
      continue;
    }
    kept.push(row);
    toCheck.set(row.asset_key, wipedAt);
  }
  const times = await backcompatMaterializationTimes(ctx, [...toCheck.keys()]);
  return kept.filter((row) => {
    const wipedAt = toCheck.get(row.asset_key);
    if (wipedAt === undefined) return true;
    const materializedAt = times.get(row.asset_key);
    return materializedAt !== undefined && materializedAt >= wipedAt;
  });
}

/** Whether every row has its existence columns filled (then the secondary index can be marked built). */
function canMarkAssetsAsMigrated(rows: readonly AssetRow[]): boolean {
  return rows.every((row) => row.last_materialization_timestamp && !(row.asset_details && !row.wipe_timestamp));
}

/**
 * The `asset_keys` rows of assets that exist (not wiped, or with events since the wipe), ordered
 * by key string, as Dagster's `_fetch_asset_rows`: filtered in SQL once `asset_key_index_columns`
 * is built, otherwise by reading the wipe details, over-fetching to fill a limit.
 */
async function fetchAssetRows(ctx: EventLogContext, filter: AssetRowFilter = {}): Promise<AssetRow[]> {
  if (filter.assetKeys && filter.assetKeys.length === 0) return [];
  const schema = await ctx.schema();
  if (await ctx.hasSecondaryIndex(ASSET_KEY_INDEX_COLUMNS)) return fetchRawAssetRows(ctx, schema, filter, true, false);

  const isPartial = filter.assetKeys !== undefined || Boolean(filter.prefix?.length) || Boolean(filter.limit) || Boolean(filter.cursor);
  const limit = filter.limit ?? null;
  const fetchLimit = limit ? Math.max(limit, MIN_ASSET_ROWS) : null;
  const result: AssetRow[] = [];
  let cursor = filter.cursor ?? null;
  for (;;) {
    const raw = await fetchRawAssetRows(ctx, schema, { ...filter, limit: fetchLimit, cursor }, false, schema.assetKeyIndexColumns && !isPartial);
    if (!isPartial && schema.assetKeyIndexColumns && canMarkAssetsAsMigrated(raw)) await ctx.markSecondaryIndexBuilt(ASSET_KEY_INDEX_COLUMNS);
    result.push(...(await keepUnwipedRows(ctx, raw)));
    const hasMore = fetchLimit !== null && raw.length === fetchLimit;
    if (!hasMore || !limit || result.length >= limit) break;
    cursor = raw[raw.length - 1]!.asset_key;
  }
  return limit ? result.slice(0, limit) : result;
}

function sortedKeys(rows: readonly AssetRow[]): AssetKey[] {
  return [...rows]
    .sort((a, b) => compareCodePoints(a.asset_key, b.asset_key))
    .map((row) => AssetKey.fromString(row.asset_key))
    .filter((key): key is AssetKey => key !== null);
}

export async function allAssetKeys(ctx: EventLogContext): Promise<AssetKey[]> {
  return sortedKeys(await fetchAssetRows(ctx, { lean: true }));
}

export async function getAssetKeys(ctx: EventLogContext, prefix?: readonly string[], limit?: number, cursor?: string): Promise<AssetKey[]> {
  return sortedKeys(await fetchAssetRows(ctx, { prefix, limit: limit || null, cursor: cursor || null, lean: true }));
}

export async function hasAssetKey(ctx: EventLogContext, assetKey: AssetKey): Promise<boolean> {
  return (await fetchAssetRows(ctx, { assetKeys: [assetKey], lean: true })).length > 0;
}

/**
 * The latest materialization record of each row: the stored EventLogRecord, or for older rows
 * (an entry, a bare materialization, or none) the newest materialization event of the asset.
 */
async function latestMaterializationRecords(ctx: EventLogContext, rows: readonly AssetRow[]): Promise<Map<string, EventLogRecord>> {
  const result = new Map<string, EventLogRecord>();
  const backcompat: string[] = [];
  for (const row of rows) {
    const last = rowLastMaterialization(row);
    if (last instanceof EventLogRecord) result.set(row.asset_key, last);
    else backcompat.push(row.asset_key);
  }
  if (backcompat.length > 0) {
    const events = await ctx.index.all<{ asset_key: string; id: number | bigint; event: string }>(
      `SELECT e.asset_key, e.id, e.event FROM event_logs e
         JOIN (SELECT asset_key, MAX(id) AS id FROM event_logs
                WHERE asset_key IN (${placeholders(backcompat.length)}) AND dagster_event_type = ? GROUP BY asset_key) latest
           ON e.asset_key = latest.asset_key AND e.id = latest.id`,
      [...backcompat, E.ASSET_MATERIALIZATION],
    );
    for (const row of events) {
      const id = Number(row.id);
      result.set(row.asset_key, new EventLogRecord({ storageId: id, eventLogEntry: parseEntry(row.event, 'event_logs', id) }));
    }
  }
  return result;
}

export async function getAssetRecords(ctx: EventLogContext, assetKeys?: readonly AssetKey[]): Promise<AssetRecord[]> {
  const rows = await fetchAssetRows(ctx, { assetKeys });
  const latest = await latestMaterializationRecords(ctx, rows);
  const records: AssetRecord[] = [];
  for (const row of rows) {
    const assetKey = AssetKey.fromString(row.asset_key);
    if (!assetKey) continue;
    records.push(
      new AssetRecord({
        storageId: Number(row.id),
        assetEntry: new AssetEntry({
          assetKey,
          lastMaterializationRecord: latest.get(row.asset_key) ?? null,
          lastRunId: row.last_run_id,
          assetDetails: rowAssetDetails(row),
          cachedStatus: row.cached_status_data ? readSerdes(row.cached_status_data, AssetStatusCacheValue, 'asset_keys', row.id) : null,
        }),
      }),
    );
  }
  return records;
}

/** Entries keyed by the AssetKey instances passed in; assets that do not exist are absent. */
export async function getLatestMaterializationEvents(ctx: EventLogContext, assetKeys: readonly AssetKey[]): Promise<Map<AssetKey, EventLogEntry | null>> {
  const rows = await fetchAssetRows(ctx, { assetKeys, lean: true });
  const latest = await latestMaterializationRecords(ctx, rows);
  const present = new Set(rows.map((row) => row.asset_key));
  const result = new Map<AssetKey, EventLogEntry | null>();
  for (const key of assetKeys) {
    const text = key.toString();
    if (present.has(text)) result.set(key, latest.get(text)?.eventLogEntry ?? null);
  }
  return result;
}

/** Wipe details of each key (null for keys never wiped or unknown). */
export async function assetDetailsByKey(db: SqlExecutor, assetKeys: readonly AssetKey[]): Promise<Map<string, AssetDetails | null>> {
  const result = new Map<string, AssetDetails | null>();
  if (assetKeys.length === 0) return result;
  const rows = await db.all<{ id: number | bigint; asset_key: string; asset_details: string | null }>(
    `SELECT id, asset_key, asset_details FROM asset_keys WHERE asset_key IN (${placeholders(assetKeys.length)})`,
    assetKeys.map((key) => key.toString()),
  );
  for (const row of rows) result.set(row.asset_key, row.asset_details ? readSerdes(row.asset_details, AssetDetails, 'asset_keys', row.id) : null);
  return result;
}

/** The naive-UTC wipe time of an asset, or null. */
export async function assetWipeCutoff(db: SqlExecutor, assetKey: AssetKey): Promise<string | null> {
  return wipeCutoff((await assetDetailsByKey(db, [assetKey])).get(assetKey.toString()));
}

// ------------------------------------------------------------------------------------ tags

export async function getEventTagsForAsset(
  ctx: EventLogContext,
  assetKey: AssetKey,
  filterTags?: Readonly<Record<string, string>>,
  filterEventId?: number,
): Promise<Record<string, string>[]> {
  if (!(await ctx.schema()).assetEventTags) {
    throw new InvalidArgumentError('In order to search for asset event tags, you must run `inst instance migrate` to create the AssetEventTags table.');
  }
  const key = assetKey.toString();
  const joins: string[] = [];
  const params: unknown[] = [];
  Object.entries(filterTags ?? {}).forEach(([tagKey, tagValue], i) => {
    joins.push(`JOIN asset_event_tags f${i} ON f${i}.event_id = t.event_id AND f${i}.asset_key = ? AND f${i}."key" = ? AND f${i}."value" = ?`);
    params.push(key, tagKey, tagValue);
  });
  const where = ['t.asset_key = ?'];
  params.push(key);
  const cutoff = await assetWipeCutoff(ctx.index, assetKey);
  if (cutoff) {
    where.push('t.event_timestamp > ?');
    params.push(cutoff);
  }
  if (filterEventId !== undefined && filterEventId !== null) {
    where.push('t.event_id = ?');
    params.push(filterEventId);
  }
  const rows = await ctx.index.all<{ key: string; value: string; event_id: number | bigint }>(
    `SELECT t."key" AS "key", t."value" AS "value", t.event_id AS event_id FROM asset_event_tags t ${joins.join(' ')}
      WHERE ${where.join(' AND ')} ORDER BY t.event_id, t.id`,
    params,
  );
  const byEvent = new Map<number, Record<string, string>>();
  for (const row of rows) {
    const id = Number(row.event_id);
    const tags = byEvent.get(id) ?? {};
    tags[row.key] = row.value;
    byEvent.set(id, tags);
  }
  return [...byEvent.values()];
}

// ------------------------------------------------------------------------------------ partitions

export async function getAssetRunIds(ctx: EventLogContext, assetKey: AssetKey): Promise<string[]> {
  const params: unknown[] = [assetKey.toString()];
  let wipe = '';
  const cutoff = await assetWipeCutoff(ctx.index, assetKey);
  if (cutoff) {
    wipe = ' AND "timestamp" > ?';
    params.push(cutoff);
  }
  const rows = await ctx.index.all<{ run_id: string }>(
    `SELECT run_id, MAX("timestamp") AS last FROM event_logs WHERE asset_key = ?${wipe} GROUP BY run_id ORDER BY MAX("timestamp") DESC`,
    params,
  );
  return rows.map((row) => row.run_id);
}

export async function getMaterializationCountByPartition(
  ctx: EventLogContext,
  assetKeys: readonly AssetKey[],
  afterCursor?: number,
): Promise<Map<AssetKey, Map<string, number>>> {
  const result = new Map<AssetKey, Map<string, number>>(assetKeys.map((key) => [key, new Map()]));
  if (assetKeys.length === 0) return result;
  const details = await assetDetailsByKey(ctx.index, assetKeys);
  const params: unknown[] = [...assetKeys.map((key) => key.toString()), E.ASSET_MATERIALIZATION];
  const wipes: string[] = [];
  for (const key of assetKeys) {
    const cutoff = wipeCutoff(details.get(key.toString()));
    if (!cutoff) continue;
    wipes.push(' AND (asset_key <> ? OR "timestamp" > ?)');
    params.push(key.toString(), cutoff);
  }
  let after = '';
  if (afterCursor) {
    after = ' AND id > ?';
    params.push(afterCursor);
  }
  const rows = await ctx.index.all<{ asset_key: string; partition: string; n: number | bigint }>(
    `SELECT asset_key, "partition" AS "partition", COUNT(id) AS n FROM event_logs
      WHERE asset_key IN (${placeholders(assetKeys.length)}) AND "partition" IS NOT NULL AND dagster_event_type = ?${wipes.join('')}${after}
      GROUP BY asset_key, "partition"`,
    params,
  );
  const byKeyString = new Map([...result].map(([key, counts]) => [key.toString(), counts]));
  for (const row of rows) byKeyString.get(row.asset_key)?.set(row.partition, Number(row.n));
  return result;
}

export async function getMaterializedPartitions(ctx: EventLogContext, assetKey: AssetKey, beforeCursor?: number, afterCursor?: number): Promise<Set<string>> {
  const params: unknown[] = [assetKey.toString(), E.ASSET_MATERIALIZATION];
  let sql = 'SELECT DISTINCT "partition" AS "partition" FROM event_logs WHERE asset_key = ? AND "partition" IS NOT NULL AND dagster_event_type = ?';
  const cutoff = await assetWipeCutoff(ctx.index, assetKey);
  if (cutoff) {
    sql += ' AND "timestamp" > ?';
    params.push(cutoff);
  }
  if (afterCursor) {
    sql += ' AND id > ?';
    params.push(afterCursor);
  }
  if (beforeCursor) {
    sql += ' AND id < ?';
    params.push(beforeCursor);
  }
  const rows = await ctx.index.all<{ partition: string }>(sql, params);
  return new Set(rows.map((row) => row.partition));
}

/** The latest event id per (event type, partition) of an asset since its wipe (`_latest_event_ids_by_partition_subquery`). */
async function latestEventIdsByPartition(
  ctx: EventLogContext,
  assetKey: AssetKey,
  eventTypes: readonly DagsterEventType[],
  options: { partitions?: readonly string[] | null; beforeCursor?: number | null; afterCursor?: number | null } = {},
): Promise<{ sql: string; params: unknown[] }> {
  const params: unknown[] = [assetKey.toString(), ...eventTypes];
  let sql = `SELECT dagster_event_type, "partition" AS "partition", MAX(id) AS id FROM event_logs
              WHERE asset_key = ? AND "partition" IS NOT NULL AND dagster_event_type IN (${placeholders(eventTypes.length)})`;
  if (options.partitions) {
    sql += ` AND "partition" IN (${placeholders(options.partitions.length)})`;
    params.push(...options.partitions);
  }
  if (options.beforeCursor !== undefined && options.beforeCursor !== null) {
    sql += ' AND id < ?';
    params.push(options.beforeCursor);
  }
  if (options.afterCursor !== undefined && options.afterCursor !== null) {
    sql += ' AND id > ?';
    params.push(options.afterCursor);
  }
  const cutoff = await assetWipeCutoff(ctx.index, assetKey);
  if (cutoff) {
    sql += ' AND "timestamp" > ?';
    params.push(cutoff);
  }
  return { sql: `${sql} GROUP BY dagster_event_type, "partition"`, params };
}

export async function getLatestStorageIdByPartition(
  ctx: EventLogContext,
  assetKey: AssetKey,
  eventType: DagsterEventType,
  partitions?: Iterable<string>,
): Promise<Map<string, number>> {
  // As Dagster: an empty selection means no partition filter.
  const list = partitions ? [...partitions] : [];
  const sub = await latestEventIdsByPartition(ctx, assetKey, [eventType], { partitions: list.length > 0 ? list : null });
  const rows = await ctx.index.all<{ partition: string; id: number | bigint }>(sub.sql, sub.params);
  return new Map(rows.map((row) => [row.partition, Number(row.id)]));
}

export async function getLatestTagsByPartition(
  ctx: EventLogContext,
  assetKey: AssetKey,
  eventType: DagsterEventType,
  tagKeys: readonly string[],
  assetPartitions?: readonly string[],
  beforeCursor?: number,
  afterCursor?: number,
): Promise<Map<string, Record<string, string>>> {
  if (tagKeys.length === 0 || !tagKeys.every(isIndexedAssetTag)) {
    throw new InvalidArgumentError('Only a limited set of tag keys are whitelisted for querying the latest tag values by partition.');
  }
  const result = new Map<string, Record<string, string>>();
  if (assetPartitions && assetPartitions.length === 0) return result;
  const sub = await latestEventIdsByPartition(ctx, assetKey, [eventType], { partitions: assetPartitions ?? null, beforeCursor, afterCursor });
  const rows = await ctx.index.all<{ partition: string; key: string; value: string }>(
    `SELECT l."partition" AS "partition", t."key" AS "key", t."value" AS "value"
       FROM (${sub.sql}) l JOIN asset_event_tags t ON t.event_id = l.id
      WHERE t."key" IN (${placeholders(tagKeys.length)}) ORDER BY t.id`,
    [...sub.params, ...tagKeys],
  );
  for (const row of rows) {
    const tags = result.get(row.partition) ?? {};
    tags[row.key] = row.value;
    result.set(row.partition, tags);
  }
  return result;
}

/**
 * Partitions whose latest planned materialization has no materialization after it:
 * partition → [run id, planned event storage id].
 */
export async function getLatestAssetPartitionMaterializationAttemptsWithoutMaterializations(
  ctx: EventLogContext,
  assetKey: AssetKey,
  afterStorageId?: number,
): Promise<Map<string, [string, number]>> {
  const sub = await latestEventIdsByPartition(ctx, assetKey, [E.ASSET_MATERIALIZATION, E.ASSET_MATERIALIZATION_PLANNED], {
    afterCursor: afterStorageId ?? null,
  });
  const rows = await ctx.index.all<{ dagster_event_type: string; partition: string; run_id: string; id: number | bigint }>(
    `SELECT e.dagster_event_type, e."partition" AS "partition", e.run_id, e.id FROM (${sub.sql}) l JOIN event_logs e ON e.id = l.id ORDER BY e.id`,
    sub.params,
  );
  const planned = new Map<string, [string, number]>();
  for (const row of rows) if (row.dagster_event_type === E.ASSET_MATERIALIZATION_PLANNED) planned.set(row.partition, [row.run_id, Number(row.id)]);
  for (const row of rows) {
    if (row.dagster_event_type !== E.ASSET_MATERIALIZATION) continue;
    const plannedEvent = planned.get(row.partition);
    if (plannedEvent && plannedEvent[1] < Number(row.id)) planned.delete(row.partition);
  }
  return planned;
}

/** The latest `dagster/data_version` of each partition among materializations and observations in a storage id range. */
async function partitionDataVersions(
  ctx: EventLogContext,
  assetKey: AssetKey,
  partitions: readonly string[],
  range: { before?: number; after?: number },
): Promise<Map<string, string>> {
  const key = assetKey.toString();
  const eventParams: unknown[] = [E.ASSET_MATERIALIZATION, E.ASSET_OBSERVATION, key, ...partitions];
  const tagParams: unknown[] = [RUN_TAGS.DATA_VERSION, key];
  let eventRange = '';
  let tagRange = '';
  if (range.before !== undefined) {
    eventRange += ' AND id < ?';
    tagRange += ' AND event_id < ?';
    eventParams.push(range.before);
    tagParams.push(range.before);
  }
  if (range.after !== undefined) {
    eventRange += ' AND id > ?';
    tagRange += ' AND event_id > ?';
    eventParams.push(range.after);
    tagParams.push(range.after);
  }
  const rows = await ctx.index.all<{ partition: string; value: string | null }>(
    `SELECT ranked."partition" AS "partition", ranked."value" AS "value" FROM (
       SELECT p."partition" AS "partition", d."value" AS "value", RANK() OVER (PARTITION BY p."partition" ORDER BY p.id DESC) AS rnk
         FROM (SELECT "partition", id FROM event_logs
                WHERE dagster_event_type IN (?, ?) AND asset_key = ? AND "partition" IN (${placeholders(partitions.length)})${eventRange}) p
         JOIN (SELECT event_id, "value" FROM asset_event_tags WHERE "key" = ? AND asset_key = ?${tagRange}) d ON d.event_id = p.id
     ) ranked WHERE ranked.rnk = 1`,
    [...eventParams, ...tagParams],
  );
  return new Map(rows.filter((row) => row.value !== null).map((row) => [row.partition, row.value!]));
}

/** Partitions whose data version changed after `sinceStorageId`. */
export async function getUpdatedDataVersionPartitions(
  ctx: EventLogContext,
  assetKey: AssetKey,
  partitions: Iterable<string>,
  sinceStorageId: number,
): Promise<Set<string>> {
  const list = [...partitions];
  const updated = new Set<string>();
  if (list.length === 0 || !(await ctx.schema()).assetEventTags) return updated;
  const previous = await partitionDataVersions(ctx, assetKey, list, { before: sinceStorageId + 1 });
  const current = await partitionDataVersions(ctx, assetKey, list, { after: sinceStorageId });
  for (const [partition, version] of current) if (version && version !== previous.get(partition)) updated.add(partition);
  return updated;
}
