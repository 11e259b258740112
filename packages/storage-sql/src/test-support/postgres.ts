/*
 * Postgres for tests: an ad-hoc executor over one `pg` client (the real Postgres backend is
 * another package), scratch databases, and loading the Dagster fixture dumps with psql.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { RunResult, SqlDriver, SqlExecutor, TransactionOptions } from '../driver.js';
import { toPostgresPlaceholders } from '../placeholders.js';
import { toSqlParams } from '../values.js';

/** Server to use: `INST_TEST_POSTGRES_URL`, else the local trust-auth server. */
export const POSTGRES_URL = process.env.INST_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a Postgres server answers and psql is installed (the tests skip otherwise). */
export async function postgresAvailable(): Promise<boolean> {
  if (spawnSync('psql', ['--version']).status !== 0) return false;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One connection; nested transactions become savepoints. Enough for tests, not a pool. */
export class PgTestExecutor implements SqlDriver {
  readonly dialect = 'postgres' as const;
  constructor(
    readonly client: pg.Client,
    private readonly depth = 0,
  ) {}

  async all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    const result = await this.client.query(toPostgresPlaceholders(sql), toSqlParams(params, 'postgres'));
    return result.rows as T[];
  }

  async get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    const result = await this.client.query(toPostgresPlaceholders(sql), toSqlParams(params, 'postgres'));
    const id = (result.rows[0] as { id?: unknown } | undefined)?.id;
    return { changes: result.rowCount ?? 0, ...(id == null ? {} : { lastInsertId: Number(id) }) };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const sp = `sp_${this.depth}`;
    await this.client.query(this.depth > 0 ? `SAVEPOINT ${sp}` : options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
    try {
      const result = await fn(new PgTestExecutor(this.client, this.depth + 1));
      await this.client.query(this.depth > 0 ? `RELEASE SAVEPOINT ${sp}` : 'COMMIT');
      return result;
    } catch (error) {
      await this.client.query(this.depth > 0 ? `ROLLBACK TO SAVEPOINT ${sp}` : 'ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

let counter = 0;

/** A unique scratch database name and its URL on the test server. */
function scratchDatabase(prefix: string): { name: string; url: string } {
  // Identifiers cannot be bound; this one is built from digits and a fixed prefix.
  const name = `${prefix}_${process.pid}_${Date.now()}_${counter++}`;
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}


/** A fresh database for one test, dropped afterwards, and an executor connected to it. */
export async function withScratchDatabase(fn: (db: PgTestExecutor, url: string) => Promise<void>): Promise<void> {
  const { name, url } = scratchDatabase('inst_storage_sql');
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await fn(new PgTestExecutor(client), url);
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * Loads a Dagster pg_dump as the back-compat tests do (`psql -f`), minus what ties it to the
 * machine it came from: the `\restrict` lines of newer pg_dump and `OWNER TO` roles that do not
 * exist here.
 */
export function loadPgDump(url: string, dumpPath: string): void {
  const sql = readFileSync(dumpPath, 'utf8')
    .split('\n')
    .filter((line) => !/^\\(un)?restrict\b/.test(line) && !/ OWNER TO [\w"]+;$/.test(line))
    .join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'inst-pgdump-'));
  try {
    const file = join(dir, 'dump.sql');
    writeFileSync(file, sql);
    const result = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`psql failed loading ${dumpPath}: ${result.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
