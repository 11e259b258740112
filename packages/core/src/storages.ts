import { dirname, join, resolve } from 'node:path';
import { ConfigError, NotSupportedError } from '@inst/errors';
import type { StorageConfig } from '@inst/settings';
import type { EventLogStorage, RunStorage, ScheduleStorage } from '@inst/storage';
import {
  EVENT_LOG_METADATA,
  getSchemaState,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  type EventLogLogger,
  type SchemaMetadata,
  type SqlExecutor,
} from '@inst/storage-sql';
import type { StorageName } from './arguments';
import { loadPostgresBackend, loadSqliteBackend } from './components';

/** The storages of one instance and how to close what they share. */
export interface OpenedStorages {
  readonly runStorage: RunStorage;
  readonly eventLogStorage: EventLogStorage;
  readonly scheduleStorage: ScheduleStorage | undefined;
  /**
   * Whether a storage's database is newer than inst: stamped with a revision inst does not know while nothing of
   * inst's schema is missing (an unknown revision with tables missing is an older Dagster's). Read-only probe.
   */
  readonly newerThanHead?: (storage: StorageName) => Promise<boolean>;
  dispose(): Promise<void>;
}

const METADATA_OF: Record<StorageName, SchemaMetadata> = {
  run_storage: RUN_STORAGE_METADATA,
  event_log_storage: EVENT_LOG_METADATA,
  schedule_storage: SCHEDULE_STORAGE_METADATA,
};

/** {@link OpenedStorages.newerThanHead} over the database each storage lives in. */
function newerThanHeadOf(databaseOf: (storage: StorageName) => SqlExecutor): (storage: StorageName) => Promise<boolean> {
  return async (storage) => (await getSchemaState(databaseOf(storage), METADATA_OF[storage])).newerThanHead;
}

export type StorageTarget = ({ kind: 'memory' } | { kind: 'config'; home: string; storage: StorageConfig }) & {
  /** The instance's default pool limit (`concurrency.pools.default_limit`), read by the event storage on each use. */
  defaultPoolLimit?: () => number | null | undefined;
  /** Where the storages warn (an unreadable row skipped, once per row; a failing watch callback). Default `console`. */
  logger?: EventLogLogger;
};

/** Opens the storages a config selects: Dagster's SQLite layout by default, in memory for ephemeral instances. */
export async function openStorages(target: StorageTarget): Promise<OpenedStorages> {
  const pool = {
    ...(target.defaultPoolLimit ? { defaultPoolLimit: target.defaultPoolLimit } : {}),
    ...(target.logger ? { logger: target.logger } : {}),
  };
  if (target.kind === 'memory') {
    const storages = await openSqliteStorages(':memory:', pool);
    return { ...storages, scheduleStorage: undefined };
  }
  const { home, storage } = target;
  switch (storage.kind) {
    case 'default':
      return openSqliteStorages(home, pool);
    case 'sqlite':
      return openSqliteStorages(resolve(home, storage.baseDir), {
        ...pool,
        // storage.sqlite.rebuild_missing_index / allow_missing_shards (inst only; default false: a lost file is an error).
        layout: {
          ...(storage.rebuildMissingIndex === undefined ? {} : { rebuildMissingIndex: storage.rebuildMissingIndex }),
          ...(storage.allowMissingShards === undefined ? {} : { allowMissingShards: storage.allowMissingShards }),
        },
      });
    case 'legacy':
      return openSqliteStorages(legacySqliteHome(home, storage), pool);
    case 'postgres': {
      // Loaded on demand: SQLite users never load pg (a missing driver is a DriverNotInstalledError).
      const { openPostgresStorages } = await loadPostgresBackend();
      const opened = await openPostgresStorages(
        { url: storage.url },
        { ...(storage.poolSize === undefined ? {} : { poolSize: storage.poolSize }), shouldAutocreateTables: storage.shouldAutocreateTables, ...pool },
      );
      const postgres: OpenedStorages = { ...opened, newerThanHead: newerThanHeadOf(() => opened.driver) };
      return storage.sqliteStorages ? withSqliteStorages(postgres, home, storage.sqliteStorages, pool) : postgres;
    }
    case 'mysql':
      throw new NotSupportedError('MySQL storage is not supported by inst; use sqlite or postgres');
    case 'custom':
      throw new NotSupportedError(`Custom storage ${storage.storage.module}.${storage.storage.class} is not supported yet`);
  }
}

