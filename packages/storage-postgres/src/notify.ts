import type { SqlExecutor } from '@inst/storage-sql';

/** The channel Dagster's Postgres event log notifies on every stored event. */
export const RUN_EVENTS_CHANNEL = 'run_events';

/**
 * Sends Dagster's `run_events` notification for a stored event: payload `<run_id>_<storage_id>`,
 * as `PostgresEventLogStorage.store_event` does (Python readers of the same database rely on it).
 * Inside a transaction Postgres delivers it at COMMIT, so send it with the insert's executor.
 */
export async function notifyRunEvent(executor: SqlExecutor, runId: string, storageId: number): Promise<void> {
  await executor.run(`SELECT pg_notify('${RUN_EVENTS_CHANNEL}', ?)`, [`${runId}_${storageId}`]);
}

/**
 * {@link notifyRunEvent} for several events of one run in one statement, in the given order (a
 * batch of events stored together).
 */
export async function notifyRunEvents(executor: SqlExecutor, runId: string, storageIds: readonly number[]): Promise<void> {
  if (storageIds.length === 0) return;
  if (storageIds.length === 1) return notifyRunEvent(executor, runId, storageIds[0]!);
  await executor.run(`SELECT pg_notify('${RUN_EVENTS_CHANNEL}', payload) FROM unnest(?::text[]) WITH ORDINALITY AS t(payload, n) ORDER BY n`, [
    storageIds.map((id) => `${runId}_${id}`),
  ]);
}

/**
 * {@link notifyRunEvents} folded into the statement inserting the events (one round trip instead of
 * two): `insert` is an `INSERT INTO event_logs … RETURNING id, run_id`; each inserted row is announced
 * as `<run_id>_<id>`, in id order (Postgres evaluates a volatile select-list function after ORDER BY).
 */
export function insertNotifyingSql(insert: string): string {
  return `WITH inserted AS (${insert}) SELECT id, pg_notify('${RUN_EVENTS_CHANNEL}', run_id || '_' || id) AS notified FROM inserted ORDER BY id`;
}

/** A `run_events` payload read back: run ids are UUIDs (no `_`), so the id follows the last `_`. */
export function parseRunEventPayload(payload: string): { runId: string; storageId: number } | undefined {
  const cut = payload.lastIndexOf('_');
  if (cut <= 0) return undefined;
  const storageId = Number(payload.slice(cut + 1));
  if (!Number.isSafeInteger(storageId)) return undefined;
  return { runId: payload.slice(0, cut), storageId };
}

/**
 * One statement storing `rowCount` event rows of one run (bound in `EVENT_COLUMNS` order, 7 per
 * row): with `lock`, the run's write lock first (see `lockRunsForWrite`; params `[lockClass, runId]` come
 * before the rows), then the INSERT, then a NOTIFY per row in id order. The rows are selected from a
 * join with the lock's CTE, so no id is drawn before the lock is held, and the lock (transaction-scoped)
 * is released at commit: the run's ids commit in id order.
 * Ids follow the rows' order (the literal ordinals sort them before the INSERT draws its ids).
 * Either way the transaction takes its id (`txid_current()`) before drawing storage ids, so that
 * every snapshot that can see a later id lists it as in flight (the all-runs watch relies on it).
 */
export function lockedInsertNotifyingSql(columns: string, rowCount: number, lock: boolean): string {
  const values = Array.from({ length: rowCount }, (_, i) => `(${i + 1}, ?, ?, ?, ?, ?, ?, ?)`).join(', ');
  if (!lock) {
    return insertNotifyingSql(
      `INSERT INTO event_logs (${columns}) SELECT v.c1, v.c2, v.c3, v.c4::timestamp, v.c5, v.c6, v.c7 FROM (SELECT txid_current() AS xid) AS x CROSS JOIN (VALUES ${values}) AS v(n, c1, c2, c3, c4, c5, c6, c7) ORDER BY v.n RETURNING id, run_id`,
    );
  }
  return (
    `WITH run_lock AS (SELECT pg_advisory_xact_lock(?, hashtext(?)) AS held, txid_current() AS xid), ` +
    `inserted AS (INSERT INTO event_logs (${columns}) SELECT v.c1, v.c2, v.c3, v.c4::timestamp, v.c5, v.c6, v.c7 FROM run_lock CROSS JOIN (VALUES ${values}) AS v(n, c1, c2, c3, c4, c5, c6, c7) ORDER BY v.n RETURNING id, run_id) ` +
    `SELECT id, pg_notify('${RUN_EVENTS_CHANNEL}', run_id || '_' || id) AS notified FROM inserted ORDER BY id`
  );
}
