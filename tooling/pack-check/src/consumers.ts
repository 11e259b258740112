/**
 * The consumer projects' files: what a new user writes after `npm install`. Each prints one JSON line of what
 * it saw, which the test asserts on.
 */

/** @inst/core over a SQLite home: ESM JavaScript, run with plain node (no `await using`: Node 20 lacks it). */
export const CORE_SQLITE_JS = `
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Instance } from '@inst/core';

const home = mkdtempSync(join(tmpdir(), 'inst-pack-check-home-'));
try {
  const instance = await Instance.fromConfig(home);
  try {
    const run = await instance.createRun({ jobName: 'packed', tags: { from: 'tarball' } });
    const stored = await instance.getRunById(run.runId);
    const ephemeral = await Instance.ephemeral();
    await ephemeral.dispose();
    console.log(JSON.stringify({ status: stored?.status, tags: stored?.tags, runsDb: existsSync(join(home, 'history', 'runs.db')) }));
  } finally {
    await instance.dispose();
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
`;

/** @inst/core in TypeScript (checked, not run): the facade's types resolve and `await using` types. */
export const CORE_TS = `
import { Instance } from '@inst/core';

export async function statusOfNewRun(home: string): Promise<string | undefined> {
  await using instance = await Instance.fromConfig(home);
  const run = await instance.createRun({ jobName: 'packed', tags: { from: 'tarball' } });
  const stored = await instance.getRunById(run.runId);
  const runs = await instance.runs.list();
  return runs.length > 0 ? stored?.status : undefined;
}
`;

/**
 * @inst/core with only pg installed: a Postgres home opens and stores a run; an instance needing SQLite fails with
 * the typed error naming better-sqlite3; @inst/daemon-host and @inst/run-queue import without better-sqlite3. The
 * database URL comes from PACK_CHECK_PG_URL.
 */
export const CORE_POSTGRES_JS = `
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Instance } from '@inst/core';

const home = mkdtempSync(join(tmpdir(), 'inst-pack-check-pg-home-'));
try {
  writeFileSync(join(home, 'dagster.yaml'), 'storage:\\n  postgres:\\n    postgres_url: ' + JSON.stringify(process.env.PACK_CHECK_PG_URL) + '\\n');
  const instance = await Instance.fromConfig(home);
  let stored;
  try {
    const run = await instance.createRun({ jobName: 'packed' });
    stored = await instance.getRunById(run.runId);
  } finally {
    await instance.dispose();
  }
  let sqlite;
  try {
    await Instance.ephemeral();
    sqlite = { opened: true };
  } catch (error) {
    sqlite = { name: error.name, code: error.code, packageName: error.packageName, message: error.message };
  }
  // The daemon host and run queue load only the configured driver (no better-sqlite3 here).
  const host = await import('@inst/daemon-host');
  const queue = await import('@inst/run-queue');
  const loaded = { daemonHost: typeof host.runDaemonHost, runQueue: Object.keys(queue).length > 0 };
  console.log(JSON.stringify({ status: stored?.status, sqlite, loaded }));
} finally {
  rmSync(home, { recursive: true, force: true });
}
`;

/** @inst/storage-postgres's types in TypeScript: they name pg's types, which must ship with it. */
export const CORE_POSTGRES_TS = `
import { Instance } from '@inst/core';
import { openPostgresStorages, type PostgresStoragesOptions } from '@inst/storage-postgres';

const options: PostgresStoragesOptions = { poolSize: 2, shouldAutocreateTables: true };

export async function open(url: string): Promise<number> {
  const storages = await openPostgresStorages({ url }, options);
  try {
    await using instance = await Instance.fromConfig('/srv/inst-home');
    return (await instance.getRuns()).length + (await storages.runStorage.getRunsCount());
  } finally {
    await storages.dispose();
  }
}
`;

/** @inst/runs alone: the domain's functions and ops interface, no storage package, no driver. */
export const RUNS_JS = `
import * as runs from '@inst/runs';

console.log(JSON.stringify({ createRun: typeof runs.createRun, reportRunFailed: typeof runs.reportRunFailed, exports: Object.keys(runs).length }));
`;

export const RUNS_TS = `
import { createRun, reportRunFailed, type RunsInstanceOps } from '@inst/runs';

export async function failNewRun(ops: RunsInstanceOps): Promise<string> {
  const run = await createRun(ops, { jobName: 'etl', tags: { team: 'data' } });
  await reportRunFailed(ops, run, 'worker lost');
  return run.runId;
}
`;
