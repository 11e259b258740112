import {
  EVENT_COLUMNS,
  EVENT_LOG_METADATA,
  initializeSchema,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  singleDatabaseEventLogConnections,
  SqlEventLogStorage,
  SqlRunStorage,
  SqlScheduleStorage,
  type EventLogConnections,
  type EventLogLogger,
  type SqlDriver,
} from '@inst/storage-sql';
import type { ClientConfig } from 'pg';
import { pgConfigFrom, type PgConnection } from './config.js';
import { PgDriver, type PgDriverOptions } from './driver.js';
import { withMigrationCheck } from './migration-check.js';
import { insertNotifyingSql, lockedInsertNotifyingSql, notifyRunEvent, notifyRunEvents } from './notify.js';
import { IN_FLIGHT_PROBE, lockRunsForWrite, RUN_WRITE_LOCK_CLASS, takeTransactionId } from './run-write-lock.js';
import { RunEventsWaker } from './watch.js';

/** Options of {@link openPostgresStorages}. */
export interface PostgresStoragesOptions {
  /** Connections in the one pool the three storages share (dagster.yaml `pool_size`). Default 10. */
  readonly poolSize?: number;
  /**
   * Create the schema in a database that has none (dagster.yaml `should_autocreate_tables`,
   * default true), as Dagster does: each storage's tables, created all together when none of them
   * exists, stamped with the head revision, every secondary index marked built. A database with
   * an older schema is never upgraded here — only by an explicit upgrade (`inst instance migrate`,
   * `instance.upgrade()`).
   */
  readonly shouldAutocreateTables?: boolean;
  /** `application_name` of the pool's connections; otherwise the URL's, `PGAPPNAME`, or `inst`. */
  readonly applicationName?: string;
  /**
   * Connection trouble that does not fail a call: an idle pooled connection dropped, the LISTEN
   * connection lost or failing to reconnect. Default: a warning on the logger.
   */
  readonly onConnectionError?: (error: unknown) => void;
  /** Warnings of the event log storage (unreadable rows, failing watch callbacks). Default `console`. */
  readonly logger?: EventLogLogger;
  /** The instance's default pool limit, read on each use (Dagster's `global_op_concurrency_default_limit`). */
  readonly defaultPoolLimit?: () => number | null | undefined;
  /** See `RunEventsWakerOptions.safetyPollMs`: how often watchers re-query while LISTEN is up. Default 2000 ms. */
  readonly watchSafetyPollMs?: number;
  /**
   * A watcher whose queries have failed for this long (ms) ends with a StorageUnavailableError.
   * Default: never — watchers ride out outages of any length and resume from their cursor.
   */
  readonly watchGiveUpAfterMs?: number;
  /** See `PgDriverOptions.connectRetryMs`: how long a statement retries failing connects. Default 15 000 ms. */
  readonly connectRetryMs?: number;
  /**
   * Serialize the writers of each run so that its storage ids commit in order and watchers never
   * skip one (see {@link lockRunsForWrite}). Default true.
   */
  readonly serializeRunWrites?: boolean;
  /**
   * The all-runs watch (`eventLogStorage.watchAllRuns`) waits at a hole in the storage ids until the
   * write transactions that may fill it have ended, so it never skips an event committed late by a
   * concurrent writer (see the README). Default true; false only to measure what that costs.
   */
  readonly gapFreeAllRunsWatch?: boolean;
}

