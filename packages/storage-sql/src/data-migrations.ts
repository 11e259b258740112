import { MigrationFailedError } from '@inst/errors';
import { serializeValue } from '@inst/serdes';
import { BULK_ACTION_TERMINAL_STATUSES, DagsterRun, PartitionBackfill, RUN_TAGS } from '@inst/types';
import type { SqlExecutor } from './driver.js';
import { hasColumn, hasSecondaryIndex, hasTable, markSecondaryIndexBuilt } from './introspect.js';
import type { SchemaMetadata } from './schema/types.js';
import { deserializeBody, readRow } from './storages/run-rows.js';
import { toNumber } from './storages/run-sql.js';

/*
 * Data migrations (Dagster's "secondary indexes", facts §3.2): rewrites of existing rows, each
 * recorded in `secondary_indexes` once complete: {@link SQL_DATA_MIGRATIONS} need only SQL (the
 * default of `upgradeSchema`); {@link RUN_REQUIRED_DATA_MIGRATIONS} are all of the run storage's,
 * some reading and rewriting serdes bodies (runs, backfills).
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
  /** Columns (`table.column`) it needs beyond the baseline; it is skipped where the database lacks one. */
  readonly columns?: readonly string[];
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
  columns: ['runs.backfill_id'],
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
 * `backfill_job_name_and_tags` ({@link backfillJobNameAndTagsMigration}) and
 * `backfill_end_timestamp` ({@link backfillEndTimestampMigration}). The run storage runs them
 * (with the rest of {@link RUN_REQUIRED_DATA_MIGRATIONS}) in `migrate()` and `upgrade()`.
 */
export const SERDES_DATA_MIGRATION_NAMES = ['backfill_job_name_and_tags', 'backfill_end_timestamp'] as const;

/**
 * Walks a table in id order, `chunkSize` rows at a time, each chunk handled in one transaction.
 * `select` ends with `… id > ? ORDER BY … id LIMIT ?` (the cursor and the chunk size are appended
 * to `params`).
 */
async function forEachChunk<T extends { id: unknown }>(
  db: SqlExecutor,
  chunkSize: number,
  select: string,
  params: readonly unknown[],
  handle: (tx: SqlExecutor, rows: T[]) => Promise<void>,
): Promise<void> {
  let cursor = 0;
  for (;;) {
    const rows = await db.all<T>(select, [...params, cursor, chunkSize]);
    if (rows.length === 0) return;
    await db.transaction((tx) => handle(tx, rows));
    cursor = Number(rows[rows.length - 1]!.id);
    if (rows.length < chunkSize) return;
  }
}

/** `run_partitions`: copy the partition tags of runs into the `partition` / `partition_set` columns. */
export const runPartitionsMigration: DataMigration = {
  name: 'run_partitions',
  tables: ['runs', 'run_tags'],
  async run(db, { chunkSize, log }) {
    let updated = 0;
    await forEachChunk<{ id: number; partition: string; partition_set: string }>(
      db,
      chunkSize,
      `SELECT runs.id AS id, p.value AS "partition", ps.value AS partition_set FROM runs
         JOIN run_tags AS p ON p.run_id = runs.run_id AND p."key" = ?
         JOIN run_tags AS ps ON ps.run_id = runs.run_id AND ps."key" = ?
        WHERE runs.id > ? ORDER BY runs.id LIMIT ?`,
      [RUN_TAGS.PARTITION_NAME, RUN_TAGS.PARTITION_SET],
      async (tx, rows) => {
        for (const row of rows) {
          updated += (await tx.run('UPDATE runs SET "partition" = ?, partition_set = ? WHERE id = ?', [row.partition, row.partition_set, row.id])).changes;
        }
      },
    );
    log(`run_partitions: set the partition columns of ${updated} run(s)`);
  },
};

