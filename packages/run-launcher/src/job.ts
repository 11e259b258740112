/**
 * The small job model of `defineJob`: a named list of steps, each a function that may depend on earlier steps
 * and receives their return values by step key. It is a thin front for `@inst/execution`'s job model — the
 * launcher executes it with `executeRun`, like any other job: independent steps run at once, outputs go through
 * the IO manager, stdout is captured. For jobs of ops, assets, retry policies and pools use `@inst/definitions`.
 */
import { InvalidArgumentError } from '@inst/errors';
import type { ExecutableJob, RetryPolicy, StepExecutionContext, StepLogger } from '@inst/execution';

export type { StepLogger };

/** What a step function gets: the executor's step context; `inputs` holds the deps' return values by step key. */
export type StepContext = StepExecutionContext;

/** One step of a job. Returning a value (anything but undefined) emits a STEP_OUTPUT named `result`. */
export interface JobStep<TOutput = unknown> {
  /** The step key (unique in the job); also the op name in events. */
  readonly key: string;
  /** Keys of earlier steps whose outputs this step takes as inputs. */
  readonly deps?: readonly string[];
  /** Retries when the step throws (Dagster's RetryPolicy). */
  readonly retryPolicy?: RetryPolicy;
  /** The op-concurrency pool the step claims a slot of. */
  readonly pool?: string;
  /** The step's code. Throwing fails the step. */
  fn(context: StepContext): TOutput | Promise<TOutput>;
}

/** A job: its name (the run's `jobName`) and its steps; `toExecutableJob()` gives the executor's model of it. */
export interface JobDefinition {
  readonly name: string;
  readonly steps: readonly JobStep[];
  toExecutableJob(): ExecutableJob;
}

/**
 * Defines a job. Step keys must be unique and non-empty, and a step may only depend on steps listed before it.
 */
export function defineJob(name: string, steps: readonly JobStep[]): JobDefinition {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('A job needs a non-empty name');
  const seen = new Set<string>();
  const checked: JobStep[] = [];
  for (const step of steps) {
    if (typeof step?.key !== 'string' || step.key.length === 0) {
      throw new InvalidArgumentError(`Job ${name}: every step needs a non-empty key`, { ids: { jobName: name } });
    }
    if (seen.has(step.key)) {
      throw new InvalidArgumentError(`Job ${name}: step key ${step.key} is used twice`, { ids: { jobName: name, stepKey: step.key } });
    }
    if (typeof step.fn !== 'function') {
      throw new InvalidArgumentError(`Job ${name}: step ${step.key} has no fn`, { ids: { jobName: name, stepKey: step.key } });
    }
    for (const dep of step.deps ?? []) {
      if (!seen.has(dep)) {
        throw new InvalidArgumentError(`Job ${name}: step ${step.key} depends on ${dep}, which is not an earlier step`, {
          ids: { jobName: name, stepKey: step.key },
        });
      }
    }
    seen.add(step.key);
    const fn = step.fn;
    checked.push(
      Object.freeze({
        key: step.key,
        deps: Object.freeze([...(step.deps ?? [])]),
        ...(step.retryPolicy ? { retryPolicy: step.retryPolicy } : {}),
        ...(step.pool ? { pool: step.pool } : {}),
        fn: (context: StepContext) => fn.call(step, context),
      }),
    );
  }
  const frozenSteps = Object.freeze(checked);
  const executable: ExecutableJob = Object.freeze({
    name,
    steps: frozenSteps.map((step) => ({
      key: step.key,
      inputs: (step.deps ?? []).map((dep) => ({ name: dep, from: dep })),
      retryPolicy: step.retryPolicy ?? null,
      pool: step.pool ?? null,
      compute: (context: StepExecutionContext) => step.fn(context),
    })),
  });
  return Object.freeze({ name, steps: frozenSteps, toExecutableJob: () => executable });
}