/** The three storages of one Postgres instance over one shared pool. */
export interface PostgresStorages {
  /** The pool the storages share (for raw SQL and pool statistics; closed by {@link PostgresStorages.dispose}). */
  readonly driver: PgDriver;
  /** Runs, run tags, snapshots, backfills, daemon heartbeats, kvs (Dagster's `PostgresRunStorage`). */
  readonly runStorage: SqlRunStorage;
  /** Events, assets, checks, dynamic partitions, concurrency (Dagster's `PostgresEventLogStorage`). */
  readonly eventLogStorage: SqlEventLogStorage;
  /** Schedules, sensors, ticks (Dagster's `PostgresScheduleStorage`). */
  readonly scheduleStorage: SqlScheduleStorage;
  /** Disposes the storages (ending watches and the LISTEN connection), then ends the pool. Safe to call twice. */
  dispose(): Promise<void>;
  /** {@link PostgresStorages.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The storages of each metadata, in the order Dagster's Postgres storages initialize. */
const METADATAS = [RUN_STORAGE_METADATA, EVENT_LOG_METADATA, SCHEDULE_STORAGE_METADATA] as const;

/**
 * Names the database for in-process watch wake-ups: every storage opened on the same server and
 * database in this process shares it (user, password and options do not matter).
 */
export function postgresIdentity(config: ClientConfig): string {
  const raw = config.connectionString ?? '';
  try {
    const url = new URL(raw);
    const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname);
    const port = url.searchParams.get('port') ?? (url.port || '5432');
    return `postgres://${host}:${port}/${decodeURIComponent(url.pathname.slice(1))}`;
  } catch {
    return `postgres:${raw.replace(/\/\/[^@/]*@/, '//')}`;
  }
}

/** Options of {@link postgresEventLogConnections}. */
export interface PostgresEventLogConnectionsOptions {
  /** What the storage queries: the driver, possibly wrapped (e.g. by `withMigrationCheck`). Default: the driver. */
  readonly db?: SqlDriver;
  /** Names the database for in-process wake-ups. Default {@link postgresIdentity} of the driver's connection. */
  readonly identity?: string;
  /** See `RunEventsWakerOptions.safetyPollMs`. */
  readonly watchSafetyPollMs?: number;
  /** Losses of the LISTEN connection and failed reconnects. */
  readonly onConnectionError?: (error: unknown) => void;
  /** Take a per-run advisory lock in each event-storing transaction (see {@link lockRunsForWrite}). Default true. */
  readonly serializeRunWrites?: boolean;
  /** See {@link PostgresStoragesOptions.gapFreeAllRunsWatch}. Default true. */
  readonly gapFreeAllRunsWatch?: boolean;
}

/**
 * Event log connections to one Postgres database: global storage ids, Dagster's
 * `NOTIFY run_events '<run_id>_<storage_id>'` in the writing transaction for every stored event
 * (sent by the inserting statement itself), and LISTEN-driven wake-ups for watchers (see {@link RunEventsWaker}).
 * `db` is what the storage queries (the driver, possibly wrapped); the listener connects to `driver`'s database.
 */
export function postgresEventLogConnections(driver: PgDriver, options: PostgresEventLogConnectionsOptions = {}): EventLogConnections {
  const identity = options.identity ?? postgresIdentity(driver.connectionConfig);
  const onError = options.onConnectionError;
  const waker = new RunEventsWaker({
    identity,
    createListener: () => driver.createListener(onError ? { onError } : {}),
    ...(options.watchSafetyPollMs === undefined ? {} : { safetyPollMs: options.watchSafetyPollMs }),
    ...(onError ? { onError } : {}),
  });
  const db = options.db ?? driver;
  const lock = options.serializeRunWrites !== false;
  const connections = singleDatabaseEventLogConnections(db, {
    identity,
    // A write of one run's rows and nothing else: lock, INSERT and NOTIFY as one statement, in
    // BEGIN … COMMIT (3 round trips, was 4). Not in autocommit: a statement sent on a pooled
    // connection the server had already closed fails as outcome-unknown (WriteOutcomeUnknownError),
    // where a BEGIN that finds it closed is safely run again on a new connection.
    storeRunRows: async (runId, rows) => {
      const params = [...(lock ? [RUN_WRITE_LOCK_CLASS, runId] : []), ...rows.flat()];
      const sql = lockedInsertNotifyingSql(EVENT_COLUMNS, rows.length, lock);
      const returned = await db.transaction((tx) => tx.all<{ id: number | string }>(sql, params));
      return returned.map((r) => Number(r.id)).sort((a, b) => a - b);
    },
    // Either way the transaction takes its id before drawing storage ids (for the all-runs watch).
    beforeStore: lock ? lockRunsForWrite : takeTransactionId,
    afterStore: (tx, runId, storageId) => notifyRunEvent(tx, runId, storageId),
    afterStoreBatch: (tx, runId, storageIds) => notifyRunEvents(tx, runId, storageIds),
    // The NOTIFYs ride on the INSERT itself (afterStore* stay for callers of the hooks).
    eventInsertSql: insertNotifyingSql,
    changeProbe: (runId) => waker.probe(runId),
    allRunsChangeProbe: () => waker.probeAll(),
    ...(options.gapFreeAllRunsWatch === false ? {} : { inFlight: IN_FLIGHT_PROBE }),
  });
  return {
    ...connections,
    close: async () => {
      await waker.close();
      await connections.close();
    },
  };
}

