import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as assets from '@inst/assets';
import * as daemon from '@inst/daemon';
import * as definitions from '@inst/definitions';
import { ConfigError, InvalidArgumentError } from '@inst/errors';
import * as events from '@inst/events';
import { computeLogManagerFromConfig, type ComputeLogManager } from '@inst/execution';
import * as launcher from '@inst/run-launcher';
import * as runs from '@inst/runs';
import * as scheduling from '@inst/scheduling';
import { InstanceSettings, concurrencyConfigOf, runQueueConfigOf } from '@inst/settings';
import * as storageDomain from '@inst/storage';
import type { EventLogStorage, RunStorage, ScheduleStorage, StorageInstanceOps } from '@inst/storage';
import { stringify as toYaml } from 'yaml';
import { type AdapterState, assetsAdapter, daemonAdapter, eventsAdapter, launcherAdapter, runsAdapter, schedulingAdapter, storageAdapter } from './adapters';
import { blockWrites, installArgumentChecks } from './arguments';
import { loadRunCoordinator, loadRunLauncher } from './components';
import { type InstanceRef, instanceHomeFromEnv, instanceRefFromDir } from './instance-ref';
import { asFileSystemError, checkHome, checkSqliteFiles, importInstanceClassModule, loadComponents, refusingWrites, schemaTooNew } from './open-checks';
import { type InstanceOptions, type Logger, defaultInstanceLogger, storageLoggerOf } from './logger';
import { loggedMaintenance } from './maintenance-logging';
import {
  type AssetsNamespace,
  type BackfillsNamespace,
  type DaemonsNamespace,
  type EventsNamespace,
  type PartitionsNamespace,
  type RunsNamespace,
  type SchedulesNamespace,
  type SensorsNamespace,
  type SettingsNamespace,
  type SnapshotsNamespace,
  type StorageNamespace,
  assetsNamespace,
  backfillsNamespace,
  daemonsNamespace,
  eventsNamespace,
  partitionsNamespace,
  runsNamespace,
  schedulesNamespace,
  sensorsNamespace,
  settingsNamespace,
  snapshotsNamespace,
  storageNamespace,
} from './namespaces/index';
import { injectLocationEnvVars } from './secrets';
import { openStorages, type OpenedStorages } from './storages';

/** The parameters of a domain function after its `ops`. */
export type Rest<F> = F extends (ops: never, ...rest: infer R) => unknown ? R : never;

/** Dagster's InstanceType. */
export type InstanceType = 'PERSISTENT' | 'EPHEMERAL';

/** What an instance is made of; the factories build it from config, tests may pass their own parts. */
export interface InstanceComponents {
  readonly instanceType: InstanceType;
  /** Base directory of local artifacts (`storage/`, schedules' artifacts …). */
  readonly rootDirectory: string;
  readonly runStorage: RunStorage;
  readonly eventLogStorage: EventLogStorage;
  readonly scheduleStorage?: ScheduleStorage | undefined;
  /** The run coordinator; loaded from the config's `run_coordinator` when absent. */
  readonly runCoordinator?: launcher.RunCoordinator;
  /** The run launcher; loaded from the config's `run_launcher` when absent. */
  readonly runLauncher?: launcher.RunLauncher;
  readonly settings?: InstanceSettings;
  readonly ref?: InstanceRef | undefined;
  /** Clean-up after the storages are disposed (closing a shared pool, removing a temp dir). */
  readonly onDispose?: () => Promise<void> | void;
  /** Where the instance logs; silent by default (see {@link InstanceOptions}). */
  readonly logger?: Logger | undefined;
}

/** A class whose static factories build instances of itself (`MyInstance.ephemeral()` is a `MyInstance`). */
export type InstanceClass<T extends Instance> = new (components: InstanceComponents) => T;

/**
 * The instance: the control plane of runs, events, assets, schedules and daemons. Every member of Dagster's
 * `DagsterInstance` under its camelCase name; anything that touches storage returns a Promise, settings are
 * synchronous getters. The domain logic lives in the domain packages; each method here delegates to it through
 * an ops adapter that calls this instance's public methods, so a subclass's overrides are seen everywhere.
 */
