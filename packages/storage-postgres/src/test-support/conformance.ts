import { afterAll, afterEach, beforeAll } from 'vitest';
import { createPgDriver, type PgDriver } from '../driver.js';
import { openPostgresStorages, type PostgresStorages } from '../storages.js';
import { createScratchDatabase, type ScratchDatabase } from '../testing/index.js';

/*
 * The harness of the conformance suites (conformance-*.test.ts): the storages of
 * openPostgresStorages over a real pool, in a scratch database per suite. The first test of a
 * suite creates the schema (autocreate); before each later one every table but the schema's
 * bookkeeping is emptied, so each test starts with an empty, fully built database, and gets a new
 * pool (disposed after it).
 */

/** Call inside a `describe`: returns `open()`, which empties the database and opens fresh storages on it. */
export function usePostgresBackend(prefix: string): (options?: Parameters<typeof openPostgresStorages>[1]) => Promise<PostgresStorages> {
  let scratch: ScratchDatabase;
  let admin: PgDriver;
  let current: PostgresStorages | undefined;

  beforeAll(async () => {
    scratch = await createScratchDatabase(prefix);
    admin = createPgDriver({ url: scratch.url }, { poolSize: 1 });
  });

  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });

  afterAll(async () => {
    await admin?.close();
    await scratch?.drop();
  });

  /**
   * Empties every table except alembic_version and secondary_indexes and restarts the id
   * sequences: DELETE in one transaction, as TRUNCATE (new files for every table) is ~50× slower.
   */
  async function wipe(): Promise<void> {
    await admin.transaction(async (tx) => {
      // Every table is emptied, so foreign keys need not be checked (the test server's user is a superuser).
      await tx.run(`SET LOCAL session_replication_role = replica`);
      const tables = await tx.all<{ name: string }>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables
          WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', 'secondary_indexes')`,
      );
      for (const { name } of tables) await tx.run(`DELETE FROM ${name}`);
      await tx.all(`SELECT setval(oid::regclass, 1, false) FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace`);
    });
  }

  return async (options: Parameters<typeof openPostgresStorages>[1] = {}): Promise<PostgresStorages> => {
    await current?.dispose();
    await wipe();
    current = await openPostgresStorages({ url: scratch.url }, { poolSize: 4, onConnectionError: () => {}, ...options });
    return current;
  };
}
