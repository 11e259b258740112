import pg from 'pg';
import { describeScheduleStorage } from '@inst/storage/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { initializeSchema } from '../migrate.js';
import { ALL_METADATA } from '../schema/tables.js';
import { PgTestExecutor, postgresAvailable, useScratchDatabase } from '../test-support/postgres.js';
import { SqlScheduleStorage } from './schedule-storage.js';

/*
 * The schedule storage suite on Postgres (skipped when no server answers), as a Postgres instance holds
 * it: every storage's tables in one database. Each test starts from a freshly created schema.
 */

const available = await postgresAvailable();

describe.skipIf(!available)('SqlScheduleStorage on Postgres', () => {
  const database = useScratchDatabase('inst_schedule_storage');
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: database.url() });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end().catch(() => undefined);
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
