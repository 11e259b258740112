import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Instance } from '@inst/core';
import {
  ALL_METADATA,
  EVENT_LOG_METADATA,
  getSchemaState,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  type SchemaMetadata,
  type SchemaState,
  type SqlExecutor,
  upgradeSchema,
} from '@inst/storage-sql';
import { INDEX_SHARD_NAME, sqliteLayoutPaths, SqliteDriver } from '@inst/storage-sqlite';

/** One database's migration plan. */
export interface DatabasePlan {
  /** What it is: `postgres`, `history/runs.db`, `history/runs/<run>.db` … */
  readonly database: string;
  /** How many databases share this plan (run shards are grouped). */
  readonly count: number;
  readonly revision: string | null;
  readonly head: string;
  readonly upToDate: boolean;
  readonly needsMigration: boolean;
  readonly missingTables: readonly string[];
  readonly pendingSteps: readonly { revision: string; description: string; changes: readonly string[] }[];
  readonly pendingDataMigrations: readonly string[];
}

/** What `inst instance migrate` would do to every database of the instance. */
export interface MigrationPlan {
  readonly databases: readonly DatabasePlan[];
  /** Revision steps to apply, over every database. */
  readonly totalSteps: number;
  readonly upToDate: boolean;
}

function planOf(database: string, state: SchemaState, count = 1): DatabasePlan {
  return {
    database,
    count,
    revision: state.revision,
    head: state.head,
    upToDate: state.upToDate,
    needsMigration: state.needsMigration,
    missingTables: state.missingTables,
    pendingSteps: state.pendingSteps.map((s) => ({ revision: s.revision, description: s.description, changes: s.changes })),
    pendingDataMigrations: state.pendingDataMigrations,
  };
}

async function withSqlite<T>(path: string, fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
  const db = await SqliteDriver.open(path);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The SQLite home of an instance's storage config (Dagster's layout), or `null` for Postgres. */
function sqliteHome(instance: Instance, home: string): string | null {
  const storage = instance.settings.storageConfig;
  switch (storage.kind) {
    case 'postgres':
    case 'mysql':
    case 'custom':
      return null;
    case 'sqlite':
      return resolve(home, storage.baseDir);
    default:
      return home;
  }
}

/** The event-log shard files of a SQLite home (not the index shard). */
function shardFiles(shardsDir: string): string[] {
  return existsSync(shardsDir) ? readdirSync(shardsDir).filter((f) => f.endsWith('.db') && f !== `${INDEX_SHARD_NAME}.db`).sort() : [];
}

/**
 * Upgrades the run shards of a SQLite home one file at a time (what the event-log storage's upgrade does for
 * each shard), yielding to the event loop between files so that Ctrl-C is seen; stops at a file boundary when
 * `signal` aborts. Postgres and in-memory instances have no shards: nothing to do.
 */
export async function upgradeSqliteShards(instance: Instance, home: string, log: (message: string) => void, signal: AbortSignal): Promise<void> {
  const sqlite = sqliteHome(instance, home);
  if (sqlite === null) return;
  const { shardsDir } = sqliteLayoutPaths(sqlite);
  for (const file of shardFiles(shardsDir)) {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) log('interrupted');
    await withSqlite(join(shardsDir, file), (db) => upgradeSchema(db, EVENT_LOG_METADATA, { log }));
  }
}

/** Reads (never writes) the schema state of every database of an instance. */
export async function migrationPlan(instance: Instance, home: string): Promise<MigrationPlan> {
  const databases: DatabasePlan[] = [];
  const storage = instance.settings.storageConfig;
  const sqlite = sqliteHome(instance, home);
  if (storage.kind === 'postgres') {
    const { createPgDriver } = await import('@inst/storage-postgres');
    const driver = createPgDriver({ url: storage.url }, { poolSize: 1, applicationName: 'inst-cli-plan' });
    try {
      databases.push(planOf('postgres', await getSchemaState(driver, ALL_METADATA)));
    } finally {
      await driver.close();
    }
  } else if (sqlite !== null) {
    const paths = sqliteLayoutPaths(sqlite);
    const files: [string, string, SchemaMetadata][] = [
      [paths.runs, 'history/runs.db', RUN_STORAGE_METADATA],
      [paths.index, 'history/runs/index.db', EVENT_LOG_METADATA],
      [paths.schedules, 'schedules/schedules.db', SCHEDULE_STORAGE_METADATA],
    ];
    for (const [path, name, metadata] of files) {
      if (existsSync(path)) databases.push(planOf(name, await withSqlite(path, (db) => getSchemaState(db, metadata))));
    }
    // Run shards: grouped by identical plans, so a home with thousands of runs prints a few lines.
    const groups = new Map<string, { plan: DatabasePlan; count: number }>();
    for (const file of shardFiles(paths.shardsDir)) {
      const state = await withSqlite(join(paths.shardsDir, file), (db) => getSchemaState(db, EVENT_LOG_METADATA));
      const plan = planOf(relative(sqlite, join(paths.shardsDir, file)), state);
      const key = JSON.stringify({ ...plan, database: '' });
      const group = groups.get(key);
      if (group) group.count++;
      else groups.set(key, { plan, count: 1 });
    }
    for (const { plan, count } of groups.values()) {
      databases.push(count === 1 ? plan : { ...plan, database: `history/runs/<run>.db`, count });
    }
  }
  const totalSteps = databases.reduce((n, d) => n + d.count * d.pendingSteps.length, 0);
  return { databases, totalSteps, upToDate: databases.every((d) => d.upToDate) };
}

/** The plan as lines for people. */
export function formatPlan(plan: MigrationPlan): string[] {
  const lines: string[] = [];
  for (const db of plan.databases) {
    const name = db.count > 1 ? `${db.database} (${db.count} run shards)` : db.database;
    if (db.upToDate) {
      lines.push(`${name}: up to date (revision ${db.revision ?? 'None'})`);
      continue;
    }
    lines.push(`${name}: revision ${db.revision ?? 'None'} -> ${db.head}`);
    for (const table of db.missingTables) lines.push(`  create missing table ${table}`);
    for (const step of db.pendingSteps) lines.push(`  ${step.revision} ${step.description}: ${step.changes.join('; ')}`);
    for (const name of db.pendingDataMigrations) lines.push(`  data migration ${name}`);
    if (db.pendingSteps.length === 0 && db.missingTables.length === 0 && db.pendingDataMigrations.length === 0) lines.push(`  stamp revision ${db.head}`);
  }
  if (plan.databases.length === 0) lines.push('(no databases)');
  return lines;
}
