/**
 * The executor's job model: a named set of steps, each a compute function with inputs read from upstream
 * steps' outputs. `@inst/definitions` jobs are turned into this model (see `toExecutableJob`); other callers
 * may build it directly.
 */
import { InvalidArgumentError } from '@inst/errors';
import type { AssetEventInit, AssetMaterialization, AssetObservation, DagsterRun, RawMetadataValue } from '@inst/types';

/** A modifier of a retry delay by attempt number (Dagster's `Backoff`). */
export const Backoff = Object.freeze({ LINEAR: 'LINEAR', EXPONENTIAL: 'EXPONENTIAL' } as const);
/** A member value of {@link Backoff}. */
export type Backoff = (typeof Backoff)[keyof typeof Backoff];

/** A random modifier of a retry delay, applied after the backoff (Dagster's `Jitter`). */
export const Jitter = Object.freeze({ FULL: 'FULL', PLUS_MINUS: 'PLUS_MINUS' } as const);
/** A member value of {@link Jitter}. */
export type Jitter = (typeof Jitter)[keyof typeof Jitter];

/** When to retry a step whose code threw (Dagster's `RetryPolicy`). */
export interface RetryPolicy {
  /** Retries after the first attempt; default 1. */
  readonly maxRetries?: number;
  /** Seconds between the retry request and the next attempt, modulated by `backoff` and `jitter`. */
  readonly delay?: number | null;
  readonly backoff?: Backoff | null;
  readonly jitter?: Jitter | null;
}

/** Checks a retry policy as Dagster's constructor does (backoff and jitter need a delay). */
export function checkRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (policy.backoff != null && policy.delay == null) throw new InvalidArgumentError('Can not set backoff on RetryPolicy without also setting delay');
  if (policy.jitter != null && policy.delay == null) throw new InvalidArgumentError('Can not set jitter on RetryPolicy without also setting delay');
  const maxRetries = policy.maxRetries ?? 1;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new InvalidArgumentError(`RetryPolicy maxRetries must be a non-negative integer, got ${String(maxRetries)}`);
  return Object.freeze({ ...policy, maxRetries });
}

/**
 * Dagster's `calculate_delay`: EXPONENTIAL `(2^n - 1) * delay`, LINEAR `n * delay`, else `delay`; then FULL jitter
 * `random() * d` or PLUS_MINUS `d + (2 * random() * delay - delay)`. `attemptNum` is the attempt about to be made
 * (1 for the first retry).
 */
export function calculateRetryDelay(policy: RetryPolicy, attemptNum: number, random: () => number = Math.random): number {
  const base = policy.delay ?? 0;
  let delay = policy.backoff === Backoff.EXPONENTIAL ? (2 ** attemptNum - 1) * base : policy.backoff === Backoff.LINEAR ? base * attemptNum : base;
  if (policy.jitter === Jitter.FULL) delay = random() * delay;
  else if (policy.jitter === Jitter.PLUS_MINUS) delay = delay + (2 * (random() * base) - base);
  return delay;
}

