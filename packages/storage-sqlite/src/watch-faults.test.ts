import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogCursor, type EventLogEntry } from '@inst/types';
import { openSqliteEventLogStorage } from './event-log.js';
import { sqliteLayoutPaths } from './layout.js';
import { bundleChildScript } from './test-support/bundle-child.js';

/*
 * Issue #10, SQLite watchers under faults. While writer processes store events of one run, they are
 * SIGKILLed at random moments (twelve times), and every third one meets the run's shard write-locked
 * by another connection for up to a second (BEGIN EXCLUSIVE: the writer waits on SQLite's busy
 * timeout; WAL readers go on). Three watchers follow in this process — the per-run
 * async iterable, the per-run callback, and the all-runs iterable (index.db's copies, here the
 * materializations). Each must survive, and deliver every stored event exactly once, in storage-id
 * order: the per-run watchers exactly the shard's rows, the all-runs watcher exactly index.db's
 * (a materialization whose index copy a kill cut off is repaired by the next writer's open, under
 * a new index id) — and every acknowledged write among them.
 */

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ROUNDS = 12;

/** Waits for `predicate` without a wall-clock deadline (the test's timeout bounds a hang). */
async function until(predicate: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await predicate())) await sleep(20);
}

describe('SQLite watchers through killed writers and a locked shard', () => {
  let dir: string;
  let worker: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inst-watch-faults-'));
    worker = join(dir, 'kill-writer.mjs');
    await bundleChildScript(join(here, 'test-support', 'kill-writer.ts'), worker);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every acknowledged event arrives once, in order, at all three watchers', { timeout: 600_000 }, async () => {
    const home = join(dir, 'home');
    mkdirSync(home);
    const runId = randomUUID();
    const storage = await openSqliteEventLogStorage(home);
    const controller = new AbortController();
    const perRun: number[] = [];
    const perRunCallback: number[] = [];
    const allRuns: { id: number; partition: string | null | undefined }[] = [];
    const onEvent = (_entry: EventLogEntry, cursor: string): void => {
      perRunCallback.push(EventLogCursor.parse(cursor).storageId());
    };
    const watching = [
      (async () => {
        for await (const { record } of storage.watch(runId, { signal: controller.signal })) perRun.push(record.storageId);
      })(),
      (async () => {
        for await (const { record } of storage.watchAllRuns({ signal: controller.signal })) {
          allRuns.push({ id: record.storageId, partition: record.eventLogEntry.dagsterEvent?.partition });
        }
      })(),
    ];
    storage.watch(runId, null, onEvent);
    const acked: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const child = spawn(process.execPath, [worker, home, runId, `r${round}-`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        let buffer = '';
        let acks = 0;
        const killAfter = 1 + Math.floor(Math.random() * 25);
        await new Promise<void>((resolve, reject) => {
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
            buffer += chunk;
            const lines = buffer.split('\n');
            buffer = lines.pop()!;
            for (const line of lines) {
              if (!line.startsWith('ack ')) continue;
              acked.push(line.slice(4));
              acks++;
            }
            if (acks >= killAfter) resolve();
          });
          child.on('exit', (code, signal) => reject(new Error(`writer exited (${code ?? signal}) before it was killed: ${stderr}`)));
        });
        if (round % 3 === 2) {
          // Another connection holds the shard's write lock for a while (WAL: readers go on), the writer still running.
          const locker = new Database(sqliteLayoutPaths(home).shard(runId), { timeout: 60_000 });
          locker.exec('BEGIN EXCLUSIVE');
          await sleep(300 + Math.random() * 700);
          locker.exec('COMMIT');
          locker.close();
        }
        await sleep(Math.random() * 8);
        child.kill('SIGKILL');
        await exited;
      }
      // A last open repairs what the last kill cut off (as the next writer's open would).
      await (await openSqliteEventLogStorage(home)).dispose();

      const shard = (await storage.connections.readRun(runId))!;
      const shardIds = (await shard.all<{ id: number }>('SELECT id FROM event_logs ORDER BY id')).map((r) => Number(r.id));
      const indexRows = await storage.connections.index.all<{ id: number; partition: string | null }>('SELECT id, "partition" FROM event_logs ORDER BY id');
      const lastShardId = shardIds.at(-1)!;
      const lastIndexId = Number(indexRows.at(-1)!.id);
      await until(() => perRun.at(-1) === lastShardId && perRunCallback.at(-1) === lastShardId && allRuns.at(-1)?.id === lastIndexId);

      expect(perRun).toEqual(shardIds);
      expect(perRunCallback).toEqual(shardIds);
      expect(allRuns.map((e) => e.id)).toEqual(indexRows.map((r) => Number(r.id)));
      const materialized = allRuns.map((e) => e.partition);
      expect(new Set(materialized).size).toBe(materialized.length);
      for (const partition of acked) expect(materialized).toContain(partition);
      expect(acked.length).toBeGreaterThanOrEqual(ROUNDS);
    } finally {
      storage.endWatch(runId, onEvent);
      controller.abort();
      await Promise.all(watching);
      await storage.dispose();
    }
  });
});
