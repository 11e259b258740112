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
 */

const available = await pgAvailable();
const here = dirname(fileURLToPath(import.meta.url));
const WRITERS = 8;
const PER_WRITER = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}

interface Writer {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<{ errors: string[] }>;
}

function startWriter(url: string, runId: string, n: number): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@inst/source', join(here, 'test-support', 'concurrent-writer.ts'), url, runId, String(n), String(PER_WRITER), process.env.INST_TEST_SERIALIZE ?? 'true'], {
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
      expect((await storages.eventLogStorage.getRecordsForRun(runId)).records).toHaveLength(total);
      await waitFor(() => iterable.length >= total && callback.length >= total, `${total} events at both watchers`);
      await sleep(300);
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