/** Thrown by step code to ask for a retry (Dagster's `RetryRequested`), whatever the step's retry policy. */
export class RetryRequested extends Error {
  readonly maxRetries: number;
  readonly secondsToWait: number | null;
  constructor(options: { maxRetries?: number; secondsToWait?: number | null; cause?: unknown } = {}) {
    super('', options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RetryRequested';
    this.maxRetries = options.maxRetries ?? 1;
    this.secondsToWait = options.secondsToWait ?? null;
  }
}

/** Thrown by step code to fail on purpose, with a description and metadata (Dagster's `Failure`). */
export class Failure extends Error {
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, RawMetadataValue>>;
  /** When false, a retry policy does not retry this failure. */
  readonly allowRetries: boolean;
  constructor(description?: string | null, options: { metadata?: Readonly<Record<string, RawMetadataValue>>; allowRetries?: boolean } = {}) {
    super(description ?? '');
    this.name = 'Failure';
    this.description = description ?? null;
    this.metadata = options.metadata ?? {};
    this.allowRetries = options.allowRetries ?? true;
  }
}

/** An output value with metadata for its STEP_OUTPUT / ASSET_MATERIALIZATION events (Dagster's `Output`). */
export class Output<T = unknown> {
  constructor(
    readonly value: T,
    readonly metadata: Readonly<Record<string, RawMetadataValue>> = {},
  ) {}
}

/** What an asset check's output returns (Dagster's `AssetCheckResult`). */
export interface AssetCheckResult {
  readonly passed: boolean;
  readonly severity?: 'ERROR' | 'WARN';
  readonly description?: string | null;
  readonly metadata?: Readonly<Record<string, RawMetadataValue>>;
}

/** Where an input's value comes from: an output of an upstream step. */
export interface StepOutputRef {
  readonly stepKey: string;
  readonly outputName: string;
}

/** An input that loads an asset produced outside this job (through the IO manager, by asset key). */
export interface AssetInputRef {
  readonly assetKey: readonly string[];
}

/** An input of a step. */
export interface StepInputDef {
  readonly name: string;
  /** The upstream output it reads (a step key alone means its `result` output), or an asset of another job. */
  readonly from: StepOutputRef | AssetInputRef | string;
  /** Dagster type name for event messages (default `Any`); a `Nothing` input orders only and loads nothing. */
  readonly dagsterType?: string;
}

/** An output of a step, optionally an asset or an asset check. */
export interface StepOutputDef {
  readonly name: string;
  /** The asset this output materializes (path of the asset key). */
  readonly assetKey?: readonly string[] | null;
  /** The asset check this output evaluates. */
  readonly assetCheck?: { readonly assetKey: readonly string[]; readonly name: string; readonly blocking?: boolean } | null;
  /** Whether the asset is partitioned (its materializations carry the run's partition); default true. */
  readonly isAssetPartitioned?: boolean;
  /** Dagster type name for event messages (default `Any`). */
  readonly dagsterType?: string;
  /** A required output that is not returned fails the step; a missing optional one skips its consumers. Default true. */
  readonly isRequired?: boolean;
}

/** Writes plain log entries (no DagsterEvent) to the run's event log; each call resolves once stored. */
export interface StepLogger {
  debug(message: string): Promise<void>;
  info(message: string): Promise<void>;
  warning(message: string): Promise<void>;
  error(message: string): Promise<void>;
  critical(message: string): Promise<void>;
}

/** What a step's compute function gets. */
export interface StepExecutionContext {
  readonly run: DagsterRun;
  readonly runId: string;
  readonly jobName: string;
  readonly stepKey: string;
  readonly opName: string;
  /** The run's whole run config. */
  readonly runConfig: Readonly<Record<string, unknown>>;
  /** This op's config: `runConfig.ops.<opName>.config` (Dagster's op config), else undefined. */
  readonly config: unknown;
  /** The run's partition key (`dagster/partition` tag), if any. */
  readonly partitionKey: string | null;
  /** 0 for the first attempt, n for the n-th retry. */
  readonly retryNumber: number;
  /** The loaded input values by input name. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly log: StepLogger;
  /** Aborted when the run is canceled; long steps should stop when it fires. */
  readonly signal: AbortSignal;
  /** Records an ASSET_MATERIALIZATION of this step. */
  reportAssetMaterialization(materialization: AssetMaterialization | AssetEventInit): Promise<void>;
  /** Records an ASSET_OBSERVATION of this step. */
  reportAssetObservation(observation: AssetObservation | AssetEventInit): Promise<void>;
  /** The instance the executor runs against (its ops). */
  readonly instance: unknown;
}

/**
 * The return value of a step: with one output, the value of that output; with several, an object keyed by
 * output name. A value may be wrapped in {@link Output} to attach metadata; an asset check output returns an
 * {@link AssetCheckResult}.
 */
export type StepComputeFn = (context: StepExecutionContext, inputs: Readonly<Record<string, unknown>>) => unknown;

/** One step of a job. */
export interface ExecutionStepDef {
  /** The step key (unique in the job). */
  readonly key: string;
  /** The op's name (default: the key). */
  readonly opName?: string;
  readonly inputs?: readonly StepInputDef[];
  /** Default: one optional output named `result`. */
  readonly outputs?: readonly StepOutputDef[];
  readonly retryPolicy?: RetryPolicy | null;
  /** The op-concurrency pool the step claims a slot of. */
  readonly pool?: string | null;
  /** Step tags (`dagster/priority` orders ready steps, `dagster/concurrency_key` is a legacy pool). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly compute: StepComputeFn;
}

/** A job as the executor runs it. */
export interface ExecutableJob {
  readonly name: string;
  readonly steps: readonly ExecutionStepDef[];
  /** The job's default for how many steps may run at once. */
  readonly maxConcurrent?: number | null;
}

/** A checked step: every default filled in, inputs resolved to refs. */
export interface ResolvedStep {
  readonly key: string;
  readonly opName: string;
  readonly inputs: readonly { readonly name: string; readonly from: StepOutputRef | null; readonly assetKey: readonly string[] | null; readonly dagsterType: string }[];
  readonly outputs: readonly (StepOutputDef & { readonly isRequired: boolean })[];
  readonly retryPolicy: RetryPolicy | null;
  readonly pool: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly compute: StepComputeFn;
  /** Upstream step keys. */
  readonly deps: ReadonlySet<string>;
}

const DEFAULT_OUTPUTS: readonly (StepOutputDef & { isRequired: boolean })[] = Object.freeze([Object.freeze({ name: 'result', isRequired: false })]);

/** Checks a job and fills in defaults: unique keys, known upstream steps and outputs, no cycles. */
export function resolveJob(job: ExecutableJob): { name: string; steps: ResolvedStep[]; byKey: Map<string, ResolvedStep>; maxConcurrent: number | null } {
  if (typeof job?.name !== 'string' || job.name.length === 0) throw new InvalidArgumentError('A job needs a non-empty name');
  const byKey = new Map<string, ResolvedStep>();
  for (const step of job.steps) {
    if (typeof step?.key !== 'string' || step.key.length === 0) throw new InvalidArgumentError(`Job ${job.name}: every step needs a non-empty key`, { ids: { jobName: job.name } });
    if (byKey.has(step.key)) throw new InvalidArgumentError(`Job ${job.name}: step key ${step.key} is used twice`, { ids: { jobName: job.name, stepKey: step.key } });
    if (typeof step.compute !== 'function') throw new InvalidArgumentError(`Job ${job.name}: step ${step.key} has no compute function`, { ids: { jobName: job.name, stepKey: step.key } });
    const inputs = (step.inputs ?? []).map((input) => ({
      name: input.name,
      from:
        typeof input.from === 'string'
          ? { stepKey: input.from, outputName: 'result' }
          : 'stepKey' in input.from
            ? { stepKey: input.from.stepKey, outputName: input.from.outputName }
            : null,
      assetKey: typeof input.from === 'object' && 'assetKey' in input.from ? [...input.from.assetKey] : null,
      dagsterType: input.dagsterType ?? 'Any',
    }));
    const outputs = step.outputs ? step.outputs.map((output) => ({ ...output, isRequired: output.isRequired ?? true })) : DEFAULT_OUTPUTS;
    byKey.set(step.key, {
      key: step.key,
      opName: step.opName ?? step.key,
      inputs,
      outputs,
      retryPolicy: step.retryPolicy ? checkRetryPolicy(step.retryPolicy) : null,
      pool: step.pool ?? null,
      tags: step.tags ?? {},
      compute: step.compute,
      deps: new Set(inputs.flatMap((input) => (input.from ? [input.from.stepKey] : []))),
    });
  }
  for (const step of byKey.values()) {
    for (const input of step.inputs) {
      if (!input.from) continue;
      const upstream = byKey.get(input.from.stepKey);
      if (!upstream) throw new InvalidArgumentError(`Job ${job.name}: input ${input.name} of step ${step.key} reads unknown step ${input.from.stepKey}`, { ids: { stepKey: step.key } });
      const from = input.from;
      if (!upstream.outputs.some((output) => output.name === from.outputName)) {
        throw new InvalidArgumentError(`Job ${job.name}: input ${input.name} of step ${step.key} reads unknown output ${from.stepKey}.${from.outputName}`, { ids: { stepKey: step.key } });
      }
    }
  }
  // Cycle check (and the topological order the plan lists steps in).
  const order: ResolvedStep[] = [];
  const done = new Set<string>();
  let remaining = [...byKey.values()];
  while (remaining.length > 0) {
    const level = remaining.filter((step) => [...step.deps].every((dep) => done.has(dep)));
    if (level.length === 0) throw new InvalidArgumentError(`Job ${job.name}: circular dependencies among steps ${remaining.map((s) => s.key).join(', ')}`);
    for (const step of level) {
      done.add(step.key);
      order.push(step);
    }
    remaining = remaining.filter((step) => !done.has(step.key));
  }
  return { name: job.name, steps: order, byKey, maxConcurrent: job.maxConcurrent ?? null };
}
