import { ConfigError } from '@inst/errors';
import type {
  ConfigurableClassConfig,
  InstanceConfig,
  MysqlStorageBlock,
  PostgresStorageBlock,
  StorageConfig,
} from './types';

/** A class block with its `config` filled in (`{}` when the YAML has none). */
export function withConfig(block: ConfigurableClassConfig): Required<ConfigurableClassConfig>;
export function withConfig(block: ConfigurableClassConfig | undefined): Required<ConfigurableClassConfig> | undefined;
export function withConfig(block: ConfigurableClassConfig | undefined): Required<ConfigurableClassConfig> | undefined {
  return block && { module: block.module, class: block.class, config: block.config ?? {} };
}

/**
 * The storage a configuration selects, as Dagster's `InstanceRef.from_dir` picks it: the legacy
 * per-storage keys win when any is set, then `storage`, else the default SQLite storage.
 */
export function storageConfigOf(config: InstanceConfig): StorageConfig {
  if (config.run_storage || config.event_log_storage || config.schedule_storage) {
    const postgres = helmPostgresStorage(config);
    if (postgres) return postgres;
    return {
      kind: 'legacy',
      runStorage: withConfig(config.run_storage),
      eventLogStorage: withConfig(config.event_log_storage),
      scheduleStorage: withConfig(config.schedule_storage),
    };
  }
  const storage = config.storage;
  if (storage?.sqlite) {
    const { base_dir: baseDir, rebuild_missing_index: rebuildMissingIndex, allow_missing_shards: allowMissingShards } = storage.sqlite;
    return {
      kind: 'sqlite',
      baseDir,
      ...(rebuildMissingIndex === undefined ? {} : { rebuildMissingIndex }),
      ...(allowMissingShards === undefined ? {} : { allowMissingShards }),
    };
  }
  if (storage?.postgres) {
    const { pool_size: poolSize, should_autocreate_tables: autocreate } = storage.postgres;
    return {
      kind: 'postgres',
      url: postgresUrlFromConfig(storage.postgres),
      ...(poolSize === undefined ? {} : { poolSize }),
      shouldAutocreateTables: autocreate ?? true,
    };
  }
  if (storage?.mysql) return { kind: 'mysql', url: mysqlUrlFromConfig(storage.mysql) };
  if (storage?.custom) return { kind: 'custom', storage: withConfig(storage.custom) };
  return { kind: 'default' };
}

/** Dagster's Postgres storage classes, by the legacy key they are configured under (as the Helm chart writes them). */
const POSTGRES_CLASSES = {
  run_storage: 'PostgresRunStorage',
  event_log_storage: 'PostgresEventLogStorage',
  schedule_storage: 'PostgresScheduleStorage',
} as const;

/** Dagster's SQLite storage classes, the default of each legacy key (`InstanceRef.config_defaults`). */
const SQLITE_DEFAULTS = {
  run_storage: { module: 'dagster._core.storage.runs', class: 'SqliteRunStorage', config: {} },
  event_log_storage: { module: 'dagster._core.storage.event_log', class: 'SqliteEventLogStorage', config: {} },
  schedule_storage: { module: 'dagster._core.storage.schedules', class: 'SqliteScheduleStorage', config: {} },
} as const;

const CAMEL_KEYS = { run_storage: 'runStorage', event_log_storage: 'eventLogStorage', schedule_storage: 'scheduleStorage' } as const;

/**
 * The per-storage form Dagster's Helm chart writes: `run_storage: { module: dagster_postgres.run_storage,
 * class: PostgresRunStorage, config: { postgres_db: … } }`, likewise for event log and schedule storage.
 * The Postgres ones must share one database (inst keeps one pool per instance); as in Dagster's
 * `InstanceRef.from_dir`, a key not given is the SQLite default under the home, and a key naming a SQLite class
 * stays in SQLite (`sqliteStorages`). Returns undefined when no key names a Postgres class.
 */
