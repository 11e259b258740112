import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assets from '@inst/assets';
import * as daemon from '@inst/daemon';
import * as events from '@inst/events';
import * as launcher from '@inst/run-launcher';
import * as runs from '@inst/runs';
import * as scheduling from '@inst/scheduling';
import { settingsFromHome } from '@inst/settings';
import { openSqliteStorages } from '@inst/storage-sqlite';
import {
  AssetKey,
  AssetMaterialization,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterEventType,
  DagsterRunStatus,
  InstigatorStatus,
  RegisteredCodeLocationOrigin,
  RemoteInstigatorOrigin,
  RemoteRepositoryOrigin,
  type EventLogEntry,
} from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

/*
 * Each domain's `…OpsFromStorages` helper (a domain package used alone) against the facade on one real SQLite home:
 * what the helper's ops write, the facade reads the same, and the same call through either gives the same result.
 * (The facade's own adapters are built on these helpers, see src/adapters.ts.)
 */

const etl = launcher.defineJob('etl', [{ key: 'extract', fn: async () => [1, 2, 3] }]);
const dirs: string[] = [];
const opened: Instance[] = [];

/** A facade and the bare storages and settings it runs on (an in-process launcher, so runs really execute). */
async function home() {
  const dir = mkdtempSync(join(tmpdir(), 'inst-ops-alone-'));
  dirs.push(dir);
  const storages = await openSqliteStorages(dir);
  const settings = settingsFromHome(dir);
  const instance = new Instance({
    instanceType: 'PERSISTENT',
    rootDirectory: dir,
    runStorage: storages.runStorage,
    eventLogStorage: storages.eventLogStorage,
    scheduleStorage: storages.scheduleStorage,
    settings,
    runCoordinator: new launcher.DefaultRunCoordinator(),
    runLauncher: new launcher.InProcessRunLauncher({ jobs: [etl] }),
    onDispose: () => storages.dispose(),
  });
  opened.push(instance);
  return { dir, storages: { runStorage: storages.runStorage, eventLogStorage: storages.eventLogStorage, scheduleStorage: storages.scheduleStorage }, settings, instance };
}

