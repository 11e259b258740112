/* The runs API: list with filters and cursor paging, one run, its events (paged and streamed), its compute logs. */
import type { Instance } from '@inst/core';
import { RunNotFoundError } from '@inst/errors';
import { DagsterEventType, DagsterRunStatus, EventLogCursor, RunsFilter, type RunRecord } from '@inst/types';
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { cancelRun, reexecuteRun } from './actions';
import { eventJson, runJson } from './json';
import { badRequest, limitOf } from './http';

const STATUSES = new Set<string>(Object.values(DagsterRunStatus));
const EVENT_TYPES = new Set<string>(Object.values(DagsterEventType));

/** A storage id given in the URL; 400 unless a non-negative integer. */
function numberOf(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`a cursor is a storage id, got ${JSON.stringify(raw)}`);
  return n;
}

/** The event log cursor string for a storage id given in the URL. */
function storageIdCursor(raw: string): string {
  return EventLogCursor.fromStorageId(numberOf(raw)!).toString();
}

/** `?status=A,B&job=x&tag=k=v&tag=k2=v2` as a RunsFilter. */
export function runsFilterOf(query: { status?: string[]; job?: string[]; tag?: string[] }): RunsFilter {
  const statuses = (query.status ?? []).flatMap((s) => s.split(',')).filter(Boolean).map((s) => s.toUpperCase());
  for (const s of statuses) if (!STATUSES.has(s)) throw badRequest(`unknown run status ${JSON.stringify(s)}`);
  const tags: Record<string, string> = {};
  for (const pair of query.tag ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw badRequest(`a tag filter is KEY=VALUE, got ${JSON.stringify(pair)}`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const job = query.job?.[0];
  return new RunsFilter({ ...(statuses.length ? { statuses: statuses as DagsterRunStatus[] } : {}), ...(job ? { jobName: job } : {}), tags });
}

/** The run's record; a RunNotFoundError (HTTP 404) when no run has that id. */
export async function requireRunRecord(instance: Instance, runId: string): Promise<RunRecord> {
  const record = await instance.getRunRecordById(runId);
  if (!record) throw new RunNotFoundError(runId, `no run found with id ${runId}`);
  return record;
}

/** How often the runs list stream looks for changed runs (a query by update time, never a count). */
const RUNS_POLL_MS = 500;

export function mountRuns(app: Hono, instance: Instance): void {
  app.get('/api/runs', async (c) => {
    const filter = runsFilterOf(c.req.queries() ?? {});
    const limit = limitOf(c.req.query('limit'), 50, 500);
    const cursor = c.req.query('cursor') || undefined;
    const records = await instance.getRunRecords(filter, limit + 1, undefined, false, cursor);
    const page = records.slice(0, limit);
    return c.json({ runs: page.map((r) => runJson(r.dagsterRun, r)), cursor: records.length > limit ? page.at(-1)!.dagsterRun.runId : null });
  });

  // Tells the list which runs changed (created or updated) since the stream opened; the page re-reads its page.
  app.get('/api/runs-stream', (c) =>
    streamSSE(c, async (stream) => {
      let since = new Date();
      const controller = new AbortController();
      stream.onAbort(() => controller.abort());
      while (!controller.signal.aborted) {
        const records = await instance.getRunRecords(new RunsFilter({ updatedAfter: since }), 100, 'update_timestamp', true);
        if (records.length) {
          since = records.at(-1)!.updateTimestamp;
          await stream.writeSSE({ event: 'runs', data: JSON.stringify(records.map((r) => runJson(r.dagsterRun, r))) });
        }
        await stream.sleep(RUNS_POLL_MS);
      }
    }),
  );

  app.get('/api/runs/:runId', async (c) => {
    const record = await requireRunRecord(instance, c.req.param('runId'));
    return c.json({ run: runJson(record.dagsterRun, record) });
  });

  // A page of the run's events after the cursor (the `cursor` a page returns), oldest first; or, with ?before=, the page just
  // before that storage id (newest first, for "load older"); ?type= (repeatable) keeps those event types.
  app.get('/api/runs/:runId/events', async (c) => {
    const runId = c.req.param('runId');
    const limit = limitOf(c.req.query('limit'), 1000, 10_000);
    await requireRunRecord(instance, runId);
    const types = (c.req.queries('type') ?? []).flatMap((t) => t.split(',')).filter(Boolean);
    for (const t of types) if (!EVENT_TYPES.has(t)) throw badRequest(`unknown event type ${JSON.stringify(t)}`);
    const ofType = types.length ? (types as DagsterEventType[]) : undefined;
    const before = c.req.query('before');
    const page = before
      ? await instance.getRecordsForRun(runId, storageIdCursor(before), ofType, limit, false)
      : await instance.getRecordsForRun(runId, c.req.query('cursor') || undefined, ofType, limit);
    return c.json({ events: page.records.map((r) => eventJson(r.eventLogEntry, r.storageId)), cursor: page.cursor ?? null, hasMore: page.hasMore });
  });

  // The run's events as they are stored (by any process), from after the cursor (?after= or Last-Event-ID); or,
  // with ?tail=N and no cursor, from the newest N stored (a big run's page opens without sending its whole log).
  // The first message (`window`) says whether older events were left out: { olderBefore: storageId | null }.
  app.get('/api/runs/:runId/stream', async (c) => {
    const runId = c.req.param('runId');
    // Checked before the stream opens, so an unknown run is a 404 (EventSource then stops retrying).
    await requireRunRecord(instance, runId);
    let after: number | undefined = numberOf(c.req.query('after') || c.req.header('last-event-id'));
    let olderBefore: number | null = null;
    const tail = c.req.query('tail');
    if (after === undefined && tail) {
      // Two one-record reads, not a read of N records: the window is the storage ids within N of the newest (at
      // most N events; fewer where several runs share the id sequence, and "load older" pages by the event).
      const n = limitOf(tail, 1000, 100_000);
      const top = (await instance.getRecordsForRun(runId, undefined, undefined, 1, false)).records[0]?.storageId;
      if (top !== undefined && top - n > 0) {
        const older = (await instance.getRecordsForRun(runId, EventLogCursor.fromStorageId(top - n + 1).toString(), undefined, 1, false)).records[0];
        if (older) {
          after = older.storageId;
          olderBefore = older.storageId + 1;
        }
      }
    }
    return streamSSE(c, async (stream) => {
      const controller = new AbortController();
      stream.onAbort(() => controller.abort());
      await stream.writeSSE({ event: 'window', data: JSON.stringify({ olderBefore }) });
      for await (const { record } of instance.watchRunEvents(runId, { ...(after !== undefined ? { after } : {}), signal: controller.signal })) {
        // One message per event; its id lets EventSource resume after a reconnect.
        await stream.writeSSE({ event: 'event', id: String(record.storageId), data: JSON.stringify(eventJson(record.eventLogEntry, record.storageId)) });
      }
    });
  });

  app.get('/api/runs/:runId/compute-logs/:fileKey', async (c) => {
    await requireRunRecord(instance, c.req.param('runId'));
    const manager = instance.computeLogManager;
    const key = manager.buildLogKeyForRun(c.req.param('runId'), c.req.param('fileKey'));
    const data = await manager.getLogData(key, null, 1 << 20);
    return c.json({ stdout: data.stdout?.toString('utf8') ?? '', stderr: data.stderr?.toString('utf8') ?? '', complete: await manager.isCaptureComplete(key) });
  });

  app.post('/api/runs/:runId/cancel', async (c) => c.json({ status: await cancelRun(instance, c.req.param('runId')) }));

  app.post('/api/runs/:runId/reexecute', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { fromFailure?: unknown };
    return c.json(await reexecuteRun(instance, c.req.param('runId'), { fromFailure: body.fromFailure === true }));
  });
}
