import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FreshnessState, FreshnessStateChange, staticPartitionsDefinition } from '@inst/assets';
import { fixturesDir } from '@inst/fixtures';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import {
  AssetCheckKey,
  AssetKey,
  AssetMaterialization,
  AssetRecordsFilter,
  AssetStatusCacheValue,
  BulkActionStatus,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  EventLogEntry,
  EventRecordsFilter,
  InstigatorState,
  InstigatorStatus,
  InstigatorType,
  PartitionBackfill,
  RegisteredCodeLocationOrigin,
  RemoteRepositoryOrigin,
  RunsFilter,
  TickData,
  TickStatus,
} from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB, plan, step } from '../../runs/test/fake-ops';
import { Instance } from '../src/index';

/*
 * The surface, behaviourally: every one of the 204 members of Dagster's DagsterInstance is exercised through
 * Instance on a real SQLite home (and the storage-touching ones on Postgres too), with an assertion of what it
 * does — not only that the name exists (issue #11).
 */

interface SurfaceMember {
  camel: string;
  kind: 'method' | 'property' | 'staticmethod';
}
const surface = JSON.parse(readFileSync(join(fixturesDir(), '..', 'dagster-instance-surface.json'), 'utf8')) as SurfaceMember[];

interface Ctx {
  instance: Instance;
  home: string;
  run: DagsterRun;
}

const KEY = new AssetKey(['surface', 'asset']);
const CHECK = new AssetCheckKey({ assetKey: KEY, name: 'fresh' });
const repository = new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'loc' }), repositoryName: '__repository__' });
const sensorOrigin = repository.getInstigatorOrigin('surface_sensor');
const scheduleRemote = { name: 'surface_schedule', origin: repository.getInstigatorOrigin('surface_schedule'), cronSchedule: '0 0 * * *', executionTimezone: 'UTC' };

type Check = (ctx: Ctx) => Promise<void> | void;

