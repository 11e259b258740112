/**
 * Dagster's alembic revisions from the 1.8.12 baseline on. One linear chain covers the run,
 * event-log and schedule storages on every backend (Dagster's `alembic/versions/`).
 */

/** One alembic revision inst knows. */
export interface Revision {
  /** The alembic revision id stored in `alembic_version.version_num`. */
  readonly id: string;
  /** The revision it follows (alembic's `down_revision`). */
  readonly parent: string | null;
  /** Dagster release line that introduced it. */
  readonly dagster: string;
  /** What it changes. */
  readonly description: string;
}

/** The chain, oldest first. */
export const REVISIONS: readonly Revision[] = [
  {
    id: '284a732df317',
    parent: null,
    dagster: '1.8',
    description: 'Baseline: the schema of Dagster 1.8.12 (the oldest schema inst upgrades from).',
  },
  { id: '63d7a8ec641a', parent: '284a732df317', dagster: '1.9', description: 'runs.backfill_id column.' },
  { id: '1aca709bba64', parent: '63d7a8ec641a', dagster: '1.9', description: 'idx_runs_by_backfill_id(backfill_id, id).' },
  {
    id: '16e3655b4d9b',
    parent: '1aca709bba64',
    dagster: '1.9',
    description: 'bulk_actions.job_name column; backfill_tags table with idx_backfill_tags_backfill_id(backfill_id, id).',
  },
  {
    id: '6b7fb194ff9c',
    parent: '16e3655b4d9b',
    dagster: '1.9',
    description: 'UNIQUE idx_run_tags_run_id(key, value, run_id) replaces idx_run_tags(key, value).',
  },
  { id: '7e2f3204cf8e', parent: '6b7fb194ff9c', dagster: '1.10', description: 'concurrency_limits.using_default_limit column.' },
  {
    id: 'd5c0e2416d9e',
    parent: '7e2f3204cf8e',
    dagster: '1.12',
    description: 'Postgres only: run_tags_key_value_stats extended statistics, STATISTICS 500 on run_tags.value, ANALYZE. No change on SQLite.',
  },
];

/** The baseline revision (Dagster 1.8.12). */
export const BASELINE_REVISION = '284a732df317';

/**
 * The revision inst stamps, on SQLite files and Postgres alike: the newest revision whose schema
 * inst produces. `d5c0e2416d9e` only adds Postgres statistics, so a SQLite file at the schema of
 * `7e2f3204cf8e` *is* at `d5c0e2416d9e` — which is what current Dagster stamps on fresh SQLite
 * files too (it stamps its head everywhere).
 */
export const HEAD_REVISION = 'd5c0e2416d9e';

/** Position of a revision in {@link REVISIONS}, or -1 when inst does not know it (older or newer). */
export function revisionIndex(id: string | null | undefined): number {
  return id ? REVISIONS.findIndex((r) => r.id === id) : -1;
}

/** Whether `id` is one of {@link REVISIONS}. */
export function isKnownRevision(id: string | null | undefined): boolean {
  return revisionIndex(id) >= 0;
}
