/**
 * Adapters from partitions definitions and jobs to what `@inst/assets` and `@inst/runs` ask of them
 * (`StatusPartitionsDefinition`, `RunPartitionsDefinition`, `RunAssetGraph`), with dynamic partitions read from the
 * instance. The shapes are restated here structurally: definitions sit below those packages.
 */
import type { AssetKey } from '@inst/types';
import type { Definitions } from './definitions';
import type { JobDefinition } from './job';
import { DynamicPartitionsDefinition, MultiPartitionsDefinition, PartitionsDefinition, type PartitionLoadingContext } from './partitions/definitions';

/** Where dynamic partition keys come from: the instance's `getDynamicPartitions` (sync or async). */
export interface DynamicPartitionsSource {
  getDynamicPartitions(partitionsDefName: string): readonly string[] | Promise<readonly string[]>;
}

/** Options of the adapters. */
export interface AdapterOptions {
  /** The instance (or anything with `getDynamicPartitions`), needed for dynamic partitions. */
  instance?: DynamicPartitionsSource | null;
  /** Epoch seconds; default now. */
  now?: number;
}

/** `@inst/assets`' `StatusPartitionsDefinition`. */
export interface StatusPartitionsAdapter {
  serializableUniqueIdentifier(): string;
  hasPartitionKey(partitionKey: string): boolean;
  serializeSubset(partitionKeys: ReadonlySet<string>): string;
  deserializeSubset(serialized: string): ReadonlySet<string>;
}

/** `@inst/runs`' `RunPartitionsDefinition`. */
export interface RunPartitionsAdapter {
  getPartitionKeysInRange(start: string, end: string): Promise<readonly string[]>;
  readonly supportsRanges: boolean;
  subsetWithPartitionKeys(keys: readonly string[]): unknown;
  runPartitionsSubset(start: string, end: string): unknown;
}

/** `@inst/runs`' `RunAssetGraph`. */
export interface RunAssetGraphAdapter {
  get(assetKey: AssetKey): { readonly partitionsDef: RunPartitionsAdapter | null; readonly executionType: string } | undefined;
}

function dynamicNames(def: PartitionsDefinition): string[] {
  if (def instanceof DynamicPartitionsDefinition) return [def.name];
  if (def instanceof MultiPartitionsDefinition) return def.dimensions.flatMap((dim) => dynamicNames(dim.partitionsDef));
  return [];
}

/** The loading context of a definition: the current time and its dynamic partitions' keys, read once. */
export async function partitionLoadingContext(def: PartitionsDefinition, options: AdapterOptions = {}): Promise<PartitionLoadingContext> {
  const names = dynamicNames(def);
  const keys: Record<string, readonly string[]> = {};
  for (const name of names) {
    if (!options.instance) throw new TypeError(`Partitions definition needs the instance for dynamic partitions ${name}`);
    keys[name] = [...(await options.instance.getDynamicPartitions(name))];
  }
  return { now: options.now ?? Date.now() / 1000, dynamicPartitions: keys };
}

/**
 * The status cache's view of a partitions definition (for `getStatusByPartition` /
 * `getAndUpdateAssetStatusCacheValue`), byte-compatible with Dagster's cache for every kind.
 */
export async function statusPartitionsDefinition(def: PartitionsDefinition, options: AdapterOptions = {}): Promise<StatusPartitionsAdapter> {
  const context = await partitionLoadingContext(def, options);
  const id = def.serializableUniqueIdentifier(context);
  const known = new Map<string, boolean>();
  return {
    serializableUniqueIdentifier: () => id,
    hasPartitionKey: (key) => {
      let has = known.get(key);
      if (has === undefined) known.set(key, (has = def.hasPartitionKey(key, context)));
      return has;
    },
    serializeSubset: (keys) => def.serializeSubset(keys, context),
    deserializeSubset: (serialized) => def.deserializeSubset(serialized, context),
  };
}

/** Run creation's view of a partitions definition (ranges, planned-event subsets, the run's stored subset). */
export function runPartitionsDefinition(def: PartitionsDefinition, options: AdapterOptions = {}): RunPartitionsAdapter {
  const dynamic = dynamicNames(def).length > 0;
  let context: Promise<PartitionLoadingContext> | null = null;
  const ctx = (): Promise<PartitionLoadingContext> => (context ??= partitionLoadingContext(def, options));
  return {
    getPartitionKeysInRange: async (start, end) => def.getPartitionKeysInRange(start, end, await ctx()),
    supportsRanges: true,
    subsetWithPartitionKeys: (keys) => def.subsetWithPartitionKeys(keys),
    runPartitionsSubset: (start, end) => (dynamic && !(def instanceof DynamicPartitionsDefinition) ? null : def.runPartitionsSubset(start, end)),
  };
}

/** The asset graph of a job or a code location, as run creation reads it. */
export function runAssetGraph(source: JobDefinition | Definitions, options: AdapterOptions = {}): RunAssetGraphAdapter {
  const assets = 'assets' in source && !('nodes' in source) ? source.assets : (source as JobDefinition).nodes.flatMap((node) => (node.asset ? [node.asset] : []));
  const byKey = new Map(assets.map((asset) => [asset.key.toDbString(), asset]));
  const adapters = new Map<string, RunPartitionsAdapter | null>();
  return {
    get(assetKey) {
      const id = assetKey.toDbString();
      const asset = byKey.get(id);
      if (!asset) return undefined;
      if (!adapters.has(id)) adapters.set(id, asset.partitions ? runPartitionsDefinition(asset.partitions, options) : null);
      return { partitionsDef: adapters.get(id)!, executionType: 'MATERIALIZATION' };
    },
  };
}

/**
 * What the facade hands the status cache: a partitions definition of this package becomes its
 * {@link statusPartitionsDefinition} (dynamic keys read from `instance`); anything else (a caller's own
 * `StatusPartitionsDefinition`) is returned unchanged.
 */
export async function statusPartitionsDefinitionFor<T>(partitionsDef: T, instance: DynamicPartitionsSource | null, now?: number): Promise<T | StatusPartitionsAdapter> {
  if (!PartitionsDefinition.isPartitionsDefinition(partitionsDef)) return partitionsDef;
  return statusPartitionsDefinition(partitionsDef, { instance, now });
}
