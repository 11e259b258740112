/**
 * Assets and asset checks (Dagster's `@asset`, `@asset_check`, `AssetCheckSpec`). An asset is an op whose one
 * output is the asset; its data inputs (`ins`) are typed by the upstream assets' values, its `deps` only order it.
 */
import { AssetCheckKey, type AssetKey } from '@inst/types';
import { InvalidDefinitionError } from './errors';
import { assetCheckKeyPythonIdentifier, assetKeyPythonIdentifier, checkValidName, toAssetKey, type AssetKeyLike } from './keys';
import { checkRetryPolicy, makeOp, type AssetCheckResult, type OpConfigSchema, type OpContext, type OpDefinition, type Output, type RetryPolicy } from './ops';
import { PartitionsDefinition } from './partitions/definitions';

/** What an asset's function gets: an op context whose `assetKey` is set. */
export interface AssetContext extends OpContext {
  readonly assetKey: AssetKey;
}

/** A check declared with its asset and evaluated in the asset's step, on the asset's value. */
export interface AssetCheckSpec<T = unknown> {
  readonly name: string;
  readonly description?: string;
  /** A failed blocking check (severity ERROR) fails the step, so downstream assets do not run. */
  readonly blocking?: boolean;
  /** Evaluates the check; without it, the asset's function must return `{ value, checks }` results (not typical). */
  readonly fn?: (context: AssetContext, value: T) => AssetCheckResult | Promise<AssetCheckResult>;
}

/** A check of an asset inside its asset's step. */
export interface AssetCheckInStep {
  readonly key: AssetCheckKey;
  readonly description: string | null;
  readonly blocking: boolean;
  /** The output name of the check in the step (`<asset identifier>_<check name>`). */
  readonly outputName: string;
  readonly fn: ((context: AssetContext, value: unknown) => AssetCheckResult | Promise<AssetCheckResult>) | null;
}

/** An asset (Dagster's `AssetsDefinition` with one asset). `T` is the type of its value. */
export interface AssetDefinition<T = unknown> {
  readonly kind: 'asset';
  readonly key: AssetKey;
  readonly description: string | null;
  /** Data dependencies: input name → upstream asset key (values are loaded and passed to the function). */
  readonly ins: Readonly<Record<string, AssetKey>>;
  /** Ordering-only dependencies (Dagster's `deps`). */
  readonly deps: readonly AssetKey[];
  readonly group: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly partitions: PartitionsDefinition | null;
  readonly checks: readonly AssetCheckInStep[];
  readonly pool: string | null;
  readonly retryPolicy: RetryPolicy | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly kinds: readonly string[];
  readonly owners: readonly string[];
  readonly codeVersion: string | null;
  /** The asset's op: named by the key's Python identifier, output `result`. */
  readonly op: OpDefinition;
  /** @internal phantom */
  readonly __type?: () => T;
}

/** A separately computed asset check (Dagster's `@asset_check`): its own step, after its asset. */
export interface AssetCheckDefinition {
  readonly kind: 'asset_check';
  readonly key: AssetCheckKey;
  readonly description: string | null;
  readonly blocking: boolean;
  /** Extra ordering deps besides the asset. */
  readonly additionalDeps: readonly AssetKey[];
  /** The check's op (named `<asset identifier>_<check name>`; one input, the asset, typed Nothing unless `loadAsset`). */
  readonly op: OpDefinition;
  /** Whether the asset's value is loaded and passed (as input `asset`). */
  readonly loadsAsset: boolean;
}

/** The values an asset function receives for its `ins`: each upstream asset's output type. */
export type AssetInsValues<I> = { [K in keyof I]: I[K] extends AssetDefinition<infer T> ? T : unknown };

/** Options of {@link defineAsset}. */
export interface AssetOptions<I extends Record<string, AssetDefinition<any> | AssetKeyLike>, T> {
  key: AssetKeyLike;
  description?: string;
  /** Upstream assets whose values the function receives, by input name. */
  ins?: I;
  /** Upstream assets this one only runs after. */
  deps?: readonly (AssetDefinition<any> | AssetKeyLike)[];
  /** Default `default`. */
  group?: string;
  metadata?: Readonly<Record<string, unknown>>;
  partitions?: PartitionsDefinition;
  checks?: readonly AssetCheckSpec<NoInfer<T>>[];
  pool?: string;
  retryPolicy?: RetryPolicy;
  tags?: Readonly<Record<string, string>>;
  kinds?: readonly string[];
  owners?: readonly string[];
  codeVersion?: string;
  config?: OpConfigSchema;
}

function keyOf(dep: AssetDefinition<any> | AssetKeyLike): AssetKey {
  return typeof dep === 'object' && dep !== null && (dep as AssetDefinition).kind === 'asset' ? (dep as AssetDefinition).key : toAssetKey(dep as AssetKeyLike);
}