/** `run_repo_label_tags`: add the `.dagster/repository` tag to runs with a remote origin that lack it. */
export const runRepoLabelTagsMigration: DataMigration = {
  name: 'run_repo_label_tags',
  tables: ['runs', 'run_tags'],
  async run(db, { chunkSize, log }) {
    let added = 0;
    await forEachChunk<{ id: number; run_id: string; run_body: string | null }>(
      db,
      chunkSize,
      `SELECT runs.id AS id, runs.run_id AS run_id, runs.run_body AS run_body FROM runs
        WHERE NOT EXISTS (SELECT 1 FROM run_tags WHERE run_tags.run_id = runs.run_id AND run_tags."key" = ?)
          AND runs.id > ? ORDER BY runs.id LIMIT ?`,
      [RUN_TAGS.REPOSITORY_LABEL],
      async (tx, rows) => {
        for (const row of rows) {
          const origin = readRow('runs', toNumber(row.id), () => deserializeBody(row.run_body, DagsterRun)).remoteJobOrigin;
          if (!origin) continue;
          const result = await tx.run(
            `INSERT INTO run_tags (run_id, "key", value) SELECT ?, ?, ?
              WHERE NOT EXISTS (SELECT 1 FROM run_tags WHERE run_id = ? AND "key" = ?)`,
            [row.run_id, RUN_TAGS.REPOSITORY_LABEL, origin.repositoryOrigin.getLabel(), row.run_id, RUN_TAGS.REPOSITORY_LABEL],
          );
          added += result.changes;
        }
      },
    );
    log(`run_repo_label_tags: tagged ${added} run(s) with their repository`);
  },
};

/** `bulk_action_types`: fill `bulk_actions.selector_id` and `action_type` from each backfill body. */
export const bulkActionTypesMigration: DataMigration = {
  name: 'bulk_action_types',
  tables: ['bulk_actions'],
  async run(db, { chunkSize, log }) {
    let updated = 0;
    await forEachChunk<{ id: number; body: string | null }>(
      db,
      chunkSize,
      'SELECT id, body FROM bulk_actions WHERE action_type IS NULL AND id > ? ORDER BY id LIMIT ?',
      [],
      async (tx, rows) => {
        for (const row of rows) {
          const backfill = readRow('bulk_actions', toNumber(row.id), () => deserializeBody(row.body, PartitionBackfill));
          await tx.run('UPDATE bulk_actions SET selector_id = ?, action_type = ? WHERE id = ?', [backfill.selectorId, backfill.bulkActionType, row.id]);
          updated++;
        }
      },
    );
    log(`bulk_action_types: typed ${updated} backfill(s)`);
  },
};

/**
 * `backfill_job_name_and_tags`: each backfill's tags into `backfill_tags` and its job into
 * `bulk_actions.job_name`. A backfill's tag rows are replaced, so running it again (or after an
 * interruption) leaves one row per tag.
 */
export const backfillJobNameAndTagsMigration: DataMigration = {
  name: 'backfill_job_name_and_tags',
  tables: ['bulk_actions', 'backfill_tags'],
  columns: ['bulk_actions.job_name'],
  async run(db, { chunkSize, log }) {
    let migrated = 0;
    await forEachChunk<{ id: number; key: string; body: string | null }>(
      db,
      chunkSize,
      'SELECT id, "key", body FROM bulk_actions WHERE id > ? ORDER BY id LIMIT ?',
      [],
      async (tx, rows) => {
        for (const row of rows) {
          const backfill = readRow('bulk_actions', toNumber(row.id), () => deserializeBody(row.body, PartitionBackfill));
          await tx.run('DELETE FROM backfill_tags WHERE backfill_id = ?', [row.key]);
          for (const [key, value] of Object.entries(backfill.tags)) {
            await tx.run('INSERT INTO backfill_tags (backfill_id, "key", value) VALUES (?, ?, ?)', [row.key, key, value]);
          }
          if (backfill.jobName !== null) await tx.run('UPDATE bulk_actions SET job_name = ? WHERE id = ?', [backfill.jobName, row.id]);
          migrated++;
        }
      },
    );
    log(`backfill_job_name_and_tags: indexed ${migrated} backfill(s)`);
  },
};

/**
 * `backfill_end_timestamp`: a finished backfill without `backfill_end_timestamp` gets the latest
 * end time of its runs (0.0 for runs that never ended, as Dagster computes it), or its own start
 * time when it launched no run.
 */