afterEach(async () => {
  for (const instance of opened.splice(0)) await instance.dispose();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const shape = (entries: readonly EventLogEntry[]) => entries.map((e) => [e.dagsterEventType ?? 'log', e.level, e.message]);

describe('…OpsFromStorages: a domain package alone behaves as the facade (SQLite home)', () => {
  it('events: an engine event and a run event written by the helper read back the same through the facade', async () => {
    const { storages, settings, instance } = await home();
    const ops = events.eventsOpsFromStorages({ ...storages, settings });
    const [alone, facade] = [await instance.createRun({ jobName: 'etl' }), await instance.createRun({ jobName: 'etl' })];
    const heard: string[] = [];
    events.addEventListener(ops, alone.runId, (entry) => void heard.push(entry.dagsterEventType ?? 'log'));

    await events.reportEngineEvent(ops, 'hello', alone);
    await instance.reportEngineEvent('hello', facade);
    await events.reportDagsterEvent(ops, new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'etl' }), alone.runId);
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'etl' }), facade.runId);

    expect(shape(await instance.allLogs(alone.runId))).toEqual(shape(await instance.allLogs(facade.runId)));
    expect((await instance.getRunById(alone.runId))?.status).toBe(DagsterRunStatus.STARTED);
    expect(heard).toEqual([DagsterEventType.ENGINE_EVENT, DagsterEventType.RUN_START]);
    expect(shape(await events.allLogs(ops, facade.runId))).toEqual(shape(await instance.allLogs(facade.runId)));
  });

  it('runs: a run created by the helper is the facade’s run, and a failure report moves it the same way', async () => {
    const { storages, instance } = await home();
    const ops = runs.runsOpsFromStorages(storages);
    const alone = await runs.createRun(ops, { jobName: 'etl', tags: { team: 'data' } });
    const facade = await instance.createRun({ jobName: 'etl', tags: { team: 'data' } });
    expect((await instance.getRunById(alone.runId))?.tags).toEqual(facade.tags);
    await runs.reportRunFailed(ops, alone);
    await instance.reportRunFailed(facade);
    expect((await runs.getRunById(ops, alone.runId))?.status).toBe(DagsterRunStatus.FAILURE);
    expect(shape(await ops.allLogs(alone.runId))).toEqual(shape(await instance.allLogs(facade.runId)));
  });

  it('assets: a runless materialization and a wipe through the helper are what the facade reads', async () => {
    const { storages, instance } = await home();
    const ops = assets.assetsOpsFromStorages(storages);
    const orders = new AssetKey(['shop', 'orders']);
    await assets.reportRunlessAssetEvent(ops, new AssetMaterialization({ assetKey: orders, partition: 'eu' }));
    expect((await instance.getLatestMaterializationEvent(orders))?.dagsterEvent?.eventType).toBe(DagsterEventType.ASSET_MATERIALIZATION);
    expect([...(await instance.getMaterializedPartitions(orders))]).toEqual(['eu']);
    expect((await assets.getAssetRecords(ops, [orders])).map((r) => r.assetEntry.assetKey.toUserString())).toEqual(
      (await instance.getAssetRecords([orders])).map((r) => r.assetEntry.assetKey.toUserString()),
    );
    await assets.wipeAssets(ops, [orders]);
    expect(await instance.getLatestMaterializationEvent(orders)).toBeFalsy();
  });

  it('scheduling: a schedule started by the helper is RUNNING for the facade, stopped by the facade is STOPPED for the helper', async () => {
    const { dir, storages, settings, instance } = await home();
    const ops = scheduling.schedulingOpsFromStorages({ ...storages, rootDirectory: dir, settings });
    const origin = new RemoteInstigatorOrigin({
      repositoryOrigin: new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'loc' }), repositoryName: '__repository__' }),
      instigatorName: 'daily',
    });
    const schedule = { name: 'daily', origin, cronSchedule: '0 0 * * *' };
    const started = await scheduling.startSchedule(ops, schedule);
    expect((await instance.getInstigatorState(started.instigatorOriginId, started.selectorId))?.status).toBe(InstigatorStatus.RUNNING);
    await instance.stopSchedule(started.instigatorOriginId, started.selectorId, schedule);
    expect((await scheduling.getInstigatorState(ops, started.instigatorOriginId, started.selectorId))?.status).toBe(InstigatorStatus.STOPPED);
    expect(ops.schedulesDirectory()).toBe(instance.schedulesDirectory());
    expect(ops.getTickRetentionSettings('SENSOR')).toEqual(instance.getTickRetentionSettings('SENSOR'));
    expect(scheduling.schedulerClass(ops)).toBe(instance.schedulerClass);
  });

  it('daemon: the helper requires the daemons the facade requires and reads the heartbeats it writes', async () => {
    const { storages, settings, instance } = await home();
    const ops = daemon.daemonOpsFromStorages({ runStorage: storages.runStorage, settings, runCoordinator: instance.runCoordinator });
    expect(daemon.getRequiredDaemonTypes(ops)).toEqual(instance.getRequiredDaemonTypes());
    await daemon.addDaemonHeartbeat(ops, new DaemonHeartbeat({ timestamp: Date.now() / 1000, daemonType: 'SENSOR', daemonId: 'alone' }));
    expect((await instance.getDaemonHeartbeats()).get('SENSOR')?.daemonId).toBe('alone');
    const [mine, theirs] = [await daemon.getDaemonStatuses(ops), await instance.getDaemonStatuses()];
    expect([...mine].map(([type, s]) => [type, s.required, s.healthy])).toEqual([...theirs].map(([type, s]) => [type, s.required, s.healthy]));
  });

  it('run-launcher: a run submitted through the helper runs to SUCCESS with the events the facade writes', async () => {
    const { storages, settings, instance } = await home();
    const ops = launcher.runLauncherOpsFromStorages({
      events: events.eventsOpsFromStorages({ ...storages, settings }),
      runLauncher: new launcher.InProcessRunLauncher({ jobs: [etl] }),
      settings,
    });
    const [alone, facade] = [await instance.createRun({ jobName: 'etl' }), await instance.createRun({ jobName: 'etl' })];
    expect((await launcher.submitRun(ops, alone.runId)).status).toBe(DagsterRunStatus.SUCCESS);
    await instance.submitRun(facade.runId);
    expect((await instance.getRunById(facade.runId))?.status).toBe(DagsterRunStatus.SUCCESS);
    // The same events, less LOGS_CAPTURED: compute logs are captured by the instance's compute log manager only.
    const types = async (runId: string) =>
      (await instance.allLogs(runId)).map((e) => e.dagsterEventType ?? 'log').filter((type) => type !== DagsterEventType.LOGS_CAPTURED);
    expect(await types(alone.runId)).toEqual(await types(facade.runId));
    expect(await launcher.countResumeRunAttempts(ops, alone.runId)).toBe(await instance.countResumeRunAttempts(facade.runId));
  });
});
