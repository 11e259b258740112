/**
 * Ops: named functions with typed inputs and outputs (Dagster's `@op`). An op's inputs are declared with
 * {@link input} markers and arrive typed in its function; its output type is what the function returns (one output,
 * `result`) or, with `outs`, an object of named outputs.
 */
import type { AssetCheckKey, AssetKey, DagsterRun } from '@inst/types';
import { InvalidDefinitionError } from './errors';
import { checkValidName } from './keys';

/** The Dagster type names inst writes into snapshots (`Any`, or `Nothing` for ordering-only inputs). */
export type DagsterTypeName = 'Any' | 'Nothing' | 'Bool' | 'Int' | 'Float' | 'String';

/** An input declaration; `T` is the type of the value the op receives. */
export interface In<T = unknown> {
  readonly kind: 'in';
  readonly description: string | null;
  readonly dagsterType: DagsterTypeName;
  /** @internal phantom */
  readonly __type?: () => T;
}

/** An output declaration; `T` is the type of the value the op produces. */
export interface Out<T = unknown> {
  readonly kind: 'out';
  readonly description: string | null;
  readonly dagsterType: DagsterTypeName;
  /** Default true: the op must produce it. */
  readonly isRequired: boolean;
  /** @internal phantom */
  readonly __type?: () => T;
}

/** Declares an input whose value has type `T`. */
export function input<T = unknown>(options: { description?: string; dagsterType?: DagsterTypeName } = {}): In<T> {
  return Object.freeze({ kind: 'in', description: options.description ?? null, dagsterType: options.dagsterType ?? 'Any' });
}

/** Declares an output whose value has type `T`. */
export function output<T = unknown>(options: { description?: string; dagsterType?: DagsterTypeName; isRequired?: boolean } = {}): Out<T> {
  return Object.freeze({ kind: 'out', description: options.description ?? null, dagsterType: options.dagsterType ?? 'Any', isRequired: options.isRequired ?? true });
}

/** The values of declared inputs. */
export type InputValues<I> = { [K in keyof I]: I[K] extends In<infer T> ? T : never };
/** The values of declared outputs. */
export type OutputValues<O> = { [K in keyof O]: O[K] extends Out<infer T> ? T : never };

/** Dagster's `RetryPolicy`: how many times a failed step is retried, and how long to wait. */
export interface RetryPolicy {
  readonly maxRetries: number;
  /** Seconds before the first retry (default none). */
  readonly delay?: number | null;
  readonly backoff?: 'LINEAR' | 'EXPONENTIAL' | null;
  readonly jitter?: 'FULL' | 'PLUS_MINUS' | null;
}

/** Log messages of a step (stored at Python's levels). */
export interface OpLogger {
  debug(message: string): void | Promise<void>;
  info(message: string): void | Promise<void>;
  warning(message: string): void | Promise<void>;
  error(message: string): void | Promise<void>;
  critical(message: string): void | Promise<void>;
}

/** What an op's function gets; the executor (`@inst/execution`) provides it. */
export interface OpContext {
  readonly run: DagsterRun;
  readonly runId: string;
  readonly jobName: string;
  /** The node's name in the job (the op name, or its alias). */
  readonly opName: string;
  readonly stepKey: string;
  /** The run's whole run config. */
  readonly runConfig: Readonly<Record<string, unknown>>;
  /** This op's config (`runConfig.ops.<name>.config`), else undefined. */
  readonly config: unknown;
  readonly log: OpLogger;
  /** Aborted when the run is terminated. */
  readonly signal: AbortSignal;
  /** 0 on the first attempt, then 1, 2, … on retries. */
  readonly retryNumber: number;
  /** The run's partition (`dagster/partition` tag), else null. */
  readonly partitionKey: string | null;
  /** The run's partition range (`dagster/asset_partition_range_start` / `_end` tags), else null. */
  readonly partitionKeyRange: { readonly start: string; readonly end: string } | null;
  /** The asset this step materializes, for asset steps. */
  readonly assetKey: AssetKey | null;
  /** The instance, when the executor has one (typed loosely: definitions do no I/O). */
  readonly instance?: unknown;
}

/** An output value with metadata (Dagster's `Output` / `MaterializeResult`). Return it instead of a bare value. */
export class Output<T = unknown> {
  readonly value: T;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly dataVersion: string | null;
  constructor(value: T, options: { metadata?: Readonly<Record<string, unknown>>; dataVersion?: string | null } = {}) {
    this.value = value;
    this.metadata = Object.freeze({ ...(options.metadata ?? {}) });
    this.dataVersion = options.dataVersion ?? null;
  }
}

/** The result of an asset check (Dagster's `AssetCheckResult`). */
export interface AssetCheckResult {
  readonly passed: boolean;
  readonly severity?: 'WARN' | 'ERROR';
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly description?: string | null;
  /** Set by the executor when several checks share a step. */
  readonly checkKey?: AssetCheckKey;
}

/** An input of an op, as the graph and the snapshots see it. */
export interface InputDefinition {
  readonly name: string;
  readonly dagsterType: DagsterTypeName;
  readonly description: string | null;
}

/** An output of an op, as the graph and the snapshots see it. */
export interface OutputDefinition {
  readonly name: string;
  readonly dagsterType: DagsterTypeName;
  readonly description: string | null;
  readonly isRequired: boolean;
}

