import pg from 'pg';
import { describeRunStorage } from '@inst/storage/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { initializeSchema } from '../migrate.js';
import { ALL_METADATA } from '../schema/tables.js';
import { PgTestExecutor, postgresAvailable, useScratchDatabase } from '../test-support/postgres.js';
import { SqlRunStorage } from './run-storage.js';

/*
 * The run storage suite on Postgres (skipped when no server answers), as a Postgres instance holds
 * it: every storage's tables in one database. Each test starts from a freshly created schema.
 */

const available = await postgresAvailable();

describe.skipIf(!available)('SqlRunStorage on Postgres', () => {
  const database = useScratchDatabase('inst_run_storage');
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: database.url() });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end().catch(() => undefined);
  });

  describeRunStorage('Postgres', {
    create: async () => {
      await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      const driver = new PgTestExecutor(client);
      await initializeSchema(driver, ALL_METADATA);
      return new SqlRunStorage({ driver });
    },
  });
});
