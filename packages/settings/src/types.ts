/**
 * The parsed instance configuration (`inst.yaml` / `dagster.yaml`) and the records the settings
 * getters return. Blocks of the configuration keep Dagster's snake_case YAML keys, because
 * `getSettings(key)` returns them as they are; derived records are camelCase.
 */

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A class named by module and class, with its config: Dagster's `ConfigurableClassData` block. */
export interface ConfigurableClassConfig {
  /** Python module (or, for inst, a package or file) that holds the class. */
  module: string;
  /** Name of the class. */
  class: string;
  /** The class's own config; free-form. */
  config?: Record<string, unknown>;
}

/** `storage.sqlite`. */
export interface SqliteStorageBlock {
  base_dir: string;
  /**
   * inst only: when `index.db` is missing from a home that has runs, recreate it and rebuild it
   * from the run shards instead of failing the open. Default false.
   */
  rebuild_missing_index?: boolean;
  /**
   * inst only: let a write recreate a run shard that was deleted (its storage ids start again at 1)
   * instead of failing with a StorageFileMissingError. Default false.
   */
  allow_missing_shards?: boolean;
}

/** `storage.postgres.postgres_db`: the pieces of a connection string. */
export interface PostgresDbBlock {
  username: string;
  /** Defaults to `''`. */
  password?: string;
  hostname: string;
  db_name: string;
  /** Defaults to 5432. */
  port?: number;
  /** Query parameters of the connection string. */
  params?: Record<string, unknown>;
  /** Defaults to `postgresql`. */
  scheme?: string;
}

/** `storage.postgres`: exactly one of `postgres_url` and `postgres_db`. */
export interface PostgresStorageBlock {
  postgres_url?: string;
  postgres_db?: PostgresDbBlock;
  /** Defaults to true. */
  should_autocreate_tables?: boolean;
  /** Size of the instance's connection pool (an inst extension; Dagster has no pool). */
  pool_size?: number;
}

/** `storage.mysql.mysql_db`. */
export interface MysqlDbBlock {
  username: string;
  password: string;
  hostname: string;
  db_name: string;
  /** Defaults to 3306. */
  port?: number;
}

/** `storage.mysql`: exactly one of `mysql_url` and `mysql_db`. */
export interface MysqlStorageBlock {
  mysql_url?: string;
  mysql_db?: MysqlDbBlock;
}

/** `storage`: exactly one of its keys. */
export interface StorageBlock {
  sqlite?: SqliteStorageBlock;
  postgres?: PostgresStorageBlock;
  mysql?: MysqlStorageBlock;
  custom?: ConfigurableClassConfig;
}

/** One entry of `tag_concurrency_limits`; the keys are Dagster's, `applyLimitPerUniqueValue` included. */
export interface TagConcurrencyLimit {
  /** Tag key. */
  key: string;
  /** Limit only runs with this value, or each distinct value separately; absent: all values together. */
  value?: string | { applyLimitPerUniqueValue: boolean };
  /** Most runs with the tag in progress at once. */
  limit: number;
}

/** `run_queue`, which is also the config of a `QueuedRunCoordinator` under `run_coordinator`. */
export interface RunQueueBlock {
  max_concurrent_runs?: number;
  tag_concurrency_limits?: TagConcurrencyLimit[] | null;
  dequeue_interval_seconds?: number;
  dequeue_use_threads?: boolean;
  dequeue_num_workers?: number;
  max_user_code_failure_retries?: number;
  user_code_failure_retry_delay?: number;
  block_op_concurrency_limited_runs?: {
    enabled?: boolean;
    op_concurrency_slot_buffer?: number;
  };
}

/** `concurrency`. */
export interface ConcurrencySettings {
  pools?: {
    default_limit?: number;
    granularity?: PoolGranularity;
    op_granularity_run_buffer?: number;
  };
  runs?: {
    max_concurrent_runs?: number;
    tag_concurrency_limits?: TagConcurrencyLimit[] | null;
  };
  /** Deprecated: use `pools.default_limit`. */
  default_op_concurrency_limit?: number;
}

/** `run_monitoring`. */
export interface RunMonitoringSettings {
  enabled?: boolean;
  start_timeout_seconds?: number;
  cancel_timeout_seconds?: number;
  max_runtime_seconds?: number;
  max_resume_run_attempts?: number;
  poll_interval_seconds?: number;
  cancellation_thread_poll_interval_seconds?: number;
  free_slots_after_run_end_seconds?: number;
}

/** `run_retries`. */
export interface RunRetriesSettings {
  enabled?: boolean;
  max_retries?: number;
  retry_on_asset_or_op_failure?: boolean;
}

