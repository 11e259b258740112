import { InvalidArgumentError } from '@inst/errors';
import { concurrencyConfigOf, runQueueConfigOf } from './concurrency';
import { storageConfigOf, withConfig } from './storage';
import type {
  AutoMaterializeSettings,
  CodeServerSettings,
  ConcurrencyConfig,
  ConfigurableClassConfig,
  DaemonThreadSettings,
  Env,
  InstanceConfig,
  InstigatorType,
  RunMonitoringSettings,
  RunQueueBlock,
  RunQueueConfig,
  StorageConfig,
  TickStatus,
} from './types';

/**
 * The top-level keys kept as instance settings (Dagster's `InstanceRef.from_dir` whitelist), plus
 * `ui`, which the newest Dagster reads too.
 */
export const SETTINGS_KEYS = [
  'telemetry',
  'python_logs',
  'run_monitoring',
  'run_retries',
  'code_servers',
  'retention',
  'backfills',
  'sensors',
  'schedules',
  'nux',
  'auto_materialize',
  'concurrency',
  'freshness',
  'ui',
] as const;

/** A key of {@link SETTINGS_KEYS}. */
export type SettingsKey = (typeof SETTINGS_KEYS)[number];

/** Options of {@link InstanceSettings}. */
export interface InstanceSettingsOptions {
  /** An ephemeral instance never enables telemetry or the new-user experience. */
  ephemeral?: boolean;
  /** Environment read by {@link InstanceSettings.legacyFreshnessPolicyKillswitchEnabled}; defaults to `process.env`. */
  env?: Env;
}

/** Dagster's default for `code_servers.local_startup_timeout` and `reload_timeout`. */
export const DEFAULT_LOCAL_CODE_SERVER_STARTUP_TIMEOUT = 180;

const UI_INTENTS = new Set(['none', 'primary', 'success', 'warning', 'danger']);

const RETENTION_KEYS = { SCHEDULE: 'schedule', SENSOR: 'sensor', AUTO_MATERIALIZE: 'auto_materialize' } as const;

// Components Dagster's InstanceRef.config_defaults picks when the config names none.
const DEFAULT_RUN_COORDINATOR = { module: 'dagster._core.run_coordinator', class: 'QueuedRunCoordinator' };
const DEFAULT_RUN_LAUNCHER = { module: 'dagster', class: 'DefaultRunLauncher' };
const DEFAULT_SCHEDULER = { module: 'dagster._core.scheduler', class: 'DagsterDaemonScheduler' };

/**
 * Every setting of an instance, read synchronously from its configuration with Dagster's
 * defaults where the configuration is silent. Members carry the camelCase names of
 * DagsterInstance's settings members; the flags that are always off in Dagster OSS are methods
 * a subclass may override.
 */
export class InstanceSettings {
  /** The configuration the settings are read from. */
  readonly config: InstanceConfig;
  /** Whether the instance is ephemeral (in memory). */
  readonly isEphemeral: boolean;
  readonly #env: Env;

  constructor(config: InstanceConfig = {}, options: InstanceSettingsOptions = {}) {
    this.config = config;
    this.isEphemeral = options.ephemeral ?? false;
    this.#env = options.env ?? process.env;
  }

  /** The non-empty settings blocks of the config, keyed as in YAML (DagsterInstance's `_settings`). */
  get settings(): Readonly<Partial<Pick<InstanceConfig, SettingsKey>>> {
    const entries = SETTINGS_KEYS.map((key) => [key, this.config[key]] as const).filter(
      ([, block]) => block !== undefined && Object.keys(block).length > 0,
    );
    return Object.fromEntries(entries);
  }

  /** The settings block of a top-level key as written in YAML, or `{}` when it is absent. */
  getSettings<K extends SettingsKey>(settingsKey: K): NonNullable<InstanceConfig[K]>;
  /** Any other key: `{}`, as Dagster answers for keys that are not settings (`storage`, `run_launcher`, …). */
  getSettings(settingsKey: string): Readonly<Record<string, unknown>>;
  getSettings(settingsKey: string): unknown {
    return (this.settings as Record<string, unknown>)[settingsKey] ?? {};
  }

  /** `backfills`: the backfill daemon's thread settings. */
  getBackfillSettings(): DaemonThreadSettings {
    return this.getSettings('backfills');
  }

