/**
 * `@inst/execution`: the executor every launcher uses. `executeRun(ops, run, job, options)` runs a job's steps in
 * dependency order — independent steps at once, retries by policy, op-concurrency pools claimed through the
 * event log storage, outputs through an IO manager, stdout/stderr captured to compute logs, cancellation by an
 * AbortSignal, resume from the run's log — writing the events Dagster writes for the same things.
 *
 * @packageDocumentation
 */
/** The ops interface: what the executor needs of an instance. */
export type { ExecutionInstanceOps, ConcurrencySlotStorage, ExecutionConcurrencyConfig } from './ops';
/** The executor. */
export { executeRun, CANCELED_BEFORE_START, type ExecuteRunOptions, type ExecutableJobLike } from './execute-run';
/** The executor's job model, retry policies and what step code may return or throw. */
export {
  Backoff,
  Jitter,
  calculateRetryDelay,
  checkRetryPolicy,
  resolveJob,
  Failure,
  Output,
  RetryRequested,
  type AssetCheckResult,
  type ExecutableJob,
  type ExecutionStepDef,
  type ResolvedStep,
  type RetryPolicy,
  type StepComputeFn,
  type StepExecutionContext,
  type StepInputDef,
  type StepLogger,
  type StepOutputDef,
  type StepOutputRef,
  type AssetInputRef,
} from './model';
/** `@inst/definitions` jobs in the executor's model. */
export { executableJobFromDefinitions, isDefinitionsJob } from './definitions';
/** IO managers. */
export {
  DEFAULT_IO_MANAGER_KEY,
  FilesystemIOManager,
  InMemoryIOManager,
  OutputNotFoundError,
  defaultIOManager,
  type IOManager,
  type InputContext,
  type OutputContext,
} from './io/io-manager';
/** Compute log managers and in-process capture. */
export {
  ComputeIOType,
  LocalComputeLogManager,
  NoOpComputeLogManager,
  computeLogManagerFromConfig,
  createComputeLogFileKey,
  parseLogCursor,
  type CapturedLogContext,
  type CapturedLogData,
  type CapturedLogMetadata,
  type ComputeLogCapture,
  type ComputeLogManager,
} from './compute-logs/manager';
export { runWithCapture } from './compute-logs/capture';
/** Event writing helpers and Python's log levels. */
export { LogLevel } from './events';
/** Dagster's text helpers for event messages. */
export { formatDuration, pyStrList } from './format';
/** Op-concurrency back-off. */
export { claimRetryInterval } from './pools';
