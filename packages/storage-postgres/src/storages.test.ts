import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationRequiredError, StorageError } from '@inst/errors';
import { serializeValue } from '@inst/serdes';
import { HEAD_REVISION, SqlEventLogStorage, toSqlTimestamp } from '@inst/storage-sql';
import {
  AssetKey,
  AssetMaterialization,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  EventLogEntry,
  StepMaterializationData,
  type EventLogRecord,
} from '@inst/types';
import { createPgDriver, isRetryableRead, type PgDriver } from './driver.js';
import { withMigrationCheck } from './migration-check.js';
import { openPostgresStorages, postgresEventLogConnections, postgresIdentity, type PostgresStorages } from './storages.js';
import { createScratchDatabase, type ScratchDatabase } from './testing/index.js';

/*
 * openPostgresStorages beyond the conformance suites: the shared pool, autocreation, NOTIFY on
 * every stored event, LISTEN-woken watching, and surviving terminated connections.
 */

const quiet = { warn: () => {} };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let clock = 1_700_000_000;

/** A small event of `runId` (a step event, or a materialization of `asset`). */
function entry(runId: string, type: DagsterEventType = DagsterEventType.ENGINE_EVENT, asset?: string): EventLogEntry {
  clock += 1.25;
  return new EventLogEntry({
    errorInfo: null,
    level: 20,
    userMessage: `${type} ${clock}`,
    runId,
    timestamp: clock,
    stepKey: null,
    jobName: 'job',
    dagsterEvent: new DagsterEvent({
      eventTypeValue: type,
      jobName: 'job',
      eventSpecificData: asset ? new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: new AssetKey(asset) }) }) : null,
      message: null,
    }),
  });
}

const runIdOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Collects a run's `run_events` notifications on a plain pg connection, as a Python watcher would receive them. */
async function collectNotifications(url: string): Promise<{ payloads: string[]; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  const payloads: string[] = [];
  client.on('notification', (message) => payloads.push(message.payload ?? ''));
  await client.query('LISTEN run_events');
  return { payloads, close: () => client.end() };
}

async function tables(driver: PgDriver): Promise<string[]> {
  return (await driver.all<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => r.t);
}

