import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, StorageError } from '@inst/errors';
import { createPgDriver, type PgDriver } from './driver.js';
import { pgErrorCode } from './errors.js';
import { PgListener } from './listener.js';
import { notifyRunEvent, parseRunEventPayload } from './notify.js';
import { createScratchDatabase, testPgUrl, type ScratchDatabase } from './testing/index.js';

let scratch: ScratchDatabase;
let driver: PgDriver;

beforeAll(async () => {
  scratch = await createScratchDatabase('inst_pg_listener');
  driver = createPgDriver({ url: scratch.url }, { poolSize: 2 });
});

afterAll(async () => {
  await driver?.close();
  await scratch?.drop();
});

/** Polls `predicate` with no wall-clock deadline (issue #10: a loaded machine must not fail a test); the test's own timeout bounds a hang, and `what` names the wait. */
async function waitFor(predicate: () => boolean | Promise<boolean>, what: string): Promise<void> {
  void what;
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 10));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Backend pids of this database's LISTEN connections (they identify themselves as inst-listener). */
async function listenerPids(): Promise<number[]> {
  const rows = await driver.all<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'inst-listener'",
  );
  return rows.map((r) => r.pid);
}

const RUN_ID = '2464fea5-0b5b-4d4e-9a39-3f4f5d5d2c11';

describe('run_events payloads', () => {
  it('parses <run_id>_<storage_id>', () => {
    expect(parseRunEventPayload(`${RUN_ID}_68`)).toEqual({ runId: RUN_ID, storageId: 68 });
    expect(parseRunEventPayload('no-id')).toBeUndefined();
    expect(parseRunEventPayload(`${RUN_ID}_x`)).toBeUndefined();
  });
});

describe('PgListener', () => {
  it('receives run_events as Dagster sends them, at commit', async () => {
    const events: [string, number][] = [];
    const listener = driver.createListener();
    try {
      await listener.start();
      expect(listener.listening).toBe(true);
      listener.subscribe((runId, storageId) => events.push([runId, storageId]));

      await notifyRunEvent(driver, RUN_ID, 1);
      await waitFor(() => events.length === 1, 'the first notification');
      expect(events).toEqual([[RUN_ID, 1]]);

      // Dagster's own statement, for version skew with Python writers.
      await driver.run(`NOTIFY run_events, '${RUN_ID}_2'`);
      await waitFor(() => events.length === 2, 'the NOTIFY statement');

      await driver.transaction(async (tx) => {
        await notifyRunEvent(tx, RUN_ID, 3);
        await sleep(100);
        expect(events).toHaveLength(2); // not before COMMIT
      });
      await waitFor(() => events.length === 3, 'the notification sent in a transaction');
      expect(events[2]).toEqual([RUN_ID, 3]);
    } finally {
      await listener.close();
    }
  });

  it('reconnects after pg_terminate_backend, re-LISTENs and reports the reconnect', async () => {
    const events: number[] = [];
    const errors: unknown[] = [];
    let reconnected = 0;
    const listener = driver.createListener({ onError: (e) => errors.push(e) });
    try {
      await listener.start();
      listener.subscribe(
        (_runId, storageId) => events.push(storageId),
        () => reconnected++,
      );
      const [pid] = await listenerPids();
      expect(pid).toEqual(expect.any(Number));
      await driver.get('SELECT pg_terminate_backend(?::int)', [pid]);

      await waitFor(() => reconnected === 1, 'the reconnect');
      expect(listener.reconnects).toBe(1);
      expect(listener.listening).toBe(true);
      expect(errors.some((e) => pgErrorCode(e) === '57P01')).toBe(true); // "terminating connection due to administrator command"
      const pids = await listenerPids();
      expect(pids).toHaveLength(1);
      expect(pids[0]).not.toBe(pid);

      await notifyRunEvent(driver, RUN_ID, 10);
      await waitFor(() => events.includes(10), 'a notification after the reconnect');
    } finally {
      await listener.close();
    }
  });

  it('retries with back-off while connections are refused, and closes cleanly mid-retry', async () => {
    const errors: unknown[] = [];
    const listener = driver.createListener({ onError: (e) => errors.push(e), minBackoffMs: 20, maxBackoffMs: 40 });
    const admin = new pg.Client({ connectionString: testPgUrl() });
    await admin.connect();
    const allowConnections = (allow: boolean) =>
      admin.query(`ALTER DATABASE ${pg.escapeIdentifier(scratch.name)} ALLOW_CONNECTIONS ${allow}`);
    try {
      await listener.start();
      await allowConnections(false);
      const [pid] = await listenerPids();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // Reconnects fail ("database … is not currently accepting connections") and are retried.
      await waitFor(() => errors.filter((e) => pgErrorCode(e) === '55000').length >= 3, 'three refused reconnects');
      expect(listener.listening).toBe(false);
      expect(listener.reconnects).toBe(0);
      await allowConnections(true);
      await waitFor(() => listener.reconnects === 1, 'the reconnect once connections are allowed');

      // Close right after a loss, while a reconnect is pending: nothing reconnects afterwards.
      const [pid2] = await listenerPids();
      await admin.query('SELECT pg_terminate_backend($1)', [pid2]);
      await waitFor(() => !listener.listening, 'the loss');
      await Promise.all([listener.close(), listener.close()]);
      await sleep(150);
      expect(listener.reconnects).toBe(1);
      expect(await listenerPids()).toEqual([]);
      await expect(listener.start()).rejects.toThrow(DisposedError);
    } finally {
      await allowConnections(true);
      await admin.end();
      await listener.close();
    }
  });

  it('isolates subscribers that throw, and unsubscribes', async () => {
    const seen: number[] = [];
    const errors: unknown[] = [];
    const listener = driver.createListener({ onError: (e) => errors.push(e) });
    try {
      await listener.start();
      listener.subscribe(() => {
        throw new Error('bad subscriber');
      });
      const unsubscribe = listener.subscribe((_r, id) => seen.push(id));
      await notifyRunEvent(driver, RUN_ID, 20);
      await waitFor(() => seen.length === 1, 'delivery despite a throwing subscriber');
      expect(errors).toEqual([new Error('bad subscriber')]);
      unsubscribe();
      await notifyRunEvent(driver, RUN_ID, 21);
      await sleep(100);
      expect(seen).toEqual([20]);
    } finally {
      await listener.close();
    }
  });

  it('rejects start() when the server is unreachable', async () => {
    const listener = new PgListener({ connectionString: 'postgresql://postgres@127.0.0.1:1/postgres' });
    await expect(listener.start()).rejects.toThrow(StorageError);
    await listener.close();
  });
});
