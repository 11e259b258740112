/**
 * `@inst/run-launcher`: how runs start. The run coordinator and run launcher contracts, the default
 * coordinator, an in-process launcher with a small job model, and the instance's submit / launch / resume
 * functions, which take a {@link RunLauncherInstanceOps} first.
 *
 * @packageDocumentation
 */
/** The ops interface: what this domain needs of an instance. */
export type { RunLauncherInstanceOps, WorkspaceContext } from './ops';
export { runLauncherOpsFromStorages, type RunLauncherStorages, type RunLauncherEvents, type RunLauncherSettings } from './from-storages';
/** Coordinator and launcher contracts, and what each reaches of its instance. */
export {
  WorkerStatus,
  type CheckRunHealthResult,
  type LaunchRunContext,
  type ResumeRunContext,
  type RunCoordinator,
  type RunCoordinatorInstance,
  type RunLauncher,
  type RunWorkerInstance,
  type SubmitRunContext,
} from './contracts';
/** Submits a NOT_STARTED run to the coordinator; launches a run through the launcher; resumes an in-progress run. */
export { submitRun, launchRun, resumeRun } from './launch';
/** Counts a run's resume attempts; says whether run monitoring will resume it. */
export { countResumeRunAttempts, runWillResume, RESUME_RUN_LOG_MESSAGE } from './resume';
/** Dagster's DefaultRunCoordinator: launches submitted runs at once. */
export { DefaultRunCoordinator } from './default-run-coordinator';
/** Executes runs of registered jobs in this process. */
export { InProcessRunLauncher, type InProcessRunLauncherOptions, type LaunchableJob } from './in-process-run-launcher';
/** The job model the in-process launcher executes. */
export { defineJob, type JobDefinition, type JobStep, type StepContext, type StepLogger } from './job';
/** The in-process executor and Python's log levels. */
export { executeJob, LogLevel, type ExecutionOutcome } from './execute';
/** Dagster's duration text in step messages. */
export { formatDuration } from './format';
/** A launcher was asked for a job it does not know. */
export { JobNotFoundError } from './errors';
/** Dagster's QueuedRunCoordinator: submitted runs wait in the queue for the run queue daemon. */
export {
  QueuedRunCoordinator,
  onRunEnqueued,
  type EnqueueListener,
  type QueuedRunCoordinatorInstance,
  type QueuedRunCoordinatorOptions,
  type TagConcurrencyLimitConfig,
} from './queued-run-coordinator';
/** A launcher that only records launches (benchmarks, queue tests). */
export { NoOpRunLauncher, NO_OP_LAUNCH_MESSAGE, type NoOpRunLauncherOptions } from './no-op-run-launcher';
