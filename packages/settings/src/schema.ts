import { z } from 'zod';
import { boolFromEnv, intFromEnv, isEnvRef, isMapping } from './values';
import type { Env } from './types';

/** Validates with the schema `pick` chooses for the value, so that problems point inside that schema. */
function dispatch(pick: (value: unknown) => z.ZodType) {
  return z.unknown().transform((value, ctx) => {
    const result = pick(value).safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  });
}

/** Exactly one of `keys` must be set; checked even when the block has other problems, so all are reported. */
function exactlyOne(keys: string[]) {
  return [
    (block: Record<string, unknown>) => keys.filter((key) => block[key] !== undefined).length === 1,
    { error: `needs exactly one of ${keys.join(', ')}`, when: (payload: { value: unknown }) => isMapping(payload.value) },
  ] as const;
}

/**
 * Dagster's dagster.yaml schema (instance/config.py). Built per parse because `{env: VAR}` values
 * resolve against `env`. With `extraKeys`, unknown top-level keys pass: a custom `instance_class`
 * may add its own.
 */
export function instanceConfigSchema(env: Env, options: { extraKeys: boolean }) {
  /** A scalar that may also be written `{env: VAR}`; `coerce` turns the variable's text into the scalar. */
  const source = <T extends z.ZodType>(schema: T, coerce: (text: string) => unknown = (text) => text) =>
    z.preprocess((value, ctx) => {
      if (!isEnvRef(value)) return value;
      const text = env[value.env];
      if (text === undefined) ctx.addIssue({ code: 'custom', message: `environment variable ${value.env} is not set` });
      return text === undefined ? value : coerce(text);
    }, schema);

  /** Replaces every `{env: VAR}` inside a free-form block, reporting unset variables where they are. */
  const resolveDeep = (value: unknown, ctx: z.RefinementCtx, path: (string | number)[]): unknown => {
    if (isEnvRef(value)) {
      const text = env[value.env];
      if (text === undefined) ctx.addIssue({ code: 'custom', path, message: `environment variable ${value.env} is not set` });
      return text;
    }
    if (Array.isArray(value)) return value.map((item, index) => resolveDeep(item, ctx, [...path, index]));
    if (isMapping(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item, ctx, [...path, key])]));
    }
    return value;
  };

  const str = source(z.string());
  const int = source(z.int(), intFromEnv);
  const bool = source(z.boolean(), boolFromEnv);
  const permissive = z.preprocess((value, ctx) => resolveDeep(value, ctx, []), z.record(z.string(), z.unknown()));

  const maxLimit = Number(env.DAGSTER_MAX_GLOBAL_OP_CONCURRENCY_LIMIT ?? 1000);
  const opLimit = source(
    z.int().min(0, `expected a value between 0 and ${maxLimit}`).max(maxLimit, `expected a value between 0 and ${maxLimit}`),
    intFromEnv,
  );
  // Dagster's QueuedRunCoordinator refuses negative limits other than -1.
  const maxConcurrentRuns = source(z.int().min(-1, 'must be -1 (no limit), 0 or more'), intFromEnv);

  const configurableClass = z.strictObject({
    module: str,
    class: str,
    config: z.preprocess((value) => value ?? undefined, permissive.optional()),
  });

  const tagConcurrencyLimits = z
    .array(
      z.strictObject({
        key: str,
        value: dispatch((value) =>
          isMapping(value) && !isEnvRef(value) ? z.strictObject({ applyLimitPerUniqueValue: bool }) : str,
        ).optional(),
        limit: int,
      }),
    )
    .nullable();

  const runQueue = z.strictObject({
    max_concurrent_runs: maxConcurrentRuns.optional(),
    tag_concurrency_limits: tagConcurrencyLimits.optional(),
    dequeue_interval_seconds: int.optional(),
    dequeue_use_threads: bool.optional(),
    dequeue_num_workers: int.optional(),
    max_user_code_failure_retries: int.optional(),
    user_code_failure_retry_delay: int.optional(),
    block_op_concurrency_limited_runs: z
      .strictObject({ enabled: bool.optional(), op_concurrency_slot_buffer: int.optional() })
      .optional(),
  });

  // A QueuedRunCoordinator's config is checked like run_queue; other classes own their config.
  const runCoordinator = dispatch((value) =>
    isMapping(value) && value.class === 'QueuedRunCoordinator'
      ? configurableClass.extend({ config: z.preprocess((config) => config ?? undefined, runQueue.optional()) })
      : configurableClass,
  );

  const postgres = z
    .strictObject({
      postgres_url: str.optional(),
      postgres_db: z
        .strictObject({
          username: str,
          password: str.optional(),
          hostname: str,
          db_name: str,
          port: int.optional(),
          params: permissive.optional(),
          scheme: str.optional(),
        })
        .optional(),
      should_autocreate_tables: bool.optional(),
      pool_size: source(z.int().min(1, 'must be 1 or more'), intFromEnv).optional(),
    })
    .refine(...exactlyOne(['postgres_url', 'postgres_db']));

  const mysql = z
    .strictObject({
      mysql_url: str.optional(),
      mysql_db: z
        .strictObject({ username: str, password: str, hostname: str, db_name: str, port: int.optional() })
        .optional(),
    })
    .refine(...exactlyOne(['mysql_url', 'mysql_db']));

  const storage = z
    .strictObject({
      sqlite: z.strictObject({ base_dir: str, rebuild_missing_index: bool.optional(), allow_missing_shards: bool.optional() }).optional(),
      postgres: postgres.optional(),
      mysql: mysql.optional(),
      custom: configurableClass.optional(),
    })
    .refine(...exactlyOne(['sqlite', 'postgres', 'mysql', 'custom']));

  const enabledBlock = z.strictObject({ enabled: bool.optional() });
  const daemonThreads = z.strictObject({
    use_threads: bool.optional(),
    num_workers: int.optional(),
    num_submit_workers: int.optional(),
  });

  const tickRetention = z.strictObject({
    purge_after_days: dispatch((value) =>
      isMapping(value) && !isEnvRef(value)
        ? z.strictObject({
            skipped: int.optional(),
            success: int.optional(),
            failure: int.optional(),
            started: int.optional(),
          })
        : int,
    ),
  });

  const shape = {
    local_artifact_storage: configurableClass.optional(),
    compute_logs: configurableClass.optional(),
    storage: storage.optional(),
    run_storage: configurableClass.optional(),
    event_log_storage: configurableClass.optional(),
    schedule_storage: configurableClass.optional(),
    scheduler: configurableClass.optional(),
    run_coordinator: runCoordinator.optional(),
    run_launcher: configurableClass.optional(),
    run_queue: runQueue.optional(),
    instance_class: configurableClass.optional(),
    secrets: z.strictObject({ custom: configurableClass }).optional(),
    defs_state_storage: configurableClass.optional(),
    telemetry: enabledBlock.optional(),
    nux: enabledBlock.optional(),
    ui: z.strictObject({ label: str.optional(), intent: str.optional() }).optional(),
    python_logs: z
      .strictObject({
        managed_python_loggers: z.array(str).optional(),
        python_log_level: str.optional(),
        dagster_handler_config: z
          .strictObject({
            handlers: permissive.optional(),
            formatters: permissive.optional(),
            filters: permissive.optional(),
          })
          .optional(),
      })
      .optional(),
    run_monitoring: z
      .strictObject({
        enabled: bool.optional(),
        start_timeout_seconds: int.optional(),
        cancel_timeout_seconds: int.optional(),
        max_runtime_seconds: int.optional(),
        max_resume_run_attempts: int.optional(),
        poll_interval_seconds: int.optional(),
        cancellation_thread_poll_interval_seconds: int.optional(),
        free_slots_after_run_end_seconds: int.optional(),
      })
      .optional(),
    run_retries: z
      .strictObject({
        enabled: bool.optional(),
        max_retries: int.optional(),
        retry_on_asset_or_op_failure: bool.optional(),
      })
      .optional(),
    code_servers: z
      .strictObject({
        local_startup_timeout: int.optional(),
        reload_timeout: int.optional(),
        wait_for_local_processes_on_shutdown: bool.optional(),
      })
      .optional(),
    retention: z
      .strictObject({
        schedule: tickRetention.optional(),
        sensor: tickRetention.optional(),
        auto_materialize: tickRetention.optional(),
        // Beyond Dagster (issue #4100; PR #33863 proposes event_logs.purge_after_days): read by inst's daemon host.
        event_logs: z
          .strictObject({
            purge_after_days: int,
            levels: z.array(z.union([int, z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'])])).optional(),
            event_types: z.array(str).optional(),
            include_asset_events: bool.optional(),
          })
          .optional(),
        runs: z.strictObject({ purge_after_days: int }).optional(),
      })
      .optional(),
    backfills: daemonThreads.optional(),
    sensors: daemonThreads.optional(),
    schedules: daemonThreads.optional(),
    auto_materialize: z
      .strictObject({
        enabled: bool.optional(),
        minimum_interval_seconds: int.optional(),
        run_tags: z.record(z.string(), str).optional(),
        respect_materialization_data_versions: bool.optional(),
        max_tick_retries: int.optional(),
        use_sensors: bool.optional(),
        use_threads: bool.optional(),
        num_workers: int.optional(),
      })
      .optional(),
    freshness: enabledBlock.optional(),
    concurrency: z
      .strictObject({
        pools: z
          .strictObject({
            default_limit: opLimit.optional(),
            granularity: source(z.enum(['op', 'run'], { error: "expected 'op' or 'run'" })).optional(),
            op_granularity_run_buffer: int.optional(),
          })
          .optional(),
        runs: z
          .strictObject({
            max_concurrent_runs: maxConcurrentRuns.optional(),
            tag_concurrency_limits: tagConcurrencyLimits.optional(),
          })
          .optional(),
        default_op_concurrency_limit: opLimit.optional(),
      })
      .optional(),
  };
  return options.extraKeys ? z.looseObject(shape) : z.strictObject(shape);
}