/** `code_servers`. */
export interface CodeServerSettings {
  local_startup_timeout?: number;
  reload_timeout?: number;
  wait_for_local_processes_on_shutdown?: boolean;
}

/** `retention.<instigator>.purge_after_days`: days for every tick status, or per status. */
export type PurgeAfterDays =
  | number
  | { skipped?: number; success?: number; failure?: number; started?: number };

/** `retention`. */
export interface RetentionSettings {
  schedule?: { purge_after_days: PurgeAfterDays };
  sensor?: { purge_after_days: PurgeAfterDays };
  auto_materialize?: { purge_after_days: PurgeAfterDays };
  /**
   * Beyond Dagster: event-log rows older than `purge_after_days` (`<= 0`: kept), optionally only of these log levels
   * (names or Python numbers) and event types (`LOG_MESSAGE` for plain log lines); asset events are kept unless
   * `include_asset_events`. Purged by the daemon host's EVENT_LOG_RETENTION daemon.
   */
  event_logs?: { purge_after_days: number; levels?: (number | 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL')[]; event_types?: string[]; include_asset_events?: boolean };
  /** Beyond Dagster: finished runs last updated more than `purge_after_days` ago (`<= 0`: kept), except runs with asset events. */
  runs?: { purge_after_days: number };
}

/** `backfills`, `sensors` and `schedules`: how the daemon spreads its work over threads. */
export interface DaemonThreadSettings {
  use_threads?: boolean;
  num_workers?: number;
  num_submit_workers?: number;
}

/** `auto_materialize`. */
export interface AutoMaterializeSettings {
  enabled?: boolean;
  minimum_interval_seconds?: number;
  run_tags?: Record<string, string>;
  respect_materialization_data_versions?: boolean;
  max_tick_retries?: number;
  use_sensors?: boolean;
  use_threads?: boolean;
  num_workers?: number;
}

/** `python_logs`. */
export interface PythonLogsSettings {
  managed_python_loggers?: string[];
  python_log_level?: string;
  dagster_handler_config?: {
    handlers?: Record<string, unknown>;
    formatters?: Record<string, unknown>;
    filters?: Record<string, unknown>;
  };
}

/**
 * The instance configuration: Dagster's dagster.yaml schema. `{env: VAR}` values are already
 * resolved; no defaults are filled in (the getters of {@link InstanceSettings} apply them).
 * When `instance_class` is set, extra top-level keys of that class are kept as they are.
 */
export interface InstanceConfig {
  /** Where runs keep local artifacts; default: the instance home. */
  local_artifact_storage?: ConfigurableClassConfig;
  /** The compute log manager; default: local files under `<home>/storage`. */
  compute_logs?: ConfigurableClassConfig;
  /** Run, event log and schedule storage in one block; default: SQLite under the home. */
  storage?: StorageBlock;
  /** Legacy run storage; cannot be combined with `storage`. */
  run_storage?: ConfigurableClassConfig;
  /** Legacy event log storage; cannot be combined with `storage`. */
  event_log_storage?: ConfigurableClassConfig;
  /** Legacy schedule storage; cannot be combined with `storage`. */
  schedule_storage?: ConfigurableClassConfig;
  /** The scheduler; default: `DagsterDaemonScheduler`. */
  scheduler?: ConfigurableClassConfig;
  /** The run coordinator; default: `QueuedRunCoordinator`. */
  run_coordinator?: ConfigurableClassConfig;
  /** The run launcher; default: `DefaultRunLauncher`. */
  run_launcher?: ConfigurableClassConfig;
  /** Shorthand for a `QueuedRunCoordinator` with this config; cannot be combined with `run_coordinator`. */
  run_queue?: RunQueueBlock;
  /** A custom instance class to build instead of the default one. */
  instance_class?: ConfigurableClassConfig;
  /** A custom secrets loader; default: per-project `.env` files. */
  secrets?: { custom: ConfigurableClassConfig };
  /** Where definitions state is kept; default: `<home>/defs_state`. */
  defs_state_storage?: ConfigurableClassConfig;
  /** Anonymous usage statistics. */
  telemetry?: { enabled?: boolean };
  /** The new-user experience of the UI. */
  nux?: { enabled?: boolean };
  /** A label (and its colour: none, primary, success, warning, danger) the UI shows for this deployment. */
  ui?: { label?: string; intent?: string };
  /** Which Python loggers runs capture, and at what level. */
  python_logs?: PythonLogsSettings;
  /** Detection of runs that hang while starting, canceling or running. */
  run_monitoring?: RunMonitoringSettings;
  /** Automatic retries of failed runs. */
  run_retries?: RunRetriesSettings;
  /** Timeouts of local code servers. */
  code_servers?: CodeServerSettings;
  /** How long schedule, sensor and auto-materialize ticks are kept. */
  retention?: RetentionSettings;
  /** Threads of the backfill daemon. */
  backfills?: DaemonThreadSettings;
  /** Threads of the sensor daemon. */
  sensors?: DaemonThreadSettings;
  /** Threads of the scheduler daemon. */
  schedules?: DaemonThreadSettings;
  /** The auto-materialize (declarative automation) daemon. */
  auto_materialize?: AutoMaterializeSettings;
  /** The freshness daemon. */
  freshness?: { enabled?: boolean };
  /** Pool (op) and run concurrency limits. */
  concurrency?: ConcurrencySettings;
}

/** The storage the configuration selects, normalized. */
export type StorageConfig =
  // nothing configured: Dagster's SQLite storage under the instance home
  | { kind: 'default' }
  | { kind: 'sqlite'; baseDir: string; rebuildMissingIndex?: boolean; allowMissingShards?: boolean }
  | {
      kind: 'postgres';
      url: string;
      poolSize?: number;
      shouldAutocreateTables: boolean;
      /**
       * The per-storage form with some storages not in Postgres: those Dagster keeps in SQLite (given as its
       * SQLite classes, or not given at all: the SQLite default under the home, as `InstanceRef.from_dir` fills in).
       */
      sqliteStorages?: {
        runStorage?: Required<ConfigurableClassConfig>;
        eventLogStorage?: Required<ConfigurableClassConfig>;
        scheduleStorage?: Required<ConfigurableClassConfig>;
      };
    }
  | { kind: 'mysql'; url: string }
  | { kind: 'custom'; storage: Required<ConfigurableClassConfig> }
  // run_storage / event_log_storage / schedule_storage; a missing one is the SQLite default
  | {
      kind: 'legacy';
      runStorage: Required<ConfigurableClassConfig> | undefined;
      eventLogStorage: Required<ConfigurableClassConfig> | undefined;
      scheduleStorage: Required<ConfigurableClassConfig> | undefined;
    };

/** How pools limit concurrency: per op (step) or per run. */
export type PoolGranularity = 'op' | 'run';

/** Dagster's `RunQueueConfig`, plus the `QueuedRunCoordinator`'s own dequeue settings. */
export interface RunQueueConfig {
  /** Most runs in progress at once, default 10; -1 means no limit, 0 stops all runs from launching. */
  maxConcurrentRuns: number;
  /** Limits on runs with given tags, default none. */
  tagConcurrencyLimits: TagConcurrencyLimit[];
  /** Times a run is put back in the queue when its code server cannot be reached, default 0. */
  maxUserCodeFailureRetries: number;
  /** Seconds before runs of that code location are dequeued again, default 60. */
  userCodeFailureRetryDelay: number;
  /** Keep runs queued whose ops would all wait for pool slots, default true. */
  shouldBlockOpConcurrencyLimitedRuns: boolean;
  /** How many such runs may still be launched, default 0. */
  opConcurrencySlotBuffer: number;
  /** `block_op_concurrency_limited_runs.enabled` was set to true, which makes the pool granularity `op`. */
  explicitlyEnabledConcurrencyRunBlocking: boolean;
  /** Seconds between two looks of the daemon at the queue, default 5. */
  dequeueIntervalSeconds: number;
  /** Launch dequeued runs from a thread pool, default false. */
  dequeueUseThreads: boolean;
  /** Size of that thread pool; undefined lets the daemon choose. */
  dequeueNumWorkers: number | undefined;
}

/** Dagster's `PoolConfig`. */
export interface PoolConfig {
  /** Whether pools limit ops or whole runs; undefined lets the daemon decide. */
  poolGranularity: PoolGranularity | undefined;
  /** Slots of a pool nobody configured; undefined: unlimited. */
  defaultPoolLimit: number | undefined;
  /** With `op` granularity, how many runs may launch with all their ops waiting for slots. */
  opGranularityRunBuffer: number | undefined;
}

/** Dagster's `ConcurrencyConfig`: `concurrency` merged with the queued run coordinator's settings. */
export interface ConcurrencyConfig {
  /** Pool limits. */
  poolConfig: PoolConfig;
  /** Undefined unless the run coordinator is a `QueuedRunCoordinator`. */
  runQueueConfig: RunQueueConfig | undefined;
}

/** Dagster's `TickStatus` values. */
export type TickStatus = 'STARTED' | 'SKIPPED' | 'SUCCESS' | 'FAILURE';

/** Dagster's `InstigatorType` values. */
export type InstigatorType = 'SCHEDULE' | 'SENSOR' | 'AUTO_MATERIALIZE';
