import { MigrationFailedError } from '@inst/errors';
import type { SqlExecutor } from './driver.js';
import { hasSecondaryIndex, hasTable, markSecondaryIndexBuilt } from './introspect.js';
import type { SchemaMetadata } from './schema/types.js';

/*
 * Data migrations (Dagster's "secondary indexes", facts §3.2): rewrites of existing rows, each
 * recorded in `secondary_indexes` once complete. Those needing only SQL live here; the ones that
 * rewrite serdes JSON bodies are supplied by a package that has the serdes codec (see
 * {@link SERDES_DATA_MIGRATION_NAMES}).
 */

/** The tag holding a run's backfill id. */
export const BACKFILL_ID_TAG = 'dagster/backfill';

/** What a data migration gets to work with. */
export interface DataMigrationContext {
  /** Rows per transaction. */
  readonly chunkSize: number;
  /** Progress messages. */
  readonly log: (message: string) => void;
}

/** One data migration, named after the secondary index Dagster marks when it is done. */
export interface DataMigration {
  /** The `secondary_indexes.name` marked built on completion. */
  readonly name: string;
  /** Tables it reads and writes; it is skipped where the database or metadata lacks one. */
  readonly tables: readonly string[];
  /**
   * Does the work in chunks, each chunk its own transaction. Must be safe to run again after
   * an interruption: it is marked built only once it returns.
   */
  run(db: SqlExecutor, context: DataMigrationContext): Promise<void>;
}

/**
 * `run_backfill_id`: copy each run's `dagster/backfill` tag into `runs.backfill_id`, walking
 * run_tags by id as Dagster does (the first tag wins, rows already set are kept), so running it
 * twice gives the same result.
 */
export const runBackfillIdMigration: DataMigration = {
  name: 'run_backfill_id',
  tables: ['runs', 'run_tags'],
  async run(db, { chunkSize, log }) {
    let cursor = 0;
    let updated = 0;
    for (;;) {
      const rows = await db.all<{ id: number; run_id: string | null; value: string | null }>(
        'SELECT id, run_id, value FROM run_tags WHERE "key" = ? AND id > ? ORDER BY id LIMIT ?',
        [BACKFILL_ID_TAG, cursor, chunkSize],
      );
      if (rows.length === 0) break;
      await db.transaction(async (tx) => {
        for (const row of rows) {
          if (row.run_id === null || row.value === null) continue;
          const result = await tx.run('UPDATE runs SET backfill_id = ? WHERE run_id = ? AND backfill_id IS NULL', [row.value, row.run_id]);
          updated += result.changes;
        }
      });
      cursor = Number(rows[rows.length - 1]!.id);
      if (rows.length < chunkSize) break;
    }
    log(`run_backfill_id: set backfill_id on ${updated} run(s)`);
  },
};

/** The data migrations that need only SQL, in the order Dagster runs them. */
export const SQL_DATA_MIGRATIONS: readonly DataMigration[] = [runBackfillIdMigration];

/**
 * Required data migrations that rewrite serdes JSON and so are not in {@link SQL_DATA_MIGRATIONS}:
 * `backfill_job_name_and_tags` (bulk_actions.job_name and backfill_tags from each backfill body)
 * and `backfill_end_timestamp` (terminal backfills get `backfill_end_timestamp`). A package with
 * the serdes codec implements them as {@link DataMigration}s and passes them to `upgradeSchema`
 * in `dataMigrations`, after {@link SQL_DATA_MIGRATIONS}.
 */
export const SERDES_DATA_MIGRATION_NAMES = ['backfill_job_name_and_tags', 'backfill_end_timestamp'] as const;

/**
 * Runs each migration whose tables the metadata and the database have and whose secondary index
 * is not built yet; marks it built when it completes. Returns the names that ran.
 */
export async function runDataMigrations(
  db: SqlExecutor,
  metadata: SchemaMetadata,
  options: { migrations: readonly DataMigration[]; chunkSize: number; log: (message: string) => void },
): Promise<string[]> {
  const ran: string[] = [];
  const tables = new Set(metadata.tables.map((t) => t.name));
  for (const migration of options.migrations) {
    if (!migration.tables.every((t) => tables.has(t))) continue;
    if (await hasSecondaryIndex(db, migration.name)) continue;
    let present = true;
    for (const t of migration.tables) present &&= await hasTable(db, t);
    if (!present) continue;
    try {
      await migration.run(db, { chunkSize: Math.max(1, Math.trunc(options.chunkSize)), log: options.log });
      await markSecondaryIndexBuilt(db, migration.name);
    } catch (error) {
      throw new MigrationFailedError(migration.name, { cause: error });
    }
    options.log(`${migration.name}: built`);
    ran.push(migration.name);
  }
  return ran;
}