export class Instance implements AsyncDisposable {
  readonly #components: InstanceComponents;
  readonly #settings: InstanceSettings;
  readonly #logger: Logger;
  #disposed: Promise<void> | undefined;
  #runCoordinator: launcher.RunCoordinator | undefined;
  #runLauncher: launcher.RunLauncher | undefined;
  #computeLogManager: ComputeLogManager | undefined;
  /** What the adapters need that is not a public member (the events adapter keeps listeners and the batch buffer). */
  readonly #adapterState: AdapterState;
  /** The ops adapters, built once: they read the instance's members on each call, so overrides are still seen. */
  readonly #adapters: {
    runsOps?: runs.RunsInstanceOps;
    eventsOps?: events.EventsInstanceOps;
    launcherOps?: launcher.RunLauncherInstanceOps;
    daemonOps?: daemon.DaemonInstanceOps;
    assetsOps?: assets.AssetsInstanceOps;
    schedulingOps?: scheduling.SchedulingInstanceOps;
    storageOps?: StorageInstanceOps;
  } = {};

  constructor(components: InstanceComponents) {
    this.#components = components;
    this.#settings = components.settings ?? new InstanceSettings({}, { ephemeral: components.instanceType === 'EPHEMERAL' });
    this.#logger = components.logger ?? defaultInstanceLogger();
    this.#adapterState = {
      // The scheduler component (Dagster's `_scheduler`): none for ephemeral instances.
      scheduler: components.instanceType === 'EPHEMERAL' ? undefined : scheduling.schedulerFromConfig(this.#settings.schedulerConfig),
      eventBatchSize: events.eventBatchSizeFromEnv(),
    };
  }

  /**
   * The settings namespace: every member of the instance's InstanceSettings (dagster.yaml / inst.yaml with
   * Dagster's defaults). A member that is a flat member too (`telemetryEnabled`, `getSettings`, …) reads the flat
   * one, so a subclass's override (`get telemetryEnabled()`) is seen here, as in the other namespaces and domains.
   */
  get settings(): SettingsNamespace {
    return (this.#namespaces.settings ??= settingsNamespace(this, this.#settings));
  }

  /** The structured logger (pino's interface) given to the factory; silent by default. */
  get logger(): Logger {
    return this.#logger;
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * An EPHEMERAL instance: in-memory SQLite storages (the same code as on disk), no schedule storage, local
   * artifacts in `tempdir` or a temporary directory removed on dispose. `settings` are dagster.yaml settings keys.
   */
  static async ephemeral<T extends Instance>(
    this: InstanceClass<T>,
    tempdir?: string,
    preload?: readonly unknown[],
    settings?: Readonly<Record<string, unknown>>,
    options?: InstanceOptions,
  ): Promise<T> {
    if (preload && preload.length > 0) {
      throw new InvalidArgumentError('preload (DebugRunPayload) is not supported: add runs with addRun after creating the instance');
    }
    const { directory, cleanup } = artifactDirectory(tempdir);
    const instanceSettings = new InstanceSettings(settingsConfig(settings), { ephemeral: true });
    const pool = defaultPoolLimitOf(instanceSettings);
    const storages = await openStorages({ kind: 'memory', defaultPoolLimit: pool.read, logger: storageLoggerOf(options) });
    return pool.bind(await closingOnFailure(storages, () => new this({
      instanceType: 'EPHEMERAL',
      rootDirectory: directory,
      runStorage: storages.runStorage,
      eventLogStorage: storages.eventLogStorage,
      settings: instanceSettings,
      logger: options?.logger,
      onDispose: async () => {
        await storages.dispose();
        cleanup();
      },
    }), options?.logger));
  }

  /** The PERSISTENT instance of the home in `INST_HOME`, else `DAGSTER_HOME`. */
  static async get<T extends Instance>(this: InstanceClass<T>, options?: InstanceOptions): Promise<T> {
    return (this as unknown as typeof Instance).fromConfig.call(this, instanceHomeFromEnv(), undefined, options) as Promise<T>;
  }

  /** A PERSISTENT instance in `tempdir` (or a new temporary directory, removed on dispose), with config overrides. */
  static async localTemp<T extends Instance>(this: InstanceClass<T>, tempdir?: string, overrides?: Readonly<Record<string, unknown>>, options?: InstanceOptions): Promise<T> {
    const { directory, cleanup } = artifactDirectory(tempdir);
    const ref = instanceRefFromDir(directory, undefined, overrides ?? {});
    return openFromRef(this, ref, cleanup, options);
  }

  /** The PERSISTENT instance of a home folder, configured by its `inst.yaml` / `dagster.yaml` (or `configFilename`). */
  static async fromConfig<T extends Instance>(this: InstanceClass<T>, configDir: string, configFilename?: string, options?: InstanceOptions): Promise<T> {
    return openFromRef(this, instanceRefFromDir(resolve(configDir), configFilename), undefined, options);
  }

  /** The instance a ref describes (the custom class its config names, when it names one). */
  static async fromRef<T extends Instance>(this: InstanceClass<T>, instanceRef: InstanceRef, options?: InstanceOptions): Promise<T> {
    return openFromRef(this, instanceRef, undefined, options);
  }

  /** What it takes to open this instance again in another process. */
  getRef(): InstanceRef {
    const ref = this.#components.ref;
    if (!ref) throw new InvalidArgumentError('This instance has no ref (it is ephemeral): use a persistent instance with INST_HOME or DAGSTER_HOME set');
    return ref;
  }

  get isPersistent(): boolean {
    return this.#components.instanceType === 'PERSISTENT';
  }

  get isEphemeral(): boolean {
    return this.#components.instanceType === 'EPHEMERAL';
  }

  /** Disposes the storages and everything the instance opened; safe to call twice. */
  dispose(): Promise<void> {
    this.#disposed ??= this.disposeComponents();
    return this.#disposed;
  }

  /** Dagster's `__enter__`: the instance itself (use `await using` in TypeScript). */
  enter(): this {
    return this;
  }

  /** Dagster's `__exit__`: disposes the instance. */
  async exit(_exceptionType?: unknown, _exceptionValue?: unknown, _traceback?: unknown): Promise<void> {
    await this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private async disposeComponents(): Promise<void> {
    const { runStorage, eventLogStorage, scheduleStorage, onDispose } = this.#components;
    await this.disposeDomains();
    for (const storage of [scheduleStorage, eventLogStorage, runStorage]) await storage?.dispose();
    await onDispose?.();
    this.#logger.debug({ instanceType: this.#components.instanceType }, 'disposed the instance');
  }

  /** Disposes what the domains opened (coordinator, launcher). */
  protected async disposeDomains(): Promise<void> {
    await this.#runCoordinator?.dispose?.();
    await this.#runLauncher?.dispose?.();
    await this.#computeLogManager?.dispose();
  }

  // ------------------------------------------------------------------ storage

  /** Base directory of the local artifact storage. */
  get rootDirectory(): string {
    return this.#components.rootDirectory;
  }

  get runStorage(): RunStorage {
    return this.#components.runStorage;
  }

  get eventLogStorage(): EventLogStorage {
    return this.#components.eventLogStorage;
  }

  /** Storage for daemon cursors: the run storage. */
  get daemonCursorStorage(): RunStorage {
    return this.#components.runStorage;
  }

  /** The definitions-state storage of state-backed components; inst has none. */
  get defsStateStorage(): undefined {
    return undefined;
  }

  /** Instigator states and ticks; undefined for ephemeral instances. */
  get scheduleStorage(): ScheduleStorage | undefined {
    return this.#components.scheduleStorage;
  }

  // ------------------------------------------------------------------ other

  /** Each component by its configuration, plus every settings entry. */
  infoDict(): Record<string, unknown> {
    const s = this.#settings;
    return {
      local_artifact_storage: s.localArtifactStorageConfig ?? { base_dir: this.rootDirectory },
      run_storage: this.runStorage.constructor.name,
      event_log_storage: this.eventLogStorage.constructor.name,
      compute_logs: s.computeLogsConfig ?? null,
      schedule_storage: this.scheduleStorage?.constructor.name ?? null,
      scheduler: s.schedulerConfig,
      ...s.settings,
      // What actually runs (an ephemeral instance's DefaultRunCoordinator, a launcher passed as a component …).
      run_coordinator: componentInfo(this.runCoordinator, s.runCoordinatorConfig),
      run_launcher: componentInfo(this.runLauncher, s.runLauncherConfig),
      // Read through the getters, so a subclass's overrides show.
      telemetry: { ...(s.settings.telemetry ?? {}), enabled: this.telemetryEnabled },
    };
  }

  /** `infoDict()` as YAML. */
  infoStr(): string {
    return toYaml(this.infoDict());
  }

  /** Loads a code location's secrets into process.env through the `secrets` loader (default: per-project `.env`). */
  injectEnvVars(locationName?: string): void {
    injectLocationEnvVars(this.#settings.secretsLoaderConfig, locationName);
  }

  /** Dagster Observe feature gate: always false outside Dagster+. */
  dagsterObserveSupported(): boolean {
    return false;
  }

  // ------------------------------------------------------------------ run coordinator and launcher

  /** The run coordinator (loaded on first use from `run_coordinator`). */
  get runCoordinator(): launcher.RunCoordinator {
    if (!this.#runCoordinator) {
      const coordinator = this.#components.runCoordinator ?? loadRunCoordinator(this.#components.ref?.config ?? {}, { ephemeral: this.isEphemeral });
      coordinator.registerInstance?.(this);
      this.#runCoordinator = coordinator;
    }
    return this.#runCoordinator;
  }

  /** The run launcher (loaded on first use from `run_launcher`). */
  get runLauncher(): launcher.RunLauncher {
    if (!this.#runLauncher) {
      const runLauncher = this.#components.runLauncher ?? loadRunLauncher(this.#components.ref?.config ?? {}, { ephemeral: this.isEphemeral });
      runLauncher.registerInstance?.(this);
      this.#runLauncher = runLauncher;
    }
    return this.#runLauncher;
  }

  /** The compute log manager `compute_logs` names (default LocalComputeLogManager under `<home>/storage`), built on first use. */
  get computeLogManager(): ComputeLogManager {
    return (this.#computeLogManager ??= computeLogManagerFromConfig(this.#settings.computeLogsConfig, this.storageDirectory()));
  }

  // ------------------------------------------------------------------ namespaced API (additive)

  #namespaces: {
    runs?: RunsNamespace;
    events?: EventsNamespace;
    snapshots?: SnapshotsNamespace;
    daemons?: DaemonsNamespace;
    assets?: AssetsNamespace;
    partitions?: PartitionsNamespace;
    schedules?: SchedulesNamespace;
    sensors?: SensorsNamespace;
    backfills?: BackfillsNamespace;
    storage?: StorageNamespace;
    settings?: SettingsNamespace;
  } = {};

  /** Runs: `instance.runs.create({ jobName })`, `.get(runId)`, `.list({ filters, limit })`, `.iterate({ signal })` … */
  get runs(): RunsNamespace {
    return (this.#namespaces.runs ??= runsNamespace(this));
  }

  /** Events: `instance.events.watch({ runId, signal })`, `.forRun({ runId })`, `.iterate({ runId })` … */
  get events(): EventsNamespace {
    return (this.#namespaces.events ??= eventsNamespace(this));
  }

  /** Job and execution plan snapshots. */
  get snapshots(): SnapshotsNamespace {
    return (this.#namespaces.snapshots ??= snapshotsNamespace(this));
  }

  /** Daemon heartbeats and statuses. */
  get daemons(): DaemonsNamespace {
    return (this.#namespaces.daemons ??= daemonsNamespace(this));
  }

  /** Assets: materializations, observations, records, checks, health, wipes (`wipe({ assetKeys, signal })`). */
  get assets(): AssetsNamespace {
    return (this.#namespaces.assets ??= assetsNamespace(this));
  }

  /** Dynamic partitions: `instance.partitions.add({ partitionsDefName, partitionKeys })`, `.iterate(…)` … */
  get partitions(): PartitionsNamespace {
    return (this.#namespaces.partitions ??= partitionsNamespace(this));
  }

  /** Schedules, and the instigator states and ticks of schedules and sensors. */
  get schedules(): SchedulesNamespace {
    return (this.#namespaces.schedules ??= schedulesNamespace(this));
  }

  /** Sensors: start, stop, reset, their states. */
  get sensors(): SensorsNamespace {
    return (this.#namespaces.sensors ??= sensorsNamespace(this));
  }

  /** Backfills: `instance.backfills.list({ status })`, `.get(id)`, `.iterate({ signal })` … */
  get backfills(): BackfillsNamespace {
    return (this.#namespaces.backfills ??= backfillsNamespace(this));
  }

  /** Storages and maintenance: `instance.storage.upgrade({ onProgress, signal })`, `.reindex(…)`, `.wipe(…)`, `.schema()` … */
  get storage(): StorageNamespace {
    return (this.#namespaces.storage ??= storageNamespace(this));
  }

  // ------------------------------------------------------------------ domains (one-line delegations)

  /** The run's events after a cursor as they are stored, each with the cursor to resume after it; ends on the signal. */
  watchRunEvents(...args: Rest<typeof events.watchRunEvents>): ReturnType<typeof events.watchRunEvents> {
    return events.watchRunEvents(this.eventsOps, ...args);
  }

  /** Loads the run (RunNotFoundError if it does not exist; InvariantViolationError, writing nothing, unless it is NOT_STARTED) and hands it to the run coordinator's submitRun (the queued coordinator enqueues it with RUN_ENQUEUED; the default one launches it); on a coordinator error emits an ENGINE_EVENT with the error and RUN_FAILURE, then re-raises. Unlike Dagster, inst does not require remote_job_origin / job_code_origin here: a launcher that needs them (the child-process one) checks. */
  submitRun(...args: Rest<typeof launcher.submitRun>): ReturnType<typeof launcher.submitRun> {
    return launcher.submitRun(this.launcherOps, ...args);
  }

  /** Emits RUN_STARTING (stored as PIPELINE_STARTING) for the run, reloads it, and calls run_launcher.launch_run; on error emits an ENGINE_EVENT with the error and RUN_FAILURE, then re-raises. */
  launchRun(...args: Rest<typeof launcher.launchRun>): ReturnType<typeof launcher.launchRun> {
    return launcher.launchRun(this.launcherOps, ...args);
  }

  /** For a run in an in-progress status (STARTING/STARTED/CANCELING), emits the resume ENGINE_EVENT and calls run_launcher.resume_run; on error emits an ENGINE_EVENT and RUN_FAILURE, then re-raises. */
  resumeRun(...args: Rest<typeof launcher.resumeRun>): ReturnType<typeof launcher.resumeRun> {
    return launcher.resumeRun(this.launcherOps, ...args);
  }

  /** Counts earlier resume attempts for a run (via dagster._daemon.monitoring.count_resume_run_attempts). */
  countResumeRunAttempts(...args: Rest<typeof launcher.countResumeRunAttempts>): ReturnType<typeof launcher.countResumeRunAttempts> {
    return launcher.countResumeRunAttempts(this.launcherOps, ...args);
  }

  /** True when run monitoring is on, the run is not CANCELING/CANCELED, and resume attempts are below run_monitoring_max_resume_run_attempts. */
  runWillResume(...args: Rest<typeof launcher.runWillResume>): ReturnType<typeof launcher.runWillResume> {
    return launcher.runWillResume(this.launcherOps, ...args);
  }

  /** Stores a daemon heartbeat in run storage (called on an interval by each daemon). */
  addDaemonHeartbeat(...args: Rest<typeof daemon.addDaemonHeartbeat>): ReturnType<typeof daemon.addDaemonHeartbeat> {
    return daemon.addDaemonHeartbeat(this.daemonOps, ...args);
  }

  /** Latest heartbeat per daemon type, from run storage. */
  getDaemonHeartbeats(...args: Rest<typeof daemon.getDaemonHeartbeats>): ReturnType<typeof daemon.getDaemonHeartbeats> {
    return daemon.getDaemonHeartbeats(this.daemonOps, ...args);
  }

  /** Deletes all daemon heartbeats from run storage. */
  wipeDaemonHeartbeats(...args: Rest<typeof daemon.wipeDaemonHeartbeats>): ReturnType<typeof daemon.wipeDaemonHeartbeats> {
    return daemon.wipeDaemonHeartbeats(this.daemonOps, ...args);
  }

  /** Daemons the deployment needs: none if ephemeral; always sensor and backfill; plus scheduler (DagsterDaemonScheduler), queued run coordinator (QueuedRunCoordinator), monitoring (run monitoring on), event log consumer (run retries on), asset daemon (auto_materialize enabled or use_sensors) and freshness daemon (freshness enabled). */
  getRequiredDaemonTypes(...args: Rest<typeof daemon.getRequiredDaemonTypes>): ReturnType<typeof daemon.getRequiredDaemonTypes> {
    return daemon.getRequiredDaemonTypes(this.daemonOps, ...args);
  }

  /** Status per daemon type (default: the required types) computed from heartbeats, ignoring errors. */
  getDaemonStatuses(...args: Rest<typeof daemon.getDaemonStatuses>): ReturnType<typeof daemon.getDaemonStatuses> {
    return daemon.getDaemonStatuses(this.daemonOps, ...args);
  }

  /** Event log entries for a run after an integer cursor, optionally filtered by type and limited. */
  logsAfter(...args: Rest<typeof events.logsAfter>): ReturnType<typeof events.logsAfter> {
    return events.logsAfter(this.eventsOps, ...args);
  }

  /** All event log entries for a run, optionally filtered by event type(s). */
  allLogs(...args: Rest<typeof events.allLogs>): ReturnType<typeof events.allLogs> {
    return events.allLogs(this.eventsOps, ...args);
  }

  /** Paginated event records (with storage ids and a cursor) for a run. */
  getRecordsForRun(...args: Rest<typeof events.getRecordsForRun>): ReturnType<typeof events.getRecordsForRun> {
    return events.getRecordsForRun(this.eventsOps, ...args);
  }

  /** Subscribes cb to new events for a run after the cursor (event storage watch). */
  watchEventLogs(...args: Rest<typeof events.watchEventLogs>): ReturnType<typeof events.watchEventLogs> {
    return events.watchEventLogs(this.eventsOps, ...args);
  }

  /** Removes a watch subscription registered with watch_event_logs. */
  endWatchEventLogs(...args: Rest<typeof events.endWatchEventLogs>): ReturnType<typeof events.endWatchEventLogs> {
    return events.endWatchEventLogs(this.eventsOps, ...args);
  }

  /** Queries event records by filter; warns to use fetch_materializations/fetch_observations/fetch_run_status_changes for those event types, and when planned-materialization filters use asset_partitions. */
  getEventRecords(...args: Rest<typeof events.getEventRecords>): ReturnType<typeof events.getEventRecords> {
    return events.getEventRecords(this.eventsOps, ...args);
  }

  /** Paginated run-status-change event records (RUN_* types) with a cursor and has_more. */
  fetchRunStatusChanges(...args: Rest<typeof events.fetchRunStatusChanges>): ReturnType<typeof events.fetchRunStatusChanges> {
    return events.fetchRunStatusChanges(this.eventsOps, ...args);
  }

  /** False only for ASSET_FAILED_TO_MATERIALIZE events when the event storage cannot store asset failure events. */
  shouldStoreEvent(...args: Rest<typeof events.shouldStoreEvent>): ReturnType<typeof events.shouldStoreEvent> {
    return events.shouldStoreEvent(this.eventsOps, ...args);
  }

  /** Writes one event to event storage if should_store_event allows it; no subscriber notification or run-status update. */
  storeEvent(...args: Rest<typeof events.storeEvent>): ReturnType<typeof events.storeEvent> {
    return events.storeEvent(this.eventsOps, ...args);
  }

  /** Main event write path: drops disallowed events, buffers by batch id when DAGSTER_EVENT_BATCH_SIZE>0 and batch_metadata is given (flushing on batch end or size; store_event_batch with per-event fallback), otherwise stores it; for run events (when storage does not do it itself) updates run status in run storage and, on RUN_FAILURE with run retries on, tags the run dagster/will_retry=true|false; then calls every listener registered for the run. */
  handleNewEvent(...args: Rest<typeof events.handleNewEvent>): ReturnType<typeof events.handleNewEvent> {
    return events.handleNewEvent(this.eventsOps, ...args);
  }

  /** Registers an in-process callback invoked by handle_new_event for each new event of the run. */
  addEventListener(...args: Rest<typeof events.addEventListener>): ReturnType<typeof events.addEventListener> {
    return events.addEventListener(this.eventsOps, ...args);
  }

  /** Emits an ENGINE_EVENT outside a job context (needs dagster_run or job_name and run_id; message prefixed with [cls name]; ERROR level if the data carries an error, else INFO) and returns it. */
  reportEngineEvent(...args: Rest<typeof events.reportEngineEvent>): ReturnType<typeof events.reportEngineEvent> {
    return events.reportEngineEvent(this.eventsOps, ...args);
  }

  /** Wraps a DagsterEvent in an EventLogEntry (timestamp defaults to now) and passes it to handle_new_event. */
  reportDagsterEvent(...args: Rest<typeof events.reportDagsterEvent>): ReturnType<typeof events.reportDagsterEvent> {
    return events.reportDagsterEvent(this.eventsOps, ...args);
  }

  /** Builds Python logging handlers from python_logs.dagster_handler_config via logging.config.dictConfig (beta warning); [] when the instance has no settings. */
  getYamlPythonHandlers(...args: Rest<typeof events.getYamlPythonHandlers>): ReturnType<typeof events.getYamlPythonHandlers> {
    return events.getYamlPythonHandlers(this.eventsOps, ...args);
  }

  /** A DEBUG-level logging.Handler that turns log records into event log entries and sends them to handle_new_event. */
  getEventLogHandler(...args: Rest<typeof events.getEventLogHandler>): ReturnType<typeof events.getEventLogHandler> {
    return events.getEventLogHandler(this.eventsOps, ...args);
  }

  /** The event log handler followed by the YAML-configured Python handlers. */
  getHandlers(...args: Rest<typeof events.getHandlers>): ReturnType<typeof events.getHandlers> {
    return events.getHandlers(this.eventsOps, ...args);
  }

  /** Cached RunDomain object holding the heavy run creation, re-execution and planned-event logic. */
  get runDomain(): ReturnType<typeof runs.runDomain> {
    return runs.runDomain(this.runsOps);
  }

  /** The DagsterRun for a run id, or None (via get_run_record_by_id). */
  getRunById(...args: Rest<typeof runs.getRunById>): ReturnType<typeof runs.getRunById> {
    return runs.getRunById(this.runsOps, ...args);
  }

  /** The RunRecord (run plus storage id and create/update/start/end timestamps) for a run id; None for an empty id or an unknown run. */
  getRunRecordById(...args: Rest<typeof runs.getRunRecordById>): ReturnType<typeof runs.getRunRecordById> {
    return runs.getRunRecordById(this.runsOps, ...args);
  }

  /** Run records matching the filter, sorted by a column (default id, descending), with cursor paging and optional per-job/per-tag bucketing. */
  getRunRecords(...args: Rest<typeof runs.getRunRecords>): ReturnType<typeof runs.getRunRecords> {
    return runs.getRunRecords(this.runsOps, ...args);
  }

  /** Runs matching the filter with cursor paging and optional bucketing. */
  getRuns(...args: Rest<typeof runs.getRuns>): ReturnType<typeof runs.getRuns> {
    return runs.getRuns(this.runsOps, ...args);
  }

  /** Run ids matching the filter. */
  getRunIds(...args: Rest<typeof runs.getRunIds>): ReturnType<typeof runs.getRunIds> {
    return runs.getRunIds(this.runsOps, ...args);
  }

  /** Number of runs matching the filter. */
  getRunsCount(...args: Rest<typeof runs.getRunsCount>): ReturnType<typeof runs.getRunsCount> {
    return runs.getRunsCount(this.runsOps, ...args);
  }

  /** True if the run exists in run storage. */
  hasRun(...args: Rest<typeof runs.hasRun>): ReturnType<typeof runs.hasRun> {
    return runs.hasRun(this.runsOps, ...args);
  }

  /** Inserts a run as-is into run storage (no snapshots or planned events; raises if the id exists). */
  addRun(...args: Rest<typeof runs.addRun>): ReturnType<typeof runs.addRun> {
    return runs.addRun(this.runsOps, ...args);
  }

  /** Deletes the run from run storage and all its events from event storage. */
  deleteRun(...args: Rest<typeof runs.deleteRun>): ReturnType<typeof runs.deleteRun> {
    return runs.deleteRun(this.runsOps, ...args);
  }

  /** Adds or updates tags on an existing run. */
  addRunTags(...args: Rest<typeof runs.addRunTags>): ReturnType<typeof runs.addRunTags> {
    return runs.addRunTags(this.runsOps, ...args);
  }

  /** Applies a run-lifecycle event to the stored run (status and timestamps) in run storage. */
  handleRunEvent(...args: Rest<typeof runs.handleRunEvent>): ReturnType<typeof runs.handleRunEvent> {
    return runs.handleRunEvent(this.runsOps, ...args);
  }

  /** Run stats from the event log (steps succeeded/failed, materializations, expectations, enqueued/launch/start/end times). */
  getRunStats(...args: Rest<typeof runs.getRunStats>): ReturnType<typeof runs.getRunStats> {
    return runs.getRunStats(this.runsOps, ...args);
  }

  /** Per-step stats for a run from the event log. */
  getRunStepStats(...args: Rest<typeof runs.getRunStepStats>): ReturnType<typeof runs.getRunStepStats> {
    return runs.getRunStepStats(this.runsOps, ...args);
  }

  /** Distinct values per requested tag key across runs, optionally filtered by value prefix. */
  getRunTags(...args: Rest<typeof runs.getRunTags>): ReturnType<typeof runs.getRunTags> {
    return runs.getRunTags(this.runsOps, ...args);
  }

  /** All tag keys used on runs. */
  getRunTagKeys(...args: Rest<typeof runs.getRunTagKeys>): ReturnType<typeof runs.getRunTagKeys> {
    return runs.getRunTagKeys(this.runsOps, ...args);
  }

  /** The root run id and all runs in the run's re-execution group. */
  getRunGroup(...args: Rest<typeof runs.getRunGroup>): ReturnType<typeof runs.getRunGroup> {
    return runs.getRunGroup(this.runsOps, ...args);
  }

  /** Partition, status and timing data for runs of a partitioned job. */
  getRunPartitionData(...args: Rest<typeof runs.getRunPartitionData>): ReturnType<typeof runs.getRunPartitionData> {
    return runs.getRunPartitionData(this.runsOps, ...args);
  }

  /** Subsets the job by op/asset selection, builds the execution plan if none is given, snapshots job and plan, and calls create_run (a str status is converted to DagsterRunStatus). */
  createRunForJob(...args: Rest<typeof runs.createRunForJob>): ReturnType<typeof runs.createRunForJob> {
    return runs.createRunForJob(this.runsOps, ...args);
  }

  /** Validates arguments (run_id must be a UUID; root/parent ids come together; op and asset selections exclusive; a parent snapshot needs a job snapshot), normalizes tags, stores any missing job/parent/execution-plan snapshots, computes op concurrency info and a compact partitions subset, adds the run (status defaults to NOT_STARTED), then, unless assets are externally managed, emits ASSET_MATERIALIZATION_PLANNED and ASSET_CHECK_EVALUATION_PLANNED events at DEBUG level (batched if DAGSTER_BATCH_PLANNED_EVENTS is set). */
  createRun(...args: Rest<typeof runs.createRun>): ReturnType<typeof runs.createRun> {
    return runs.createRun(this.runsOps, ...args);
  }

  /** Creates a NOT_STARTED re-execution of parent_run: ALL_STEPS, FROM_FAILURE (resume-retry step keys plus known state; tag dagster/is_resume_retry) or FROM_ASSET_FAILURE (subset to unmaterialized assets/failed checks; asset resume-retry tag); merges remote job tags, parent tags if asked (backfill tags only while the backfill is REQUESTED), extra tags and parent/root run id tags; gets the plan from the code location; raises DagsterInvalidSubsetError if nothing needs retrying. */
  createReexecutedRun(...args: Rest<typeof runs.createReexecutedRun>): ReturnType<typeof runs.createReexecutedRun> {
    return runs.createReexecutedRun(this.runsOps, ...args);
  }

  /** Idempotently registers an externally managed run (status MANAGED, used by dagster-airflow): returns the existing run if the id exists (raising DagsterRunConflict if fields differ), otherwise adds it, handling the DagsterRunAlreadyExists race. */
  registerManagedRun(...args: Rest<typeof runs.registerManagedRun>): ReturnType<typeof runs.registerManagedRun> {
    return runs.registerManagedRun(this.runsOps, ...args);
  }

  /** Emits RUN_CANCELING (stored as PIPELINE_CANCELING), default message 'Sending run termination request.'; run status moves to CANCELING. */
  reportRunCanceling(...args: Rest<typeof runs.reportRunCanceling>): ReturnType<typeof runs.reportRunCanceling> {
    return runs.reportRunCanceling(this.runsOps, ...args);
  }

  /** Emits RUN_CANCELED at ERROR level with a default 'marked as canceled from outside the execution context' message and returns the event. */
  reportRunCanceled(...args: Rest<typeof runs.reportRunCanceled>): ReturnType<typeof runs.reportRunCanceled> {
    return runs.reportRunCanceled(this.runsOps, ...args);
  }

  /** Emits RUN_FAILURE at ERROR level (default 'marked as failed from outside the execution context' message, optional JobFailureData) and returns the event; can trigger the will-retry tagging in handle_new_event. */
  reportRunFailed(...args: Rest<typeof runs.reportRunFailed>): ReturnType<typeof runs.reportRunFailed> {
    return runs.reportRunFailed(this.runsOps, ...args);
  }

  /** Feature gate for a background thread in the run worker that polls for cancellation; always False in OSS. */
  get shouldStartBackgroundRunThread(): boolean {
    return runs.shouldStartBackgroundRunThread();
  }

  /** Loads a job snapshot from run storage. */
  getJobSnapshot(...args: Rest<typeof runs.getJobSnapshot>): ReturnType<typeof runs.getJobSnapshot> {
    return runs.getJobSnapshot(this.runsOps, ...args);
  }

  /** True if the job snapshot exists in run storage. */
  hasJobSnapshot(...args: Rest<typeof runs.hasJobSnapshot>): ReturnType<typeof runs.hasJobSnapshot> {
    return runs.hasJobSnapshot(this.runsOps, ...args);
  }

  /** True if any snapshot (job or execution plan) with this id exists. */
  hasSnapshot(...args: Rest<typeof runs.hasSnapshot>): ReturnType<typeof runs.hasSnapshot> {
    return runs.hasSnapshot(this.runsOps, ...args);
  }

  /** Loads a job snapshot and, if it has lineage, its parent snapshot, wrapped as a HistoricalJob. */
  getHistoricalJob(...args: Rest<typeof runs.getHistoricalJob>): ReturnType<typeof runs.getHistoricalJob> {
    return runs.getHistoricalJob(this.runsOps, ...args);
  }

  /** Same check as has_job_snapshot. */
  hasHistoricalJob(...args: Rest<typeof runs.hasHistoricalJob>): ReturnType<typeof runs.hasHistoricalJob> {
    return runs.hasHistoricalJob(this.runsOps, ...args);
  }

  /** Loads an execution plan snapshot from run storage. */
  getExecutionPlanSnapshot(...args: Rest<typeof runs.getExecutionPlanSnapshot>): ReturnType<typeof runs.getExecutionPlanSnapshot> {
    return runs.getExecutionPlanSnapshot(this.runsOps, ...args);
  }

  /** Stores a job or execution plan snapshot in run storage. */
  addSnapshot(...args: Rest<typeof runs.addSnapshot>): ReturnType<typeof runs.addSnapshot> {
    return runs.addSnapshot(this.runsOps, ...args);
  }


  /** Within an upgrading_instance context, runs schema upgrades and data migrations on run storage, event storage (plus reindex_assets) and schedule storage, printing progress through print_fn. */
  upgrade(...args: Rest<typeof storageDomain.upgrade>): ReturnType<typeof storageDomain.upgrade> {
    return storageDomain.upgrade(this.storageOps, loggedMaintenance(this.logger, 'upgrade', args[0])).then(() => this._refreshStorageCapabilities());
  }

  /** Applies webserver-oriented DB connection settings (statement timeout, pool recycle, max overflow) to schedule, run and event storage. */
  optimizeForWebserver(...args: Rest<typeof storageDomain.optimizeForWebserver>): ReturnType<typeof storageDomain.optimizeForWebserver> {
    return storageDomain.optimizeForWebserver(this.storageOps, ...args);
  }

  /** Reindexes events and assets in event storage, then optimizes run storage and schedule storage, printing progress. */
  reindex(...args: Rest<typeof storageDomain.reindex>): ReturnType<typeof storageDomain.reindex> {
    return storageDomain.reindex(this.storageOps, loggedMaintenance(this.logger, 'reindex', args[0])).then(() => this._refreshStorageCapabilities());
  }

  /** Deletes all data in run storage and event storage (schedule storage is untouched). */
  wipe(...args: Rest<typeof storageDomain.wipe>): ReturnType<typeof storageDomain.wipe> {
    return storageDomain.wipe(this.storageOps, loggedMaintenance(this.logger, 'wipe', args[0]));
  }

  /** YAML string with current/latest alembic revisions for event_log_storage, run_storage and schedule_storage. */
  schemaStr(...args: Rest<typeof storageDomain.schemaStr>): ReturnType<typeof storageDomain.schemaStr> {
    return storageDomain.schemaStr(this.storageOps, ...args);
  }

  /** Local artifact directory used by the file manager for a run. */
  fileManagerDirectory(...args: Rest<typeof storageDomain.fileManagerDirectory>): ReturnType<typeof storageDomain.fileManagerDirectory> {
    return storageDomain.fileManagerDirectory(this.storageOps, ...args);
  }

  /** Local artifact storage directory ('storage' under the base directory). */
  storageDirectory(...args: Rest<typeof storageDomain.storageDirectory>): ReturnType<typeof storageDomain.storageDirectory> {
    return storageDomain.storageDirectory(this.storageOps, ...args);
  }

  /** Local artifact directory for schedule artifacts. */
  schedulesDirectory(...args: Rest<typeof storageDomain.schedulesDirectory>): ReturnType<typeof storageDomain.schedulesDirectory> {
    return storageDomain.schedulesDirectory(this.storageOps, ...args);
  }

  /** The configured scheduler (DagsterDaemonScheduler by default for persistent instances). */
  get scheduler(): ReturnType<typeof scheduling.scheduler> {
    return scheduling.scheduler(this.schedulingOps);
  }

  /** Class name of the scheduler, or None. */
  get schedulerClass(): ReturnType<typeof scheduling.schedulerClass> {
    return scheduling.schedulerClass(this.schedulingOps);
  }

  /** Delegates to scheduler.start_schedule, which stores a RUNNING instigator state; fails if there is no scheduler. */
  startSchedule(...args: Rest<typeof scheduling.startSchedule>): ReturnType<typeof scheduling.startSchedule> {
    return scheduling.startSchedule(this.schedulingOps, ...args);
  }

  /** Delegates to scheduler.stop_schedule, which stores a STOPPED state; fails if there is no scheduler. */
  stopSchedule(...args: Rest<typeof scheduling.stopSchedule>): ReturnType<typeof scheduling.stopSchedule> {
    return scheduling.stopSchedule(this.schedulingOps, ...args);
  }

  /** Delegates to scheduler.reset_schedule (back to the status declared in code); fails if there is no scheduler. */
  resetSchedule(...args: Rest<typeof scheduling.resetSchedule>): ReturnType<typeof scheduling.resetSchedule> {
    return scheduling.resetSchedule(this.schedulingOps, ...args);
  }

  /** Deletes any stored state of another instigator type under the same ids (with a warning); returns the state unchanged if it is already running; otherwise adds or updates the sensor state to RUNNING with last_sensor_start_timestamp=now. */
  startSensor(...args: Rest<typeof scheduling.startSensor>): ReturnType<typeof scheduling.startSensor> {
    return scheduling.startSensor(this.schedulingOps, ...args);
  }

  /** Deletes a wrong-typed stored state when remote_sensor is given; returns the state if not running; otherwise adds or updates the sensor state to STOPPED. */
  stopSensor(...args: Rest<typeof scheduling.stopSensor>): ReturnType<typeof scheduling.stopSensor> {
    return scheduling.stopSensor(this.schedulingOps, ...args);
  }

  /** Deletes a wrong-typed stored state, then adds or updates the sensor state to DECLARED_IN_CODE. */
  resetSensor(...args: Rest<typeof scheduling.resetSensor>): ReturnType<typeof scheduling.resetSensor> {
    return scheduling.resetSensor(this.schedulingOps, ...args);
  }

  /** Stored schedule/sensor states matching the filters; fails if there is no schedule storage. */
  allInstigatorState(...args: Rest<typeof scheduling.allInstigatorState>): ReturnType<typeof scheduling.allInstigatorState> {
    return scheduling.allInstigatorState(this.schedulingOps, ...args);
  }

  /** The stored state of one schedule or sensor; fails if there is no schedule storage. */
  getInstigatorState(...args: Rest<typeof scheduling.getInstigatorState>): ReturnType<typeof scheduling.getInstigatorState> {
    return scheduling.getInstigatorState(this.schedulingOps, ...args);
  }

  /** Inserts an instigator state. */
  addInstigatorState(...args: Rest<typeof scheduling.addInstigatorState>): ReturnType<typeof scheduling.addInstigatorState> {
    return scheduling.addInstigatorState(this.schedulingOps, ...args);
  }

  /** Updates an existing instigator state. */
  updateInstigatorState(...args: Rest<typeof scheduling.updateInstigatorState>): ReturnType<typeof scheduling.updateInstigatorState> {
    return scheduling.updateInstigatorState(this.schedulingOps, ...args);
  }

  /** Deletes an instigator state. */
  deleteInstigatorState(...args: Rest<typeof scheduling.deleteInstigatorState>): ReturnType<typeof scheduling.deleteInstigatorState> {
    return scheduling.deleteInstigatorState(this.schedulingOps, ...args);
  }

  /** Wipes scheduler-side state (if there is a scheduler) and all of schedule storage; fails if there is no schedule storage. */
  wipeAllSchedules(...args: Rest<typeof scheduling.wipeAllSchedules>): ReturnType<typeof scheduling.wipeAllSchedules> {
    return scheduling.wipeAllSchedules(this.schedulingOps, ...args);
  }

  /** Scheduler-provided log path for a schedule; fails if there is no scheduler. */
  logsPathForSchedule(...args: Rest<typeof scheduling.logsPathForSchedule>): ReturnType<typeof scheduling.logsPathForSchedule> {
    return scheduling.logsPathForSchedule(this.schedulingOps, ...args);
  }

  /** Debug summary: scheduler class, scheduler.debug_info(), and one line per schedule state (status, ids, cron) and per sensor state. */
  schedulerDebugInfo(...args: Rest<typeof scheduling.schedulerDebugInfo>): ReturnType<typeof scheduling.schedulerDebugInfo> {
    return scheduling.schedulerDebugInfo(this.schedulingOps, ...args);
  }

  /** Days to keep ticks of each status for an instigator type (`retention` config over Dagster's defaults). */
  getTickRetentionSettings(...args: Parameters<InstanceSettings['getTickRetentionSettings']>): ReturnType<InstanceSettings['getTickRetentionSettings']> {
    return this.#settings.getTickRetentionSettings(...args);
  }

  /**
   * True if schedule storage exists and supports batch tick queries: a plain boolean, as Dagster's property (probed
   * when the instance opens and again after `upgrade()` / `reindex()`, which can build the index it needs).
   */
  get supportsBatchTickQueries(): boolean {
    return this.#supportsBatchTickQueries;
  }

  #supportsBatchTickQueries = false;

  /** @internal Re-probes what the storages support (`supportsBatchTickQueries`); the factories call it after opening. */
  async _refreshStorageCapabilities(): Promise<void> {
    this.#supportsBatchTickQueries = await scheduling.supportsBatchTickQueries(this.schedulingOps);
  }

  /** Ticks for many instigators in one query; {} without schedule storage. */
  getBatchTicks(...args: Rest<typeof scheduling.getBatchTicks>): ReturnType<typeof scheduling.getBatchTicks> {
    return scheduling.getBatchTicks(this.schedulingOps, ...args);
  }

  /** The first tick within ±1 second of timestamp; None without schedule storage. */
  getTick(...args: Rest<typeof scheduling.getTick>): ReturnType<typeof scheduling.getTick> {
    return scheduling.getTick(this.schedulingOps, ...args);
  }

  /** Ticks of one instigator filtered by time window and status; [] without schedule storage. */
  getTicks(...args: Rest<typeof scheduling.getTicks>): ReturnType<typeof scheduling.getTicks> {
    return scheduling.getTicks(this.schedulingOps, ...args);
  }

  /** Inserts a new tick (schedule storage required). */
  createTick(...args: Rest<typeof scheduling.createTick>): ReturnType<typeof scheduling.createTick> {
    return scheduling.createTick(this.schedulingOps, ...args);
  }

  /** Updates an existing tick (schedule storage required). */
  updateTick(...args: Rest<typeof scheduling.updateTick>): ReturnType<typeof scheduling.updateTick> {
    return scheduling.updateTick(this.schedulingOps, ...args);
  }

  /** Deletes ticks older than 'before' (optionally only some statuses); no-op without schedule storage. */
  purgeTicks(...args: Rest<typeof scheduling.purgeTicks>): ReturnType<typeof scheduling.purgeTicks> {
    return scheduling.purgeTicks(this.schedulingOps, ...args);
  }

  /** Interval for checking whether an in-flight tick should stop; None in OSS. */
  getTickTerminationCheckInterval(): ReturnType<typeof scheduling.getTickTerminationCheckInterval> {
    return scheduling.getTickTerminationCheckInterval(this.schedulingOps);
  }

  /** Backfills from run storage, filtered and paged. */
  getBackfills(...args: Rest<typeof scheduling.getBackfills>): ReturnType<typeof scheduling.getBackfills> {
    return scheduling.getBackfills(this.schedulingOps, ...args);
  }

  /** Number of backfills matching the filter. */
  getBackfillsCount(...args: Rest<typeof scheduling.getBackfillsCount>): ReturnType<typeof scheduling.getBackfillsCount> {
    return scheduling.getBackfillsCount(this.schedulingOps, ...args);
  }

  /** One backfill by id. */
  getBackfill(...args: Rest<typeof scheduling.getBackfill>): ReturnType<typeof scheduling.getBackfill> {
    return scheduling.getBackfill(this.schedulingOps, ...args);
  }

  /** Inserts a backfill into run storage. */
  addBackfill(...args: Rest<typeof scheduling.addBackfill>): ReturnType<typeof scheduling.addBackfill> {
    return scheduling.addBackfill(this.schedulingOps, ...args);
  }

  /** Updates a stored backfill (status, progress, cursor). */
  updateBackfill(...args: Rest<typeof scheduling.updateBackfill>): ReturnType<typeof scheduling.updateBackfill> {
    return scheduling.updateBackfill(this.schedulingOps, ...args);
  }

  /** Gate for per-backfill log storage; always False in OSS. */
  backfillLogStorageEnabled(): ReturnType<typeof scheduling.backfillLogStorageEnabled> {
    return scheduling.backfillLogStorageEnabled(this.schedulingOps);
  }

  /** Gate for declarative automation submitting work as backfills; always False in OSS. */
  daRequestBackfills(): ReturnType<typeof scheduling.daRequestBackfills> {
    return scheduling.daRequestBackfills(this.schedulingOps);
  }

  /** All partition keys of a DynamicPartitionsDefinition. */
  getDynamicPartitions(...args: Rest<typeof storageDomain.getDynamicPartitions>): ReturnType<typeof storageDomain.getDynamicPartitions> {
    return storageDomain.getDynamicPartitions(this.storageOps, ...args);
  }

  /** A page of dynamic partition keys with a cursor. */
  getPaginatedDynamicPartitions(...args: Rest<typeof storageDomain.getPaginatedDynamicPartitions>): ReturnType<typeof storageDomain.getPaginatedDynamicPartitions> {
    return storageDomain.getPaginatedDynamicPartitions(this.storageOps, ...args);
  }

  /** True if the dynamic partition key exists. */
  hasDynamicPartition(...args: Rest<typeof storageDomain.hasDynamicPartition>): ReturnType<typeof storageDomain.hasDynamicPartition> {
    return storageDomain.hasDynamicPartition(this.storageOps, ...args);
  }

  /** Stable id for the current key set of a dynamic partitions definition (hash of keys from the partition loading context's store, or this instance). */
  getDynamicPartitionsDefinitionId(...args: Rest<typeof storageDomain.getDynamicPartitionsDefinitionId>): ReturnType<typeof storageDomain.getDynamicPartitionsDefinitionId> {
    return storageDomain.getDynamicPartitionsDefinitionId(this.storageOps, ...args);
  }

  /** Adds partition keys to a DynamicPartitionsDefinition idempotently, skipping existing ones. */
  addDynamicPartitions(...args: Rest<typeof storageDomain.addDynamicPartitions>): ReturnType<typeof storageDomain.addDynamicPartitions> {
    return storageDomain.addDynamicPartitions(this.storageOps, ...args);
  }

  /** Deletes one dynamic partition key; silent if it does not exist. */
  deleteDynamicPartition(...args: Rest<typeof storageDomain.deleteDynamicPartition>): ReturnType<typeof storageDomain.deleteDynamicPartition> {
    return storageDomain.deleteDynamicPartition(this.storageOps, ...args);
  }

  /** Paginated ASSET_MATERIALIZATION records (records, cursor, has_more). */
  fetchMaterializations(...args: Rest<typeof assets.fetchMaterializations>): ReturnType<typeof assets.fetchMaterializations> {
    return assets.fetchMaterializations(this.assetsOps, ...args);
  }

  /** Paginated ASSET_OBSERVATION records. */
  fetchObservations(...args: Rest<typeof assets.fetchObservations>): ReturnType<typeof assets.fetchObservations> {
    return assets.fetchObservations(this.assetsOps, ...args);
  }

  /** Paginated ASSET_FAILED_TO_MATERIALIZE records. */
  fetchFailedMaterializations(...args: Rest<typeof assets.fetchFailedMaterializations>): ReturnType<typeof assets.fetchFailedMaterializations> {
    return assets.fetchFailedMaterializations(this.assetsOps, ...args);
  }

  /** Paginated ASSET_MATERIALIZATION_PLANNED records via get_event_records; has_more is len(records)==limit. */
  fetchPlannedMaterializations(...args: Rest<typeof assets.fetchPlannedMaterializations>): ReturnType<typeof assets.fetchPlannedMaterializations> {
    return assets.fetchPlannedMaterializations(this.assetsOps, ...args);
  }

  /** Asset keys known to the event log, optionally by prefix, with cursor paging. */
  getAssetKeys(...args: Rest<typeof assets.getAssetKeys>): ReturnType<typeof assets.getAssetKeys> {
    return assets.getAssetKeys(this.assetsOps, ...args);
  }

  /** Every asset key in the event log. */
  allAssetKeys(...args: Rest<typeof assets.allAssetKeys>): ReturnType<typeof assets.allAssetKeys> {
    return assets.allAssetKeys(this.assetsOps, ...args);
  }

  /** True if the event log knows the asset key. */
  hasAssetKey(...args: Rest<typeof assets.hasAssetKey>): ReturnType<typeof assets.hasAssetKey> {
    return assets.hasAssetKey(this.assetsOps, ...args);
  }

  /** AssetRecord (asset entry with latest materialization and other summary data) per key, or for all assets. */
  getAssetRecords(...args: Rest<typeof assets.getAssetRecords>): ReturnType<typeof assets.getAssetRecords> {
    return assets.getAssetRecords(this.assetsOps, ...args);
  }

  /** Latest materialization event of an asset, or None. */
  getLatestMaterializationEvent(...args: Rest<typeof assets.getLatestMaterializationEvent>): ReturnType<typeof assets.getLatestMaterializationEvent> {
    return assets.getLatestMaterializationEvent(this.assetsOps, ...args);
  }

  /** Latest materialization event per asset key. */
  getLatestMaterializationEvents(...args: Rest<typeof assets.getLatestMaterializationEvents>): ReturnType<typeof assets.getLatestMaterializationEvents> {
    return assets.getLatestMaterializationEvents(this.assetsOps, ...args);
  }

  /** Code version recorded in the data provenance of each asset's latest materialization (None if never materialized). */
  getLatestMaterializationCodeVersions(...args: Rest<typeof assets.getLatestMaterializationCodeVersions>): ReturnType<typeof assets.getLatestMaterializationCodeVersions> {
    return assets.getLatestMaterializationCodeVersions(this.assetsOps, ...args);
  }

  /** Latest record carrying a data version: an observation if is_source, a materialization if not, and if None a materialization falling back to an observation. */
  getLatestDataVersionRecord(...args: Rest<typeof assets.getLatestDataVersionRecord>): ReturnType<typeof assets.getLatestDataVersionRecord> {
    return assets.getLatestDataVersionRecord(this.assetsOps, ...args);
  }

  /** Storage id and run id of the latest planned materialization of an asset (or partition). */
  getLatestPlannedMaterializationInfo(...args: Rest<typeof assets.getLatestPlannedMaterializationInfo>): ReturnType<typeof assets.getLatestPlannedMaterializationInfo> {
    return assets.getLatestPlannedMaterializationInfo(this.assetsOps, ...args);
  }

  /** Partition keys materialized for an asset, optionally within a storage-id window. */
  getMaterializedPartitions(...args: Rest<typeof assets.getMaterializedPartitions>): ReturnType<typeof assets.getMaterializedPartitions> {
    return assets.getMaterializedPartitions(this.assetsOps, ...args);
  }

  /** Latest event storage id per partition for an asset and event type. */
  getLatestStorageIdByPartition(...args: Rest<typeof assets.getLatestStorageIdByPartition>): ReturnType<typeof assets.getLatestStorageIdByPartition> {
    return assets.getLatestStorageIdByPartition(this.assetsOps, ...args);
  }

  /** Per-partition status (IN_PROGRESS, FAILED, MATERIALIZED or None) from the asset status cache, which may be refreshed and written back; None if no cache value is available. */
  async getStatusByPartition(...args: Rest<typeof assets.getStatusByPartition>): ReturnType<typeof assets.getStatusByPartition> {
    // A @inst/definitions partitions definition (any kind, dynamic keys read from this instance) is adapted here.
    return assets.getStatusByPartition(this.assetsOps, args[0], args[1], await definitions.statusPartitionsDefinitionFor(args[2], this));
  }

  /** Tag maps of an asset's materialization events, optionally limited to events carrying all filter_tags or to one event id. */
  getEventTagsForAsset(...args: Rest<typeof assets.getEventTagsForAsset>): ReturnType<typeof assets.getEventTagsForAsset> {
    return assets.getEventTagsForAsset(this.assetsOps, ...args);
  }

  /** True if the event storage supports the asset status cache. */
  canReadAssetStatusCache(...args: Rest<typeof assets.canReadAssetStatusCache>): ReturnType<typeof assets.canReadAssetStatusCache> {
    return assets.canReadAssetStatusCache(this.assetsOps, ...args);
  }

  /** Writes the cached partition status value for an asset. */
  updateAssetCachedStatusData(...args: Rest<typeof assets.updateAssetCachedStatusData>): ReturnType<typeof assets.updateAssetCachedStatusData> {
    return assets.updateAssetCachedStatusData(this.assetsOps, ...args);
  }

  /** Clears the cached partition status for each asset key (asset_keys must be a list). */
  wipeAssetCachedStatus(...args: Rest<typeof assets.wipeAssetCachedStatus>): ReturnType<typeof assets.wipeAssetCachedStatus> {
    return assets.wipeAssetCachedStatus(this.assetsOps, ...args);
  }

  /** For each key (a list of AssetKey is required): wipes its event history in event storage and emits a runless ASSET_WIPED event. */
  wipeAssets(...args: Rest<typeof assets.wipeAssets>): ReturnType<typeof assets.wipeAssets> {
    return assets.wipeAssets(this.assetsOps, ...args);
  }

  /** Wipes event history for the given partitions of an asset and emits a runless ASSET_WIPED event listing them. */
  wipeAssetPartitions(...args: Rest<typeof assets.wipeAssetPartitions>): ReturnType<typeof assets.wipeAssetPartitions> {
    return assets.wipeAssetPartitions(this.assetsOps, ...args);
  }

  /** Validates the event type (DagsterInvariantViolationError otherwise) and records it outside any run (run_id '' and job_name '') as ASSET_MATERIALIZATION, ASSET_OBSERVATION, ASSET_CHECK_EVALUATION, FRESHNESS_STATE_EVALUATION or FRESHNESS_STATE_CHANGE through report_dagster_event. */
  reportRunlessAssetEvent(...args: Rest<typeof assets.reportRunlessAssetEvent>): ReturnType<typeof assets.reportRunlessAssetEvent> {
    return assets.reportRunlessAssetEvent(this.assetsOps, ...args);
  }

  /** Internal form of report_runless_asset_event without the up-front type check; used by Dagster internals to emit system asset events. */
  _reportRunlessAssetEvent(...args: Rest<typeof assets._reportRunlessAssetEvent>): ReturnType<typeof assets._reportRunlessAssetEvent> {
    return assets._reportRunlessAssetEvent(this.assetsOps, ...args);
  }

  /** Latest execution record of an asset check. */
  getLatestAssetCheckEvaluationRecord(...args: Rest<typeof assets.getLatestAssetCheckEvaluationRecord>): ReturnType<typeof assets.getLatestAssetCheckEvaluationRecord> {
    return assets.getLatestAssetCheckEvaluationRecord(this.assetsOps, ...args);
  }

  /** SUPPORTED if event storage supports asset checks, else NEEDS_MIGRATION. */
  getAssetCheckSupport(...args: Rest<typeof assets.getAssetCheckSupport>): ReturnType<typeof assets.getAssetCheckSupport> {
    return assets.getAssetCheckSupport(this.assetsOps, ...args);
  }

  /** Current freshness state record per asset key, from event storage. */
  getFreshnessStateRecords(...args: Rest<typeof assets.getFreshnessStateRecords>): ReturnType<typeof assets.getFreshnessStateRecords> {
    return assets.getFreshnessStateRecords(this.assetsOps, ...args);
  }

  /** Asset-check health per asset; OSS returns None for every key. */
  getAssetCheckHealthStateForAssets(...args: Rest<typeof assets.getAssetCheckHealthStateForAssets>): ReturnType<typeof assets.getAssetCheckHealthStateForAssets> {
    return assets.getAssetCheckHealthStateForAssets(this.assetsOps, ...args);
  }

  /** Freshness health per asset; OSS returns None for every key. */
  getAssetFreshnessHealthStateForAssets(...args: Rest<typeof assets.getAssetFreshnessHealthStateForAssets>): ReturnType<typeof assets.getAssetFreshnessHealthStateForAssets> {
    return assets.getAssetFreshnessHealthStateForAssets(this.assetsOps, ...args);
  }

  /** Materialization health per asset; OSS returns None for every key. */
  getAssetMaterializationHealthStateForAssets(...args: Rest<typeof assets.getAssetMaterializationHealthStateForAssets>): ReturnType<typeof assets.getAssetMaterializationHealthStateForAssets> {
    return assets.getAssetMaterializationHealthStateForAssets(this.assetsOps, ...args);
  }

  /** Lightweight materialization health per asset; OSS returns None for every key. */
  getMinimalAssetMaterializationHealthStateForAssets(...args: Rest<typeof assets.getMinimalAssetMaterializationHealthStateForAssets>): ReturnType<typeof assets.getMinimalAssetMaterializationHealthStateForAssets> {
    return assets.getMinimalAssetMaterializationHealthStateForAssets(this.assetsOps, ...args);
  }

  /** Gate for asset health queries; always False in OSS. */
  dagsterAssetHealthQueriesSupported(...args: Rest<typeof assets.dagsterAssetHealthQueriesSupported>): ReturnType<typeof assets.dagsterAssetHealthQueriesSupported> {
    return assets.dagsterAssetHealthQueriesSupported(this.assetsOps, ...args);
  }

  /** Gate for reading failure events of one asset; always False in OSS. */
  canReadFailureEventsForAsset(...args: Rest<typeof assets.canReadFailureEventsForAsset>): ReturnType<typeof assets.canReadFailureEventsForAsset> {
    return assets.canReadFailureEventsForAsset(this.assetsOps, ...args);
  }

  /** Gate for reading asset failure events; always False in OSS. */
  canReadAssetFailureEvents(...args: Rest<typeof assets.canReadAssetFailureEvents>): ReturnType<typeof assets.canReadAssetFailureEvents> {
    return assets.canReadAssetFailureEvents(this.assetsOps, ...args);
  }

  /** Freshness-policy feature flag from DAGSTER_ASSET_FRESHNESS_ENABLED: on unless it is 'false' in the newest version (older versions: on only if 'true'). */
  internalAssetFreshnessEnabled(...args: Rest<typeof assets.internalAssetFreshnessEnabled>): ReturnType<typeof assets.internalAssetFreshnessEnabled> {
    return assets.internalAssetFreshnessEnabled(this.assetsOps, ...args);
  }

  /** Whether precomputed health for 'asset-materialization-health', 'asset-check-health' or 'asset-freshness-health' can be read; always False in OSS. */
  streamlineReadAssetHealthSupported(...args: Rest<typeof assets.streamlineReadAssetHealthSupported>): ReturnType<typeof assets.streamlineReadAssetHealthSupported> {
    return assets.streamlineReadAssetHealthSupported(this.assetsOps, ...args);
  }

  /** Whether precomputed health must be read for that streamline; always False in OSS. */
  streamlineReadAssetHealthRequired(...args: Rest<typeof assets.streamlineReadAssetHealthRequired>): ReturnType<typeof assets.streamlineReadAssetHealthRequired> {
    return assets.streamlineReadAssetHealthRequired(this.assetsOps, ...args);
  }

  // ------------------------------------------------------------------ ops adapters
  // Built once from the domains' own helpers (./adapters); each member reads the instance's public member.

  /** @internal */
  protected get runsOps(): runs.RunsInstanceOps {
    return (this.#adapters.runsOps ??= runsAdapter(this));
  }

  /** @internal */
  protected get eventsOps(): events.EventsInstanceOps {
    return (this.#adapters.eventsOps ??= eventsAdapter(this, this.#adapterState));
  }

  /** @internal */
  protected get launcherOps(): launcher.RunLauncherInstanceOps {
    return (this.#adapters.launcherOps ??= launcherAdapter(this));
  }

  /** @internal */
  protected get daemonOps(): daemon.DaemonInstanceOps {
    return (this.#adapters.daemonOps ??= daemonAdapter(this, this.#adapterState));
  }

  /** @internal */
  protected get assetsOps(): assets.AssetsInstanceOps {
    return (this.#adapters.assetsOps ??= assetsAdapter(this));
  }

  /** @internal */
  protected get schedulingOps(): scheduling.SchedulingInstanceOps {
    return (this.#adapters.schedulingOps ??= schedulingAdapter(this, this.#adapterState));
  }

  /** @internal */
  protected get storageOps(): StorageInstanceOps {
    return (this.#adapters.storageOps ??= storageAdapter(this));
  }

  // ------------------------------------------------------------------ settings

  /** Returns the settings block for a top-level dagster.yaml key, or {} when the key is absent. */
  getSettings(settingsKey: string): unknown {
    return this.#settings.getSettings(settingsKey);
  }

  /** get_settings('backfills'). */
  getBackfillSettings(): ReturnType<InstanceSettings['getBackfillSettings']> {
    return this.#settings.getBackfillSettings();
  }

  /** get_settings('schedules'). */
  getSchedulerSettings(): ReturnType<InstanceSettings['getSchedulerSettings']> {
    return this.#settings.getSchedulerSettings();
  }

  /** get_settings('sensors'). */
  getSensorSettings(): ReturnType<InstanceSettings['getSensorSettings']> {
    return this.#settings.getSensorSettings();
  }

  /** get_settings('auto_materialize'). */
  getAutoMaterializeSettings(): ReturnType<InstanceSettings['getAutoMaterializeSettings']> {
    return this.#settings.getAutoMaterializeSettings();
  }

  /** telemetry.enabled, default True; always False for ephemeral instances. */
  get telemetryEnabled(): InstanceSettings['telemetryEnabled'] {
    return this.#settings.telemetryEnabled;
  }

  /** ui.label (resolving an {env: VAR} source by hand), stripped; None if unset or empty. */
  get uiLabel(): InstanceSettings['uiLabel'] {
    return this.#settings.uiLabel;
  }

  /** ui.intent if it is one of none/primary/success/warning/danger, else None. */
  get uiIntent(): InstanceSettings['uiIntent'] {
    return this.#settings.uiIntent;
  }

  /** nux.enabled, default True; always False for ephemeral instances. */
  get nuxEnabled(): InstanceSettings['nuxEnabled'] {
    return this.#settings.nuxEnabled;
  }

  /** run_monitoring.enabled (default False), captured at construction. */
  get runMonitoringEnabled(): InstanceSettings['runMonitoringEnabled'] {
    return this.#settings.runMonitoringEnabled;
  }

  /** get_settings('run_monitoring'). */
  get runMonitoringSettings(): InstanceSettings['runMonitoringSettings'] {
    return this.#settings.runMonitoringSettings;
  }

  /** run_monitoring.start_timeout_seconds, default 180. */
  get runMonitoringStartTimeoutSeconds(): InstanceSettings['runMonitoringStartTimeoutSeconds'] {
    return this.#settings.runMonitoringStartTimeoutSeconds;
  }

  /** run_monitoring.cancel_timeout_seconds, default 180. */
  get runMonitoringCancelTimeoutSeconds(): InstanceSettings['runMonitoringCancelTimeoutSeconds'] {
    return this.#settings.runMonitoringCancelTimeoutSeconds;
  }

  /** run_monitoring.max_runtime_seconds, default 0 (no limit). */
  get runMonitoringMaxRuntimeSeconds(): InstanceSettings['runMonitoringMaxRuntimeSeconds'] {
    return this.#settings.runMonitoringMaxRuntimeSeconds;
  }

  /** run_monitoring.max_resume_run_attempts, default 0. */
  get runMonitoringMaxResumeRunAttempts(): InstanceSettings['runMonitoringMaxResumeRunAttempts'] {
    return this.#settings.runMonitoringMaxResumeRunAttempts;
  }

  /** run_monitoring.poll_interval_seconds, default 120. */
  get runMonitoringPollIntervalSeconds(): InstanceSettings['runMonitoringPollIntervalSeconds'] {
    return this.#settings.runMonitoringPollIntervalSeconds;
  }

  /** run_monitoring.cancellation_thread_poll_interval_seconds, default 10. */
  get cancellationThreadPollIntervalSeconds(): InstanceSettings['cancellationThreadPollIntervalSeconds'] {
    return this.#settings.cancellationThreadPollIntervalSeconds;
  }

  /** get_settings('code_servers'). */
  get codeServerSettings(): InstanceSettings['codeServerSettings'] {
    return this.#settings.codeServerSettings;
  }

  /** code_servers.local_startup_timeout, default 180 (DEFAULT_LOCAL_CODE_SERVER_STARTUP_TIMEOUT). */
  get codeServerProcessStartupTimeout(): InstanceSettings['codeServerProcessStartupTimeout'] {
    return this.#settings.codeServerProcessStartupTimeout;
  }

  /** code_servers.reload_timeout, default 180. */
  get codeServerReloadTimeout(): InstanceSettings['codeServerReloadTimeout'] {
    return this.#settings.codeServerReloadTimeout;
  }

  /** code_servers.wait_for_local_processes_on_shutdown, default False. */
  get waitForLocalCodeServerProcessesOnShutdown(): InstanceSettings['waitForLocalCodeServerProcessesOnShutdown'] {
    return this.#settings.waitForLocalCodeServerProcessesOnShutdown;
  }

  /** run_retries.enabled, default False. */
  get runRetriesEnabled(): InstanceSettings['runRetriesEnabled'] {
    return this.#settings.runRetriesEnabled;
  }

  /** run_retries.max_retries, default 0. */
  get runRetriesMaxRetries(): InstanceSettings['runRetriesMaxRetries'] {
    return this.#settings.runRetriesMaxRetries;
  }

  /** run_retries.retry_on_asset_or_op_failure, default True. */
  get runRetriesRetryOnAssetOrOpFailure(): InstanceSettings['runRetriesRetryOnAssetOrOpFailure'] {
    return this.#settings.runRetriesRetryOnAssetOrOpFailure;
  }

  /** auto_materialize.enabled, default True. */
  get autoMaterializeEnabled(): InstanceSettings['autoMaterializeEnabled'] {
    return this.#settings.autoMaterializeEnabled;
  }

  /** auto_materialize.minimum_interval_seconds, default None (annotated int). */
  get autoMaterializeMinimumIntervalSeconds(): InstanceSettings['autoMaterializeMinimumIntervalSeconds'] {
    return this.#settings.autoMaterializeMinimumIntervalSeconds;
  }

  /** auto_materialize.run_tags, default {}. */
  get autoMaterializeRunTags(): InstanceSettings['autoMaterializeRunTags'] {
    return this.#settings.autoMaterializeRunTags;
  }

  /** auto_materialize.respect_materialization_data_versions, default False. */
  get autoMaterializeRespectMaterializationDataVersions(): InstanceSettings['autoMaterializeRespectMaterializationDataVersions'] {
    return this.#settings.autoMaterializeRespectMaterializationDataVersions;
  }

  /** auto_materialize.max_tick_retries, default 3. */
  get autoMaterializeMaxTickRetries(): InstanceSettings['autoMaterializeMaxTickRetries'] {
    return this.#settings.autoMaterializeMaxTickRetries;
  }

  /** auto_materialize.use_sensors, default True. */
  get autoMaterializeUseSensors(): InstanceSettings['autoMaterializeUseSensors'] {
    return this.#settings.autoMaterializeUseSensors;
  }

  /** freshness.enabled; default True in the newest version (was False before Dagster 1.12 made freshness GA). */
  get freshnessEnabled(): InstanceSettings['freshnessEnabled'] {
    return this.#settings.freshnessEnabled;
  }

  /** python_logs.managed_python_loggers, default []. */
  get managedPythonLoggers(): InstanceSettings['managedPythonLoggers'] {
    return this.#settings.managedPythonLoggers;
  }

  /** python_logs.python_log_level, default None. */
  get pythonLogLevel(): InstanceSettings['pythonLogLevel'] {
    return this.#settings.pythonLogLevel;
  }

  /** python_logs.dagster_handler_config (logging dictConfig with handlers/formatters), default {}. */
  getPythonLogDagsterHandlerConfig(): ReturnType<InstanceSettings['getPythonLogDagsterHandlerConfig']> {
    return this.#settings.getPythonLogDagsterHandlerConfig();
  }

  /** True when the env var DAGSTER_LEGACY_FRESHNESS_POLICY_KILLSWITCH is '1' or 'true'. */
  legacyFreshnessPolicyKillswitchEnabled(): ReturnType<InstanceSettings['legacyFreshnessPolicyKillswitchEnabled']> {
    return this.#settings.legacyFreshnessPolicyKillswitchEnabled();
  }

  /** Builds ConcurrencyConfig (pool_config: granularity/default_pool_limit/op_granularity_run_buffer; run_queue_config) from the 'concurrency' settings merged with the QueuedRunCoordinator's run queue config, if that coordinator is used. */
  getConcurrencyConfig(): ReturnType<InstanceSettings['getConcurrencyConfig']> {
    // The run queue part only when the coordinator that runs is a queued one (as Dagster checks its instance).
    const queued = (this.runCoordinator as { requiredDaemonType?: string }).requiredDaemonType === 'QUEUED_RUN_COORDINATOR';
    return concurrencyConfigOf(this.#settings.getSettings('concurrency'), queued ? (this.#settings.runQueueConfig ?? runQueueConfigOf({})) : undefined);
  }

  /** Default pool limit: concurrency.pools.default_limit, falling back to the deprecated concurrency.default_op_concurrency_limit. */
  get globalOpConcurrencyDefaultLimit(): InstanceSettings['globalOpConcurrencyDefaultLimit'] {
    return this.#settings.globalOpConcurrencyDefaultLimit;
  }

  /** If True, daemons only write heartbeats when they hit errors; always False in OSS. */
  get daemonSkipHeartbeatsWithoutErrors(): InstanceSettings['daemonSkipHeartbeatsWithoutErrors'] {
    return this.#settings.daemonSkipHeartbeatsWithoutErrors;
  }

}

// One argument check per public member, applied once to the class (see ./arguments).
installArgumentChecks(Instance);

/**
 * How `infoDict` describes a component: its config block when the object that runs is the class the config
 * names (or Dagster's name for it), else the object's own class.
 */
function componentInfo(component: object, configured: { module: string; class: string; config: unknown }): { module: string; class: string; config: unknown } {
  const runs = component.constructor.name;
  const aliases: Record<string, readonly string[]> = {
    InProcessRunLauncher: ['DefaultRunLauncher', 'SyncInMemoryRunLauncher', 'InProcessRunLauncher'],
    ChildProcessRunLauncher: ['DefaultRunLauncher', 'ChildProcessRunLauncher'],
  };
  if (runs === configured.class || aliases[runs]?.includes(configured.class)) return configured;
  return { module: 'inst', class: runs, config: {} };
}

function artifactDirectory(tempdir: string | undefined): { directory: string; cleanup: () => void } {
  if (tempdir) {
    mkdirSync(tempdir, { recursive: true });
    return { directory: resolve(tempdir), cleanup: () => {} };
  }
  const directory = mkdtempSync(join(tmpdir(), 'inst-'));
  return { directory, cleanup: () => rmSync(directory, { recursive: true, force: true }) };
}

function settingsConfig(settings: Readonly<Record<string, unknown>> | undefined): ConstructorParameters<typeof InstanceSettings>[0] {
  return (settings ?? {}) as ConstructorParameters<typeof InstanceSettings>[0];
}

async function openFromRef<T extends Instance>(cls: InstanceClass<T>, ref: InstanceRef, cleanup?: () => void, options?: InstanceOptions): Promise<T> {
  const logger = options?.logger ?? defaultInstanceLogger();
  // Everything that can be checked before a file is created is checked first (issue #11).
  checkHome(ref.home);
  const settings = new InstanceSettings(ref.config);
  const storageConfig = settings.storageConfig;
  checkSqliteFiles(ref.home, storageConfig);
  const target = (await loadInstanceClass(settings)) ?? cls;
  const { runCoordinator, runLauncher } = loadComponents(ref.config, settings, ref.home);
  const pool = defaultPoolLimitOf(settings);
  let storages: OpenedStorages;
  try {
    storages = await openStorages({ kind: 'config', home: ref.home, storage: storageConfig, defaultPoolLimit: pool.read, logger: storageLoggerOf(options) });
    logger.debug({ home: ref.home, storage: storageConfig.kind }, 'opened the storages');
  } catch (error) {
    throw asFileSystemError(error, ref.home);
  }
  const tooNew = await schemaTooNew({ run_storage: storages.runStorage, event_log_storage: storages.eventLogStorage, schedule_storage: storages.scheduleStorage }, storages.newerThanHead).catch(async (error: unknown) => {
    await storages.dispose().catch(logCleanupFailure(logger));
    throw error;
  });
  // A failure building the instance (bad settings read by the constructor) closes what was opened (issue #10).
  const instance = await closingOnFailure({ dispose: async () => {
    await storages.dispose();
    await runCoordinator.dispose?.();
    await runLauncher.dispose?.();
  } } as OpenedStorages, () => new target({
    instanceType: 'PERSISTENT',
    rootDirectory: settings.localArtifactStorageConfig?.config?.base_dir as string | undefined ?? ref.home,
    // A storage stamped newer than inst knows refuses writes however it is reached (issue #11).
    runStorage: guarded(storages.runStorage, tooNew.get('run_storage')),
    eventLogStorage: guarded(storages.eventLogStorage, tooNew.get('event_log_storage')),
    scheduleStorage: storages.scheduleStorage && guarded(storages.scheduleStorage, tooNew.get('schedule_storage')),
    runCoordinator,
    runLauncher,
    settings,
    ref,
    logger: options?.logger,
    onDispose: async () => {
      await storages.dispose();
      cleanup?.();
    },
  }) as T, logger);
  for (const [storage, error] of tooNew) {
    logger.warn({ home: ref.home, storage, err: error }, `${storage}: the schema is newer than this version knows: writes to it are refused, reads proceed`);
  }
  blockWrites(instance, tooNew);
  await instance._refreshStorageCapabilities().catch(async (error: unknown) => {
    await instance.dispose().catch(logCleanupFailure(logger));
    throw error;
  });
  return pool.bind(instance);
}

/**
 * `concurrency.pools.default_limit` as the event storage reads it on each use: the instance's
 * `globalOpConcurrencyDefaultLimit` (so a subclass's override is seen), the settings' until it is built.
 */
function defaultPoolLimitOf(settings: InstanceSettings): { read: () => number | null | undefined; bind: <T extends Instance>(instance: T) => T } {
  let bound: Instance | undefined;
  return {
    read: () => (bound ? bound.globalOpConcurrencyDefaultLimit : settings.globalOpConcurrencyDefaultLimit),
    bind: (instance) => {
      bound = instance;
      return instance;
    },
  };
}

/** `storage`, or with its writes refused when `error` says its schema is too new. */
function guarded<S extends object>(storage: S, error: Error | undefined): S {
  return error ? refusingWrites(storage, error) : storage;
}

/** `build()`, or on its failure the storages disposed and the error rethrown. */
async function closingOnFailure<T>(storages: OpenedStorages, build: () => T, logger: Logger = defaultInstanceLogger()): Promise<T> {
  try {
    return build();
  } catch (error) {
    await storages.dispose().catch(logCleanupFailure(logger));
    throw error;
  }
}

/** A clean-up failure after another error: logged (the first error is the one thrown). */
function logCleanupFailure(logger: Logger): (error: unknown) => void {
  return (error) => logger.warn({ err: error }, 'closing the storages after a failed open failed too');
}

/** The class `instance_class` names: `{ module, class }` where module is a package or a file the user owns. */
async function loadInstanceClass(settings: InstanceSettings): Promise<InstanceClass<Instance> | undefined> {
  const named = settings.instanceClass;
  if (!named) return undefined;
  const loaded = await importInstanceClassModule(named);
  const cls = loaded[named.class];
  if (typeof cls !== 'function' || !(cls.prototype instanceof Instance || cls === Instance)) {
    throw new ConfigError([`instance_class.class: ${named.module}.${named.class} is not a subclass of Instance`]);
  }
  return cls as InstanceClass<Instance>;
}