describe('openPostgresStorages', () => {
  let scratch: ScratchDatabase;
  let storages: PostgresStorages;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_pg_storages');
    // New sessions default to UTC+9; inst's must write naive UTC anyway.
    const admin = createPgDriver({ url: scratch.url }, { poolSize: 1 });
    await admin.run(`ALTER DATABASE ${pg.escapeIdentifier(scratch.name)} SET TimeZone = 'Asia/Tokyo'`);
    await admin.close();
    storages = await openPostgresStorages({ url: scratch.url }, { poolSize: 3, logger: quiet, onConnectionError: () => {} });
  });

  afterAll(async () => {
    await storages?.dispose();
    await scratch?.drop();
  });

  it('creates the schema in an empty database: every table, the head revision, every secondary index built', async () => {
    const names = await tables(storages.driver);
    for (const table of ['runs', 'run_tags', 'snapshots', 'bulk_actions', 'backfill_tags', 'event_logs', 'asset_keys', 'asset_event_tags', 'jobs', 'instigators', 'job_ticks', 'concurrency_limits']) {
      expect(names).toContain(table);
    }
    expect(await storages.driver.all('SELECT version_num FROM alembic_version')).toEqual([{ version_num: HEAD_REVISION }]);
    const built = (await storages.driver.all<{ name: string }>('SELECT name FROM secondary_indexes WHERE migration_completed IS NOT NULL')).map((r) => r.name);
    for (const name of ['run_partitions', 'run_backfill_id', 'backfill_job_name_and_tags', 'backfill_end_timestamp', 'asset_key_table', 'asset_key_index_columns', 'schedule_jobs_selector_id']) {
      expect(built).toContain(name);
    }
    expect(await storages.runStorage.hasBuiltIndex('run_backfill_id')).toBe(true);
    expect(await storages.eventLogStorage.hasSecondaryIndex('asset_key_index_columns')).toBe(true);
  });

  it('opening again changes nothing; the three storages share one pool of the configured size', async () => {
    const again = await openPostgresStorages({ url: scratch.url }, { poolSize: 2, logger: quiet });
    try {
      expect(again.driver.pool.options.max).toBe(2);
      expect(await again.driver.all('SELECT version_num FROM alembic_version')).toEqual([{ version_num: HEAD_REVISION }]);
      // Many concurrent calls over all three storages never open more than the pool's connections.
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 3 === 0 ? again.runStorage.getRuns() : i % 3 === 1 ? again.eventLogStorage.getMaximumRecordId() : again.scheduleStorage.allInstigatorState(),
        ),
      );
      expect(again.driver.pool.totalCount).toBeLessThanOrEqual(2);
      const backends = await storages.driver.get<{ n: number }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'inst'");
      expect(backends!.n).toBeLessThanOrEqual(2 + 3);
    } finally {
      await again.dispose();
      await again.dispose();
    }
    expect(again.driver.isClosed).toBe(true);
  });

  it('writes naive UTC timestamps although the database defaults to another TimeZone', async () => {
    const runId = runIdOf(1);
    const before = Date.now();
    await storages.runStorage.addRun(new DagsterRun({ jobName: 'job', runId }));
    const event = entry(runId);
    await storages.eventLogStorage.storeEvent(event);
    const row = await storages.driver.get<{ create_timestamp: string }>('SELECT create_timestamp FROM runs WHERE run_id = ?', [runId]);
    expect(Math.abs(Date.parse(`${row!.create_timestamp.replace(' ', 'T')}Z`) - before)).toBeLessThan(60_000);
    const stored = await storages.driver.get<{ timestamp: string }>('SELECT "timestamp" FROM event_logs WHERE run_id = ?', [runId]);
    expect(stored!.timestamp).toBe(toSqlTimestamp(event.timestamp));
  });

  it("sends Dagster's NOTIFY run_events '<run_id>_<storage_id>' for every stored event, at commit, batches in order", async () => {
    const listen = await collectNotifications(scratch.url);
    try {
      const runId = runIdOf(2);
      await storages.eventLogStorage.storeEvent(entry(runId));
      const batch = Array.from({ length: 40 }, () => entry(runId, DagsterEventType.ASSET_MATERIALIZATION, 'a'));
      await storages.eventLogStorage.storeEventBatch(batch);
      // A write that fails sends nothing.
      await expect(storages.eventLogStorage.storeEventBatch([entry(runId), { not: 'an entry' } as unknown as EventLogEntry])).rejects.toThrow();
      const ids = (await storages.driver.all<{ id: number }>('SELECT id FROM event_logs WHERE run_id = ? ORDER BY id', [runId])).map((r) => r.id);
      expect(ids.length).toBe(41);
      await waitFor(() => listen.payloads.length >= 41, 'the notifications');
      await sleep(50);
      expect(listen.payloads).toEqual(ids.map((id) => `${runId}_${id}`));
    } finally {
      await listen.close();
    }
  });

  it('fails with MigrationRequiredError only when the schema is behind; a plain SQL error stays one', async () => {
    const checked = withMigrationCheck(storages.driver);
    const error = await checked.all('SELECT no_such_column FROM runs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).not.toBeInstanceOf(MigrationRequiredError);
  });
});

describe('openPostgresStorages without autocreation', () => {
  it('leaves an empty database empty; its queries ask for `inst instance migrate`, and upgrade() creates the schema', async () => {
    const scratch = await createScratchDatabase('inst_pg_noauto');
    const storages = await openPostgresStorages({ url: scratch.url }, { shouldAutocreateTables: false, logger: quiet });
    try {
      expect(await tables(storages.driver)).toEqual([]);
      const error = await storages.runStorage.getRuns().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationRequiredError);
      expect((error as MigrationRequiredError).message).toMatch(/Database is at revision None, head is \w+\. To migrate, run `inst instance migrate`\./);
      await storages.runStorage.upgrade();
      await storages.eventLogStorage.upgrade();
      await storages.scheduleStorage.upgrade();
      expect(await storages.runStorage.getRuns()).toEqual([]);
      expect(await storages.driver.all('SELECT version_num FROM alembic_version')).toEqual([{ version_num: HEAD_REVISION }]);
    } finally {
      await storages.dispose();
      await scratch.drop();
    }
  });
});