  /** `schedules`: the scheduler daemon's thread settings. */
  getSchedulerSettings(): DaemonThreadSettings {
    return this.getSettings('schedules');
  }

  /** `sensors`: the sensor daemon's thread settings. */
  getSensorSettings(): DaemonThreadSettings {
    return this.getSettings('sensors');
  }

  /** `auto_materialize`, as written. */
  getAutoMaterializeSettings(): AutoMaterializeSettings {
    return this.getSettings('auto_materialize');
  }

  /** `telemetry.enabled`, default true; always false for an ephemeral instance. */
  get telemetryEnabled(): boolean {
    return !this.isEphemeral && (this.getSettings('telemetry').enabled ?? true);
  }

  /** `ui.label`, trimmed; undefined when unset or blank. */
  get uiLabel(): string | undefined {
    return this.getSettings('ui').label?.trim() || undefined;
  }

  /** `ui.intent` when it is one of none, primary, success, warning, danger; else undefined. */
  get uiIntent(): string | undefined {
    const intent = this.getSettings('ui').intent?.trim();
    return intent !== undefined && UI_INTENTS.has(intent) ? intent : undefined;
  }

  /** `nux.enabled`, default true; always false for an ephemeral instance. */
  get nuxEnabled(): boolean {
    return !this.isEphemeral && (this.getSettings('nux').enabled ?? true);
  }

  /** `run_monitoring.enabled`, default false. */
  get runMonitoringEnabled(): boolean {
    return this.runMonitoringSettings.enabled ?? false;
  }

  /** `run_monitoring`, as written. */
  get runMonitoringSettings(): RunMonitoringSettings {
    return this.getSettings('run_monitoring');
  }

  /** `run_monitoring.start_timeout_seconds`, default 180. */
  get runMonitoringStartTimeoutSeconds(): number {
    return this.runMonitoringSettings.start_timeout_seconds ?? 180;
  }

  /** `run_monitoring.cancel_timeout_seconds`, default 180. */
  get runMonitoringCancelTimeoutSeconds(): number {
    return this.runMonitoringSettings.cancel_timeout_seconds ?? 180;
  }

  /** `run_monitoring.max_runtime_seconds`, default 0 (no limit). */
  get runMonitoringMaxRuntimeSeconds(): number {
    return this.runMonitoringSettings.max_runtime_seconds ?? 0;
  }

  /** `run_monitoring.max_resume_run_attempts`, default 0. */
  get runMonitoringMaxResumeRunAttempts(): number {
    return this.runMonitoringSettings.max_resume_run_attempts ?? 0;
  }

  /** `run_monitoring.poll_interval_seconds`, default 120. */
  get runMonitoringPollIntervalSeconds(): number {
    return this.runMonitoringSettings.poll_interval_seconds ?? 120;
  }

  /** `run_monitoring.cancellation_thread_poll_interval_seconds`, default 10. */
  get cancellationThreadPollIntervalSeconds(): number {
    return this.runMonitoringSettings.cancellation_thread_poll_interval_seconds ?? 10;
  }

  /** `code_servers`, as written. */
  get codeServerSettings(): CodeServerSettings {
    return this.getSettings('code_servers');
  }

  /** `code_servers.local_startup_timeout`, default 180. */
  get codeServerProcessStartupTimeout(): number {
    return this.codeServerSettings.local_startup_timeout ?? DEFAULT_LOCAL_CODE_SERVER_STARTUP_TIMEOUT;
  }

  /** `code_servers.reload_timeout`, default 180. */
  get codeServerReloadTimeout(): number {
    return this.codeServerSettings.reload_timeout ?? DEFAULT_LOCAL_CODE_SERVER_STARTUP_TIMEOUT;
  }

  /** `code_servers.wait_for_local_processes_on_shutdown`, default false. */
  get waitForLocalCodeServerProcessesOnShutdown(): boolean {
    return this.codeServerSettings.wait_for_local_processes_on_shutdown ?? false;
  }

  /** `run_retries.enabled`, default false. */
  get runRetriesEnabled(): boolean {
    return this.getSettings('run_retries').enabled ?? false;
  }

