import { CorruptRowError } from '@inst/errors';
import { deserializeValue } from '@inst/serdes';
import { InstigatorState } from '@inst/types';
import type { DataMigration } from '../data-migrations.js';
import type { SqlExecutor } from '../driver.js';
import { toSqlTimestamp } from '../values.js';

/*
 * The schedule storage's data migrations (Dagster's `schedules/migration.py`), each named after the
 * secondary index marked when it completes. Both walk the `jobs` table by id in chunks, one transaction
 * per chunk, and only fill what is still empty, so an interrupted run simply runs again.
 */

/** Required: `jobs.selector_id` and the `instigators` table, from the job bodies. Reads use `instigators` once built. */
export const SCHEDULE_JOBS_SELECTOR_ID = 'schedule_jobs_selector_id';
/** Optional: `job_ticks.selector_id` for ticks stored without one. Batch tick queries need it. */
export const SCHEDULE_TICKS_SELECTOR_ID = 'schedule_ticks_selector_id';

interface JobRow {
  readonly id: number | string;
  readonly job_origin_id: string | null;
  readonly job_body: string | null;
  readonly create_timestamp: unknown;
  readonly update_timestamp: unknown;
}

/** Reads an instigator state body; a row that does not deserialize is a CorruptRowError naming table and id. */
export function parseInstigatorState(table: string, id: number | string, body: unknown): InstigatorState {
  try {
    if (typeof body !== 'string') throw new TypeError(`the body is ${body === null ? 'NULL' : typeof body}`);
    return deserializeValue(body, { as: InstigatorState }) as InstigatorState;
  } catch (cause) {
    throw new CorruptRowError(table, Number(id), { cause });
  }
}

/** Calls `visit` in one transaction per chunk of `jobs` rows, in id order. */
async function forEachJobChunk(
  db: SqlExecutor,
  chunkSize: number,
  visit: (tx: SqlExecutor, row: JobRow, state: InstigatorState) => Promise<void>,
): Promise<number> {
  let cursor = 0;
  let visited = 0;
  for (;;) {
    const rows = await db.all<JobRow>(
      'SELECT id, job_origin_id, job_body, create_timestamp, update_timestamp FROM jobs WHERE id > ? ORDER BY id LIMIT ?',
      [cursor, chunkSize],
    );
    if (rows.length === 0) return visited;
    await db.transaction(async (tx) => {
      for (const row of rows) await visit(tx, row, parseInstigatorState('jobs', row.id, row.job_body));
    });
    visited += rows.length;
    cursor = Number(rows[rows.length - 1]!.id);
  }
}

/**
 * `schedule_jobs_selector_id`: copies each state into `instigators` (upsert by selector id, the body kept
 * byte for byte, the jobs row's timestamps kept) and sets `jobs.selector_id` where it is empty.
 */
export const scheduleJobsSelectorIdMigration: DataMigration = {
  name: SCHEDULE_JOBS_SELECTOR_ID,
  tables: ['jobs', 'instigators'],
  async run(db, { chunkSize, log }) {
    const now = toSqlTimestamp(new Date());
    const count = await forEachJobChunk(db, chunkSize, async (tx, row, state) => {
      await tx.run(
        `INSERT INTO instigators (selector_id, repository_selector_id, status, instigator_type, instigator_body, create_timestamp, update_timestamp)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (selector_id) DO UPDATE SET status = excluded.status, repository_selector_id = excluded.repository_selector_id,
           instigator_type = excluded.instigator_type, instigator_body = excluded.instigator_body, update_timestamp = excluded.update_timestamp`,
        [
          state.selectorId,
          state.repositorySelectorId,
          state.status,
          state.instigatorType,
          row.job_body,
          row.create_timestamp ?? now,
          row.update_timestamp ?? now,
        ],
      );
      await tx.run('UPDATE jobs SET selector_id = ? WHERE id = ? AND selector_id IS NULL', [state.selectorId, row.id]);
    });
    log(`${SCHEDULE_JOBS_SELECTOR_ID}: ${count} instigator state(s) indexed by selector id`);
  },
};

/**
 * `schedule_ticks_selector_id`: gives the ticks of each stored state that have no selector id the state's
 * selector id, matching them by origin id as Dagster does.
 */
export const scheduleTicksSelectorIdMigration: DataMigration = {
  name: SCHEDULE_TICKS_SELECTOR_ID,
  tables: ['jobs', 'job_ticks'],
  async run(db, { chunkSize, log }) {
    let updated = 0;
    await forEachJobChunk(db, chunkSize, async (tx, row, state) => {
      const result = await tx.run('UPDATE job_ticks SET selector_id = ? WHERE job_origin_id = ? AND selector_id IS NULL', [
        state.selectorId,
        row.job_origin_id ?? state.instigatorOriginId,
      ]);
      updated += result.changes;
    });
    log(`${SCHEDULE_TICKS_SELECTOR_ID}: set selector_id on ${updated} tick(s)`);
  },
};

/** Run by `migrate()` (and `upgrade()`), in order. */
export const REQUIRED_SCHEDULE_DATA_MIGRATIONS: readonly DataMigration[] = [scheduleJobsSelectorIdMigration];
/** Run by `optimize()`. */
export const OPTIONAL_SCHEDULE_DATA_MIGRATIONS: readonly DataMigration[] = [scheduleTicksSelectorIdMigration];