/** One behaviour per member; the storage-touching ones run on every backend in BACKENDS. */
const BEHAVIOUR: Record<string, Check> = {
  // lifecycle
  ephemeral: async () => {
    const e = await Instance.ephemeral();
    expect(e.isEphemeral).toBe(true);
    await e.dispose();
  },
  get: async ({ home }) => {
    const previous = process.env.INST_HOME;
    process.env.INST_HOME = home;
    try {
      const got = await Instance.get();
      expect(got.getRef().home).toBe(home);
      await got.dispose();
    } finally {
      if (previous === undefined) delete process.env.INST_HOME;
      else process.env.INST_HOME = previous;
    }
  },
  localTemp: async () => {
    const t = await Instance.localTemp();
    expect(t.isPersistent).toBe(true);
    await t.dispose();
  },
  fromConfig: async ({ home }) => {
    const again = await Instance.fromConfig(home);
    expect(again.rootDirectory).toBe(home);
    await again.dispose();
  },
  fromRef: async ({ instance }) => {
    const again = await Instance.fromRef(instance.getRef());
    expect(await again.hasRun((await instance.getRunIds(undefined, undefined, 1))[0]!)).toBe(true);
    await again.dispose();
  },
  getRef: ({ instance, home }) => expect(instance.getRef().home).toBe(home),
  isPersistent: ({ instance }) => expect(instance.isPersistent).toBe(true),
  isEphemeral: ({ instance }) => expect(instance.isEphemeral).toBe(false),
  dispose: async () => {
    const e = await Instance.ephemeral();
    await e.dispose();
    await e.dispose(); // twice is safe
  },
  enter: ({ instance }) => expect(instance.enter()).toBe(instance),
  exit: async () => {
    const e = await Instance.ephemeral();
    await e.exit(null, null, null);
    await expect(e.getRunsCount()).rejects.toBeDefined();
  },
  // storage
  rootDirectory: ({ instance, home }) => expect(instance.rootDirectory).toBe(home),
  runStorage: ({ instance }) => expect(typeof instance.runStorage.addRun).toBe('function'),
  eventLogStorage: ({ instance }) => expect(typeof instance.eventLogStorage.storeEvent).toBe('function'),
  daemonCursorStorage: ({ instance }) => expect(instance.daemonCursorStorage).toBe(instance.runStorage),
  defsStateStorage: ({ instance }) => expect(instance.defsStateStorage).toBeUndefined(),
  scheduleStorage: ({ instance }) => expect(instance.scheduleStorage).toBeDefined(),
  upgrade: async ({ instance }) => {
    const lines: string[] = [];
    await instance.upgrade((line) => lines.push(line));
    expect(lines).toContain('Updating run storage...');
  },
  optimizeForWebserver: async ({ instance }) => expect(await instance.optimizeForWebserver(1000, 3600, 10)).toBeUndefined(),
  reindex: async ({ instance }) => {
    const lines: string[] = [];
    await instance.reindex((line) => lines.push(line));
    expect(lines.at(-1)).toBe('Done.');
  },
  wipe: async () => {
    const e = await Instance.ephemeral();
    await e.createRun({ jobName: 'w' });
    await e.wipe();
    expect(await e.getRunsCount()).toBe(0);
    await e.dispose();
  },
  schemaStr: async ({ instance }) => expect(await instance.schemaStr()).toMatch(/run_storage:\n  current: \w+/),
  fileManagerDirectory: ({ instance, home }) => expect(instance.fileManagerDirectory('r1')).toBe(join(home, 'storage', 'r1', 'files')),
  storageDirectory: ({ instance, home }) => expect(instance.storageDirectory()).toBe(join(home, 'storage')),
  schedulesDirectory: ({ instance, home }) => expect(instance.schedulesDirectory()).toBe(join(home, 'schedules')),
  infoDict: ({ instance }) => expect(instance.infoDict()).toHaveProperty('run_coordinator'),
  infoStr: ({ instance }) => expect(instance.infoStr()).toContain('run_coordinator:'),
  injectEnvVars: ({ instance }) => expect(instance.injectEnvVars('loc')).toBeUndefined(),
  dagsterObserveSupported: ({ instance }) => expect(instance.dagsterObserveSupported()).toBe(false),
  // coordinator and launcher
  runCoordinator: ({ instance }) => expect(typeof instance.runCoordinator.submitRun).toBe('function'),
  runLauncher: ({ instance }) => expect(typeof instance.runLauncher.launchRun).toBe('function'),
  submitRun: async ({ instance }) => {
    // The default coordinator queues, as Dagster's, and like Dagster's refuses a run without a remote job origin:
    // the error is recorded on the run (RUN_FAILURE) and rethrown.
    const run = await instance.createRun({ jobName: 'submitted' });
    await expect(instance.submitRun(run.runId)).rejects.toThrow(/external_pipeline_origin is required for queued runs/);
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.FAILURE);
  },
  launchRun: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'no_such_job_anywhere' });
    await instance.launchRun(run.runId).catch(() => undefined);
    // Launching moves the run out of NOT_STARTED (STARTING, or FAILURE when the launcher cannot run the job).
    expect((await instance.getRunById(run.runId))?.status).not.toBe(DagsterRunStatus.NOT_STARTED);
  },
  resumeRun: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'resume' });
    await expect(instance.resumeRun(run.runId, undefined, 1)).rejects.toBeDefined(); // NOT_STARTED cannot resume
  },
  countResumeRunAttempts: async ({ instance, run }) => expect(await instance.countResumeRunAttempts(run.runId)).toBe(0),
  runWillResume: async ({ instance, run }) => expect(await instance.runWillResume(run.runId)).toBe(false),
  computeLogManager: ({ instance }) => expect(instance.computeLogManager).toBeDefined(),
  // settings
  getSettings: ({ instance }) => expect(instance.getSettings('telemetry')).toEqual({}),
  getBackfillSettings: ({ instance }) => expect(instance.getBackfillSettings()).toEqual({}),
  getSchedulerSettings: ({ instance }) => expect(instance.getSchedulerSettings()).toEqual({}),
  getSensorSettings: ({ instance }) => expect(instance.getSensorSettings()).toEqual({}),
  getAutoMaterializeSettings: ({ instance }) => expect(instance.getAutoMaterializeSettings()).toEqual({}),
  telemetryEnabled: ({ instance }) => expect(instance.telemetryEnabled).toBe(true),
  uiLabel: ({ instance }) => expect(instance.uiLabel ?? null).toBeNull(),
  uiIntent: ({ instance }) => expect(instance.uiIntent ?? null).toBeNull(),
  nuxEnabled: ({ instance }) => expect(instance.nuxEnabled).toBe(true),
  runMonitoringEnabled: ({ instance }) => expect(instance.runMonitoringEnabled).toBe(false),
  runMonitoringSettings: ({ instance }) => expect(instance.runMonitoringSettings).toEqual({}),
  runMonitoringStartTimeoutSeconds: ({ instance }) => expect(instance.runMonitoringStartTimeoutSeconds).toBe(180),
  runMonitoringCancelTimeoutSeconds: ({ instance }) => expect(instance.runMonitoringCancelTimeoutSeconds).toBe(180),
  runMonitoringMaxRuntimeSeconds: ({ instance }) => expect(instance.runMonitoringMaxRuntimeSeconds).toBe(0),
  runMonitoringMaxResumeRunAttempts: ({ instance }) => expect(instance.runMonitoringMaxResumeRunAttempts).toBe(0),
  runMonitoringPollIntervalSeconds: ({ instance }) => expect(instance.runMonitoringPollIntervalSeconds).toBe(120),
  cancellationThreadPollIntervalSeconds: ({ instance }) => expect(instance.cancellationThreadPollIntervalSeconds).toBe(10),
  codeServerSettings: ({ instance }) => expect(instance.codeServerSettings).toEqual({}),
  codeServerProcessStartupTimeout: ({ instance }) => expect(instance.codeServerProcessStartupTimeout).toBe(180),
  codeServerReloadTimeout: ({ instance }) => expect(instance.codeServerReloadTimeout).toBe(180),
  waitForLocalCodeServerProcessesOnShutdown: ({ instance }) => expect(instance.waitForLocalCodeServerProcessesOnShutdown).toBe(false),
  runRetriesEnabled: ({ instance }) => expect(instance.runRetriesEnabled).toBe(false),
  runRetriesMaxRetries: ({ instance }) => expect(instance.runRetriesMaxRetries).toBe(0),
  runRetriesRetryOnAssetOrOpFailure: ({ instance }) => expect(instance.runRetriesRetryOnAssetOrOpFailure).toBe(true),
  autoMaterializeEnabled: ({ instance }) => expect(instance.autoMaterializeEnabled).toBe(true),
  autoMaterializeMinimumIntervalSeconds: ({ instance }) => expect(instance.autoMaterializeMinimumIntervalSeconds ?? null).toBeNull(),
  autoMaterializeRunTags: ({ instance }) => expect(instance.autoMaterializeRunTags).toEqual({}),
  autoMaterializeRespectMaterializationDataVersions: ({ instance }) => expect(instance.autoMaterializeRespectMaterializationDataVersions).toBe(false),
  autoMaterializeMaxTickRetries: ({ instance }) => expect(instance.autoMaterializeMaxTickRetries).toBe(3),
  autoMaterializeUseSensors: ({ instance }) => expect(instance.autoMaterializeUseSensors).toBe(true),
  freshnessEnabled: ({ instance }) => expect(typeof instance.freshnessEnabled).toBe('boolean'),
  managedPythonLoggers: ({ instance }) => expect(instance.managedPythonLoggers).toEqual([]),
  pythonLogLevel: ({ instance }) => expect(instance.pythonLogLevel ?? null).toBeNull(),
  getPythonLogDagsterHandlerConfig: ({ instance }) => expect(instance.getPythonLogDagsterHandlerConfig()).toEqual({}),
  legacyFreshnessPolicyKillswitchEnabled: ({ instance }) => expect(instance.legacyFreshnessPolicyKillswitchEnabled()).toBe(false),
  getConcurrencyConfig: ({ instance }) => expect(instance.getConcurrencyConfig().runQueueConfig?.maxConcurrentRuns).toBe(10),
  globalOpConcurrencyDefaultLimit: ({ instance }) => expect(instance.globalOpConcurrencyDefaultLimit ?? null).toBeNull(),
  // daemons
  addDaemonHeartbeat: async ({ instance }) => {
    await instance.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: 1_700_000_000, daemonType: 'SENSOR', daemonId: 'd1' }));
    expect((await instance.getDaemonHeartbeats()).get('SENSOR')?.daemonId).toBe('d1');
  },
  getDaemonHeartbeats: async ({ instance }) => expect(await instance.getDaemonHeartbeats()).toBeInstanceOf(Map),
  wipeDaemonHeartbeats: async ({ instance }) => {
    await instance.addDaemonHeartbeat(new DaemonHeartbeat({ timestamp: 1_700_000_000, daemonType: 'BACKFILL' }));
    await instance.wipeDaemonHeartbeats();
    expect((await instance.getDaemonHeartbeats()).size).toBe(0);
  },
  getRequiredDaemonTypes: ({ instance }) => expect(instance.getRequiredDaemonTypes()).toEqual(expect.arrayContaining(['SENSOR', 'BACKFILL', 'QUEUED_RUN_COORDINATOR'])),
  getDaemonStatuses: async ({ instance }) => expect((await instance.getDaemonStatuses(['SENSOR'])).get('SENSOR')?.healthy).toBe(false),
  daemonSkipHeartbeatsWithoutErrors: ({ instance }) => expect(instance.daemonSkipHeartbeatsWithoutErrors).toBe(false),
  // events
  logsAfter: async ({ instance, run }) => expect((await instance.logsAfter(run.runId, -1)).length).toBeGreaterThan(0),
  allLogs: async ({ instance, run }) => expect((await instance.allLogs(run.runId, DagsterEventType.ENGINE_EVENT)).length).toBeGreaterThan(0),
  getRecordsForRun: async ({ instance, run }) => expect((await instance.getRecordsForRun(run.runId, null, null, 1)).records).toHaveLength(1),
  watchEventLogs: async ({ instance, run }) => {
    const seen: unknown[] = [];
    const cb = (entry: unknown) => void seen.push(entry);
    instance.watchEventLogs(run.runId, null, cb);
    await instance.reportEngineEvent('watched', run);
    for (let i = 0; i < 400 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    instance.endWatchEventLogs(run.runId, cb);
    expect(seen.length).toBeGreaterThan(0);
  },
  endWatchEventLogs: ({ instance, run }) => expect(instance.endWatchEventLogs(run.runId, () => {})).toBeUndefined(),
  getEventRecords: async ({ instance }) => expect(await instance.getEventRecords(new EventRecordsFilter({ eventType: DagsterEventType.ASSET_MATERIALIZATION }), 5)).toBeInstanceOf(Array),
  fetchRunStatusChanges: async ({ instance }) => expect((await instance.fetchRunStatusChanges(DagsterEventType.RUN_ENQUEUED, 10)).records).toBeInstanceOf(Array),
  shouldStoreEvent: ({ instance, run }) => expect(instance.shouldStoreEvent(new EventLogEntry({ level: 20, userMessage: 'x', runId: run.runId, timestamp: 1 }))).toBe(true),
  storeEvent: async ({ instance, run }) => {
    await instance.storeEvent(new EventLogEntry({ level: 20, userMessage: 'stored', runId: run.runId, timestamp: 1_700_000_000 }));
    expect((await instance.allLogs(run.runId)).some((e) => e.userMessage === 'stored')).toBe(true);
  },
  handleNewEvent: async ({ instance, run }) => {
    await instance.handleNewEvent(new EventLogEntry({ level: 20, userMessage: 'handled', runId: run.runId, timestamp: 1_700_000_000 }));
    expect((await instance.allLogs(run.runId)).some((e) => e.userMessage === 'handled')).toBe(true);
  },
  addEventListener: async ({ instance, run }) => {
    const seen: string[] = [];
    const remove = instance.addEventListener(run.runId, (entry) => void seen.push(entry.dagsterEvent?.message ?? entry.userMessage));
    await instance.reportEngineEvent('heard', run);
    remove();
    expect(seen.some((m) => m.includes('heard'))).toBe(true);
  },
  reportEngineEvent: async ({ instance, run }) => expect((await instance.reportEngineEvent('engine', run)).eventTypeValue).toBe(DagsterEventType.ENGINE_EVENT),
  reportDagsterEvent: async ({ instance, run }) => {
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: run.jobName, message: 'reported' }), run.runId);
    expect((await instance.allLogs(run.runId)).some((e) => e.dagsterEvent?.message === 'reported')).toBe(true);
  },
  getYamlPythonHandlers: ({ instance }) => expect(instance.getYamlPythonHandlers()).toEqual([]),
  getEventLogHandler: ({ instance }) => expect(instance.getEventLogHandler()).toBeDefined(),
  getHandlers: ({ instance }) => expect(instance.getHandlers().length).toBeGreaterThanOrEqual(1),
  // runs
  runDomain: ({ instance }) => expect(typeof instance.runDomain.logAssetPlannedEvents).toBe('function'),
  getRunById: async ({ instance, run }) => expect((await instance.getRunById(run.runId))?.runId).toBe(run.runId),
  getRunRecordById: async ({ instance, run }) => expect((await instance.getRunRecordById(run.runId))?.dagsterRun.runId).toBe(run.runId),
  getRunRecords: async ({ instance, run }) => expect((await instance.getRunRecords(new RunsFilter({ runIds: [run.runId] }))).map((r) => r.dagsterRun.runId)).toEqual([run.runId]),
  getRuns: async ({ instance, run }) => expect((await instance.getRuns(new RunsFilter({ jobName: run.jobName }))).some((r) => r.runId === run.runId)).toBe(true),
  getRunIds: async ({ instance, run }) => expect(await instance.getRunIds(new RunsFilter({ runIds: [run.runId] }))).toEqual([run.runId]),
  getRunsCount: async ({ instance, run }) => expect(await instance.getRunsCount(new RunsFilter({ runIds: [run.runId] }))).toBe(1),
  hasRun: async ({ instance, run }) => expect(await instance.hasRun(run.runId)).toBe(true),
  addRun: async ({ instance }) => {
    const added = await instance.addRun(new DagsterRun({ jobName: 'added' }));
    expect(await instance.hasRun(added.runId)).toBe(true);
  },
  deleteRun: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'deleted' });
    await instance.deleteRun(run.runId);
    expect(await instance.hasRun(run.runId)).toBe(false);
  },
  addRunTags: async ({ instance, run }) => {
    await instance.addRunTags(run.runId, { added: 'yes' });
    expect((await instance.getRunById(run.runId))?.tags.added).toBe('yes');
  },
  handleRunEvent: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'handled_run' });
    await instance.handleRunEvent(run.runId, new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'handled_run' }));
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.STARTED);
  },
  getRunStats: async ({ instance, run }) => expect((await instance.getRunStats(run.runId)).runId).toBe(run.runId),
  getRunStepStats: async ({ instance, run }) => expect(await instance.getRunStepStats(run.runId)).toEqual([]),
  getRunTags: async ({ instance }) => expect((await instance.getRunTags(['surface'])).map(([k]) => k)).toEqual(['surface']),
  getRunTagKeys: async ({ instance }) => expect(await instance.getRunTagKeys()).toContain('surface'),
  getRunGroup: async ({ instance, run }) => expect((await instance.getRunGroup(run.runId))?.[0]).toBe(run.runId),
  getRunPartitionData: async ({ instance }) => expect(await instance.getRunPartitionData(new RunsFilter({ jobName: 'none' }))).toEqual([]),
  createRunForJob: async ({ instance }) => expect((await instance.createRunForJob({ name: 'for_job', snapshot: JOB })).jobName).toBe('for_job'),
  createRun: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: plan([step('s', { assets: [{ key: KEY }] })]) });
    expect((await instance.getLatestPlannedMaterializationInfo(KEY))?.runId).toBe(run.runId);
  },
  createReexecutedRun: async ({ instance }) => {
    const p = plan([step('a')]);
    const parent = await instance.createRun({ jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: p, status: DagsterRunStatus.FAILURE });
    const child = await instance.createReexecutedRun({
      parentRun: parent,
      codeLocation: { getExecutionPlan: () => p, getJobSubset: (job: unknown) => job } as never,
      remoteJob: { jobSnapshot: JOB, tags: {} } as never,
      strategy: 'ALL_STEPS',
    });
    expect(child.parentRunId).toBe(parent.runId);
  },
  registerManagedRun: async ({ instance }) => {
    const runId = '0a1b2c3d-0000-4000-8000-000000000001';
    const run = await instance.registerManagedRun('managed', runId, null, null, null, {}, null, null, null, null, null);
    expect(run.status).toBe(DagsterRunStatus.MANAGED);
  },
  reportRunCanceling: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'canceling', status: DagsterRunStatus.STARTED });
    await instance.reportRunCanceling(run);
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.CANCELING);
  },
  reportRunCanceled: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'canceled', status: DagsterRunStatus.STARTED });
    await instance.reportRunCanceled(run);
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.CANCELED);
  },
  reportRunFailed: async ({ instance }) => {
    const run = await instance.createRun({ jobName: 'failed', status: DagsterRunStatus.STARTED });
    await instance.reportRunFailed(run, 'boom');
    expect((await instance.getRunById(run.runId))?.status).toBe(DagsterRunStatus.FAILURE);
  },
  shouldStartBackgroundRunThread: ({ instance }) => expect(instance.shouldStartBackgroundRunThread).toBe(false),
  getJobSnapshot: async ({ instance, run }) => expect((await instance.getJobSnapshot(run.jobSnapshotId!)).name).toBe(JOB.name),
  hasJobSnapshot: async ({ instance, run }) => expect(await instance.hasJobSnapshot(run.jobSnapshotId!)).toBe(true),
  hasSnapshot: async ({ instance, run }) => expect(await instance.hasSnapshot(run.executionPlanSnapshotId!)).toBe(true),
  getHistoricalJob: async ({ instance, run }) => expect((await instance.getHistoricalJob(run.jobSnapshotId!)).jobSnapshot.name).toBe(JOB.name),
  hasHistoricalJob: async ({ instance, run }) => expect(await instance.hasHistoricalJob(run.jobSnapshotId!)).toBe(true),
  getExecutionPlanSnapshot: async ({ instance, run }) => expect((await instance.getExecutionPlanSnapshot(run.executionPlanSnapshotId!)).steps.length).toBe(1),
  addSnapshot: async ({ instance, run }) => {
    await instance.addSnapshot(JOB);
    expect(await instance.hasJobSnapshot(run.jobSnapshotId!)).toBe(true);
  },
  // scheduling
  scheduler: ({ instance }) => expect(instance.scheduler).toBeDefined(),
  schedulerClass: ({ instance }) => expect(instance.schedulerClass).toBe('DagsterDaemonScheduler'),
  startSchedule: async ({ instance }) => expect((await instance.startSchedule(scheduleRemote)).status).toBe(InstigatorStatus.RUNNING),
  stopSchedule: async ({ instance }) => {
    const started = await instance.startSchedule(scheduleRemote);
    expect((await instance.stopSchedule(started.instigatorOriginId, started.selectorId, scheduleRemote)).status).toBe(InstigatorStatus.STOPPED);
  },
  resetSchedule: async ({ instance }) => expect((await instance.resetSchedule(scheduleRemote)).status).toBeDefined(),
  startSensor: async ({ instance }) => expect((await instance.startSensor({ origin: sensorOrigin })).status).toBe(InstigatorStatus.RUNNING),
  stopSensor: async ({ instance }) => {
    const started = await instance.startSensor({ origin: sensorOrigin });
    expect((await instance.stopSensor(started.instigatorOriginId, started.selectorId, null)).status).toBe(InstigatorStatus.STOPPED);
  },
  resetSensor: async ({ instance }) => expect((await instance.resetSensor({ origin: sensorOrigin })).status).toBe(InstigatorStatus.DECLARED_IN_CODE),
  allInstigatorState: async ({ instance }) => expect((await instance.allInstigatorState(null, null, InstigatorType.SENSOR)).length).toBeGreaterThanOrEqual(0),
  getInstigatorState: async ({ instance }) => {
    const started = await instance.startSensor({ origin: sensorOrigin });
    expect((await instance.getInstigatorState(started.instigatorOriginId, started.selectorId))?.instigatorType).toBe(InstigatorType.SENSOR);
  },
  addInstigatorState: async ({ instance }) => {
    const origin = repository.getInstigatorOrigin('added_state');
    const state = new InstigatorState({ origin, instigatorType: InstigatorType.SENSOR, status: InstigatorStatus.STOPPED });
    await instance.addInstigatorState(state);
    expect(await instance.getInstigatorState(origin.getId(), state.selectorId)).toBeDefined();
  },
  updateInstigatorState: async ({ instance }) => {
    const started = await instance.startSensor({ origin: repository.getInstigatorOrigin('updated_state') });
    const updated = await instance.updateInstigatorState(started.withStatus(InstigatorStatus.STOPPED));
    expect(updated.status).toBe(InstigatorStatus.STOPPED);
  },
  deleteInstigatorState: async ({ instance }) => {
    const started = await instance.startSensor({ origin: repository.getInstigatorOrigin('deleted_state') });
    await instance.deleteInstigatorState(started.instigatorOriginId, started.selectorId);
    expect(await instance.getInstigatorState(started.instigatorOriginId, started.selectorId)).toBeFalsy();
  },
  wipeAllSchedules: async () => {
    const t = await Instance.localTemp();
    await t.startSensor({ origin: sensorOrigin });
    await t.wipeAllSchedules();
    expect(await t.allInstigatorState()).toEqual([]);
    await t.dispose();
  },
  logsPathForSchedule: async ({ instance }) => expect(typeof (await instance.logsPathForSchedule('abc'))).toBe('string'),
  schedulerDebugInfo: async ({ instance }) => expect(await instance.schedulerDebugInfo()).toBeDefined(),
  getTickRetentionSettings: ({ instance }) => expect(instance.getTickRetentionSettings(InstigatorType.SENSOR).SKIPPED).toBe(7),
  supportsBatchTickQueries: ({ instance }) => expect(instance.supportsBatchTickQueries).toBe(true),
  getBatchTicks: async ({ instance }) => expect(await instance.getBatchTicks(['nope'])).toBeInstanceOf(Map),
  getTick: async ({ instance }) => {
    const tick = await instance.createTick(tickData('get_tick'));
    expect((await instance.getTick(tick.instigatorOriginId, tick.selectorId!, tick.timestamp))?.tickId).toBe(tick.tickId);
  },
  getTicks: async ({ instance }) => {
    const tick = await instance.createTick(tickData('get_ticks'));
    expect((await instance.getTicks(tick.instigatorOriginId, tick.selectorId!)).map((t) => t.tickId)).toContain(tick.tickId);
  },
  createTick: async ({ instance }) => expect((await instance.createTick(tickData('create_tick'))).status).toBe(TickStatus.STARTED),
  updateTick: async ({ instance }) => {
    const tick = await instance.createTick(tickData('update_tick'));
    expect((await instance.updateTick(tick.withStatus(TickStatus.SUCCESS))).status).toBe(TickStatus.SUCCESS);
  },
  purgeTicks: async ({ instance }) => {
    const tick = await instance.createTick(tickData('purge_ticks'));
    await instance.purgeTicks(tick.instigatorOriginId, tick.selectorId!, tick.timestamp + 1);
    expect(await instance.getTicks(tick.instigatorOriginId, tick.selectorId!)).toEqual([]);
  },
  getTickTerminationCheckInterval: ({ instance }) => expect(instance.getTickTerminationCheckInterval() ?? null).toBeNull(),
  getBackfills: async ({ instance }) => {
    await instance.addBackfill(backfill('bf_list'));
    expect((await instance.getBackfills()).some((b) => b.backfillId === 'bf_list')).toBe(true);
  },
  getBackfillsCount: async ({ instance }) => expect(await instance.getBackfillsCount()).toBeGreaterThanOrEqual(0),
  getBackfill: async ({ instance }) => {
    await instance.addBackfill(backfill('bf_get'));
    expect((await instance.getBackfill('bf_get'))?.status).toBe(BulkActionStatus.REQUESTED);
  },
  addBackfill: async ({ instance }) => {
    await instance.addBackfill(backfill('bf_add'));
    expect(await instance.getBackfill('bf_add')).toBeDefined();
  },
  updateBackfill: async ({ instance }) => {
    await instance.addBackfill(backfill('bf_update'));
    await instance.updateBackfill((await instance.getBackfill('bf_update'))!.withStatus(BulkActionStatus.CANCELED));
    expect((await instance.getBackfill('bf_update'))?.status).toBe(BulkActionStatus.CANCELED);
  },
  backfillLogStorageEnabled: ({ instance }) => expect(instance.backfillLogStorageEnabled()).toBe(false),
  daRequestBackfills: ({ instance }) => expect(instance.daRequestBackfills()).toBe(false),
  // dynamic partitions
  getDynamicPartitions: async ({ instance }) => {
    await instance.addDynamicPartitions('surface_def', ['p1', 'p2']);
    expect(await instance.getDynamicPartitions('surface_def')).toEqual(['p1', 'p2']);
  },
  getPaginatedDynamicPartitions: async ({ instance }) => {
    await instance.addDynamicPartitions('paged_def', ['p1', 'p2', 'p3']);
    expect((await instance.getPaginatedDynamicPartitions('paged_def', 2, true)).results).toEqual(['p1', 'p2']);
  },
  hasDynamicPartition: async ({ instance }) => {
    await instance.addDynamicPartitions('has_def', ['x']);
    expect(await instance.hasDynamicPartition('has_def', 'x')).toBe(true);
  },
  getDynamicPartitionsDefinitionId: async ({ instance }) => expect(typeof (await instance.getDynamicPartitionsDefinitionId('surface_def'))).toBe('string'),
  addDynamicPartitions: async ({ instance }) => {
    await instance.addDynamicPartitions('add_def', ['a', 'a', 'b']);
    expect(await instance.getDynamicPartitions('add_def')).toEqual(['a', 'b']);
  },
  deleteDynamicPartition: async ({ instance }) => {
    await instance.addDynamicPartitions('del_def', ['a']);
    await instance.deleteDynamicPartition('del_def', 'a');
    expect(await instance.getDynamicPartitions('del_def')).toEqual([]);
  },
  // assets
  fetchMaterializations: async ({ instance }) => expect((await instance.fetchMaterializations(KEY, 10)).records.length).toBeGreaterThan(0),
  fetchObservations: async ({ instance }) => expect((await instance.fetchObservations(KEY, 10)).records).toEqual([]),
  fetchFailedMaterializations: async ({ instance }) => expect((await instance.fetchFailedMaterializations(KEY, 10)).records).toEqual([]),
  fetchPlannedMaterializations: async ({ instance }) => expect((await instance.fetchPlannedMaterializations(new AssetRecordsFilter({ assetKey: KEY }), 10)).records).toBeInstanceOf(Array),
  getAssetKeys: async ({ instance }) => expect((await instance.getAssetKeys(['surface'])).map((k) => k.toUserString())).toContain('surface/asset'),
  allAssetKeys: async ({ instance }) => expect((await instance.allAssetKeys()).some((k) => k.equals(KEY))).toBe(true),
  hasAssetKey: async ({ instance }) => expect(await instance.hasAssetKey(KEY)).toBe(true),
  getAssetRecords: async ({ instance }) => expect((await instance.getAssetRecords([KEY]))[0]?.assetEntry.assetKey.equals(KEY)).toBe(true),
  getLatestMaterializationEvent: async ({ instance }) => expect((await instance.getLatestMaterializationEvent(KEY))?.assetMaterialization?.assetKey.equals(KEY)).toBe(true),
  getLatestMaterializationEvents: async ({ instance }) => expect((await instance.getLatestMaterializationEvents([KEY])).size).toBe(1),
  getLatestMaterializationCodeVersions: async ({ instance }) => expect((await instance.getLatestMaterializationCodeVersions([KEY])).size).toBe(1),
  getLatestDataVersionRecord: async ({ instance }) => expect(await instance.getLatestDataVersionRecord(KEY)).toBeDefined(),
  getLatestPlannedMaterializationInfo: async ({ instance }) => expect(await instance.getLatestPlannedMaterializationInfo(new AssetKey('never'))).toBeFalsy(),
  getMaterializedPartitions: async ({ instance }) => expect(await instance.getMaterializedPartitions(KEY)).toEqual(new Set(['p1'])),
  getLatestStorageIdByPartition: async ({ instance }) => expect([...(await instance.getLatestStorageIdByPartition(KEY, DagsterEventType.ASSET_MATERIALIZATION)).keys()]).toEqual(['p1']),
  getStatusByPartition: async ({ instance }) => expect((await instance.getStatusByPartition(KEY, ['p1'], staticPartitionsDefinition(['p1'])))?.get('p1')).toBe('MATERIALIZED'),
  getEventTagsForAsset: async ({ instance }) => expect(await instance.getEventTagsForAsset(KEY)).toBeInstanceOf(Array),
  canReadAssetStatusCache: ({ instance }) => expect(instance.canReadAssetStatusCache()).toBe(true),
  updateAssetCachedStatusData: async ({ instance }) => {
    const other = new AssetKey('cached');
    await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: other }));
    await instance.updateAssetCachedStatusData(other, new AssetStatusCacheValue({ latestStorageId: 1, partitionsDefId: null, serializedMaterializedPartitionSubset: null }));
    expect((await instance.getAssetRecords([other]))[0]?.assetEntry.cachedStatus?.latestStorageId).toBe(1);
  },
  wipeAssetCachedStatus: async ({ instance }) => {
    const other = new AssetKey('cached');
    await instance.wipeAssetCachedStatus([other]);
    expect((await instance.getAssetRecords([other]))[0]?.assetEntry.cachedStatus ?? null).toBeNull();
  },
  wipeAssets: async ({ instance }) => {
    const other = new AssetKey('wiped');
    await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: other }));
    await instance.wipeAssets([other]);
    expect(await instance.getLatestMaterializationEvent(other)).toBeFalsy();
  },
  wipeAssetPartitions: async ({ instance }) => {
    const other = new AssetKey('wiped_partition');
    await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: other, partition: 'x' }));
    await instance.wipeAssetPartitions(other, ['x']);
    expect(await instance.getMaterializedPartitions(other)).toEqual(new Set());
  },
  reportRunlessAssetEvent: async ({ instance }) => {
    const other = new AssetKey('runless');
    await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: other }));
    expect(await instance.hasAssetKey(other)).toBe(true);
  },
  _reportRunlessAssetEvent: async ({ instance }) => {
    const other = new AssetKey('runless_internal');
    await instance._reportRunlessAssetEvent(new AssetMaterialization({ assetKey: other }));
    expect(await instance.hasAssetKey(other)).toBe(true);
  },
  getLatestAssetCheckEvaluationRecord: async ({ instance }) => expect(await instance.getLatestAssetCheckEvaluationRecord(CHECK)).toBeFalsy(),
  getAssetCheckSupport: ({ instance }) => expect(instance.getAssetCheckSupport()).toBe('SUPPORTED'),
  getFreshnessStateRecords: async ({ instance }) => {
    await instance.reportRunlessAssetEvent(new FreshnessStateChange({ key: KEY, newState: FreshnessState.PASS, previousState: FreshnessState.UNKNOWN, stateChangeTimestamp: 1_700_000_000 }));
    expect([...(await instance.getFreshnessStateRecords([KEY])).values()][0]?.freshnessState).toBe('PASS');
  },
  getAssetCheckHealthStateForAssets: async ({ instance }) => expect((await instance.getAssetCheckHealthStateForAssets([KEY])).get(KEY) ?? null).toBeNull(),
  getAssetFreshnessHealthStateForAssets: async ({ instance }) => expect((await instance.getAssetFreshnessHealthStateForAssets([KEY])).get(KEY) ?? null).toBeNull(),
  getAssetMaterializationHealthStateForAssets: async ({ instance }) => expect((await instance.getAssetMaterializationHealthStateForAssets([KEY]))?.get(KEY) ?? null).toBeNull(),
  getMinimalAssetMaterializationHealthStateForAssets: async ({ instance }) => expect((await instance.getMinimalAssetMaterializationHealthStateForAssets([KEY]))?.get(KEY) ?? null).toBeNull(),
  dagsterAssetHealthQueriesSupported: ({ instance }) => expect(instance.dagsterAssetHealthQueriesSupported()).toBe(false),
  canReadFailureEventsForAsset: async ({ instance }) => expect(instance.canReadFailureEventsForAsset((await instance.getAssetRecords([KEY]))[0]!)).toBe(false),
  canReadAssetFailureEvents: ({ instance }) => expect(instance.canReadAssetFailureEvents()).toBe(false),
  internalAssetFreshnessEnabled: ({ instance }) => expect(typeof instance.internalAssetFreshnessEnabled()).toBe('boolean'),
  streamlineReadAssetHealthSupported: ({ instance }) => expect(instance.streamlineReadAssetHealthSupported('asset-check-health')).toBe(false),
  streamlineReadAssetHealthRequired: ({ instance }) => expect(instance.streamlineReadAssetHealthRequired('asset-check-health')).toBe(false),
};

