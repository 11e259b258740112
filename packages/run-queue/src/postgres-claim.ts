/**
 * Set-based claim of queued runs on Postgres: many runs move QUEUED → STARTING in a few statements instead of one
 * `reportDagsterEvent` per run (two round trips plus a transaction each).
 *
 * In one transaction on a connection of its own: the chosen runs' rows are locked (`FOR UPDATE SKIP LOCKED`,
 * only those still QUEUED), their PIPELINE_STARTING events are stored through the event log storage
 * (`storeEventBatch`, a few chunks at once, each one transaction: the storage's own locks, ids and NOTIFY), then one
 * `UPDATE … FROM unnest(…)` writes what the run storage's `handleRunEvent` writes for RUN_STARTING — the run body
 * with the new status, `status` and `update_timestamp` — and the transaction commits. The row locks keep every
 * other writer of those runs (a cancel, a tag change) waiting until the status is written, so no update is lost;
 * the queue lock around the iteration keeps other daemons out. Events before status, as Dagster writes them: a
 * daemon that dies in between leaves the runs QUEUED with a PIPELINE_STARTING in their log, and the next iteration
 * claims them again (a second PIPELINE_STARTING, still one launch).
 */
import { deserializeValue, serializeValue } from '@inst/serdes';
import { DagsterEvent, DagsterEventType, DagsterRun, DagsterRunStatus, EventLogEntry } from '@inst/types';
import type { RunQueueEventLogStorage } from './ops';
import { DedicatedPgConnection } from './pg-connection';

/** `storeEventBatch` calls of a claim at once, and their smallest size. */
const EVENT_WRITERS = 8;
const EVENT_CHUNK_MIN = 50;

/** The PIPELINE_STARTING entry of a claimed run (what `reportDagsterEvent` would build). */
export function runStartingEntry(run: DagsterRun, timestamp: number): EventLogEntry {
  return new EventLogEntry({
    userMessage: '',
    level: 20,
    jobName: run.jobName,
    runId: run.runId,
    errorInfo: null,
    timestamp,
    stepKey: null,
    dagsterEvent: new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_STARTING, jobName: run.jobName }),
  });
}

/** `timestamp without time zone` text of a Date, in UTC (the storage's sessions run with TimeZone UTC). */
function sqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Claims runs on one Postgres database; one connection, opened on first use. */
export class PostgresRunClaimer {
  readonly #connection: DedicatedPgConnection;

  constructor(url: string) {
    this.#connection = new DedicatedPgConnection(url, 'inst-run-queue-claim', "SET TimeZone = 'UTC'");
  }

  /**
   * Moves the runs that are still QUEUED (and not locked by another writer) to STARTING, with their
   * PIPELINE_STARTING events; returns them as stored, in the order given.
   */
  async claim(runs: readonly DagsterRun[], timestamp: number, eventLog: Pick<RunQueueEventLogStorage, 'storeEventBatch'>): Promise<DagsterRun[]> {
    if (runs.length === 0) return [];
    const client = await this.#connection.get();
    await client.query('BEGIN');
    try {
      const locked = await client.query<{ run_id: string; run_body: string }>(
        'SELECT run_id, run_body FROM runs WHERE run_id = ANY($1::text[]) AND status = $2 ORDER BY run_id FOR UPDATE SKIP LOCKED',
        [runs.map((run) => run.runId), DagsterRunStatus.QUEUED],
      );
      const current = new Map<string, DagsterRun>();
      for (const row of locked.rows) {
        const stored = deserializeValue(row.run_body);
        if (stored instanceof DagsterRun) current.set(row.run_id, stored.withStatus(DagsterRunStatus.STARTING));
      }
      const claimed = runs.filter((run) => current.has(run.runId)).map((run) => current.get(run.runId)!);
      const entries = claimed.map((run) => runStartingEntry(run, timestamp));
      // The storage writes a batch's runs one INSERT each: chunks on several of its pooled connections at once
      // (different runs, so their write locks never meet).
      const chunk = Math.max(EVENT_CHUNK_MIN, Math.ceil(entries.length / EVENT_WRITERS));
      const chunks: EventLogEntry[][] = [];
      for (let i = 0; i < entries.length; i += chunk) chunks.push(entries.slice(i, i + chunk));
      const written = await Promise.allSettled(chunks.map((part) => eventLog.storeEventBatch(part)));
      const failure = written.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
      if (claimed.length > 0) {
        await client.query(
          'UPDATE runs SET run_body = u.body, status = $3, update_timestamp = $4::timestamp FROM unnest($1::text[], $2::text[]) AS u(run_id, body) WHERE runs.run_id = u.run_id',
          [claimed.map((run) => run.runId), claimed.map((run) => serializeValue(run)), DagsterRunStatus.STARTING, sqlTimestamp(new Date(timestamp * 1000))],
        );
      }
      await client.query('COMMIT');
      return claimed;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    await this.#connection.close();
  }
}
