import { describe, expect, it } from 'vitest';
import { InstanceSettings, parseInstanceConfigYaml } from './index';

const settingsOf = (yaml: string) => new InstanceSettings(parseInstanceConfigYaml(yaml, 'test.yaml', {}));

describe('InstanceSettings on an empty config', () => {
  const settings = new InstanceSettings({}, { env: {} });

  it('returns {} for every settings block', () => {
    expect(settings.settings).toEqual({});
    expect(settings.getSettings('run_monitoring')).toEqual({});
    expect(settings.getSettings('storage')).toEqual({});
    expect(settings.getSettings('no_such_key')).toEqual({});
    expect(settings.getBackfillSettings()).toEqual({});
    expect(settings.getSchedulerSettings()).toEqual({});
    expect(settings.getSensorSettings()).toEqual({});
    expect(settings.getAutoMaterializeSettings()).toEqual({});
    expect(settings.runMonitoringSettings).toEqual({});
    expect(settings.codeServerSettings).toEqual({});
  });

  it("applies Dagster's defaults", () => {
    expect({
      telemetryEnabled: settings.telemetryEnabled,
      uiLabel: settings.uiLabel,
      uiIntent: settings.uiIntent,
      nuxEnabled: settings.nuxEnabled,
      runMonitoringEnabled: settings.runMonitoringEnabled,
      runMonitoringStartTimeoutSeconds: settings.runMonitoringStartTimeoutSeconds,
      runMonitoringCancelTimeoutSeconds: settings.runMonitoringCancelTimeoutSeconds,
      runMonitoringMaxRuntimeSeconds: settings.runMonitoringMaxRuntimeSeconds,
      runMonitoringMaxResumeRunAttempts: settings.runMonitoringMaxResumeRunAttempts,
      runMonitoringPollIntervalSeconds: settings.runMonitoringPollIntervalSeconds,
      cancellationThreadPollIntervalSeconds: settings.cancellationThreadPollIntervalSeconds,
      codeServerProcessStartupTimeout: settings.codeServerProcessStartupTimeout,
      codeServerReloadTimeout: settings.codeServerReloadTimeout,
      waitForLocalCodeServerProcessesOnShutdown: settings.waitForLocalCodeServerProcessesOnShutdown,
      runRetriesEnabled: settings.runRetriesEnabled,
      runRetriesMaxRetries: settings.runRetriesMaxRetries,
      runRetriesRetryOnAssetOrOpFailure: settings.runRetriesRetryOnAssetOrOpFailure,
      autoMaterializeEnabled: settings.autoMaterializeEnabled,
      autoMaterializeMinimumIntervalSeconds: settings.autoMaterializeMinimumIntervalSeconds,
      autoMaterializeRunTags: settings.autoMaterializeRunTags,
      autoMaterializeRespectMaterializationDataVersions: settings.autoMaterializeRespectMaterializationDataVersions,
      autoMaterializeMaxTickRetries: settings.autoMaterializeMaxTickRetries,
      autoMaterializeUseSensors: settings.autoMaterializeUseSensors,
      freshnessEnabled: settings.freshnessEnabled,
      managedPythonLoggers: settings.managedPythonLoggers,
      pythonLogLevel: settings.pythonLogLevel,
      pythonLogDagsterHandlerConfig: settings.getPythonLogDagsterHandlerConfig(),
      legacyFreshnessPolicyKillswitchEnabled: settings.legacyFreshnessPolicyKillswitchEnabled(),
      globalOpConcurrencyDefaultLimit: settings.globalOpConcurrencyDefaultLimit,
      daemonSkipHeartbeatsWithoutErrors: settings.daemonSkipHeartbeatsWithoutErrors,
      tickTerminationCheckInterval: settings.getTickTerminationCheckInterval(),
      backfillLogStorageEnabled: settings.backfillLogStorageEnabled(),
      daRequestBackfills: settings.daRequestBackfills(),
    }).toEqual({
      telemetryEnabled: true,
      uiLabel: undefined,
      uiIntent: undefined,
      nuxEnabled: true,
      runMonitoringEnabled: false,
      runMonitoringStartTimeoutSeconds: 180,
      runMonitoringCancelTimeoutSeconds: 180,
      runMonitoringMaxRuntimeSeconds: 0,
      runMonitoringMaxResumeRunAttempts: 0,
      runMonitoringPollIntervalSeconds: 120,
      cancellationThreadPollIntervalSeconds: 10,
      codeServerProcessStartupTimeout: 180,
      codeServerReloadTimeout: 180,
      waitForLocalCodeServerProcessesOnShutdown: false,
      runRetriesEnabled: false,
      runRetriesMaxRetries: 0,
      runRetriesRetryOnAssetOrOpFailure: true,
      autoMaterializeEnabled: true,
      autoMaterializeMinimumIntervalSeconds: undefined,
      autoMaterializeRunTags: {},
      autoMaterializeRespectMaterializationDataVersions: false,
      autoMaterializeMaxTickRetries: 3,
      autoMaterializeUseSensors: true,
      freshnessEnabled: true,
      managedPythonLoggers: [],
      pythonLogLevel: undefined,
      pythonLogDagsterHandlerConfig: {},
      legacyFreshnessPolicyKillswitchEnabled: false,
      globalOpConcurrencyDefaultLimit: undefined,
      daemonSkipHeartbeatsWithoutErrors: false,
      tickTerminationCheckInterval: undefined,
      backfillLogStorageEnabled: false,
      daRequestBackfills: false,
    });
  });

  it("defaults the components to Dagster's", () => {
    expect(settings.runCoordinatorConfig).toEqual({
      module: 'dagster._core.run_coordinator',
      class: 'QueuedRunCoordinator',
      config: {},
    });
    expect(settings.runLauncherConfig).toEqual({ module: 'dagster', class: 'DefaultRunLauncher', config: {} });
    expect(settings.schedulerConfig).toEqual({ module: 'dagster._core.scheduler', class: 'DagsterDaemonScheduler', config: {} });
    expect(settings.localArtifactStorageConfig).toBeUndefined();
    expect(settings.computeLogsConfig).toBeUndefined();
    expect(settings.secretsLoaderConfig).toBeUndefined();
    expect(settings.defsStateStorageConfig).toBeUndefined();
    expect(settings.storageConfig).toEqual({ kind: 'default' });
    expect(settings.instanceClass).toBeUndefined();
  });

  it('defaults the run queue and concurrency to a QueuedRunCoordinator with 10 runs', () => {
    const runQueue = {
      maxConcurrentRuns: 10,
      tagConcurrencyLimits: [],
      maxUserCodeFailureRetries: 0,
      userCodeFailureRetryDelay: 60,
      shouldBlockOpConcurrencyLimitedRuns: true,
      opConcurrencySlotBuffer: 0,
      explicitlyEnabledConcurrencyRunBlocking: false,
      dequeueIntervalSeconds: 5,
      dequeueUseThreads: false,
      dequeueNumWorkers: undefined,
    };
    expect(settings.runQueueConfig).toEqual(runQueue);
    expect(settings.getConcurrencyConfig()).toEqual({
      poolConfig: { poolGranularity: undefined, defaultPoolLimit: undefined, opGranularityRunBuffer: undefined },
      runQueueConfig: runQueue,
    });
  });

  it('keeps schedule ticks forever and drops skipped sensor ticks after 7 days', () => {
    expect(settings.getTickRetentionSettings('SCHEDULE')).toEqual({ STARTED: -1, SKIPPED: -1, SUCCESS: -1, FAILURE: -1 });
    expect(settings.getTickRetentionSettings('SENSOR')).toEqual({ STARTED: -1, SKIPPED: 7, SUCCESS: -1, FAILURE: -1 });
    expect(settings.getTickRetentionSettings('AUTO_MATERIALIZE')).toEqual({
      STARTED: -1,
      SKIPPED: 7,
      SUCCESS: -1,
      FAILURE: -1,
    });
  });

  it('turns telemetry and nux off for an ephemeral instance, whatever the config says', () => {
    const ephemeral = new InstanceSettings({ telemetry: { enabled: true }, nux: { enabled: true } }, { ephemeral: true });
    expect(ephemeral.telemetryEnabled).toBe(false);
    expect(ephemeral.nuxEnabled).toBe(false);
  });
});