/** The function of an op. */
export type OpFn<TInputs, TResult> = (context: OpContext, inputs: TInputs) => TResult | Promise<TResult>;

/**
 * An op (Dagster's `OpDefinition`). `TInputs` are the input values, `TOutputs` the output values by name (a
 * single-output op has `{ result: T }`).
 */
export interface OpDefinition<TInputs = Record<string, unknown>, TOutputs extends Record<string, unknown> = Record<string, unknown>> {
  readonly kind: 'op';
  readonly name: string;
  readonly description: string | null;
  readonly inputs: readonly InputDefinition[];
  readonly outputs: readonly OutputDefinition[];
  /** True when the function returns the value of its one output `result`; false when it returns an object of outputs. */
  readonly singleOutput: boolean;
  /** A description of the op's config: a JSON-like default or null; written as the op's `config` field. */
  readonly config: OpConfigSchema | null;
  readonly pool: string | null;
  readonly retryPolicy: RetryPolicy | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly requiredResourceKeys: readonly string[];
  /** Runs the op: inputs by name → the single output's value (or an Output), or an object of outputs. */
  fn(context: OpContext, inputs: TInputs): unknown;
  /** @internal phantom */
  readonly __outputs?: () => TOutputs;
}

/** An op's config: whether it must be given, and its default. */
export interface OpConfigSchema {
  readonly isRequired?: boolean;
  readonly default?: unknown;
  readonly description?: string;
}

/** Options of {@link defineOp}. */
export interface OpOptions<I extends Record<string, In<any>>, O extends Record<string, Out<any>> | undefined> {
  name: string;
  description?: string;
  ins?: I;
  outs?: O;
  config?: OpConfigSchema;
  pool?: string;
  retryPolicy?: RetryPolicy;
  tags?: Readonly<Record<string, string>>;
  requiredResourceKeys?: readonly string[];
}

/** Defines an op with one output, `result`, whose type is the function's return type. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no inputs by default
export function defineOp<I extends Record<string, In<any>> = {}, R = unknown>(
  options: OpOptions<I, undefined>,
  fn: OpFn<InputValues<I>, R | Output<R>>,
): OpDefinition<InputValues<I>, { result: Awaited<R> }>;
/** Defines an op with named outputs; the function returns an object of them. */
export function defineOp<I extends Record<string, In<any>>, O extends Record<string, Out<any>>>(
  options: OpOptions<I, O> & { outs: O },
  fn: OpFn<InputValues<I>, { [K in keyof O]?: OutputValues<O>[K] | Output<OutputValues<O>[K]> }>,
): OpDefinition<InputValues<I>, OutputValues<O>>;
export function defineOp(options: OpOptions<Record<string, In>, Record<string, Out> | undefined>, fn: OpFn<any, unknown>): OpDefinition<any, any> {
  const name = checkValidName(options?.name, 'Op');
  if (typeof fn !== 'function') throw new InvalidDefinitionError(`Op ${name} needs a function`, { ids: { opName: name } });
  const inputs = Object.entries(options.ins ?? {}).map(([inputName, def]) => {
    checkValidName(inputName, `Input of op ${name}:`);
    return Object.freeze({ name: inputName, dagsterType: def?.dagsterType ?? 'Any', description: def?.description ?? null });
  });
  const outs = options.outs;
  const outputs = outs
    ? Object.entries(outs).map(([outputName, def]) => {
        checkValidName(outputName, `Output of op ${name}:`);
        return Object.freeze({ name: outputName, dagsterType: def?.dagsterType ?? 'Any', description: def?.description ?? null, isRequired: def?.isRequired ?? true });
      })
    : [Object.freeze({ name: 'result', dagsterType: 'Any' as const, description: null, isRequired: true })];
  if (outs && outputs.length === 0) throw new InvalidDefinitionError(`Op ${name} declares outs but no output`, { ids: { opName: name } });
  return makeOp({
    name,
    description: options.description ?? null,
    inputs,
    outputs,
    singleOutput: !outs,
    config: options.config ?? null,
    pool: options.pool ?? null,
    retryPolicy: checkRetryPolicy(options.retryPolicy, name),
    tags: { ...(options.tags ?? {}) },
    requiredResourceKeys: [...(options.requiredResourceKeys ?? [])],
    fn,
  });
}

/** @internal Freezes an op definition. */
export function makeOp(init: Omit<OpDefinition<any, any>, 'kind'>): OpDefinition<any, any> {
  return Object.freeze({
    kind: 'op' as const,
    ...init,
    inputs: Object.freeze([...init.inputs]),
    outputs: Object.freeze([...init.outputs]),
    tags: Object.freeze({ ...init.tags }),
    requiredResourceKeys: Object.freeze([...init.requiredResourceKeys]),
  });
}

/** @internal Checks a retry policy. */
export function checkRetryPolicy(policy: RetryPolicy | undefined | null, owner: string): RetryPolicy | null {
  if (policy == null) return null;
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) {
    throw new InvalidDefinitionError(`Retry policy of ${owner}: maxRetries must be a non-negative integer`, { ids: { name: owner } });
  }
  if (policy.delay != null && !(policy.delay >= 0)) throw new InvalidDefinitionError(`Retry policy of ${owner}: delay must be >= 0`, { ids: { name: owner } });
  return Object.freeze({ ...policy });
}
