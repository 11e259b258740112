import type { SqlExecutor } from '@inst/storage-sql';

/**
 * The first key of the advisory locks that serialize the writers of a run ('inst' in ASCII). The
 * two-key form keeps them apart from single-key advisory locks (migrations, daemon leases).
 */
export const RUN_WRITE_LOCK_CLASS = 0x696e7374;

/**
 * Gap-free storage ids per run (issue #10). Postgres assigns `event_logs.id` at INSERT but makes
 * the row visible at COMMIT, so with several processes writing one run a watcher could read id 12
 * before id 11 commits and then, resuming after 12, never see 11. Each transaction that stores
 * events therefore first takes a transaction-scoped advisory lock per run it writes (in run id
 * order, so two batches never deadlock): the writers of one run take turns, the next one draws its
 * ids only after the previous one committed, and a run's ids become visible in id order. Writers of
 * different runs do not wait on each other. (Python Dagster's writers do not take the lock; a
 * watcher of a run that Dagster and inst write at once is gap-free only for inst's writes.)
 */
export async function lockRunsForWrite(tx: SqlExecutor, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return takeTransactionId(tx);
  if (runIds.length === 1) {
    await tx.all('SELECT pg_advisory_xact_lock(?, hashtext(?)), txid_current()', [RUN_WRITE_LOCK_CLASS, runIds[0]]);
    return;
  }
  // A volatile select-list function is evaluated after ORDER BY: the locks are taken in run id order.
  await tx.all('SELECT pg_advisory_xact_lock(?, hashtext(r)), txid_current() FROM unnest(?::text[]) AS t(r) ORDER BY r', [RUN_WRITE_LOCK_CLASS, runIds]);
}

/**
 * Gap-free all-runs watching (see `watchAllRuns` in `@inst/storage-sql`): a transaction that stores
 * events takes its transaction id before it draws storage ids — Postgres would otherwise assign it
 * at the first row inserted, just after the first id is drawn — so that any snapshot that can see
 * a later storage id lists this transaction as in flight until it ends. `lockRunsForWrite` does it
 * in the same statement as the locks.
 */
export async function takeTransactionId(tx: SqlExecutor): Promise<void> {
  await tx.all('SELECT txid_current()');
}

/**
 * The SQL expression, evaluated in the statement of an all-runs read, listing the write
 * transactions in progress at that statement's snapshot (text[], NULL when there are none).
 */
export const IN_FLIGHT_TRANSACTIONS_SQL = '(SELECT array_agg(x::text) FROM txid_snapshot_xip(txid_current_snapshot()) AS x)';
