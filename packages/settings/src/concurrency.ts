import type { ConcurrencyConfig, ConcurrencySettings, RunQueueBlock, RunQueueConfig } from './types';

/** A `QueuedRunCoordinator`'s settings from its config (or the `run_queue` block), with Dagster's defaults. */
export function runQueueConfigOf(block: RunQueueBlock): RunQueueConfig {
  const blocking = block.block_op_concurrency_limited_runs;
  return {
    maxConcurrentRuns: block.max_concurrent_runs ?? 10,
    tagConcurrencyLimits: block.tag_concurrency_limits ?? [],
    maxUserCodeFailureRetries: block.max_user_code_failure_retries ?? 0,
    userCodeFailureRetryDelay: block.user_code_failure_retry_delay ?? 60,
    // Blocking runs whose ops all wait for pool slots is on unless the block turns it off.
    shouldBlockOpConcurrencyLimitedRuns: blocking === undefined ? true : (blocking.enabled ?? false),
    opConcurrencySlotBuffer: blocking?.op_concurrency_slot_buffer ?? 0,
    explicitlyEnabledConcurrencyRunBlocking: blocking?.enabled === true,
    dequeueIntervalSeconds: block.dequeue_interval_seconds ?? 5,
    dequeueUseThreads: block.dequeue_use_threads ?? false,
    dequeueNumWorkers: block.dequeue_num_workers,
  };
}

/**
 * Dagster's `ConcurrencyConfig.from_concurrency_settings`: the `concurrency` block overrides the
 * run queue's limits; the run queue supplies what `concurrency` leaves out.
 */
export function concurrencyConfigOf(
  settings: ConcurrencySettings,
  runQueue: RunQueueConfig | undefined,
): ConcurrencyConfig {
  const runs = settings.runs ?? {};
  const pools = settings.pools ?? {};
  return {
    poolConfig: {
      // Explicitly enabling run blocking in the (legacy) run queue config meant op-level pools.
      poolGranularity: pools.granularity ?? (runQueue?.explicitlyEnabledConcurrencyRunBlocking ? 'op' : undefined),
      defaultPoolLimit: pools.default_limit ?? settings.default_op_concurrency_limit,
      opGranularityRunBuffer: pools.op_granularity_run_buffer,
    },
    runQueueConfig: runQueue && {
      ...runQueue,
      maxConcurrentRuns: runs.max_concurrent_runs ?? runQueue.maxConcurrentRuns,
      tagConcurrencyLimits: runs.tag_concurrency_limits ?? runQueue.tagConcurrencyLimits,
      opConcurrencySlotBuffer: pools.op_granularity_run_buffer ?? runQueue.opConcurrencySlotBuffer,
    },
  };
}
