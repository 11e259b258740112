import { ConfigError } from '@inst/errors';
import { describe, expect, it } from 'vitest';
import { InstanceSettings, parseInstanceConfigYaml } from './index';

const settingsOf = (yaml: string) => new InstanceSettings(parseInstanceConfigYaml(yaml, 'dagster.yaml', {}));

const TAG_LIMITS = [{ key: 'dagster/solid_selection', limit: 2 }];

describe('getConcurrencyConfig', () => {
  it('reads the legacy run_queue block', () => {
    const settings = settingsOf(`
run_queue:
  max_concurrent_runs: 5
  tag_concurrency_limits:
    - key: dagster/solid_selection
      limit: 2
  max_user_code_failure_retries: 3
  user_code_failure_retry_delay: 10
  dequeue_interval_seconds: 2
  block_op_concurrency_limited_runs:
    enabled: true
    op_concurrency_slot_buffer: 1
`);
    expect(settings.runCoordinatorConfig.class).toBe('QueuedRunCoordinator');
    const config = settings.getConcurrencyConfig();
    expect(config.runQueueConfig).toMatchObject({
      maxConcurrentRuns: 5,
      tagConcurrencyLimits: TAG_LIMITS,
      maxUserCodeFailureRetries: 3,
      userCodeFailureRetryDelay: 10,
      opConcurrencySlotBuffer: 1,
      shouldBlockOpConcurrencyLimitedRuns: true,
      dequeueIntervalSeconds: 2,
    });
    // explicitly enabling run blocking in the run queue means op-level pools
    expect(config.poolConfig.poolGranularity).toBe('op');
  });

  it('turns run blocking off when the run queue disables it', () => {
    const config = settingsOf('run_queue:\n  block_op_concurrency_limited_runs: { enabled: false }\n').getConcurrencyConfig();
    expect(config.runQueueConfig?.shouldBlockOpConcurrencyLimitedRuns).toBe(false);
    expect(config.runQueueConfig?.opConcurrencySlotBuffer).toBe(0);
    expect(config.poolConfig.poolGranularity).toBeUndefined();
  });

  it('merges the concurrency block with the rest of the run queue', () => {
    const config = settingsOf(`
concurrency:
  pools:
    granularity: run
    op_granularity_run_buffer: 1
  runs:
    max_concurrent_runs: 5
    tag_concurrency_limits:
      - key: dagster/solid_selection
        limit: 2
run_queue:
  max_user_code_failure_retries: 3
  user_code_failure_retry_delay: 10
`).getConcurrencyConfig();
    expect(config.runQueueConfig).toMatchObject({
      maxConcurrentRuns: 5,
      tagConcurrencyLimits: TAG_LIMITS,
      maxUserCodeFailureRetries: 3,
      userCodeFailureRetryDelay: 10,
      opConcurrencySlotBuffer: 1,
      shouldBlockOpConcurrencyLimitedRuns: true,
    });
    expect(config.poolConfig).toEqual({ poolGranularity: 'run', defaultPoolLimit: undefined, opGranularityRunBuffer: 1 });
  });

  it('merges with the config of an explicit QueuedRunCoordinator', () => {
    const settings = settingsOf(`
concurrency:
  runs: { max_concurrent_runs: 4 }
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config: { dequeue_use_threads: true, dequeue_num_workers: 8 }
`);
    expect(settings.runQueueConfig?.maxConcurrentRuns).toBe(10);
    expect(settings.getConcurrencyConfig().runQueueConfig).toMatchObject({
      maxConcurrentRuns: 4,
      dequeueUseThreads: true,
      dequeueNumWorkers: 8,
    });
  });

  it('has no run queue under another run coordinator', () => {
    const settings = settingsOf(`
run_coordinator: { module: dagster.core.run_coordinator, class: DefaultRunCoordinator }
concurrency: { runs: { max_concurrent_runs: 4 } }
`);
    expect(settings.runQueueConfig).toBeUndefined();
    expect(settings.getConcurrencyConfig().runQueueConfig).toBeUndefined();
  });

  it('falls back to the deprecated default_op_concurrency_limit', () => {
    expect(settingsOf('concurrency: { default_op_concurrency_limit: 3 }').globalOpConcurrencyDefaultLimit).toBe(3);
    expect(settingsOf('concurrency: { pools: { default_limit: 4 } }').globalOpConcurrencyDefaultLimit).toBe(4);
  });

  it('rejects setting the same limit in concurrency and in the run queue', () => {
    const error = (() => {
      try {
        parseInstanceConfigYaml(
          `
concurrency:
  runs: { max_concurrent_runs: 5 }
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 6
    block_op_concurrency_limited_runs: { enabled: true, op_concurrency_slot_buffer: 2 }
`,
          'dagster.yaml',
          {},
        );
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'run_coordinator.config.max_concurrent_runs: conflicts with the concurrency settings; set concurrency.runs.max_concurrent_runs instead',
      'run_coordinator.config.block_op_concurrency_limited_runs.op_concurrency_slot_buffer: conflicts with the concurrency settings; set concurrency.pools.op_granularity_run_buffer instead',
    ]);
    expect(() =>
      parseInstanceConfigYaml('concurrency: { pools: { default_limit: 1 } }\nrun_queue: { tag_concurrency_limits: [] }', 'x', {}),
    ).toThrow('run_queue.tag_concurrency_limits: conflicts with the concurrency settings');
  });

  it('rejects pools together with the deprecated default_op_concurrency_limit', () => {
    expect(() =>
      parseInstanceConfigYaml('concurrency: { pools: { default_limit: 1 }, default_op_concurrency_limit: 2 }', 'x', {}),
    ).toThrow(
      'concurrency.default_op_concurrency_limit: cannot be combined with concurrency.pools; use concurrency.pools.default_limit',
    );
  });

  it('allows the run queue settings concurrency does not cover', () => {
    expect(() =>
      parseInstanceConfigYaml(
        'concurrency: { runs: { max_concurrent_runs: 5 } }\nrun_queue: { max_user_code_failure_retries: 2, block_op_concurrency_limited_runs: { enabled: true } }',
        'x',
        {},
      ),
    ).not.toThrow();
  });
});
