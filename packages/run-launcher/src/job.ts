/**
 * The small job model `InProcessRunLauncher` executes: a named list of steps, each a function, run in order.
 * A step may depend on earlier steps; it receives their return values and is not executed if one of them failed.
 */
import { InvalidArgumentError } from '@inst/errors';
import type { AssetEventInit, AssetMaterialization, DagsterRun } from '@inst/types';

/** Writes plain log entries (no DagsterEvent) to the run's event log. Each call resolves once the entry is stored. */
export interface StepLogger {
  debug(message: string): Promise<void>;
  info(message: string): Promise<void>;
  warning(message: string): Promise<void>;
  error(message: string): Promise<void>;
  critical(message: string): Promise<void>;
}

/** What a step function gets. */
export interface StepContext {
  /** The run being executed. */
  readonly run: DagsterRun;
  readonly runId: string;
  readonly jobName: string;
  readonly stepKey: string;
  /** The run's whole run config. */
  readonly runConfig: Readonly<Record<string, unknown>>;
  /** This step's config: `runConfig.ops.<stepKey>.config` (Dagster's op config), else undefined. */
  readonly config: unknown;
  /** The return values of the steps this one depends on, by step key. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Log messages of the step (stored at Python's levels: DEBUG 10 … CRITICAL 50). */
  readonly log: StepLogger;
  /** Aborted when the run is terminated; long steps should stop when it fires. */
  readonly signal: AbortSignal;
  /** Records that the step materialized an asset (an ASSET_MATERIALIZATION event). */
  reportAssetMaterialization(materialization: AssetMaterialization | AssetEventInit): Promise<void>;
}

/** One step of a job. Returning a value (anything but undefined) emits a STEP_OUTPUT named `result`. */
export interface JobStep<TOutput = unknown> {
  /** The step key (unique in the job); also the op name in events. */
  readonly key: string;
  /** Keys of earlier steps whose outputs this step takes as inputs. */
  readonly deps?: readonly string[];
  /** The step's code. Throwing fails the step. */
  fn(context: StepContext): TOutput | Promise<TOutput>;
}

/** A job: its name (the run's `jobName`) and its steps, executed in order. */
export interface JobDefinition {
  readonly name: string;
  readonly steps: readonly JobStep[];
}

/**
 * Defines a job. Step keys must be unique and non-empty, and a step may only depend on steps listed before it,
 * so the listed order is an order of execution.
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
    checked.push(Object.freeze({ key: step.key, deps: Object.freeze([...(step.deps ?? [])]), fn: (context: StepContext) => fn.call(step, context) }));
  }
  return Object.freeze({ name, steps: Object.freeze(checked) });
}
