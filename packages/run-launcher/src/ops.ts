/**
 * What the run-launcher domain may reach of an instance. The facade implements each member by calling the
 * instance's public member of the same name, so a subclass that overrides one is seen here.
 */
import type { DagsterEvent, DagsterEventType, DagsterRun, EngineEventData, EventLogEntry, JobFailureData } from '@inst/types';
import type { RunCoordinator, RunLauncher } from './contracts';

/**
 * The workspace a run is submitted from (Dagster's `BaseWorkspaceRequestContext`). Opaque here: it is handed
 * through to the coordinator and the launcher unchanged.
 */
export type WorkspaceContext = unknown;

/** Everything submit / launch / resume need of an instance (Dagster's `RunLauncherInstanceOps`). */
export interface RunLauncherInstanceOps {
  /** The instance's run coordinator. */
  readonly runCoordinator: RunCoordinator;
  /** The instance's run launcher. */
  readonly runLauncher: RunLauncher;
  /** Setting `run_monitoring.enabled`. */
  readonly runMonitoringEnabled: boolean;
  /** Setting `run_monitoring.max_resume_run_attempts`. */
  readonly runMonitoringMaxResumeRunAttempts: number;
  /** The run with that id, if any. */
  getRunById(runId: string): Promise<DagsterRun | null | undefined>;
  /** Emits an ENGINE_EVENT for a run (ERROR level when the data carries an error). */
  reportEngineEvent(message: string, dagsterRun?: DagsterRun | null, engineEventData?: EngineEventData | null): Promise<unknown>;
  /** Wraps a DagsterEvent in an event log entry and stores it through `handleNewEvent`. */
  reportDagsterEvent(dagsterEvent: DagsterEvent, runId: string, logLevel?: string | number): Promise<unknown>;
  /** Emits RUN_FAILURE for a run (marking it failed). */
  reportRunFailed(dagsterRun: DagsterRun, message?: string | null, jobFailureData?: JobFailureData | null): Promise<unknown>;
  /** The event write path: stores an entry, moves the run's status on run events, notifies listeners. */
  handleNewEvent(event: EventLogEntry): Promise<unknown>;
  /** Every event log entry of a run, optionally of some event types only. */
  allLogs(runId: string, ofType?: DagsterEventType | Iterable<DagsterEventType> | null): Promise<readonly EventLogEntry[]>;
  /** The instance's `countResumeRunAttempts` (called by `runWillResume`, so an override is seen). */
  countResumeRunAttempts(runId: string): Promise<number>;
}
