import { hasColumn, hasSecondaryIndex, hasTable, markSecondaryIndexBuilt } from '../../introspect.js';
import type { SqlExecutor } from '../../driver.js';
import { inWriteTransaction, type EventLogConnections, type WriteScope } from './connections.js';
import type { EventLogLogger } from './rows.js';
import { notifyRunWritten, type WatchRetryOptions } from './watch.js';

/** What the index database has, probed as Dagster does so that an older Dagster database works before upgrade. */
export interface IndexSchema {
  /** `asset_keys.last_materialization_timestamp` and `wipe_timestamp` (Dagster's `has_asset_key_index_cols`). */
  readonly assetKeyIndexColumns: boolean;
  /** `asset_keys.cached_status_data`. */
  readonly cachedStatusColumn: boolean;
  readonly assetEventTags: boolean;
  readonly assetCheckExecutions: boolean;
  readonly dynamicPartitions: boolean;
  readonly concurrencyLimits: boolean;
  /** `concurrency_slots` (and `pending_steps`): global op concurrency is supported. */
  readonly concurrencySlots: boolean;
  /** `concurrency_limits.using_default_limit`. */
  readonly defaultPoolLimitColumn: boolean;
}

async function probeIndexSchema(db: SqlExecutor): Promise<IndexSchema> {
  const concurrencyLimits = await hasTable(db, 'concurrency_limits');
  return {
    assetKeyIndexColumns: await hasColumn(db, 'asset_keys', 'last_materialization_timestamp'),
    cachedStatusColumn: await hasColumn(db, 'asset_keys', 'cached_status_data'),
    assetEventTags: await hasTable(db, 'asset_event_tags'),
    assetCheckExecutions: await hasTable(db, 'asset_check_executions'),
    dynamicPartitions: await hasTable(db, 'dynamic_partitions'),
    concurrencyLimits,
    concurrencySlots: (await hasTable(db, 'concurrency_slots')) && (await hasTable(db, 'pending_steps')),
    defaultPoolLimitColumn: concurrencyLimits && (await hasColumn(db, 'concurrency_limits', 'using_default_limit')),
  };
}

/** Options of `SqlEventLogStorage`. */
export interface SqlEventLogStorageOptions {
  /** Receives warnings about unreadable rows and failing watch callbacks. Default: `console`. */
  readonly logger?: EventLogLogger;
  /**
   * The instance's default pool limit (Dagster's `global_op_concurrency_default_limit`), read on
   * each use. Without it the storage behaves as Dagster's does without an instance.
   */
  readonly defaultPoolLimit?: () => number | null | undefined;
  /**
   * How watchers ride out failing queries (see `WatchRetryOptions`): by default they retry with
   * back-off forever; `giveUpAfterMs` ends a watch with a StorageUnavailableError instead. A
   * watch's own `giveUpAfterMs` option takes precedence.
   */
  readonly watchRetry?: WatchRetryOptions;
}

/** The shared state of one storage: its connections, schema probes and options. */
export class EventLogContext {
  readonly connections: EventLogConnections;
  readonly logger: EventLogLogger;
  readonly defaultPoolLimit: (() => number | null | undefined) | undefined;
  readonly watchRetry: WatchRetryOptions | undefined;
  #schema: Promise<IndexSchema> | undefined;
  /** Secondary indexes known to be built (they never become unbuilt, so only `true` is cached). */
  readonly #builtIndexes = new Set<string>();

  constructor(connections: EventLogConnections, options: SqlEventLogStorageOptions = {}) {
    this.connections = connections;
    // A logger object of this storage's own: rows.ts reports each bad row once per logger object, and two storages
    // on one logger (console) must each report their own rows.
    const logger = options.logger ?? console;
    this.logger = { warn: (message) => logger.warn(message) };
    this.defaultPoolLimit = options.defaultPoolLimit;
    this.watchRetry = options.watchRetry;
  }

  get index(): SqlExecutor {
    return this.connections.index;
  }

  get isRunSharded(): boolean {
    return this.connections.isRunSharded;
  }

  /** The index's optional tables and columns, probed once (again after {@link forgetSchema}). */
  schema(): Promise<IndexSchema> {
    this.#schema ??= probeIndexSchema(this.index).catch((error: unknown) => {
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }

  /** Drops cached probes (after an upgrade changed the schema). */
  forgetSchema(): void {
    this.#schema = undefined;
    this.#builtIndexes.clear();
  }

  async hasSecondaryIndex(name: string): Promise<boolean> {
    if (this.#builtIndexes.has(name)) return true;
    const built = await hasSecondaryIndex(this.index, name);
    if (built) this.#builtIndexes.add(name);
    return built;
  }

  async markSecondaryIndexBuilt(name: string): Promise<void> {
    await this.index.transaction((tx) => markSecondaryIndexBuilt(tx, name));
    this.#builtIndexes.add(name);
  }

  /** {@link inWriteTransaction} over this storage's connections. */
  write<T>(runIds: Iterable<string>, withIndex: boolean, fn: (scope: WriteScope) => Promise<T>): Promise<T> {
    return inWriteTransaction(this.connections, runIds, withIndex, fn);
  }

  /** Wakes this process's watchers of the runs (after their events were committed). */
  notifyWritten(runIds: Iterable<string>): void {
    for (const runId of new Set(runIds)) notifyRunWritten(this.connections.identity, runId);
  }
}