function helmPostgresStorage(config: InstanceConfig): StorageConfig | undefined {
  const keys = Object.keys(POSTGRES_CLASSES) as (keyof typeof POSTGRES_CLASSES)[];
  const isPostgres = (block: ConfigurableClassConfig) => block.module.startsWith('dagster_postgres') || block.class.startsWith('Postgres');
  if (!keys.some((key) => config[key] !== undefined && isPostgres(config[key]!))) return undefined;
  const problems: string[] = [];
  const urls = new Set<string>();
  const sqliteStorages: NonNullable<Extract<StorageConfig, { kind: 'postgres' }>['sqliteStorages']> = {};
  let poolSize: number | undefined;
  let autocreate = true;
  for (const key of keys) {
    const block = config[key];
    if (block === undefined || !isPostgres(block)) {
      sqliteStorages[CAMEL_KEYS[key]] = block === undefined ? SQLITE_DEFAULTS[key] : withConfig(block);
      continue;
    }
    if (!block.module.startsWith('dagster_postgres') || block.class !== POSTGRES_CLASSES[key]) {
      problems.push(`${key}: ${block.module}.${block.class} is not a Postgres storage inst can open (expected dagster_postgres ${POSTGRES_CLASSES[key]})`);
      continue;
    }
    const pg = (block.config ?? {}) as PostgresStorageBlock;
    try {
      urls.add(postgresUrlFromConfig(pg));
    } catch {
      problems.push(`${key}.config: needs exactly one of postgres_url, postgres_db`);
      continue;
    }
    if (pg.pool_size !== undefined) poolSize = Number(pg.pool_size);
    if (pg.should_autocreate_tables === false) autocreate = false;
  }
  if (urls.size > 1) problems.push('run_storage/event_log_storage/schedule_storage: inst needs the Postgres ones in one database');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    kind: 'postgres',
    url: [...urls][0]!,
    ...(poolSize === undefined ? {} : { poolSize }),
    shouldAutocreateTables: autocreate,
    ...(Object.keys(sqliteStorages).length > 0 ? { sqliteStorages } : {}),
  };
}

/**
 * The connection string of a `postgres` storage block (dagster_postgres `pg_url_from_config`):
 * `postgres_url` as it is, or one built from `postgres_db`.
 */
export function postgresUrlFromConfig(block: PostgresStorageBlock): string {
  if (block.postgres_url !== undefined && block.postgres_db === undefined) return block.postgres_url;
  if (block.postgres_db === undefined || block.postgres_url !== undefined) {
    throw new ConfigError(['storage.postgres: needs exactly one of postgres_url, postgres_db']);
  }
  const db = block.postgres_db;
  const url = `${db.scheme ?? 'postgresql'}://${quote(db.username)}:${quote(db.password ?? '')}@${db.hostname}:${db.port ?? 5432}/${db.db_name}`;
  const params = Object.entries(db.params ?? {});
  if (params.length === 0) return url;
  return `${url}?${params.map(([key, value]) => `${quote(key)}=${quote(pythonStr(value))}`).join('&')}`;
}

/** The connection string of a `mysql` storage block (`mysql_url`, or one built from `mysql_db`). */
export function mysqlUrlFromConfig(block: MysqlStorageBlock): string {
  if (block.mysql_url !== undefined && block.mysql_db === undefined) return block.mysql_url;
  if (block.mysql_db === undefined || block.mysql_url !== undefined) {
    throw new ConfigError(['storage.mysql: needs exactly one of mysql_url, mysql_db']);
  }
  const db = block.mysql_db;
  return `mysql://${quote(db.username)}:${quote(db.password)}@${db.hostname}:${db.port ?? 3306}/${db.db_name}`;
}

/**
 * Python's `urllib.parse.quote(text, safe='')`. Dagster's get_conn_string keeps `/` unescaped
 * (quote's default), which breaks the URL of a password containing one; we escape it.
 */
function quote(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `str(value)` as urlencode applies it to query parameters. */
function pythonStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  return String(value);
}
