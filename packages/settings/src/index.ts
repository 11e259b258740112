/**
 * `@inst/settings`: the instance configuration (`inst.yaml` / `dagster.yaml`, Dagster's schema,
 * `{env: VAR}` values) and every settings member of the instance with Dagster's defaults.
 *
 * @packageDocumentation
 */
export { parseInstanceConfig } from './parse';
export { settingsFromHome } from './from-home';
export { loadInstanceConfig, parseInstanceConfigYaml, readConfigText, resolveInstanceHome, CONFIG_FILENAMES } from './load';
export {
  InstanceSettings,
  SETTINGS_KEYS,
  DEFAULT_LOCAL_CODE_SERVER_STARTUP_TIMEOUT,
  type InstanceSettingsOptions,
  type SettingsKey,
} from './settings';
export { storageConfigOf, postgresUrlFromConfig, mysqlUrlFromConfig } from './storage';
export { runQueueConfigOf, concurrencyConfigOf } from './concurrency';
export type {
  Env,
  InstanceConfig,
  ConfigurableClassConfig,
  StorageBlock,
  SqliteStorageBlock,
  PostgresStorageBlock,
  PostgresDbBlock,
  MysqlStorageBlock,
  MysqlDbBlock,
  RunQueueBlock,
  TagConcurrencyLimit,
  ConcurrencySettings,
  RunMonitoringSettings,
  RunRetriesSettings,
  CodeServerSettings,
  RetentionSettings,
  PurgeAfterDays,
  DaemonThreadSettings,
  AutoMaterializeSettings,
  PythonLogsSettings,
  StorageConfig,
  PoolGranularity,
  RunQueueConfig,
  PoolConfig,
  ConcurrencyConfig,
  TickStatus,
  InstigatorType,
} from './types';