  /** `run_retries.max_retries`, default 0. */
  get runRetriesMaxRetries(): number {
    return this.getSettings('run_retries').max_retries ?? 0;
  }

  /** `run_retries.retry_on_asset_or_op_failure`, default true. */
  get runRetriesRetryOnAssetOrOpFailure(): boolean {
    return this.getSettings('run_retries').retry_on_asset_or_op_failure ?? true;
  }

  /** `auto_materialize.enabled`, default true. */
  get autoMaterializeEnabled(): boolean {
    return this.getAutoMaterializeSettings().enabled ?? true;
  }

  /** `auto_materialize.minimum_interval_seconds`, default undefined. */
  get autoMaterializeMinimumIntervalSeconds(): number | undefined {
    return this.getAutoMaterializeSettings().minimum_interval_seconds;
  }

  /** `auto_materialize.run_tags`, default `{}`. */
  get autoMaterializeRunTags(): Record<string, string> {
    return this.getAutoMaterializeSettings().run_tags ?? {};
  }

  /** `auto_materialize.respect_materialization_data_versions`, default false. */
  get autoMaterializeRespectMaterializationDataVersions(): boolean {
    return this.getAutoMaterializeSettings().respect_materialization_data_versions ?? false;
  }

  /** `auto_materialize.max_tick_retries`, default 3. */
  get autoMaterializeMaxTickRetries(): number {
    return this.getAutoMaterializeSettings().max_tick_retries ?? 3;
  }

  /** `auto_materialize.use_sensors`, default true. */
  get autoMaterializeUseSensors(): boolean {
    return this.getAutoMaterializeSettings().use_sensors ?? true;
  }

  /** `freshness.enabled`, default true (Dagster 1.12 made freshness generally available). */
  get freshnessEnabled(): boolean {
    return this.getSettings('freshness').enabled ?? true;
  }

  /** `python_logs.managed_python_loggers`, default `[]`. */
  get managedPythonLoggers(): string[] {
    return this.getSettings('python_logs').managed_python_loggers ?? [];
  }

  /** `python_logs.python_log_level`, default undefined. */
  get pythonLogLevel(): string | undefined {
    return this.getSettings('python_logs').python_log_level;
  }

  /** `python_logs.dagster_handler_config` (handlers, formatters, filters), default `{}`. */
  getPythonLogDagsterHandlerConfig(): NonNullable<NonNullable<InstanceConfig['python_logs']>['dagster_handler_config']> {
    return this.getSettings('python_logs').dagster_handler_config ?? {};
  }

  /** True when the environment variable `DAGSTER_LEGACY_FRESHNESS_POLICY_KILLSWITCH` is `1` or `true`. */
  legacyFreshnessPolicyKillswitchEnabled(): boolean {
    const value = this.#env.DAGSTER_LEGACY_FRESHNESS_POLICY_KILLSWITCH?.trim().toLowerCase();
    return value === '1' || value === 'true';
  }

  /** The run coordinator: `run_queue` makes it a QueuedRunCoordinator; Dagster's default is one too. */
  get runCoordinatorConfig(): Required<ConfigurableClassConfig> {
    const runQueue = this.config.run_queue;
    if (runQueue) return { ...DEFAULT_RUN_COORDINATOR, config: { ...runQueue } };
    // An ephemeral instance launches at submit (Dagster's ephemeral instance uses DefaultRunCoordinator).
    if (!this.config.run_coordinator && this.isEphemeral) return withConfig({ module: 'dagster._core.run_coordinator', class: 'DefaultRunCoordinator' });
    return withConfig(this.config.run_coordinator ?? DEFAULT_RUN_COORDINATOR);
  }

  /** The run launcher; Dagster's default is `DefaultRunLauncher`. */
  get runLauncherConfig(): Required<ConfigurableClassConfig> {
    return withConfig(this.config.run_launcher ?? DEFAULT_RUN_LAUNCHER);
  }

  /** The scheduler; Dagster's default is `DagsterDaemonScheduler`. */
  get schedulerConfig(): Required<ConfigurableClassConfig> {
    return withConfig(this.config.scheduler ?? DEFAULT_SCHEDULER);
  }

  /** `local_artifact_storage`; undefined means the default, the instance home. */
  get localArtifactStorageConfig(): Required<ConfigurableClassConfig> | undefined {
    return withConfig(this.config.local_artifact_storage);
  }