export const backfillEndTimestampMigration: DataMigration = {
  name: 'backfill_end_timestamp',
  tables: ['bulk_actions', 'runs', 'run_tags'],
  async run(db, { chunkSize, log }) {
    let updated = 0;
    const terminal = BULK_ACTION_TERMINAL_STATUSES;
    await forEachChunk<{ id: number; key: string; body: string | null }>(
      db,
      chunkSize,
      `SELECT id, "key", body FROM bulk_actions WHERE status IN (${terminal.map(() => '?').join(', ')}) AND id > ? ORDER BY id LIMIT ?`,
      terminal,
      async (tx, rows) => {
        for (const row of rows) {
          const backfill = readRow('bulk_actions', toNumber(row.id), () => deserializeBody(row.body, PartitionBackfill));
          if (!terminal.includes(backfill.status) || backfill.backfillEndTimestamp !== null) continue;
          const runs = await tx.get<{ runs: unknown; end_time: number | null }>(
            `SELECT COUNT(*) AS runs, MAX(COALESCE(runs.end_time, 0.0)) AS end_time FROM runs
               JOIN run_tags ON run_tags.run_id = runs.run_id AND run_tags."key" = ? AND run_tags.value = ?`,
            [RUN_TAGS.BACKFILL_ID, row.key],
          );
          const endTime = Number(runs?.runs ?? 0) === 0 ? backfill.backfillTimestamp : Number(runs?.end_time ?? 0);
          await tx.run('UPDATE bulk_actions SET body = ? WHERE id = ?', [serializeValue(backfill.withEndTimestamp(endTime)), row.id]);
          updated++;
        }
      },
    );
    log(`backfill_end_timestamp: set the end time of ${updated} backfill(s)`);
  },
};

/** The run storage's required data migrations (Dagster's `REQUIRED_DATA_MIGRATIONS`), in Dagster's order. */
export const RUN_REQUIRED_DATA_MIGRATIONS: readonly DataMigration[] = [
  runPartitionsMigration,
  runRepoLabelTagsMigration,
  bulkActionTypesMigration,
  runBackfillIdMigration,
  backfillJobNameAndTagsMigration,
  backfillEndTimestampMigration,
];

/** Start and end time of a run, as computed from its events. */
export interface RunTimes {
  readonly startTime: number | null;
  readonly endTime: number | null;
}

/** Statuses of runs that have not started: their times are left alone. */
const UNSTARTED_RUN_STATUSES = ['QUEUED', 'NOT_STARTED', 'MANAGED', 'STARTING'];

/**
 * The optional `run_start_end_overwritten` (Dagster's `OPTIONAL_DATA_MIGRATIONS`): rewrite
 * `runs.start_time` / `end_time` of started runs from their events. The times come from the event
 * log, which the run storage does not hold, hence the `runTimes` function.
 */
export function runStartEndMigration(runTimes: (runId: string) => Promise<RunTimes>): DataMigration {
  return {
    name: 'run_start_end_overwritten',
    tables: ['runs'],
    async run(db, { chunkSize, log }) {
      let updated = 0;
      await forEachChunk<{ id: number; run_id: string }>(
        db,
        chunkSize,
        `SELECT id, run_id FROM runs WHERE status NOT IN (${UNSTARTED_RUN_STATUSES.map(() => '?').join(', ')}) AND id > ? ORDER BY id LIMIT ?`,
        UNSTARTED_RUN_STATUSES,
        async (tx, rows) => {
          for (const row of rows) {
            const times = await runTimes(row.run_id);
            await tx.run('UPDATE runs SET start_time = ?, end_time = ? WHERE id = ?', [times.startTime, times.endTime, row.id]);
            updated++;
          }
        },
      );
      log(`run_start_end_overwritten: set the times of ${updated} run(s)`);
    },
  };
}

/** Options of {@link runDataMigrations}. */
export interface RunDataMigrationsOptions {
  readonly migrations: readonly DataMigration[];
  readonly chunkSize: number;
  readonly log: (message: string) => void;
  /** Run them even where marked built (Dagster's `force_rebuild_all`). */
  readonly force?: boolean;
}

/**
 * Runs each migration whose tables the metadata and the database have and whose secondary index
 * is not built yet (or every one, with `force`); marks it built when it completes. Returns the
 * names that ran.
 */
export async function runDataMigrations(db: SqlExecutor, metadata: SchemaMetadata, options: RunDataMigrationsOptions): Promise<string[]> {
  const ran: string[] = [];
  const tables = new Set(metadata.tables.map((t) => t.name));
  for (const migration of options.migrations) {
    if (!migration.tables.every((t) => tables.has(t))) continue;
    if (!options.force && (await hasSecondaryIndex(db, migration.name))) continue;
    let present = true;
    for (const t of migration.tables) present &&= await hasTable(db, t);
    for (const c of migration.columns ?? []) {
      const [table = '', name = ''] = c.split('.');
      present &&= await hasColumn(db, table, name);
    }
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
