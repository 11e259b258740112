import type { InFlightProbe, InFlightSnapshot, SqlExecutor } from '@inst/storage-sql';

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

/** Transaction ids wrap at 2^32; 64-bit txids (`txid_current_snapshot()`) and 32-bit ones (`pg_stat_activity.backend_xid`) meet at their low 32 bits. */
const XID_MASK = 0xffffffffn;

function xid32(text: string): number {
  return Number(BigInt(text) & XID_MASK);
}

/** Whether 32-bit xid `a` comes before `b` (modulo 2^32, as Postgres compares normal xids). */
function precedes(a: number, b: number): boolean {
  const diff = (b - a + 2 ** 32) % 2 ** 32;
  return diff !== 0 && diff < 2 ** 31;
}

/**
 * What the all-runs watch needs from Postgres (see `watchAllRuns` in `@inst/storage-sql`), read in
 * the statement of each all-runs read:
 *
 * - the statement's snapshot (`txid_current_snapshot()`): `xip` lists the transactions running below
 *   its `xmax`; any xid at or above `xmax` counts as running too;
 * - `pg_stat_activity.backend_xid` read after that snapshot was taken — the transactions that hold
 *   an xid at or above `xmax` (assigned before the snapshot, so it does not list them) show here.
 *
 * Candidates of a read: both lists. A candidate is still running as of a later read's snapshot when
 * it is in that snapshot's `xip` or not below its `xmax`. The xid lists are server-wide.
 */
export const IN_FLIGHT_PROBE: InFlightProbe = {
  sql:
    "(SELECT json_build_object('snapshot', txid_current_snapshot()::text, 'xids', " +
    '(SELECT array_agg(DISTINCT backend_xid::text) FROM pg_stat_activity WHERE backend_xid IS NOT NULL))::text)',
  parse(value: unknown): InFlightSnapshot {
    const { snapshot, xids } = JSON.parse(String(value)) as { snapshot: string; xids: string[] | null };
    const [, xmaxText = '0', xipText = ''] = snapshot.split(':');
    const xmax = xid32(xmaxText);
    const xip = new Set(xipText === '' ? [] : xipText.split(',').map(xid32));
    const candidates = [...new Set([...xip, ...(xids ?? []).map(xid32)])].map(String);
    return {
      candidates,
      isRunning: (candidate) => {
        const xid = Number(candidate);
        return xip.has(xid) || !precedes(xid, xmax);
      },
    };
  },
};
