import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageFailureReason } from '@inst/storage-sql';
import { DagsterEvent, DagsterEventType, EventLogEntry, type EventLogEntry as Entry } from '@inst/types';
import { createPgDriver, type PgDriver } from './driver.js';
import { openPostgresStorages, type PostgresStorages } from './storages.js';
import { TcpProxy } from './test-support/tcp-proxy.js';
import { createScratchDatabase, pgAvailable, type ScratchDatabase } from './testing/index.js';

/*
 * Issue #10: watching and writing through Postgres outages. The shared server is never restarted
 * (other test files use it): a loopback TCP proxy stands between the storages under test and the
 * server, and the test cuts every connection through it (as a restart does), refuses connections
 * for 3 s (as a server that is down does), and terminates the backends with pg_terminate_backend
 * (57P01, what a restart sends). Writers write directly, on and on, while the watchers' side is
 * out. No assertion is on time: conditions are polled with generous bounds.
 */

const available = await pgAvailable();
const quiet = { warn: () => {} };
const APP = 'inst-outage-test';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` with no wall-clock deadline (issue #10: a loaded machine must not fail a test); the test's own timeout bounds a hang, and `what` names the wait. */
async function waitFor(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  void what;
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 10));
}

function entry(runId: string, n: number): EventLogEntry {
  return new EventLogEntry({
    errorInfo: null,
    level: 'debug',
    userMessage: String(n),
    runId,
    timestamp: Date.now() / 1000,
    dagsterEvent: new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: 'outage' }),
  });
}

/** Collects a watcher's events: the user messages (0, 1, …) and storage ids, in delivery order. */
class Seen {
  readonly messages: number[] = [];
  readonly ids: number[] = [];
  add(entryOrMessage: Entry, storageId: number): void {
    this.messages.push(Number(entryOrMessage.userMessage));
    this.ids.push(storageId);
  }
  /** Every one of 0…n-1 once, in order, with increasing storage ids. */
  expectExactly(n: number): void {
    expect(this.messages).toEqual(Array.from({ length: n }, (_, i) => i));
    for (let i = 1; i < this.ids.length; i++) expect(this.ids[i]).toBeGreaterThan(this.ids[i - 1]!);
  }
}

describe.skipIf(!available)('Postgres outages', () => {
  let scratch: ScratchDatabase;
  let proxy: TcpProxy;
  let admin: PgDriver;
  let writer: PostgresStorages;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_pg_outage');
    const target = new URL(scratch.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    admin = createPgDriver({ url: scratch.url }, { poolSize: 1 });
    writer = await openPostgresStorages({ url: scratch.url }, { logger: quiet, onConnectionError: () => {} });
  });

  afterAll(async () => {
    await writer?.dispose();
    await admin?.close();
    await proxy?.close();
    await scratch?.drop();
  });

  /** Storages whose every connection goes through the proxy. */
  function openBehindProxy(options: Parameters<typeof openPostgresStorages>[1] = {}): Promise<PostgresStorages> {
    return openPostgresStorages(
      { url: proxy.urlFor(scratch.url) },
      { applicationName: APP, logger: quiet, onConnectionError: () => {}, poolSize: 3, ...options },
    );
  }

  /** Terminates the backends of the storages behind the proxy (what a server restart does to them). */
  async function terminateBackends(): Promise<number> {
    const rows = await admin.all<{ pid: number }>(
      // MATERIALIZED: the filter runs first; a terminate in the same WHERE may be evaluated before it (on every backend).
      `WITH ours AS MATERIALIZED (
         SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = ? AND pid <> pg_backend_pid()
       ) SELECT pid FROM ours WHERE pg_terminate_backend(pid)`,
      [APP],
    );
    return rows.length;
  }

  /** An async-iterable watcher and a callback watcher of `runId` on `storages`. */
  function watchBoth(storages: PostgresStorages, runId: string, signal: AbortSignal): { iterable: Seen; callback: Seen; done: Promise<void> } {
    const iterable = new Seen();
    const callback = new Seen();
    const done = (async () => {
      for await (const { record } of storages.eventLogStorage.watch(runId, { signal })) iterable.add(record.eventLogEntry, record.storageId);
    })();
    storages.eventLogStorage.watch(runId, null, (e, cursor) => callback.add(e, Number(JSON.parse(Buffer.from(cursor, 'base64').toString()).value)));
    return { iterable, callback, done };
  }

  /** An all-runs watcher on `storages` (here only the one run is written). */
  function watchAll(storages: PostgresStorages, signal: AbortSignal): { allRuns: Seen; allDone: Promise<void> } {
    const allRuns = new Seen();
    const allDone = (async () => {
      for await (const { record } of storages.eventLogStorage.watchAllRuns({ signal })) allRuns.add(record.eventLogEntry, record.storageId);
    })();
    return { allRuns, allDone };
  }

  it('busy watchers (one run and all runs) get every event once, in order, through cuts, terminated backends and 3 s of refused connections', { timeout: 300_000 }, async () => {
    const watched = await openBehindProxy();
    const controller = new AbortController();
    const runId = randomUUID();
    const { iterable, callback, done } = watchBoth(watched, runId, controller.signal);
    const { allRuns, allDone } = watchAll(watched, controller.signal);
    try {
      const total = 1000;
      let written = 0;
      const writing = (async () => {
        for (; written < total; written++) {
          await writer.eventLogStorage.storeEvent(entry(runId, written));
          if (written % 10 === 0) await sleep(5);
        }
      })();
      await waitFor(() => iterable.messages.length > 50 && callback.messages.length > 50, 'the first events');
      proxy.cut();
      await waitFor(() => iterable.messages.length > 200 && callback.messages.length > 200, 'delivery after a cut');
      await waitFor(async () => (await terminateBackends()) > 0, 'a backend to terminate');
      await waitFor(() => iterable.messages.length > 350 && callback.messages.length > 350, 'delivery after pg_terminate_backend');
      const before = written;
      await proxy.refuse(3000);
      // Writes went on meanwhile.
      expect(written).toBeGreaterThan(before);
      await writing;
      await waitFor(() => iterable.messages.length >= total && callback.messages.length >= total && allRuns.messages.length >= total, `all ${total} events`);
      await sleep(300); // anything delivered twice would show now
      iterable.expectExactly(total);
      callback.expectExactly(total);
      allRuns.expectExactly(total);
    } finally {
      controller.abort();
      await done;
      await allDone;
      await watched.dispose();
    }
  });

  it('idle watchers see the first event written after 3 s of refused connections', { timeout: 300_000 }, async () => {
    const watched = await openBehindProxy();
    const controller = new AbortController();
    const runId = randomUUID();
    const { iterable, callback, done } = watchBoth(watched, runId, controller.signal);
    try {
      await writer.eventLogStorage.storeEvent(entry(runId, 0));
      await waitFor(() => iterable.messages.length === 1 && callback.messages.length === 1, 'the first event');
      await proxy.refuse(3000);
      await terminateBackends();
      // Let the listener come back, so the test also covers LISTEN reconnecting (not only polling).
      await waitFor(() => watched.eventLogStorage.connections.changeProbe !== undefined, 'a probe');
      await writer.eventLogStorage.storeEvent(entry(runId, 1));
      await waitFor(() => iterable.messages.length === 2 && callback.messages.length === 2, 'the event after the outage');
      await writer.eventLogStorage.storeEvent(entry(runId, 2));
      await waitFor(() => iterable.messages.length === 3 && callback.messages.length === 3, 'the next event');
      iterable.expectExactly(3);
      callback.expectExactly(3);
    } finally {
      controller.abort();
      await done;
      await watched.dispose();
    }
  });

  it('a watcher with a give-up time ends with a typed error when the outage outlasts it', { timeout: 300_000 }, async () => {
    const watched = await openBehindProxy({ connectRetryMs: 100 });
    const runId = randomUUID();
    await writer.eventLogStorage.storeEvent(entry(runId, 0));
    const seen: number[] = [];
    let failure: unknown;
    const done = (async () => {
      try {
        for await (const { record } of watched.eventLogStorage.watch(runId, { giveUpAfterMs: 500 })) seen.push(Number(record.eventLogEntry.userMessage));
      } catch (error) {
        failure = error;
      }
    })();
    try {
      await waitFor(() => seen.length === 1, 'the first event');
      const refusing = proxy.refuse(3000);
      await writer.eventLogStorage.storeEvent(entry(runId, 1)); // wakes the watcher in this process: it queries, and fails
      await waitFor(() => failure !== undefined, 'the watcher to give up');
      await refusing;
      expect(storageFailureReason(failure)).toBe('unavailable');
      await done;
    } finally {
      await watched.dispose();
    }
  });

  it('writes: a failed connect is retried; a write lost before COMMIT is run again once; a lost autocommit write fails typed, not repeated', { timeout: 300_000 }, async () => {
    const watched = await openBehindProxy();
    const driver = watched.driver;
    await admin.run('CREATE TABLE IF NOT EXISTS outage_writes (n integer)');
    try {
      // Connects refused for 3 s: the write waits for the server and lands once.
      const runId = randomUUID();
      const refusing = proxy.refuse(3000);
      await sleep(50);
      await watched.eventLogStorage.storeEvent(entry(runId, 0));
      await refusing;
      expect((await writer.eventLogStorage.getRecordsForRun(runId)).records.map((r) => r.eventLogEntry.userMessage)).toEqual(['0']);

      // A transaction whose connection is cut before COMMIT: rolled back by the server, run again.
      let tries = 0;
      const tx = driver.transaction(async (t) => {
        tries++;
        await t.run('INSERT INTO outage_writes (n) VALUES (1)');
        if (tries === 1) await t.all('SELECT pg_sleep(2)');
      });
      await waitFor(async () => ((await admin.get<{ n: number }>("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(2)%' AND application_name = ?", [APP]))?.n ?? 0) > 0, 'the transaction to sleep');
      proxy.cut();
      await tx;
      expect(tries).toBe(2);
      expect((await admin.get<{ n: number }>('SELECT count(*) AS n FROM outage_writes WHERE n = 1'))?.n).toBe(1);

      // An autocommit write in flight when the connection goes: its outcome is unknown, so it is not repeated.
      const write = driver.run('INSERT INTO outage_writes (n) SELECT 2 FROM pg_sleep(2)');
      await waitFor(async () => ((await admin.get<{ n: number }>("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'INSERT INTO outage_writes%' AND application_name = ?", [APP]))?.n ?? 0) > 0, 'the write to run');
      proxy.cut();
      const error = await write.then(() => undefined, (e: unknown) => e);
      expect(storageFailureReason(error)).toBe('write-outcome-unknown');
      await sleep(2500);
      expect((await admin.get<{ n: number }>('SELECT count(*) AS n FROM outage_writes WHERE n = 2'))?.n).toBeLessThanOrEqual(1);

      // Refused for longer than connectRetryMs: a typed error, and nothing written.
      const impatient = await openBehindProxy({ connectRetryMs: 300 });
      try {
        const lateRun = randomUUID();
        const refusing2 = proxy.refuse(2000);
        await sleep(50);
        const failed = await impatient.eventLogStorage.storeEvent(entry(lateRun, 0)).then(() => undefined, (e: unknown) => e);
        await refusing2;
        expect(storageFailureReason(failed)).toBe('unavailable');
        expect((await writer.eventLogStorage.getRecordsForRun(lateRun)).records).toHaveLength(0);
      } finally {
        await impatient.dispose();
      }
    } finally {
      await watched.dispose();
    }
  });
});
