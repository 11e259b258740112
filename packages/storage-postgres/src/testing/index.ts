/**
 * Test support for code that runs against a real PostgreSQL server: throwaway databases, the
 * Dagster fixture dumps loaded with `psql`, and a probe for whether a server is there at all.
 * The server is `INST_TEST_PG_URL`, default `postgresql://postgres@127.0.0.1:5432/postgres`
 * (a superuser; trust auth is assumed for the default).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DUMP_VERSIONS, loadDump } from '@inst/fixtures';
import { redactUrl } from '../config.js';

/**
 * The Dagster versions whose Postgres dumps the repository's fixtures hold. Declared here rather
 * than re-exported: `@inst/fixtures` is a private, repository-only package (its code is bundled
 * into this entry; the dumps are found beside the repository or through `INST_FIXTURES_DIR`).
 */
export type DumpVersion = '1_8_12' | '1_9_3' | '1_12_3';

/** Every {@link DumpVersion}, oldest first. */
export const DAGSTER_DUMP_VERSIONS: readonly DumpVersion[] = DUMP_VERSIONS;

/** The server tests use when `INST_TEST_PG_URL` is not set. */
export const DEFAULT_TEST_PG_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** `INST_TEST_PG_URL`, else {@link DEFAULT_TEST_PG_URL}: a database on the server to connect to for admin work. */
export function testPgUrl(): string {
  return process.env.INST_TEST_PG_URL || DEFAULT_TEST_PG_URL;
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {}); // a terminated admin connection must not crash the test process
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(url)} (${error instanceof Error ? error.message : String(error)}). ` +
        'Start a server or point INST_TEST_PG_URL at one.',
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether a PostgreSQL server answers at `url` (default {@link testPgUrl}) within `timeoutMs`. */
export async function pgAvailable(url: string = testPgUrl(), timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A database made for one test file. */
export interface ScratchDatabase {
  /** Connection URL of the database. */
  readonly url: string;
  readonly name: string;
  /** Terminates its connections and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Creates an empty, uniquely named database on the test server ({@link testPgUrl}); its name
 * starts with `prefix` (letters, digits and `_`). Drop it with `drop()` in `afterAll`.
 */
export async function createScratchDatabase(prefix = 'inst_test'): Promise<ScratchDatabase> {
  const base = testPgUrl();
  const stem = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40) || 'inst_test';
  const name = `${stem}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  // template0: nothing a local template1 may have picked up leaks into the test.
  await withAdminClient(base, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0`));
  let dropped: Promise<void> | undefined;
  return {
    url: withDatabase(base, name),
    name,
    drop: () => (dropped ??= dropDatabase(base, name)),
  };
}

async function dropDatabase(base: string, name: string): Promise<void> {
  await withAdminClient(base, async (client) => {
    // A reconnecting listener may slip back in between terminate and drop; try a few times.
    for (let attempt = 0; ; attempt++) {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== '55006' || attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
}

/**
 * A plain-SQL pg_dump made loadable on any server: without pg_dump's `\restrict`/`\unrestrict`
 * lines (newer pg_dump; older psql rejects them) and without `ALTER … OWNER TO` statements,
 * whose roles (`test`, `jamie` in Dagster's fixtures) do not exist here — as `--no-owner` would.
 */
export function prepareDumpSql(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !/^\\(un)?restrict\b/.test(line) && !/^ALTER .* OWNER TO .*;$/.test(line))
    .join('\n');
}

/** Runs SQL text through `psql` (`INST_PSQL`, else `psql` on PATH), stopping at the first error. */
export function runPsql(url: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.INST_PSQL || 'psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-X', '-d', url, '-f', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {}); // psql exits early on an error; its status says why
    child.on('error', (error) => reject(new Error(`could not run psql: ${error.message}`, { cause: error })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`psql exited with status ${code} loading into ${redactUrl(url)}:\n${stderr.trim()}`));
    });
    child.stdin.end(sql);
  });
}

/** Loads one of Dagster's fixture dumps (`1_8_12`, `1_9_3`, `1_12_3`) into the (empty) database at `url`. */
export async function loadDagsterDump(url: string, version: DumpVersion): Promise<void> {
  await runPsql(url, prepareDumpSql(loadDump(version).sql));
}
