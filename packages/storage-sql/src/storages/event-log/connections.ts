import { InvariantViolationError } from '@inst/errors';
import type { SqlDialect, SqlDriver, SqlExecutor } from '../../driver.js';
import type { EventRow } from './rows.js';

/**
 * Where an event log lives. Either one database holding everything with global storage ids
 * (Postgres, or one SQLite file), or run-sharded as Dagster's default SQLite storage: each run's
 * events in a database of their own, and an index database holding asset bookkeeping, checks,
 * dynamic partitions, concurrency and copies of asset and run-status events (facts §6.2).
 */
export interface EventLogConnections {
  readonly dialect: SqlDialect;
  /** True when each run has its own database (storage ids of run and cross-run queries then differ). */
  readonly isRunSharded: boolean;
  /** False for in-memory databases. */
  readonly isPersistent: boolean;
  /**
   * Names the database(s) for in-process wake-ups: storages opened on the same home (or the same
   * Postgres database) in one process share it, so a write through one wakes watchers of the other.
   */
  readonly identity: string;
  /** The index database (the only one when not run-sharded). */
  readonly index: SqlExecutor;
  /** The database holding a run's events (`''` for runless events); the index when not run-sharded. */
  forRun(runId: string): Promise<SqlExecutor>;
  /** The database holding a run's events if there is one, without creating it (reads of unknown runs). */
  readRun(runId: string): Promise<SqlExecutor | null>;
  /** Run ids that have a database of their own (empty when not run-sharded). */
  runIds(): Promise<string[]>;
  /** Deletes a run's database (no-op when not run-sharded). */
  dropRun(runId: string): Promise<void>;
  /**
   * Run-sharded: called before a write that commits run shards and then the index, with the run ids
   * it writes; returns the function to call once the index committed. The SQLite layout leaves a
   * small marker file meanwhile, so that a process killed between the two commits leaves a trace,
   * and the next open repairs those runs' index copies (`repairRunIndex`).
   */
  markIndexedWrite?(runIds: readonly string[]): () => void;
  /**
   * Called first in each transaction that stores events, with the run ids it writes (sorted), e.g.
   * to serialize the writers of a run so that its storage ids commit in id order (Postgres: a
   * transaction-scoped advisory lock per run; see `@inst/storage-postgres`). Not called on SQLite's
   * single-insert path (SQLite writes are serialized by its write lock anyway).
   */
  beforeStore?(tx: SqlExecutor, runIds: readonly string[]): Promise<void>;
  /**
   * Called in the writing transaction after each event row is inserted into its run's database,
   * e.g. for Postgres' `NOTIFY run_events` (Python readers rely on it).
   */
  afterStore?(tx: SqlExecutor, runId: string, storageId: number): Promise<void>;
  /**
   * {@link EventLogConnections.afterStore} for all the rows one write inserted into a run's
   * database, in insert order (one statement for a batch instead of one per event). When present
   * it is called instead of `afterStore`.
   */
  afterStoreBatch?(tx: SqlExecutor, runId: string, storageIds: readonly number[]): Promise<void>;
  /**
   * Folds what {@link EventLogConnections.afterStore} does into the statement inserting the event
   * rows, saving a round trip per write: `insert` is an `INSERT INTO event_logs … RETURNING id, run_id`
   * (all values bound), the result one statement returning a row with the `id` of each inserted row
   * (e.g. Postgres: a CTE calling `pg_notify` per row). When present, `afterStore` and
   * `afterStoreBatch` are not called.
   */
  eventInsertSql?(insert: string): string;
  /**
   * Stores event rows of one run with ONE statement, folding in what `beforeStore` and `afterStore`
   * do (Postgres: the run's write lock, the INSERT and its NOTIFYs), and returns their storage ids in
   * row order. Used for writes that touch nothing else (no index rows). An outcome that is unknown
   * (connection lost after COMMIT was sent) must fail with a `WriteOutcomeUnknownError`, never be repeated.
   */
  storeRunRows?(runId: string, rows: readonly EventRow[]): Promise<number[]>;
  /**
   * A cheap check whether another process may have written the run's events since the last call
   * (SQLite: `PRAGMA data_version` of the run's shard). Without one, watchers re-query on each poll.
   */
  changeProbe?(runId: string): RunChangeProbe;
  /** {@link EventLogConnections.changeProbe} for the all-runs watch: whether any run may have new events. */
  allRunsChangeProbe?(): RunChangeProbe;
  /**
   * Where storage ids can commit out of id order (Postgres): what the all-runs watch needs to tell
   * a hole that may still fill from a final one (see `watchAllRuns`). `sql` is an expression
   * evaluated in the statement of each all-runs read; `parse` reads its value. Absent: ids commit in
   * id order and a hole is final.
   */
  readonly inFlight?: InFlightProbe;
  /**
   * Run-sharded: a record of asset and partition wipes kept outside the index (SQLite: `kvs` rows
   * of `runs.db`), so that rebuilding the index from the shards (`rebuildIndex`, a lost index.db)
   * does not bring wiped events back. Written before the index's wipe; read by the rebuilds.
   */
  readonly wipeLog?: WipeLog;
  /** Releases what the connections own. */
  close(): Promise<void>;
}

/** One wipe in a {@link WipeLog}: every event of the asset (or of these partitions) stored at or before `timestamp` is gone. */
export interface WipeRecord {
  /** The asset key as stored (`AssetKey.toString()`). */
  readonly assetKey: string;
  /** The wiped partitions; null for the whole asset. */
  readonly partitions: readonly string[] | null;
  /** Naive-UTC column text (as `event_logs.timestamp`), so that it compares with event timestamps as text. */
  readonly timestamp: string;
}

