import type { EventLogContext } from './context.js';
import { placeholders, recordsSkippingBadRows } from './rows.js';
import type { AllRunsPage } from './watch.js';

/**
 * One read of the all-runs watch (see `watchAllRuns`): the next `limit` ids after `afterId` of
 * every type — a hole is looked for among all of them — with the event bodies of the wanted types
 * only, and, where ids can commit out of order, the transactions in flight at the snapshot of this
 * same statement (`EventLogConnections.inFlight`).
 */
export async function readAllRunsPage(ctx: EventLogContext, afterId: number, types: readonly string[], limit: number): Promise<AllRunsPage> {
  const inFlight = ctx.connections.inFlight;
  const event = types.length === 0 ? 'event' : `CASE WHEN dagster_event_type IN (${placeholders(types.length)}) THEN event END AS event`;
  const sql = `SELECT id, ${event}${inFlight ? `, ${inFlight.sql} AS in_flight` : ''} FROM event_logs WHERE id > ? ORDER BY id ASC LIMIT ?`;
  const rows = await ctx.index.all<{ id: number | bigint; event: string | null; in_flight?: unknown }>(sql, [...types, afterId, limit]);
  const withEvent = rows.filter((row): row is { id: number | bigint; event: string } => row.event !== null);
  return {
    ids: rows.map((row) => Number(row.id)),
    records: recordsSkippingBadRows(withEvent, ctx.logger),
    inFlight: inFlight && rows.length > 0 ? inFlight.parse(rows[0]!.in_flight) : null,
  };
}
