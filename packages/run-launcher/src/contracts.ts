/**
 * The run coordinator and run launcher contracts (Dagster's `_core/run_coordinator/base.py` and
 * `_core/launcher/base.py`), and what each may reach of the instance it is registered with.
 */
import type { DagsterRun } from '@inst/types';
import type { RunLauncherInstanceOps, WorkspaceContext } from './ops';

/** What a run coordinator's `submitRun` gets. */
export interface SubmitRunContext {
  readonly dagsterRun: DagsterRun;
  readonly workspace?: WorkspaceContext;
}

/** What a run launcher's `launchRun` gets. */
export interface LaunchRunContext {
  readonly dagsterRun: DagsterRun;
  readonly workspace?: WorkspaceContext;
}

/** What a run launcher's `resumeRun` gets: the run whose worker died, and which resume attempt this is. */
export interface ResumeRunContext {
  readonly dagsterRun: DagsterRun;
  readonly workspace?: WorkspaceContext;
  readonly resumeAttemptNumber?: number | null;
}

/**
 * Receives submitted runs and decides when they start: at once (`DefaultRunCoordinator`) or through a
 * queue. A coordinator that needs a daemon (Dagster's QueuedRunCoordinator needs `QUEUED_RUN_COORDINATOR`)
 * names it in `requiredDaemonType`, which `@inst/daemon` reads to list the required daemons.
 */
export interface RunCoordinator {
  /** Submits a run (in NOT_STARTED) for execution; returns the run as it is afterwards. */
  submitRun(context: SubmitRunContext): Promise<DagsterRun>;
  /** Cancels a queued or launched run; false if it was already canceled or finished. */
  cancelRun(runId: string): Promise<boolean>;
  /** The daemon this coordinator relies on, if any. */
  readonly requiredDaemonType?: string | null;
  /** Called once by the instance that owns the coordinator (Dagster's `register_instance`). */
  registerInstance?(instance: RunCoordinatorInstance): void;
  /** Frees resources when the instance is disposed. */
  dispose?(): void | Promise<void>;
}

/** Health of a run's worker (Dagster's `WorkerStatus`). */
export const WorkerStatus = Object.freeze({
  RUNNING: 'RUNNING',
  NOT_FOUND: 'NOT_FOUND',
  FAILED: 'FAILED',
  SUCCESS: 'SUCCESS',
  UNKNOWN: 'UNKNOWN',
} as const);
/** A member value of {@link WorkerStatus}. */
export type WorkerStatus = (typeof WorkerStatus)[keyof typeof WorkerStatus];

/** Result of {@link RunLauncher.checkRunWorkerHealth}. */
export interface CheckRunHealthResult {
  readonly status: WorkerStatus;
  readonly msg?: string | null;
  readonly transient?: boolean | null;
  readonly runWorkerId?: string | null;
}

/** Starts the execution of runs (Dagster's `RunLauncher`). */
export interface RunLauncher {
  /** Begins executing a run that is in STARTING; may emit engine events. */
  launchRun(context: LaunchRunContext): Promise<void>;
  /** Stops a run's execution; false if it was not running here (or had already ended). */
  terminate(runId: string): Promise<boolean>;
  /** Called once by the instance that owns the launcher (Dagster's `register_instance`). */
  registerInstance?(instance: RunWorkerInstance): void;
  /** Whether {@link RunLauncher.resumeRun} is supported (required for run monitoring with resume attempts). */
  readonly supportsResumeRun: boolean;
  /** Starts a new worker for a run whose worker died. */
  resumeRun(context: ResumeRunContext): Promise<void>;
  /** Whether {@link RunLauncher.checkRunWorkerHealth} is supported. */
  readonly supportsCheckRunWorkerHealth?: boolean;
  /** How the run's worker is doing (used by run monitoring). */
  checkRunWorkerHealth?(run: DagsterRun): Promise<CheckRunHealthResult>;
  /** Extra text for run monitoring's failure messages. */
  getRunWorkerDebugInfo?(run: DagsterRun): Promise<string | null>;
  /** Waits for launched work to finish, up to `timeoutMs`. */
  join?(timeoutMs?: number): Promise<void>;
  /** Frees resources when the instance is disposed. */
  dispose?(): void | Promise<void>;
}

/**
 * What `DefaultRunCoordinator` reaches of its instance: the instance's public `launchRun` (so a subclass
 * override is seen), `getRunById`, and the launcher to cancel through.
 */
export interface RunCoordinatorInstance {
  launchRun(runId: string, workspace?: WorkspaceContext): Promise<DagsterRun>;
  getRunById(runId: string): Promise<DagsterRun | null | undefined>;
  readonly runLauncher: RunLauncher;
}

/** What `InProcessRunLauncher` reaches of its instance: the event write path and run lookups. */
export type RunWorkerInstance = Pick<RunLauncherInstanceOps, 'getRunById' | 'handleNewEvent' | 'reportDagsterEvent' | 'reportEngineEvent' | 'reportRunFailed'>;
