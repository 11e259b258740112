import pg from 'pg';
import { describeScheduleStorage } from '@inst/storage/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { initializeSchema } from '../migrate.js';
import { ALL_METADATA } from '../schema/tables.js';
import { PgTestExecutor, POSTGRES_URL, postgresAvailable } from '../test-support/postgres.js';
import { SqlScheduleStorage } from './schedule-storage.js';

/*
 * The schedule storage suite on Postgres (skipped when no server answers), as a Postgres instance holds
 * it: every storage's tables in one database. Each test starts from a freshly created schema.
 */

const available = await postgresAvailable();

describe.skipIf(!available)('SqlScheduleStorage on Postgres', () => {
  const name = `inst_schedule_storage_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  let client: pg.Client;

  beforeAll(async () => {
    await admin.connect();
    // Identifiers cannot be bound; this one is built above from digits and a fixed prefix.
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  describeScheduleStorage('Postgres', {
    create: async () => {
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      const driver = new PgTestExecutor(client);
      await initializeSchema(driver, ALL_METADATA);
      return new SqlScheduleStorage({ driver });
    },
  });
});
