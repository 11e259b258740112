import pg from 'pg';
import { describeEventLogStorage } from '@inst/storage/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import type { RunResult, SqlDriver, SqlExecutor, TransactionOptions } from '../../driver.js';
import { initializeSchema } from '../../migrate.js';
import { toPostgresPlaceholders } from '../../placeholders.js';
import { ALL_METADATA } from '../../schema/tables.js';
import { PgTestExecutor, postgresAvailable, useScratchDatabase } from '../../test-support/postgres.js';
import { toSqlParams } from '../../values.js';
import { singleDatabaseEventLogConnections } from './connections.js';
import { SqlEventLogStorage } from './sql-event-log-storage.js';

/*
 * The event log suite on Postgres (skipped when no server answers): one database, global storage
 * ids, every storage's tables together. A small pool driver stands in for the Postgres backend's
 * (concurrent claims need transactions on separate connections); values come back as that
 * backend returns them: int8 as numbers, timestamps as naive-UTC text.
 */

const available = await postgresAvailable();

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20) return (value: string) => Number(value);
    if (oid === 1114) return (value: string) => value;
    return (pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown)(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

class PgPoolDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  constructor(readonly pool: pg.Pool) {}
  async all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return (await this.pool.query(toPostgresPlaceholders(sql), toSqlParams(params, 'postgres'))).rows as T[];
  }
  async get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params?: readonly unknown[]): Promise<RunResult> {
    const result = await this.pool.query(toPostgresPlaceholders(sql), toSqlParams(params, 'postgres'));
    const id = (result.rows[0] as { id?: unknown } | undefined)?.id;
    return { changes: result.rowCount ?? 0, ...(id == null ? {} : { lastInsertId: Number(id) }) };
  }
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await new PgTestExecutor(client as unknown as pg.Client).transaction(fn, options);
    } finally {
      client.release();
    }
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe.skipIf(!available)('SqlEventLogStorage on Postgres', () => {
  const database = useScratchDatabase('inst_event_log');
  const name = database.name;
  let pool: pg.Pool;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url(), max: 8, types });
    // Idle connections are terminated when the database is dropped at the end.
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end().catch(() => undefined);
  });

  const limits = new WeakMap<SqlEventLogStorage, { limit: number | null }>();

  describeEventLogStorage('Postgres', {
    create: async () => {
      await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      const driver = new PgPoolDriver(pool);
      await initializeSchema(driver, ALL_METADATA);
      const setting = { limit: null as number | null };
      const storage = new SqlEventLogStorage(singleDatabaseEventLogConnections(driver, { identity: `postgres:${name}` }), {
        defaultPoolLimit: () => setting.limit,
      });
      limits.set(storage, setting);
      return storage;
    },
    capabilities: { canSetConcurrencyDefaults: true },
    setDefaultPoolLimit: (storage, limit) => {
      limits.get(storage as SqlEventLogStorage)!.limit = limit;
    },
    rawSql: {
      forRun: (storage, runId) => (storage as SqlEventLogStorage).connections.forRun(runId),
      index: (storage) => Promise.resolve((storage as SqlEventLogStorage).connections.index),
    },
  });
});