/**
 * Dagster's Postgres storages (`storage: postgres:` in dagster.yaml) over ONE pool: run, event
 * log and schedule storage share a {@link PgDriver} and the database, as `dagster-postgres` keeps
 * all three in one database with one `alembic_version`.
 *
 * - A database with none of a storage's tables gets them (unless `shouldAutocreateTables` is
 *   false); a Dagster database opens as it is, an older schema included — queries that need what
 *   only an upgrade adds fail with a `MigrationRequiredError` naming `inst instance migrate`.
 * - Every stored event sends `NOTIFY run_events` in its transaction; watchers wake on LISTEN,
 *   re-query by cursor, and poll as a safety net.
 * - A read whose pooled connection was dropped (server restart, `pg_terminate_backend`) is run
 *   again on a new connection, and so is a transaction whose `BEGIN` found it dropped.
 */
export async function openPostgresStorages(config: PgConnection, options: PostgresStoragesOptions = {}): Promise<PostgresStorages> {
  const logger = options.logger ?? console;
  const onConnectionError =
    options.onConnectionError ??
    ((error: unknown) => logger.warn(`Postgres connection: ${error instanceof Error ? error.message : String(error)}`));
  const driverOptions: PgDriverOptions = {
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
    ...(options.connectRetryMs === undefined ? {} : { connectRetryMs: options.connectRetryMs }),
    onError: onConnectionError,
  };
  const driver = new PgDriver(pgConfigFrom(config), driverOptions);
  try {
    if (options.shouldAutocreateTables ?? true) {
      for (const metadata of METADATAS) await initializeSchema(driver, metadata);
    }
  } catch (error) {
    await driver.close();
    throw error;
  }

  const db = withMigrationCheck(driver);
  const eventLogStorage = new SqlEventLogStorage(
    postgresEventLogConnections(driver, {
      db,
      onConnectionError,
      ...(options.watchSafetyPollMs === undefined ? {} : { watchSafetyPollMs: options.watchSafetyPollMs }),
      ...(options.serializeRunWrites === undefined ? {} : { serializeRunWrites: options.serializeRunWrites }),
      ...(options.gapFreeAllRunsWatch === undefined ? {} : { gapFreeAllRunsWatch: options.gapFreeAllRunsWatch }),
    }),
    {
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.watchGiveUpAfterMs === undefined ? {} : { watchRetry: { giveUpAfterMs: options.watchGiveUpAfterMs } }),
      ...(options.defaultPoolLimit ? { defaultPoolLimit: options.defaultPoolLimit } : {}),
    },
  );
  const runStorage = new SqlRunStorage({
    driver: db,
    // The optional start/end time migration reads times from the event log.
    runTimes: async (runId) => {
      const stats = await eventLogStorage.getStatsForRun(runId);
      return { startTime: stats.startTime, endTime: stats.endTime };
    },
  });
  const scheduleStorage = new SqlScheduleStorage({ driver: db });

  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      try {
        await scheduleStorage.dispose();
        await eventLogStorage.dispose();
        await runStorage.dispose();
      } finally {
        await driver.close();
      }
    })());
  return { driver, runStorage, eventLogStorage, scheduleStorage, dispose, [Symbol.asyncDispose]: dispose };
}