  /** `compute_logs`; undefined means the default local compute log manager under `<home>/storage`. */
  get computeLogsConfig(): Required<ConfigurableClassConfig> | undefined {
    return withConfig(this.config.compute_logs);
  }

  /** `secrets.custom`; undefined means the default per-project `.env` file loader. */
  get secretsLoaderConfig(): Required<ConfigurableClassConfig> | undefined {
    return withConfig(this.config.secrets?.custom);
  }

  /** `defs_state_storage`; undefined means the default, under `<home>/defs_state`. */
  get defsStateStorageConfig(): Required<ConfigurableClassConfig> | undefined {
    return withConfig(this.config.defs_state_storage);
  }

  /** The storage the config selects. */
  get storageConfig(): StorageConfig {
    return storageConfigOf(this.config);
  }

  /** The custom instance class named by `instance_class`, if any. */
  get instanceClass(): { module: string; class: string } | undefined {
    const custom = this.config.instance_class;
    return custom && { module: custom.module, class: custom.class };
  }

  /**
   * The QueuedRunCoordinator's own settings (`run_queue`, or the coordinator's config), before
   * `concurrency` is merged in; undefined when the run coordinator is another class.
   */
  get runQueueConfig(): RunQueueConfig | undefined {
    const coordinator = this.runCoordinatorConfig;
    if (coordinator.class !== 'QueuedRunCoordinator') return undefined;
    return runQueueConfigOf(coordinator.config as RunQueueBlock);
  }

  /** Pool and run-queue limits: `concurrency` merged with the queued run coordinator's settings. */
  getConcurrencyConfig(): ConcurrencyConfig {
    return concurrencyConfigOf(this.getSettings('concurrency'), this.runQueueConfig);
  }

  /** The limit of a pool nobody configured: `concurrency.pools.default_limit`, else the deprecated `default_op_concurrency_limit`. */
  get globalOpConcurrencyDefaultLimit(): number | undefined {
    return this.getConcurrencyConfig().poolConfig.defaultPoolLimit;
  }

  /** Daemons write heartbeats only when they hit errors; always false in Dagster OSS. */
  get daemonSkipHeartbeatsWithoutErrors(): boolean {
    return false;
  }

  /**
   * Days to keep ticks of each status (-1: forever), from `retention.<type>.purge_after_days`.
   * Defaults: schedules keep every tick; sensors and auto-materialize drop skipped ticks after 7 days.
   */
  getTickRetentionSettings(instigatorType: InstigatorType): Record<TickStatus, number> {
    const key = RETENTION_KEYS[instigatorType];
    if (key === undefined) throw new InvalidArgumentError(`unknown instigator type: ${String(instigatorType)}`);
    const defaults: Record<TickStatus, number> =
      instigatorType === 'SCHEDULE'
        ? { STARTED: -1, SKIPPED: -1, SUCCESS: -1, FAILURE: -1 }
        : { STARTED: -1, SKIPPED: 7, SUCCESS: -1, FAILURE: -1 };
    const purge = this.getSettings('retention')[key]?.purge_after_days;
    // Dagster tests the value for truth, so 0 and an empty map mean "use the defaults".
    if (!purge || (typeof purge === 'object' && Object.keys(purge).length === 0)) return defaults;
    if (typeof purge === 'number') return { STARTED: purge, SKIPPED: purge, SUCCESS: purge, FAILURE: purge };
    return {
      STARTED: purge.started ?? defaults.STARTED,
      SKIPPED: purge.skipped ?? defaults.SKIPPED,
      SUCCESS: purge.success ?? defaults.SUCCESS,
      FAILURE: purge.failure ?? defaults.FAILURE,
    };
  }

  /** How often an in-flight tick checks whether it should stop; undefined (never) in Dagster OSS. */
  getTickTerminationCheckInterval(): number | undefined {
    return undefined;
  }

  /** Whether each backfill keeps its own logs; always false in Dagster OSS. */
  backfillLogStorageEnabled(): boolean {
    return false;
  }

  /** Whether declarative automation submits its work as backfills; always false in Dagster OSS. */
  daRequestBackfills(): boolean {
    return false;
  }
}