function tickData(name: string): TickData {
  const origin = repository.getInstigatorOrigin(name);
  return new TickData({ instigatorOriginId: origin.getId(), selectorId: `sel_${name}`, instigatorName: name, instigatorType: InstigatorType.SENSOR, status: TickStatus.STARTED, timestamp: 1_700_000_000 });
}

function backfill(id: string): PartitionBackfill {
  return new PartitionBackfill({ backfillId: id, status: BulkActionStatus.REQUESTED, fromFailure: false, backfillTimestamp: 1_700_000_000 });
}

/** Members that need no storage: run once, on SQLite. */
const STORAGE_FREE = new Set(['ephemeral', 'get', 'localTemp', 'dispose', 'enter', 'exit', 'wipe', 'wipeAllSchedules', 'isPersistent', 'isEphemeral', 'rootDirectory', 'defsStateStorage',
  'fileManagerDirectory', 'storageDirectory', 'schedulesDirectory', 'infoDict', 'infoStr', 'injectEnvVars', 'dagsterObserveSupported', 'getRef', 'fromConfig', 'fromRef']);

const PG = await pgAvailable();

describe.each([
  ['SQLite', false],
  ...(PG ? [['Postgres', true] as const] : []),
] as const)('every member of the surface, behaving (%s)', (backend, postgres) => {
  const ctx = {} as Ctx;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ctx.home = mkdtempSync(join(tmpdir(), 'inst-surface-'));
    const overrides: Record<string, unknown> = {};
    if (postgres) {
      const scratch = await createScratchDatabase('inst_corr_surface');
      drop = () => scratch.drop();
      overrides.storage = { postgres: { postgres_url: scratch.url } };
    }
    ctx.instance = await Instance.localTemp(ctx.home, overrides);
    ctx.run = await ctx.instance.createRun({ jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: plan([step('s')]), tags: { surface: 'yes' } });
    await ctx.instance.reportEngineEvent('surface', ctx.run);
    await ctx.instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: KEY, partition: 'p1' }));
  }, 60_000);

  afterAll(async () => {
    await ctx.instance?.dispose();
    await drop?.();
    rmSync(ctx.home, { recursive: true, force: true });
  });

  it('has a behaviour for each of the 204 members', () => {
    expect(surface).toHaveLength(204);
    expect(surface.map((m) => m.camel).filter((name) => !(name in BEHAVIOUR))).toEqual([]);
  });

  for (const member of surface) {
    if (postgres && STORAGE_FREE.has(member.camel)) continue;
    it(`${member.camel} (${member.kind})`, async () => {
      if (postgres && ['get', 'fromConfig'].includes(member.camel)) return;
      await BEHAVIOUR[member.camel]!(ctx);
    }, 60_000);
  }
  void backend;
});
