import { InvalidArgumentError, RunAlreadyExistsError, SnapshotNotFoundError } from '@inst/errors';
import { serializeValue } from '@inst/serdes';
import { DagsterRun, tagsForStorage } from '@inst/types';
import { isUniqueViolation, type SqlDriver, type SqlExecutor } from '../driver.js';
import { all, inList, insertRows, sql } from './run-sql.js';

/*
 * Adding many runs at once (backfills create thousands): the rows of `addRun`, written with
 * multi-row INSERTs in one transaction per call instead of a transaction per run.
 */

/** The `runs` columns of a new run (`addRun` and {@link addRunsBatch} write the same row). */
export function newRunColumns(dagsterRun: DagsterRun, tagColumns: Readonly<Record<string, string | null>>, now: string): Record<string, unknown> {
  return {
    run_id: dagsterRun.runId,
    pipeline_name: dagsterRun.jobName,
    status: dagsterRun.status,
    run_body: serializeValue(dagsterRun),
    snapshot_id: dagsterRun.jobSnapshotId,
    ...tagColumns,
    // Both set here rather than by the server default, which on Postgres is session-local time.
    create_timestamp: now,
    update_timestamp: now,
  };
}

/** The `run_tags` rows of a new run. */
export function newRunTagRows(dagsterRun: DagsterRun): unknown[][] {
  return Object.entries(tagsForStorage(dagsterRun)).map(([key, value]) => [dagsterRun.runId, key, value]);
}

/** What {@link addRunsBatch} needs of the run storage. */
export interface RunBatchStorage {
  tagColumns(db: SqlExecutor, tags: Readonly<Record<string, string>>): Promise<Record<string, string | null>>;
  quote(name: string): string;
}

/**
 * Adds `runs` in one transaction: all of them, or none (a run id already stored, or given twice, is a
 * RunAlreadyExistsError; a job snapshot id not stored is a SnapshotNotFoundError — checked before any row is written).
 */
export async function addRunsBatch(db: SqlDriver, storage: RunBatchStorage, runs: readonly DagsterRun[], now: string): Promise<DagsterRun[]> {
  if (!Array.isArray(runs)) throw new InvalidArgumentError('addRuns expects an array of DagsterRun');
  const seen = new Set<string>();
  for (const run of runs) {
    if (!(run instanceof DagsterRun)) throw new InvalidArgumentError('addRuns expects DagsterRun values');
    if (seen.has(run.runId)) throw new RunAlreadyExistsError(run.runId);
    seen.add(run.runId);
  }
  if (runs.length === 0) return [];
  await db.transaction(async (tx) => {
    const snapshotIds = [...new Set(runs.map((r) => r.jobSnapshotId).filter((id): id is string => !!id))];
    if (snapshotIds.length > 0) {
      const found = new Set((await all<{ snapshot_id: string }>(tx, sql`SELECT snapshot_id FROM snapshots WHERE snapshot_id IN ${inList(snapshotIds)}`)).map((r) => r.snapshot_id));
      const missing = snapshotIds.find((id) => !found.has(id));
      if (missing) throw new SnapshotNotFoundError(missing, `Snapshot ${missing} does not exist in run storage`);
    }
    const existing = await all<{ run_id: string }>(tx, sql`SELECT run_id FROM runs WHERE run_id IN ${inList([...seen])}`);
    if (existing.length > 0) throw new RunAlreadyExistsError(existing[0]!.run_id);
    const columns: Record<string, unknown>[] = [];
    for (const run of runs) columns.push(newRunColumns(run, await storage.tagColumns(tx, run.tags), now));
    const names = Object.keys(columns[0]!);
    try {
      await insertRows(tx, 'runs', names.map((n) => storage.quote(n)), columns.map((c) => names.map((n) => c[n])));
    } catch (error) {
      // A writer that added one of these runs after the check above (Postgres, READ COMMITTED).
      if (isUniqueViolation(error)) throw new RunAlreadyExistsError(runs[0]!.runId, { cause: error });
      throw error;
    }
    await insertRows(tx, 'run_tags', ['run_id', '"key"', 'value'], runs.flatMap(newRunTagRows));
  });
  return [...runs];
}
