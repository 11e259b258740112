/**
 * `@inst/run-queue`: the iteration functions of three daemons a daemon host runs — the run queue
 * (`QUEUED_RUN_COORDINATOR`), run monitoring (`MONITORING`) and automatic run retries (`EVENT_LOG_CONSUMER`) —
 * with Dagster's semantics, safe with several daemon processes on one database.
 *
 * @packageDocumentation
 */
export type { RunQueueInstance, RunMonitoringInstance, RunRetriesInstance, RunQueueEventLogStorage, DaemonCursorStorage } from './ops';
export {
  runQueueIteration,
  getRunsToDequeue,
  runQueueConfigOf,
  QUEUE_PAGE_SIZE,
  RUN_QUEUE_LOCK,
  type BatchClaimRunStorage,
  type QueueLogger,
  type RunQueueIterationOptions,
  type RunQueueIterationResult,
} from './run-queue';
export { PoolConcurrencyCounter, startedRunAllottedSeconds, type PoolConcurrencyStorage, type PoolGranularity } from './pool-concurrency';
export { TagConcurrencyLimitsCounter, prioritySort, runPriority, type TagConcurrencyLimit, type Tagged } from './tag-concurrency';
export {
  runMonitoringIteration,
  maxRuntimeOf,
  healthResultText,
  RUN_MONITORING_LOCK,
  type RunMonitoringIterationOptions,
  type RunMonitoringIterationResult,
} from './monitoring';
export {
  concurrencySlotsIteration,
  FREE_SLOTS_RUN_BATCH_SIZE,
  type ConcurrencySlotsInstance,
  type ConcurrencySlotsIterationOptions,
} from './concurrency-slots';
export {
  runRetriesIteration,
  retryRun,
  shouldRetry,
  getNewCursor,
  eventLogConsumerCursorKey,
  storedSnapshotTarget,
  EVENT_LOG_CONSUMER_EVENT_TYPES,
  EVENT_LOG_CONSUMER_FETCH_LIMIT,
  RUN_RETRIES_LOCK,
  type RetryTarget,
  type RetryTargetResolver,
  type RunRetriesIterationOptions,
  type RunRetriesIterationResult,
} from './retries';
export {
  queueLockFor,
  closeQueueLock,
  advisoryLockKey,
  InProcessQueueLock,
  PostgresQueueLock,
  SqliteFileQueueLock,
  type QueueLock,
  type LockableInstance,
} from './queue-lock';
export { QueueWaker, QUEUE_WAKE_EVENT_TYPES, type WakeableInstance } from './wake';
/** Re-exported from `@inst/run-launcher`: the coordinator whose runs this queue launches. */
export { QueuedRunCoordinator, NoOpRunLauncher } from '@inst/run-launcher';
