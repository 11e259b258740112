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
