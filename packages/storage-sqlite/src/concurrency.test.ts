import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleChildScript } from './test-support/bundle-child';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRevision, HEAD_REVISION } from '@inst/storage-sql';
import { openSqliteLayout } from './layout.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKERS = 4;
const WRITES = 150;

/**
 * Several OS processes writing one instance home. The workers run the real driver code: the
 * worker and this package's sources are bundled with esbuild into one plain .mjs (better-sqlite3
 * stays external, resolved to its absolute path) and run with `node`.
 */
describe('four processes writing the same SQLite files at once', () => {
  let dir: string;
  let worker: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inst-concurrency-'));
    worker = join(dir, 'worker.mjs');
    await bundleChildScript(join(here, 'test-support', 'concurrency-worker.ts'), worker);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const runWorker = (home: string, id: number, startAt: number) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [worker, home, String(id), String(WRITES), String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('initialize a fresh home together, then every write lands and none sees "database is locked"', async () => {
    const home = join(dir, 'home');
    // Far enough ahead that all four have started (and raced through initialization) by then.
    const startAt = Date.now() + 1500;
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, i) => runWorker(home, i, startAt)));
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout.trim()) as { errors: string[] };
      expect(report.errors).toEqual([]);
    }
    await using layout = await openSqliteLayout(home);
    expect(await layout.runs.get('SELECT COUNT(*) AS n FROM kvs')).toEqual({ n: WORKERS * WRITES });
    expect(await layout.runs.get('SELECT COUNT(*) AS n FROM run_tags')).toEqual({ n: WORKERS * WRITES });
    const shard = await layout.shard('shared-run');
    expect(await shard.get('SELECT COUNT(*) AS n FROM event_logs')).toEqual({ n: WORKERS * WRITES });
    // Initialized once: one revision row, one row per secondary index.
    expect(await layout.runs.all('SELECT version_num FROM alembic_version')).toEqual([{ version_num: HEAD_REVISION }]);
    expect(await getRevision(shard)).toBe(HEAD_REVISION);
    const dupes = await layout.runs.all('SELECT name FROM secondary_indexes GROUP BY name HAVING COUNT(*) > 1');
    expect(dupes).toEqual([]);
  });
});