describe('watching on Postgres', () => {
  let scratch: ScratchDatabase;
  /** The watching process: LISTEN must do the work, its safety poll is a minute. */
  let watching: PostgresStorages;
  /** Another process writing to the same database (its own identity: no in-process wake-ups). */
  let foreignDriver: PgDriver;
  let foreign: SqlEventLogStorage;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_pg_watch');
    watching = await openPostgresStorages(
      { url: scratch.url },
      { poolSize: 3, applicationName: 'inst-watching', watchSafetyPollMs: 60_000, logger: quiet, onConnectionError: () => {} },
    );
    foreignDriver = createPgDriver({ url: scratch.url }, { poolSize: 2, onError: () => {} });
    foreign = new SqlEventLogStorage(postgresEventLogConnections(foreignDriver, { identity: 'another-process' }), { logger: quiet });
  });

  afterAll(async () => {
    await foreign?.dispose();
    await foreignDriver?.close();
    await watching?.dispose();
    await scratch?.drop();
  });

  /** Iterates a watch in the background, collecting storage ids. */
  function watch(runId: string): { ids: number[]; stop(): Promise<void> } {
    const controller = new AbortController();
    const ids: number[] = [];
    const done = (async () => {
      for await (const { record } of watching.eventLogStorage.watch(runId, { signal: controller.signal })) ids.push((record as EventLogRecord).storageId);
    })();
    return {
      ids,
      stop: async () => {
        controller.abort();
        await done;
      },
    };
  }

  const listenerPids = async (): Promise<number[]> =>
    (
      await foreignDriver.all<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'inst-watching' AND query ILIKE 'LISTEN%'",
      )
    ).map((r) => r.pid);

  it('names the database the same way whatever the credentials', () => {
    expect(postgresIdentity({ connectionString: 'postgresql://a:b@db.example:5433/dagster?sslmode=require' })).toBe('postgres://db.example:5433/dagster');
    expect(postgresIdentity({ connectionString: 'postgresql://c@db.example:5433/dagster' })).toBe('postgres://db.example:5433/dagster');
    expect(postgresIdentity({ connectionString: 'postgresql://db.example/dagster' })).toBe('postgres://db.example:5432/dagster');
  });

  // The watching storage polls only every 60 s (watchSafetyPollMs) and waitFor gives up after 10 s: an event seen
  // in time after the re-query that follows LISTEN starting was delivered by a notification.
  it('starts LISTEN with the first watcher, and wakes on NOTIFY from another process (inst or Python)', async () => {
    const runId = runIdOf(10);
    expect(await listenerPids()).toEqual([]);
    const watcher = watch(runId);
    try {
      await waitFor(async () => (await listenerPids()).length === 1, 'the LISTEN connection');
      // Past the one re-query that follows LISTEN starting (≤ 1 s): from now on only a notification wakes the watcher.
      await sleep(1100);
      await foreign.storeEvent(entry(runId));
      await waitFor(() => watcher.ids.length === 1, 'the first event');

      // A Python writer: a row and the NOTIFY, nothing else.
      const python = new pg.Client({ connectionString: scratch.url });
      await python.connect();
      try {
        await python.query('BEGIN');
        const inserted = await python.query<{ id: string }>(
          `INSERT INTO event_logs (run_id, event, dagster_event_type, "timestamp") VALUES ($1, $2, 'ENGINE_EVENT', now() AT TIME ZONE 'UTC') RETURNING id`,
          [runId, serializeValue(entry(runId))],
        );
        await python.query("SELECT pg_notify('run_events', $1)", [`${runId}_${inserted.rows[0]!.id}`]);
        await python.query('COMMIT');
      } finally {
        await python.end();
      }
      await waitFor(() => watcher.ids.length === 2, 'the Python-written event');
    } finally {
      await watcher.stop();
    }
  });

  it('survives pg_terminate_backend of the pool and the LISTEN connection without losing an event or its place', async () => {
    const runId = runIdOf(11);
    const watcher = watch(runId);
    const terminate = async (): Promise<number> => {
      const rows = await foreignDriver.all<{ ok: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'inst-watching'",
      );
      return rows.filter((r) => r.ok).length;
    };
    try {
      for (let i = 0; i < 5; i++) await watching.eventLogStorage.storeEvent(entry(runId));
      await waitFor(() => watcher.ids.length === 5, 'the first five events');
      await waitFor(async () => (await listenerPids()).length === 1, 'the LISTEN connection');
      const [firstListener] = await listenerPids();

      // Terminated mid-run: the pool's idle connections and the LISTEN connection.
      expect(await terminate()).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < 5; i++) await watching.eventLogStorage.storeEvent(entry(runId)); // same process: new connections
      for (let i = 0; i < 5; i++) await foreign.storeEvent(entry(runId)); // another process: polls while deaf, LISTEN after
      await waitFor(() => watcher.ids.length === 15, 'the events written around the termination');

      // LISTEN came back on a new connection; with a minute-long safety poll, only it can deliver quickly now.
      await waitFor(async () => {
        const pids = await listenerPids();
        return pids.length === 1 && pids[0] !== firstListener;
      }, 'the LISTEN reconnect');
      await sleep(1100);
      await foreign.storeEvent(entry(runId));
      await waitFor(() => watcher.ids.length === 16, 'an event after the reconnect');

      // Terminated again while the two processes take turns writing (one writer at a time: with
      // concurrent writers, ids may commit out of order — a limit of watching by id cursor that
      // Dagster's watchers share). A write in flight at that moment may fail; it is then not committed.
      const terminating = sleep(15).then(terminate);
      for (let i = 0; i < 10; i++) {
        await watching.eventLogStorage.storeEvent(entry(runId)).catch(() => undefined);
        await foreign.storeEvent(entry(runId));
      }
      await terminating;

      // Every committed event, once, in order — the watcher kept its place.
      const committed = (await watching.driver.all<{ id: number }>('SELECT id FROM event_logs WHERE run_id = ? ORDER BY id', [runId])).map((r) => r.id);
      expect(committed.length).toBeGreaterThanOrEqual(26);
      await waitFor(() => watcher.ids.length >= committed.length, 'every committed event');
      await sleep(100);
      expect(watcher.ids).toEqual(committed);
      expect((await watching.eventLogStorage.getRecordsForRun(runId)).records.map((r) => r.storageId)).toEqual(committed);
    } finally {
      await watcher.stop();
    }
  });
});