/** See {@link EventLogConnections.wipeLog}. */
export interface WipeLog {
  record(wipe: WipeRecord): Promise<void>;
  read(): Promise<WipeRecord[]>;
}

/** See {@link EventLogConnections.inFlight}. */
export interface InFlightProbe {
  readonly sql: string;
  parse(value: unknown): InFlightSnapshot;
}

/** The write transactions of one all-runs read, as {@link InFlightProbe.parse} reads them. */
export interface InFlightSnapshot {
  /**
   * Every transaction that may have drawn a storage id before this read's snapshot and not yet
   * committed by then (a superset is fine; it only delays delivery).
   */
  readonly candidates: readonly string[];
  /** Whether a candidate of an earlier read may still be running as of this read's snapshot. */
  isRunning(candidate: string): boolean;
}

/** See {@link EventLogConnections.changeProbe}. */
export interface RunChangeProbe {
  /** True when the run's database may have changed since the previous call (and on the first). */
  changed(): Promise<boolean>;
}

/** Options of {@link singleDatabaseEventLogConnections}. */
export interface SingleDatabaseOptions {
  /** Identity for in-process wake-ups; storages on the same database should pass the same. */
  readonly identity: string;
  readonly isPersistent?: boolean;
  /** Close the driver on {@link EventLogConnections.close}. Default false: the caller owns it. */
  readonly closeDriver?: boolean;
  readonly beforeStore?: EventLogConnections['beforeStore'];
  readonly afterStore?: EventLogConnections['afterStore'];
  readonly afterStoreBatch?: EventLogConnections['afterStoreBatch'];
  readonly eventInsertSql?: EventLogConnections['eventInsertSql'];
  readonly storeRunRows?: EventLogConnections['storeRunRows'];
  readonly changeProbe?: EventLogConnections['changeProbe'];
  readonly allRunsChangeProbe?: EventLogConnections['allRunsChangeProbe'];
  readonly inFlight?: InFlightProbe;
}

/** Connections to one database with global storage ids (Postgres, a consolidated SQLite file). */
export function singleDatabaseEventLogConnections(driver: SqlDriver, options: SingleDatabaseOptions): EventLogConnections {
  return {
    dialect: driver.dialect,
    isRunSharded: false,
    isPersistent: options.isPersistent ?? true,
    identity: options.identity,
    index: driver,
    forRun: () => Promise.resolve(driver),
    readRun: () => Promise.resolve(driver),
    runIds: () => Promise.resolve([]),
    dropRun: () => Promise.resolve(),
    ...(options.beforeStore ? { beforeStore: options.beforeStore } : {}),
    ...(options.afterStore ? { afterStore: options.afterStore } : {}),
    ...(options.afterStoreBatch ? { afterStoreBatch: options.afterStoreBatch } : {}),
    ...(options.eventInsertSql ? { eventInsertSql: options.eventInsertSql } : {}),
    ...(options.storeRunRows ? { storeRunRows: options.storeRunRows } : {}),
    ...(options.changeProbe ? { changeProbe: options.changeProbe } : {}),
    ...(options.allRunsChangeProbe ? { allRunsChangeProbe: options.allRunsChangeProbe } : {}),
    ...(options.inFlight ? { inFlight: options.inFlight } : {}),
    close: () => (options.closeDriver ? driver.close() : Promise.resolve()),
  };
}

/** The executors of one write: each run's database, and the index (only when asked for). */
export interface WriteScope {
  forRun(runId: string): SqlExecutor;
  readonly index: SqlExecutor | null;
}

/**
 * Runs `fn` in one transaction over the databases it writes: the run databases of `runIds` and,
 * when `withIndex`, the index. Sharded, these are nested transactions: the index first (outermost),
 * then the shards by run id — one global order, so concurrent writers never wait on each other in
 * a cycle — and an error anywhere rolls every one of them back. The commits go the other way: every
 * shard commits before the index (issue #10), so a crash between the two commits can leave a run's
 * events without their index copies (found and repaired from the shard, see `repairRunIndex`) but
 * never an index row — a materialization, an asset_keys entry — whose run does not have it.
 */
export async function inWriteTransaction<T>(
  connections: EventLogConnections,
  runIds: Iterable<string>,
  withIndex: boolean,
  fn: (scope: WriteScope) => Promise<T>,
): Promise<T> {
  if (!connections.isRunSharded) {
    return connections.index.transaction((tx) => fn({ forRun: () => tx, index: withIndex ? tx : null }));
  }
  const ordered = [...new Set(runIds)].sort();
  // The shards' databases first, outside any transaction (opening one may read the index).
  const databases: SqlExecutor[] = [];
  for (const runId of ordered) databases.push(await connections.forRun(runId));
  const open = new Map<string, SqlExecutor>();
  const step = async (i: number, index: SqlExecutor | null): Promise<T> => {
    if (i < ordered.length) {
      const runId = ordered[i]!;
      return databases[i]!.transaction(async (tx) => {
        open.set(runId, tx);
        return step(i + 1, index);
      });
    }
    return fn({
      forRun(runId) {
        const tx = open.get(runId);
        if (!tx) throw new InvariantViolationError(`no transaction open on the shard of run ${JSON.stringify(runId)}`);
        return tx;
      },
      index,
    });
  };
  if (!withIndex) return step(0, null);
  return connections.index.transaction((tx) => step(0, tx));
}