/** Defines an asset; its function gets the `ins` values and returns the asset's value (or an `Output`). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no inputs by default
export function defineAsset<T = unknown, I extends Record<string, AssetDefinition<any> | AssetKeyLike> = {}>(
  options: AssetOptions<I, Awaited<T>>,
  fn: (context: AssetContext, inputs: AssetInsValues<I>) => T | Output<T> | Promise<T | Output<T>>,
): AssetDefinition<Awaited<T>> {
  const key = toAssetKey(options?.key);
  if (typeof fn !== 'function') throw new InvalidDefinitionError(`Asset ${key.toUserString()} needs a function`, { ids: { assetKey: key.toUserString() } });
  if (options.partitions !== undefined && !(options.partitions instanceof PartitionsDefinition)) {
    throw new InvalidDefinitionError(`Asset ${key.toUserString()}: partitions must be a partitions definition`);
  }
  const ins: Record<string, AssetKey> = {};
  for (const [name, dep] of Object.entries(options.ins ?? {})) ins[checkValidName(name, `Input of asset ${key.toUserString()}:`)] = keyOf(dep);
  const deps = (options.deps ?? []).map(keyOf);
  const depIds = new Set<string>();
  for (const dep of [...Object.values(ins), ...deps]) {
    if (dep.toDbString() === key.toDbString()) throw new InvalidDefinitionError(`Asset ${key.toUserString()} depends on itself`, { ids: { assetKey: key.toUserString() } });
    depIds.add(dep.toDbString());
  }
  const checks: AssetCheckInStep[] = [];
  const checkNames = new Set<string>();
  for (const spec of options.checks ?? []) {
    const name = checkValidName(spec?.name, `Check of asset ${key.toUserString()}:`);
    if (checkNames.has(name)) throw new InvalidDefinitionError(`Asset ${key.toUserString()} has two checks named ${name}`);
    checkNames.add(name);
    const checkKey = new AssetCheckKey({ assetKey: key, name });
    checks.push(
      Object.freeze({
        key: checkKey,
        description: spec.description ?? null,
        blocking: spec.blocking ?? false,
        outputName: assetCheckKeyPythonIdentifier(checkKey),
        fn: (spec.fn as AssetCheckInStep['fn']) ?? null,
      }),
    );
  }
  const opName = assetKeyPythonIdentifier(key);
  const depInputNames = new Set(Object.keys(ins));
  const op = makeOp({
    name: opName,
    description: options.description ?? null,
    inputs: [
      ...Object.keys(ins).map((name) => ({ name, dagsterType: 'Any' as const, description: null })),
      ...deps.filter((dep) => !depInputNames.has(assetKeyPythonIdentifier(dep))).map((dep) => ({ name: assetKeyPythonIdentifier(dep), dagsterType: 'Nothing' as const, description: null })),
    ],
    outputs: [
      { name: 'result', dagsterType: 'Any', description: null, isRequired: true },
      ...checks.map((check) => ({ name: check.outputName, dagsterType: 'Nothing' as const, description: null, isRequired: true })),
    ],
    singleOutput: true,
    config: options.config ?? null,
    pool: options.pool ?? null,
    retryPolicy: checkRetryPolicy(options.retryPolicy, opName),
    tags: { ...(options.tags ?? {}) },
    requiredResourceKeys: [],
    fn: fn as OpDefinition['fn'],
  });
  return Object.freeze({
    kind: 'asset' as const,
    key,
    description: options.description ?? null,
    ins: Object.freeze(ins),
    deps: Object.freeze(deps),
    group: options.group ?? 'default',
    metadata: Object.freeze({ ...(options.metadata ?? {}) }),
    partitions: options.partitions ?? null,
    checks: Object.freeze(checks),
    pool: options.pool ?? null,
    retryPolicy: op.retryPolicy,
    tags: op.tags,
    kinds: Object.freeze([...(options.kinds ?? [])]),
    owners: Object.freeze([...(options.owners ?? [])]),
    codeVersion: options.codeVersion ?? null,
    op,
  });
}

/** Options of {@link defineAssetCheck}. */
export interface AssetCheckOptions<T> {
  /** The checked asset. */
  asset: AssetDefinition<T> | AssetKeyLike;
  name: string;
  description?: string;
  blocking?: boolean;
  additionalDeps?: readonly (AssetDefinition<any> | AssetKeyLike)[];
  /** Load the asset's value and pass it to the function (default false: the check reads it itself). */
  loadAsset?: boolean;
}

/** Defines an asset check computed in its own step after its asset. */
export function defineAssetCheck<T = unknown>(
  options: AssetCheckOptions<T>,
  fn: (context: OpContext, inputs: { asset?: T }) => AssetCheckResult | Promise<AssetCheckResult>,
): AssetCheckDefinition {
  const assetKey = keyOf(options?.asset as AssetDefinition | AssetKeyLike);
  const name = checkValidName(options.name, 'Asset check');
  if (typeof fn !== 'function') throw new InvalidDefinitionError(`Asset check ${name} needs a function`);
  const key = new AssetCheckKey({ assetKey, name });
  const additionalDeps = (options.additionalDeps ?? []).map(keyOf);
  const loadsAsset = options.loadAsset ?? false;
  const opName = assetCheckKeyPythonIdentifier(key);
  const op = makeOp({
    name: opName,
    description: options.description ?? null,
    inputs: [
      { name: loadsAsset ? 'asset' : assetKeyPythonIdentifier(assetKey), dagsterType: loadsAsset ? 'Any' : 'Nothing', description: null },
      ...additionalDeps.map((dep) => ({ name: assetKeyPythonIdentifier(dep), dagsterType: 'Nothing' as const, description: null })),
    ],
    outputs: [{ name: opName, dagsterType: 'Nothing', description: null, isRequired: true }],
    singleOutput: true,
    config: null,
    pool: null,
    retryPolicy: null,
    tags: {},
    requiredResourceKeys: [],
    fn: fn as OpDefinition['fn'],
  });
  return Object.freeze({ kind: 'asset_check' as const, key, description: options.description ?? null, blocking: options.blocking ?? false, additionalDeps: Object.freeze(additionalDeps), op, loadsAsset });
}