describe('connection loss', () => {
  let scratch: ScratchDatabase;
  let driver: PgDriver;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_pg_loss');
    driver = createPgDriver({ url: scratch.url }, { poolSize: 2, applicationName: 'inst-loss', onError: () => {} });
    await driver.run('CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v TEXT)');
  });

  afterAll(async () => {
    await driver?.close();
    await scratch?.drop();
  });

  it('tells plain reads from statements that write, lock or notify', () => {
    expect(isRetryableRead('SELECT id, event FROM event_logs WHERE run_id = ?')).toBe(true);
    expect(isRetryableRead('  with x as (select 1) select * from x')).toBe(true);
    expect(isRetryableRead('INSERT INTO t (v) VALUES (?) RETURNING id')).toBe(false);
    expect(isRetryableRead('WITH x AS (DELETE FROM t RETURNING id) SELECT * FROM x')).toBe(false);
    expect(isRetryableRead('SELECT * FROM concurrency_slots FOR UPDATE SKIP LOCKED')).toBe(false);
    expect(isRetryableRead("SELECT pg_notify('run_events', ?)")).toBe(false);
    expect(isRetryableRead('SELECT nextval(?)')).toBe(false);
  });

  it('runs a read, or a transaction whose BEGIN found its pooled connection terminated, again on a new connection', async () => {
    const terminateIdle = async (): Promise<void> => {
      const admin = new pg.Client({ connectionString: scratch.url });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'inst-loss'");
      await admin.end();
    };
    // Warm two connections, terminate them while idle in the pool, and use them at once.
    await Promise.all([driver.get('SELECT pg_sleep(0.05)'), driver.get('SELECT pg_sleep(0.05)')]);
    await terminateIdle();
    expect(await driver.get('SELECT 1 AS one')).toEqual({ one: 1 });
    await Promise.all([driver.get('SELECT pg_sleep(0.05)'), driver.get('SELECT pg_sleep(0.05)')]);
    await terminateIdle();
    await driver.transaction((tx) => tx.run('INSERT INTO t (v) VALUES (?)', ['after']));
    expect(await driver.all('SELECT v FROM t')).toEqual([{ v: 'after' }]);
  });

  it('does not run a failed write again: its outcome is the caller’s to decide', async () => {
    const blocker = new pg.Client({ connectionString: scratch.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
      const write = driver.run('INSERT INTO t (v) VALUES (?)', ['blocked']).catch((e: unknown) => e);
      await sleep(100);
      await blocker.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'inst-loss' AND state = 'active'");
      const error = await write;
      expect(error).toBeInstanceOf(StorageError);
      await blocker.query('ROLLBACK');
      expect(await driver.all('SELECT v FROM t ORDER BY id')).toEqual([{ v: 'after' }]);
    } finally {
      await blocker.end();
    }
  });
});
