import { existsSync, realpathSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { SqlEventLogStorage, type EventLogConnections, type RunChangeProbe, type SqlEventLogStorageOptions, type WipeLog, type WipeRecord } from '@inst/storage-sql';
import type { SqlExecutor } from '@inst/storage-sql';
import { openSqliteLayout, type SqliteLayout, type SqliteLayoutOptions } from './layout.js';

/*
 * Dagster's default SQLite event log: one shard per run under `history/runs/`, the index shard
 * `history/runs/index.db` (facts §2, §6.2), over a {@link SqliteLayout}.
 */

/** Layouts opened on the same home in this process share an identity, so their storages wake each other's watchers. */
const identities = new WeakMap<SqliteLayout, string>();

function identityOf(layout: SqliteLayout): string {
  let identity = identities.get(layout);
  if (!identity) {
    identity = layout.home === null ? `sqlite-memory:${randomUUID()}` : `sqlite:${realpathSync(layout.home)}`;
    identities.set(layout, identity);
  }
  return identity;
}

/** Options of {@link sqliteEventLogConnections}. */
export interface SqliteEventLogConnectionsOptions {
  /** Close the layout when the connections close. Default false: the caller owns it. */
  readonly closeLayout?: boolean;
}

/**
 * The run-sharded connections of a layout. Another process's writes to a run are noticed with
 * `PRAGMA data_version` on the run's shard, which changes when another connection commits to it.
 */
export function sqliteEventLogConnections(layout: SqliteLayout, options: SqliteEventLogConnectionsOptions = {}): EventLogConnections {
  const hasShard = (runId: string): boolean => (layout.paths === null ? layout.shardIds().includes(runId) : existsSync(layout.paths.shard(runId)));
  return {
    dialect: 'sqlite',
    isRunSharded: true,
    isPersistent: !layout.inMemory,
    identity: identityOf(layout),
    index: layout.index,
    forRun: (runId) => layout.shard(runId),
    readRun: async (runId): Promise<SqlExecutor | null> => {
      if (hasShard(runId)) return layout.shard(runId);
      await layout.assertShardNotLost(runId);
      return null;
    },
    markIndexedWrite: (runIds) => layout.markIndexedWrite(runIds),
    runIds: () => Promise.resolve(layout.shardIds()),
    dropRun: (runId) => layout.dropShard(runId),
    changeProbe(runId): RunChangeProbe {
      // In memory only this process writes, and it wakes its watchers itself.
      if (layout.inMemory) return { changed: () => Promise.resolve(false) };
      let last: number | undefined;
      let existed = false;
      return {
        async changed() {
          if (!hasShard(runId)) return false;
          if (!existed) {
            existed = true;
            return true;
          }
          const row = await (await layout.shard(runId)).get<{ data_version: number }>('PRAGMA data_version');
          const changed = row?.data_version !== last;
          last = row?.data_version;
          return changed;
        },
      };
    },
    wipeLog: kvsWipeLog(layout),
    allRunsChangeProbe(): RunChangeProbe {
      if (layout.inMemory) return { changed: () => Promise.resolve(false) };
      // The all-runs log is index.db's event_logs (the copies of asset and run-status events).
      let last: number | undefined;
      return {
        async changed() {
          const row = await layout.index.get<{ data_version: number }>('PRAGMA data_version');
          const changed = row?.data_version !== last;
          last = row?.data_version;
          return changed;
        },
      };
    },
    close: () => (options.closeLayout ? layout.close() : Promise.resolve()),
  };
}

/** Key prefix of the wipe log's rows in `runs.db`'s `kvs` (Dagster keeps its own keys there and ignores others). */
export const WIPE_LOG_KEY_PREFIX = 'inst/asset_wipe/';

/**
 * The wipe log of a layout (see `EventLogConnections.wipeLog`): one `kvs` row of `runs.db` per
 * wipe — outside index.db, so that a rebuild of a lost index still knows what was wiped.
 */
function kvsWipeLog(layout: SqliteLayout): WipeLog {
  return {
    async record(wipe) {
      await layout.runs.run('INSERT INTO kvs (key, value) VALUES (?, ?)', [`${WIPE_LOG_KEY_PREFIX}${wipe.timestamp}/${randomUUID()}`, JSON.stringify(wipe)]);
    },
    async read() {
      const rows = await layout.runs.all<{ value: string }>("SELECT value FROM kvs WHERE key >= ? AND key < ? ORDER BY key", [WIPE_LOG_KEY_PREFIX, `${WIPE_LOG_KEY_PREFIX}\uffff`]);
      return rows.map((row) => JSON.parse(row.value) as WipeRecord);
    },
  };
}

/** Options of {@link openSqliteEventLogStorage}. */
export interface SqliteEventLogStorageOptions extends SqlEventLogStorageOptions {
  /** Options of the layout opened for a home (ignored when a layout is passed). */
  readonly layout?: SqliteLayoutOptions;
}

/**
 * Dagster's SQLite event log storage under an instance home (or `':memory:'`), or over an
 * already open layout shared with the other storages. A layout it opens itself is closed on
 * dispose; a passed one is left to its owner.
 */
export async function openSqliteEventLogStorage(homeOrLayout: string | SqliteLayout, options: SqliteEventLogStorageOptions = {}): Promise<SqlEventLogStorage> {
  const { layout: layoutOptions, ...storageOptions } = options;
  const owned = typeof homeOrLayout === 'string';
  const layout = owned ? await openSqliteLayout(homeOrLayout, layoutOptions) : homeOrLayout;
  const storage = new SqlEventLogStorage(sqliteEventLogConnections(layout, { closeLayout: owned }), storageOptions);
  try {
    await recoverIndex(layout, storage);
  } catch (error) {
    await storage.dispose();
    throw error;
  }
  return storage;
}

/**
 * On open: an index.db recreated for a home with runs is rebuilt from the shards; otherwise each
 * run named by a marker of a killed writer (its shard committed, its index copies perhaps not)
 * gets its index copies repaired. The markers go once handled.
 */
async function recoverIndex(layout: SqliteLayout, storage: SqlEventLogStorage): Promise<void> {
  const pending = layout.pendingIndexWrites();
  if (layout.indexRecreated) {
    await storage.rebuildIndex();
  } else {
    for (const runId of new Set(pending.flatMap((p) => p.runIds))) await storage.repairRunIndex(runId);
  }
  for (const marker of pending) rmSync(marker.file, { force: true });
}
