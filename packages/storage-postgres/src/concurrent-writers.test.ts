import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogCursor, type EventLogEntry } from '@inst/types';
import { openPostgresStorages, type PostgresStorages } from './storages.js';
import { createScratchDatabase, pgAvailable, type ScratchDatabase } from './testing/index.js';

/*
 * Issue #10, "no skipped ids": eight writer processes (real OS processes) store 200 events each
 * into ONE run at once, one transaction per event, while two watchers (the async iterable and the
 * callback form) follow the run. Postgres draws `event_logs.id` at INSERT and shows the row at
 * COMMIT, so without serialization a watcher can read id N+1 before N commits and skip N for good;
 * with the per-run advisory lock (lockRunsForWrite) ids of a run commit in order, and both
 * watchers must see all 1,600 events, each once, in storage-id order, each writer's in its order.
 * (INST_TEST_SERIALIZE=false runs the writers without the lock: then the watchers miss events.)
 *
 * And for the all-runs watch: eight writer processes on eight DIFFERENT runs (the per-run lock
 * then orders nothing: ids of different runs commit in any order) and two all-runs watchers on
 * separate pools, which must each see every event once, in storage-id order. The watch waits at
 * an id hole until the transactions in flight when it saw the hole have ended (`watchAllRuns`);
 * INST_TEST_GAP_FREE=false turns that off (`gapFreeAllRunsWatch: false`): then they miss events.
 */

const available = await pgAvailable();
const here = dirname(fileURLToPath(import.meta.url));
const WRITERS = 8;
const PER_WRITER = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `predicate` (no wall-clock deadline: the test's own timeout is the only bound; `what` names the wait in a hang). */
async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  void what;
  while (!predicate()) await sleep(20);
}

interface Writer {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<{ errors: string[] }>;
}

function startWriter(url: string, runId: string, n: number): Writer {
  return startWriterOf(url, runId, n, PER_WRITER);
}

function startWriterOf(url: string, runId: string, n: number, perWriter: number): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@inst/source', join(here, 'test-support', 'concurrent-writer.ts'), url, runId, String(n), String(perWriter), process.env.INST_TEST_SERIALIZE ?? 'true'], {
    cwd: join(here, '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer ${n} exited (${code}) before it was ready: ${err}`)));
  });
  const done = new Promise<{ errors: string[] }>((resolve, reject) => {
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as { errors: string[] });
      else reject(new Error(`writer ${n} exited with ${code}: ${err}`));
    });
  });
  return { child, ready, done };
}

describe.skipIf(!available)('eight writer processes on one run', () => {
  let scratch: ScratchDatabase;
  let storages: PostgresStorages;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_pg_writers');
    storages = await openPostgresStorages({ url: scratch.url }, { logger: { warn: () => {} }, onConnectionError: () => {} });
  });
  afterAll(async () => {
    await storages?.dispose();
    await scratch?.drop();
  });

  it('two watchers receive 1,600 of 1,600 events, once each, in storage-id order', { timeout: 600_000 }, async () => {
    const runId = randomUUID();
    const controller = new AbortController();
    const iterable: { id: number; message: string }[] = [];
    const callback: { id: number; message: string }[] = [];
    const watching = (async () => {
      for await (const { record } of storages.eventLogStorage.watch(runId, { signal: controller.signal })) {
        iterable.push({ id: record.storageId, message: record.eventLogEntry.userMessage });
      }
    })();
    const onEvent = (entry: EventLogEntry, cursor: string): void => {
      callback.push({ id: EventLogCursor.parse(cursor).storageId(), message: entry.userMessage });
    };
    storages.eventLogStorage.watch(runId, null, onEvent);

    const writers = Array.from({ length: WRITERS }, (_, n) => startWriter(scratch.url, runId, n));
    try {
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.child.stdin!.write('go\n');
      const results = await Promise.all(writers.map((w) => w.done));
      expect(results.flatMap((r) => r.errors)).toEqual([]);
      const total = WRITERS * PER_WRITER;
      const stored = (await storages.eventLogStorage.getRecordsForRun(runId)).records;
      expect(stored).toHaveLength(total);
      // Both watchers reach the last id whether or not they skipped some on the way.
      const maxId = stored.at(-1)!.storageId;
      await waitFor(() => iterable.at(-1)?.id === maxId && callback.at(-1)?.id === maxId, 'both watchers at the last stored id');
      for (const seen of [iterable, callback]) {
        expect(seen).toHaveLength(total);
        expect(new Set(seen.map((e) => e.message)).size).toBe(total);
        for (let i = 1; i < seen.length; i++) expect(seen[i]!.id).toBeGreaterThan(seen[i - 1]!.id);
        for (let n = 0; n < WRITERS; n++) {
          expect(seen.filter((e) => e.message.startsWith(`${n}:`)).map((e) => e.message)).toEqual(Array.from({ length: PER_WRITER }, (_, i) => `${n}:${i}`));
        }
      }
    } finally {
      for (const w of writers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      storages.eventLogStorage.endWatch(runId, onEvent);
      controller.abort();
      await watching;
    }
  });
});

describe.skipIf(!available)('eight writer processes on eight runs, two all-runs watchers', () => {
  let scratch: ScratchDatabase;
  const open: PostgresStorages[] = [];
  const PER_RUN_WRITER = 250;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_pg_all_runs');
  });
  afterAll(async () => {
    for (const storages of open) await storages.dispose();
    await scratch?.drop();
  });

  it('each all-runs watcher receives every event once, in storage-id order', { timeout: 600_000 }, async () => {
    const gapFree = process.env.INST_TEST_GAP_FREE !== 'false';
    const watchers = await Promise.all(
      [0, 1].map(() => openPostgresStorages({ url: scratch.url }, { gapFreeAllRunsWatch: gapFree, logger: { warn: () => {} }, onConnectionError: () => {} })),
    );
    open.push(...watchers);
    const controller = new AbortController();
    const seen: { id: number; message: string }[][] = [[], []];
    const watching = watchers.map(async (storages, w) => {
      for await (const { record } of storages.eventLogStorage.watchAllRuns!({ signal: controller.signal })) {
        seen[w]!.push({ id: record.storageId, message: record.eventLogEntry.userMessage });
      }
    });
    const runIds = Array.from({ length: WRITERS }, () => randomUUID());
    const writers = runIds.map((runId, n) => startWriterOf(scratch.url, runId, n, PER_RUN_WRITER));
    try {
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.child.stdin!.write('go\n');
      const results = await Promise.all(writers.map((w) => w.done));
      expect(results.flatMap((r) => r.errors)).toEqual([]);
      const total = WRITERS * PER_RUN_WRITER;
      const stored = await watchers[0]!.driver.all<{ id: string }>('SELECT id FROM event_logs ORDER BY id');
      expect(stored).toHaveLength(total);
      const maxId = Number(stored.at(-1)!.id);
      // Both watchers reach the last id with or without gap-free delivery; what they skipped on the way is the test.
      await waitFor(() => seen.every((s) => s.at(-1)?.id === maxId), 'both watchers at the last stored id');
      for (const got of seen) {
        expect(got.map((e) => e.id)).toEqual(stored.map((r) => Number(r.id)));
        expect(new Set(got.map((e) => e.message)).size).toBe(total);
        for (let n = 0; n < WRITERS; n++) {
          expect(got.filter((e) => e.message.startsWith(`${n}:`)).map((e) => e.message)).toEqual(Array.from({ length: PER_RUN_WRITER }, (_, i) => `${n}:${i}`));
        }
      }
    } finally {
      for (const w of writers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      controller.abort();
      await Promise.all(watching);
    }
  });
});