describe('InstanceSettings reading every key', () => {
  const settings = settingsOf(`
telemetry: { enabled: false }
nux: { enabled: no }
ui: { label: "  Production  ", intent: danger }
run_monitoring:
  enabled: true
  start_timeout_seconds: 11
  cancel_timeout_seconds: 12
  max_runtime_seconds: 13
  max_resume_run_attempts: 14
  poll_interval_seconds: 15
  cancellation_thread_poll_interval_seconds: 16
  free_slots_after_run_end_seconds: 17
run_retries: { enabled: true, max_retries: 4, retry_on_asset_or_op_failure: false }
code_servers: { local_startup_timeout: 21, reload_timeout: 22, wait_for_local_processes_on_shutdown: true }
auto_materialize:
  enabled: false
  minimum_interval_seconds: 31
  run_tags: { team: data }
  respect_materialization_data_versions: true
  max_tick_retries: 5
  use_sensors: false
  use_threads: true
  num_workers: 4
freshness: { enabled: false }
python_logs:
  managed_python_loggers: [my_logger, other]
  python_log_level: INFO
  dagster_handler_config:
    handlers: { console: { class: logging.StreamHandler } }
backfills: { use_threads: true, num_workers: 2 }
schedules: { use_threads: true, num_workers: 3, num_submit_workers: 6 }
sensors: { use_threads: false, num_workers: 5 }
retention:
  schedule: { purge_after_days: 30 }
  sensor: { purge_after_days: { skipped: 1, failure: 90 } }
  auto_materialize: { purge_after_days: 0 }
concurrency:
  pools: { default_limit: 2, granularity: run }
run_launcher: { module: my_launchers, class: K8sLauncher, config: { namespace: jobs } }
scheduler: { module: dagster._core.scheduler, class: DagsterDaemonScheduler }
local_artifact_storage: { module: dagster._core.storage.root, class: LocalArtifactStorage, config: { base_dir: /data } }
compute_logs: { module: dagster._core.storage.noop_compute_log_manager, class: NoOpComputeLogManager }
secrets: { custom: { module: my_secrets, class: Vault } }
defs_state_storage: { module: my_state, class: S3State, config: { bucket: b } }
`);

  it('returns the blocks as written', () => {
    expect(settings.getSettings('run_monitoring')).toEqual({
      enabled: true,
      start_timeout_seconds: 11,
      cancel_timeout_seconds: 12,
      max_runtime_seconds: 13,
      max_resume_run_attempts: 14,
      poll_interval_seconds: 15,
      cancellation_thread_poll_interval_seconds: 16,
      free_slots_after_run_end_seconds: 17,
    });
    expect(settings.getBackfillSettings()).toEqual({ use_threads: true, num_workers: 2 });
    expect(settings.getSchedulerSettings()).toEqual({ use_threads: true, num_workers: 3, num_submit_workers: 6 });
    expect(settings.getSensorSettings()).toEqual({ use_threads: false, num_workers: 5 });
    expect(settings.getAutoMaterializeSettings().num_workers).toBe(4);
    expect(settings.codeServerSettings).toEqual({
      local_startup_timeout: 21,
      reload_timeout: 22,
      wait_for_local_processes_on_shutdown: true,
    });
    // run_launcher is a component, not a setting
    expect(settings.getSettings('run_launcher')).toEqual({});
    expect(Object.keys(settings.settings).sort()).toEqual([
      'auto_materialize',
      'backfills',
      'code_servers',
      'concurrency',
      'freshness',
      'nux',
      'python_logs',
      'retention',
      'run_monitoring',
      'run_retries',
      'schedules',
      'sensors',
      'telemetry',
      'ui',
    ]);
  });

  it('reads every getter from its key', () => {
    expect(settings.telemetryEnabled).toBe(false);
    expect(settings.nuxEnabled).toBe(false);
    expect(settings.uiLabel).toBe('Production');
    expect(settings.uiIntent).toBe('danger');
    expect(settings.runMonitoringEnabled).toBe(true);
    expect(settings.runMonitoringStartTimeoutSeconds).toBe(11);
    expect(settings.runMonitoringCancelTimeoutSeconds).toBe(12);
    expect(settings.runMonitoringMaxRuntimeSeconds).toBe(13);
    expect(settings.runMonitoringMaxResumeRunAttempts).toBe(14);
    expect(settings.runMonitoringPollIntervalSeconds).toBe(15);
    expect(settings.cancellationThreadPollIntervalSeconds).toBe(16);
    expect(settings.codeServerProcessStartupTimeout).toBe(21);
    expect(settings.codeServerReloadTimeout).toBe(22);
    expect(settings.waitForLocalCodeServerProcessesOnShutdown).toBe(true);
    expect(settings.runRetriesEnabled).toBe(true);
    expect(settings.runRetriesMaxRetries).toBe(4);
    expect(settings.runRetriesRetryOnAssetOrOpFailure).toBe(false);
    expect(settings.autoMaterializeEnabled).toBe(false);
    expect(settings.autoMaterializeMinimumIntervalSeconds).toBe(31);
    expect(settings.autoMaterializeRunTags).toEqual({ team: 'data' });
    expect(settings.autoMaterializeRespectMaterializationDataVersions).toBe(true);
    expect(settings.autoMaterializeMaxTickRetries).toBe(5);
    expect(settings.autoMaterializeUseSensors).toBe(false);
    expect(settings.freshnessEnabled).toBe(false);
    expect(settings.managedPythonLoggers).toEqual(['my_logger', 'other']);
    expect(settings.pythonLogLevel).toBe('INFO');
    expect(settings.getPythonLogDagsterHandlerConfig()).toEqual({
      handlers: { console: { class: 'logging.StreamHandler' } },
    });
    expect(settings.globalOpConcurrencyDefaultLimit).toBe(2);
    expect(settings.getConcurrencyConfig().poolConfig).toEqual({
      poolGranularity: 'run',
      defaultPoolLimit: 2,
      opGranularityRunBuffer: undefined,
    });
  });

  it('reads tick retention as days for all statuses, per status, or 0 as "defaults"', () => {
    expect(settings.getTickRetentionSettings('SCHEDULE')).toEqual({ STARTED: 30, SKIPPED: 30, SUCCESS: 30, FAILURE: 30 });
    expect(settings.getTickRetentionSettings('SENSOR')).toEqual({ STARTED: -1, SKIPPED: 1, SUCCESS: -1, FAILURE: 90 });
    expect(settings.getTickRetentionSettings('AUTO_MATERIALIZE')).toEqual({
      STARTED: -1,
      SKIPPED: 7,
      SUCCESS: -1,
      FAILURE: -1,
    });
  });

  it('reads the components', () => {
    expect(settings.runLauncherConfig).toEqual({ module: 'my_launchers', class: 'K8sLauncher', config: { namespace: 'jobs' } });
    expect(settings.schedulerConfig).toEqual({ module: 'dagster._core.scheduler', class: 'DagsterDaemonScheduler', config: {} });
    expect(settings.localArtifactStorageConfig?.config).toEqual({ base_dir: '/data' });
    expect(settings.computeLogsConfig?.class).toBe('NoOpComputeLogManager');
    expect(settings.secretsLoaderConfig).toEqual({ module: 'my_secrets', class: 'Vault', config: {} });
    expect(settings.defsStateStorageConfig).toEqual({ module: 'my_state', class: 'S3State', config: { bucket: 'b' } });
  });

  it('ignores a blank label and an unknown intent', () => {
    const other = settingsOf('ui: { label: "   ", intent: purple }');
    expect(other.uiLabel).toBeUndefined();
    expect(other.uiIntent).toBeUndefined();
  });

  it('reads the legacy freshness kill switch from the environment', () => {
    expect(new InstanceSettings({}, { env: { DAGSTER_LEGACY_FRESHNESS_POLICY_KILLSWITCH: 'true' } }).legacyFreshnessPolicyKillswitchEnabled()).toBe(true);
    expect(new InstanceSettings({}, { env: { DAGSTER_LEGACY_FRESHNESS_POLICY_KILLSWITCH: '1' } }).legacyFreshnessPolicyKillswitchEnabled()).toBe(true);
    expect(new InstanceSettings({}, { env: { DAGSTER_LEGACY_FRESHNESS_POLICY_KILLSWITCH: 'no' } }).legacyFreshnessPolicyKillswitchEnabled()).toBe(false);
  });

  it('names a custom instance class', () => {
    const custom = settingsOf('instance_class: { module: my_pkg.instance, class: MyInstance }\nmy_setting: 3');
    expect(custom.instanceClass).toEqual({ module: 'my_pkg.instance', class: 'MyInstance' });
    expect((custom.config as Record<string, unknown>).my_setting).toBe(3);
  });

  it('lets a subclass turn on the Dagster+ gates', () => {
    class PlusSettings extends InstanceSettings {
      override daRequestBackfills(): boolean {
        return true;
      }
    }
    expect(new PlusSettings().daRequestBackfills()).toBe(true);
  });
});
