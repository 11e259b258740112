import { DagsterEvent, DagsterEventType, type DagsterRun, type EventLogEntry } from '@inst/types';
import type { RunCoordinator, RunLauncher } from './contracts';
import { DefaultRunCoordinator } from './default-run-coordinator';
import { launchRun } from './launch';
import type { RunLauncherInstanceOps } from './ops';
import { countResumeRunAttempts } from './resume';

/** The settings the run-launcher domain reads; an `InstanceSettings` of `@inst/settings` is one. */
export type RunLauncherSettings = Pick<RunLauncherInstanceOps, 'runMonitoringEnabled' | 'runMonitoringMaxResumeRunAttempts'>;

/**
 * Where this domain reads runs and writes events: the ops of `@inst/events` over the same storages
 * (`eventsOpsFromStorages(storages)`) are one, an `Instance` of `@inst/core` is another.
 */
export interface RunLauncherEvents extends Pick<RunLauncherInstanceOps, 'getRunById' | 'reportEngineEvent' | 'reportDagsterEvent' | 'handleNewEvent'> {
  readonly eventLogStorage: {
    getLogsForRun(runId: string, cursor?: undefined, ofType?: DagsterEventType | Iterable<DagsterEventType>): Promise<readonly EventLogEntry[]>;
  };
}

/** What the run-launcher domain works on alone. Each is read on each use, so a getter may stand for one. */
export interface RunLauncherStorages {
  readonly events: RunLauncherEvents;
  /** Launches runs (an `InProcessRunLauncher`, say); registered with these ops. */
  readonly runLauncher: RunLauncher;
  /** Decides when submitted runs start; a `DefaultRunCoordinator` (at once) when absent. Registered with these ops. */
  readonly runCoordinator?: RunCoordinator | undefined;
  /** The instance settings (run monitoring): `settingsFromHome(home)` of `@inst/settings`. */
  readonly settings: RunLauncherSettings;
}

/**
 * The run-launcher domain's ops, for submitting and launching runs without an instance:
 *
 * ```ts
 * const events = eventsOpsFromStorages({ ...storages, settings });
 * const ops = runLauncherOpsFromStorages({ events, runLauncher: new InProcessRunLauncher({ jobs }), settings });
 * await submitRun(ops, run.runId);
 * ```
 *
 * The launcher and coordinator given are registered with these ops (as an instance registers itself); there is no
 * compute log manager, so a run's stdout is not captured (an `@inst/core` instance captures it). A member
 * given in `overrides` (a value or a getter) is seen by the others, as a subclass's override is through an
 * instance; `@inst/core` builds its adapter this way, overriding each member with the instance's public one.
 */
export function runLauncherOpsFromStorages(storages: RunLauncherStorages, overrides: Partial<RunLauncherInstanceOps> = {}): RunLauncherInstanceOps {
  const { events, settings } = storages;
  // Only what is not overridden: an instance brings (and registers) its own components.
  const ownCoordinator = 'runCoordinator' in overrides ? undefined : (storages.runCoordinator ?? new DefaultRunCoordinator());
  const ops: RunLauncherInstanceOps = {
    get runCoordinator() {
      return ownCoordinator!;
    },
    get runLauncher() {
      return storages.runLauncher;
    },
    get runMonitoringEnabled() {
      return settings.runMonitoringEnabled;
    },
    get runMonitoringMaxResumeRunAttempts() {
      return settings.runMonitoringMaxResumeRunAttempts;
    },
    getRunById: (runId) => events.getRunById(runId),
    reportEngineEvent: (message, run, data) => events.reportEngineEvent(message, run, data),
    reportDagsterEvent: (event, runId, logLevel) => events.reportDagsterEvent(event, runId, logLevel),
    handleNewEvent: (event) => events.handleNewEvent(event),
    // Dagster's report_run_failed, as `@inst/runs` writes it (this domain does not import that one).
    reportRunFailed: (run: DagsterRun, message, data) =>
      ops.reportDagsterEvent(
        new DagsterEvent({
          eventTypeValue: DagsterEventType.RUN_FAILURE,
          jobName: run.jobName,
          message: message ?? 'This run has been marked as failed from outside the execution context.',
          eventSpecificData: data ?? null,
        }),
        run.runId,
        40,
      ),
    allLogs: (runId, ofType) => events.eventLogStorage.getLogsForRun(runId, undefined, ofType ?? undefined),
    countResumeRunAttempts: (runId) => countResumeRunAttempts(ops, runId),
  };
  // Descriptors, not values: an override given as a getter stays one (read on each use).
  Object.defineProperties(ops, Object.getOwnPropertyDescriptors(overrides));
  ownCoordinator?.registerInstance?.({
    launchRun: (runId, workspace) => launchRun(ops, runId, workspace),
    getRunById: (runId) => ops.getRunById(runId),
    get runLauncher() {
      return ops.runLauncher;
    },
  });
  if (!('runLauncher' in overrides)) storages.runLauncher.registerInstance?.(ops);
  return ops;
}