/**
 * Dagster's CompositeStorage: the per-storage form with some storages in Postgres and the others (not given, or
 * given as SQLite classes) in SQLite under the home. The SQLite layout is opened whole; only the storages the
 * config puts there are used.
 */
async function withSqliteStorages(
  postgres: OpenedStorages,
  home: string,
  sqlite: NonNullable<Extract<StorageConfig, { kind: 'postgres' }>['sqliteStorages']>,
  options: SqliteOpenOptions,
): Promise<OpenedStorages> {
  let local: OpenedStorages;
  try {
    local = await openSqliteStorages(compositeSqliteHome(home, sqlite), options);
  } catch (error) {
    await postgres.dispose();
    throw error;
  }
  return {
    runStorage: sqlite.runStorage ? local.runStorage : postgres.runStorage,
    eventLogStorage: sqlite.eventLogStorage ? local.eventLogStorage : postgres.eventLogStorage,
    scheduleStorage: sqlite.scheduleStorage ? local.scheduleStorage : postgres.scheduleStorage,
    newerThanHead: (name) => {
      const inSqlite = { run_storage: sqlite.runStorage, event_log_storage: sqlite.eventLogStorage, schedule_storage: sqlite.scheduleStorage }[name];
      return (inSqlite ? local : postgres).newerThanHead?.(name) ?? Promise.resolve(false);
    },
    dispose: async () => {
      await local.dispose();
      await postgres.dispose();
    },
  };
}

/** The home of the SQLite storages of a mixed per-storage form. */
export function compositeSqliteHome(home: string, sqlite: NonNullable<Extract<StorageConfig, { kind: 'postgres' }>['sqliteStorages']>): string {
  return legacySqliteHome(home, { kind: 'legacy', runStorage: sqlite.runStorage, eventLogStorage: sqlite.eventLogStorage, scheduleStorage: sqlite.scheduleStorage });
}

type SqliteOpenOptions = { defaultPoolLimit?: () => number | null | undefined; logger?: EventLogLogger; layout?: { rebuildMissingIndex?: boolean; allowMissingShards?: boolean } };

/** The SQLite backend is loaded on first use, so a Postgres-only install never loads better-sqlite3. */
async function openSqliteStorages(path: string, options: SqliteOpenOptions): Promise<OpenedStorages> {
  const opened = await (await loadSqliteBackend()).openSqliteStorages(path, options);
  const { layout } = opened;
  return { ...opened, newerThanHead: newerThanHeadOf((name) => (name === 'run_storage' ? layout.runs : name === 'event_log_storage' ? layout.index : layout.schedules)) };
}

const SQLITE_CLASSES: Record<string, string> = {
  SqliteRunStorage: 'history',
  SqliteEventLogStorage: join('history', 'runs'),
  ConsolidatedSqliteEventLogStorage: join('history', 'runs'),
  SqliteScheduleStorage: 'schedules',
};

/**
 * Dagster's per-storage config (`run_storage: {module, class, config: {base_dir}}` …). The SQLite classes put
 * their files under one home (`<home>/history`, `<home>/history/runs`, `<home>/schedules`); inst opens that home.
 */
function legacySqliteHome(home: string, storage: Extract<StorageConfig, { kind: 'legacy' }>): string {
  const homes = new Set<string>();
  const problems: string[] = [];
  for (const [key, component] of [
    ['run_storage', storage.runStorage],
    ['event_log_storage', storage.eventLogStorage],
    ['schedule_storage', storage.scheduleStorage],
  ] as const) {
    if (!component) continue;
    const layoutDir = SQLITE_CLASSES[component.class];
    if (!layoutDir) {
      problems.push(`${key}.class: ${component.module}.${component.class} is not a storage inst can open`);
      continue;
    }
    const baseDir = (component.config as { base_dir?: string } | undefined)?.base_dir;
    if (baseDir === undefined) homes.add(home);
    else {
      const absolute = resolve(home, baseDir);
      const expectedSuffix = layoutDir.split(/[\\/]/).length;
      let root = absolute;
      for (let i = 0; i < expectedSuffix; i++) root = dirname(root);
      homes.add(join(root, layoutDir) === absolute ? root : absolute);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  if (homes.size > 1) throw new ConfigError([`run_storage/event_log_storage/schedule_storage: inst needs them under one home, got ${[...homes].join(', ')}`]);
  return [...homes][0] ?? home;
}
