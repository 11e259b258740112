export type {
  AssetNodeEntry,
  CodeLocation,
  CodeLocationSnapshot,
  ExecutionPlanOptions,
  JobEntry,
  RunRequest,
  ScheduleEntry,
  ScheduleEvaluation,
  ScheduleEvaluationContext,
  SensorEntry,
  SensorEvaluation,
  SensorEvaluationContext,
} from './types';
export { CodeLocationLoadError, UserCodeProcessError, UserCodeUnreachableError, WorkspaceConfigError } from './errors';
export { injectEnvVars, parseEnvFile, readEnvFile } from './env-file';
export {
  DEFAULT_ATTRIBUTE,
  SINGLETON_REPOSITORY_NAME,
  baseName,
  codeLocationOrigin,
  jobCodeOrigin,
  normalizeTarget,
  remoteJobOrigin,
  repositoryOrigin,
  targetOfRun,
  type CodeLocationTarget,
} from './target';
export { ChildProcessCodeLocation, type ChildProcessCodeLocationOptions } from './child-process-code-location';
export { inProcessCodeLocation } from './in-process-code-location';
export { loadWorkspace, parseWorkspaceYaml, targetsOfOptions, workspaceOf, type LoadWorkspaceOptions, type Workspace } from './workspace';
export {
  createReexecutionForLocation,
  createRunForLocationJob,
  type CreateRunForLocationJobOptions,
  type CreateRunForLocationJobRunOptions,
  type CreateRunInstance,
  type ReexecutionInstance,
} from './create-run';
export { ChildProcessRunLauncher, type ChildProcessLauncherInstance, type ChildProcessRunLauncherOptions } from './child-process-run-launcher';
export { RUN_WORKER_TAG, RunWorkerMessages, processIsAlive, runWorkerOf, runWorkerTagValue, type RunWorkerArgs, type RunWorkerLocation } from './run-worker';
