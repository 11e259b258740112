/*
 * The ops adapters: how each domain reaches the instance. Each is the domain's own `…OpsFromStorages` helper (the
 * one place that says what the domain's ops are) with every member the instance has forwarded to the instance's
 * public member of that name, so a subclass that overrides one is seen by every domain — the compatibility promise
 * of DagsterInstance.
 */
import * as assets from '@inst/assets';
import * as daemon from '@inst/daemon';
import * as events from '@inst/events';
import * as launcher from '@inst/run-launcher';
import * as runs from '@inst/runs';
import * as scheduling from '@inst/scheduling';
import type { StorageInstanceOps } from '@inst/storage';
import type { Instance } from './instance';

/**
 * `into` with the members `keys` of `target`, each read from `target` on every use: a getter stays a getter, a
 * method is called on `target` (so a subclass's override, or a later reassignment, is what runs).
 */
export function forwardTo<T extends object, K extends keyof T, B extends object = object>(target: T, keys: readonly K[], into: B = {} as B): B & Pick<T, K> {
  for (const key of keys) {
    Object.defineProperty(into, key, isGetter(target, key)
      ? { enumerable: true, configurable: true, get: () => target[key] }
      : { enumerable: true, configurable: true, writable: true, value: (...args: unknown[]) => (target[key] as (...a: unknown[]) => unknown).apply(target, args) });
  }
  return into as B & Pick<T, K>;
}

function isGetter(target: object, key: PropertyKey): boolean {
  for (let proto: object | null = target; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (descriptor) return descriptor.get !== undefined;
  }
  return false;
}

/** What an instance keeps for its adapters that is not one of its public members. */
export interface AdapterState {
  /** The scheduler component (`instance.scheduler` delegates back to the scheduling domain). */
  readonly scheduler: scheduling.Scheduler | undefined;
  /** DAGSTER_EVENT_BATCH_SIZE as it was when the instance was built. */
  readonly eventBatchSize: number;
}

export function runsAdapter(instance: Instance): runs.RunsInstanceOps {
  return runs.runsOpsFromStorages(
    instance,
    forwardTo(instance, ['runStorage', 'eventLogStorage', 'getRunById', 'getRunRecordById', 'hasRun', 'getExecutionPlanSnapshot', 'allLogs', 'reportDagsterEvent', 'getBackfill']),
  );
}

export function eventsAdapter(instance: Instance, state: AdapterState): events.EventsInstanceOps {
  return events.eventsOpsFromStorages(
    instance,
    forwardTo(
      instance,
      [
        'eventLogStorage',
        'runStorage',
        'runRetriesEnabled',
        'runRetriesMaxRetries',
        'runRetriesRetryOnAssetOrOpFailure',
        'getPythonLogDagsterHandlerConfig',
        'getRunById',
        'getRunGroup',
        'addRunTags',
        'shouldStoreEvent',
        'handleNewEvent',
        'reportDagsterEvent',
        'reportEngineEvent',
        'getEventLogHandler',
        'getYamlPythonHandlers',
      ],
      { eventBatchSize: state.eventBatchSize },
    ),
  );
}

export function launcherAdapter(instance: Instance): launcher.RunLauncherInstanceOps {
  return launcher.runLauncherOpsFromStorages(
    {
      events: instance,
      settings: instance,
      get runLauncher() {
        return instance.runLauncher;
      },
    },
    forwardTo(
      instance,
      ['runCoordinator', 'runLauncher', 'runMonitoringEnabled', 'runMonitoringMaxResumeRunAttempts', 'getRunById', 'reportEngineEvent', 'reportDagsterEvent', 'handleNewEvent', 'allLogs', 'countResumeRunAttempts'],
      // The domain may pass null where the flat member's optional parameters take undefined.
      { reportRunFailed: (run, message, data) => instance.reportRunFailed(run, message ?? undefined, data ?? undefined) } satisfies Partial<launcher.RunLauncherInstanceOps>,
    ),
  );
}

export function daemonAdapter(instance: Instance, state: AdapterState): daemon.DaemonInstanceOps {
  return daemon.daemonOpsFromStorages(
    { runStorage: instance.runStorage, settings: instance },
    forwardTo(
      instance,
      [
        'runStorage',
        'isEphemeral',
        'runCoordinator',
        'runMonitoringEnabled',
        'runRetriesEnabled',
        'autoMaterializeEnabled',
        'autoMaterializeUseSensors',
        'freshnessEnabled',
        'daemonSkipHeartbeatsWithoutErrors',
        'getRequiredDaemonTypes',
        'getDaemonHeartbeats',
        'addDaemonHeartbeat',
      ],
      { scheduler: state.scheduler },
    ),
  );
}

export function assetsAdapter(instance: Instance): assets.AssetsInstanceOps {
  return assets.assetsOpsFromStorages(
    instance,
    forwardTo(instance, [
      'eventLogStorage',
      'reportDagsterEvent',
      '_reportRunlessAssetEvent',
      'fetchMaterializations',
      'fetchObservations',
      'getLatestMaterializationEvents',
      'getAssetRecords',
      'getMaterializedPartitions',
      'getLatestPlannedMaterializationInfo',
      'updateAssetCachedStatusData',
      'getRuns',
    ]),
  );
}

export function schedulingAdapter(instance: Instance, state: AdapterState): scheduling.SchedulingInstanceOps {
  return scheduling.schedulingOpsFromStorages(
    { runStorage: instance.runStorage, scheduleStorage: instance.scheduleStorage, rootDirectory: instance.rootDirectory, settings: instance },
    forwardTo(
      instance,
      [
        'scheduleStorage',
        'runStorage',
        'schedulesDirectory',
        'getTickRetentionSettings',
        'allInstigatorState',
        'getInstigatorState',
        'addInstigatorState',
        'updateInstigatorState',
        'deleteInstigatorState',
        'purgeTicks',
      ],
      // The component itself: `instance.scheduler` delegates back to this domain.
      { scheduler: state.scheduler },
    ),
  );
}

export function storageAdapter(instance: Instance): StorageInstanceOps {
  return forwardTo(instance, ['runStorage', 'eventLogStorage', 'scheduleStorage', 'rootDirectory']);
}
