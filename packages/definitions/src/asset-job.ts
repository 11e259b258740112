/**
 * Asset jobs (Dagster's `define_asset_job`): a selection of assets, resolved against a code location's assets into
 * a job whose nodes are the assets' ops (and their checks), wired by asset dependencies.
 */
import type { AssetCheckKey, AssetKey } from '@inst/types';
import type { AssetCheckDefinition, AssetDefinition } from './assets';
import { InvalidDefinitionError, UnknownDependencyError } from './errors';
import { checkValidName, toAssetKey, type AssetKeyLike } from './keys';
import { JobDefinition, opNode, type ExecutorOptions, type JobNode, type JobSelection, type NodeOutput } from './job';
import type { PartitionsDefinition } from './partitions/definitions';

/** What an asset job selects: every asset (`'*'`), or assets, keys and groups. */
export type AssetSelection = '*' | readonly (AssetDefinition<any> | AssetKeyLike | { readonly group: string })[];

/** An asset job before it is resolved against a code location's assets. */
export interface AssetJobDefinition {
  readonly kind: 'asset_job';
  readonly name: string;
  readonly selection: AssetSelection;
  readonly description: string | null;
  readonly partitions: PartitionsDefinition | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly runTags: Readonly<Record<string, string>> | null;
  readonly config: Readonly<Record<string, unknown>> | null;
  readonly executor: ExecutorOptions;
}

/** Options of {@link defineAssetJob}. */
export interface AssetJobOptions {
  name: string;
  selection: AssetSelection;
  description?: string;
  partitions?: PartitionsDefinition;
  tags?: Readonly<Record<string, string>>;
  runTags?: Readonly<Record<string, string>>;
  config?: Readonly<Record<string, unknown>>;
  executor?: ExecutorOptions;
}

/** Defines an asset job; `Definitions` resolves it against its assets. */
export function defineAssetJob(options: AssetJobOptions): AssetJobDefinition {
  const name = checkValidName(options?.name, 'Job');
  if (options.selection !== '*' && !Array.isArray(options.selection)) throw new InvalidDefinitionError(`Asset job ${name}: selection must be '*' or a list`, { ids: { jobName: name } });
  return Object.freeze({
    kind: 'asset_job' as const,
    name,
    selection: options.selection,
    description: options.description ?? null,
    partitions: options.partitions ?? null,
    tags: Object.freeze({ ...(options.tags ?? {}) }),
    runTags: options.runTags ? Object.freeze({ ...options.runTags }) : null,
    config: options.config ?? null,
    executor: Object.freeze({ ...(options.executor ?? {}) }),
  });
}

/** Dagster's name of the implicit job of every asset of a code location. */
export const IMPLICIT_ASSET_JOB_NAME = '__ASSET_JOB';

/** The assets a selection names; throws UnknownDependencyError for a key that is not among `assets`. */
export function selectAssets(jobName: string, selection: AssetSelection, assets: readonly AssetDefinition[]): AssetDefinition[] {
  if (selection === '*') return [...assets];
  const byKey = new Map(assets.map((asset) => [asset.key.toDbString(), asset]));
  const picked = new Map<string, AssetDefinition>();
  for (const entry of selection) {
    if (entry && typeof entry === 'object' && (entry as AssetDefinition).kind !== 'asset' && 'group' in entry && typeof entry.group === 'string') {
      for (const asset of assets) if (asset.group === entry.group) picked.set(asset.key.toDbString(), asset);
      continue;
    }
    const key = entry && typeof entry === 'object' && (entry as AssetDefinition).kind === 'asset' ? (entry as AssetDefinition).key : toAssetKey(entry as AssetKeyLike);
    const asset = byKey.get(key.toDbString());
    if (!asset) throw new UnknownDependencyError(`Asset job ${jobName} selects asset ${key.toUserString()}, which is not defined`, { ids: { jobName, assetKey: key.toUserString() } });
    picked.set(key.toDbString(), asset);
  }
  return assets.filter((asset) => picked.has(asset.key.toDbString()));
}

/** Options of {@link buildAssetJob}. */
export interface BuildAssetJobOptions extends Partial<Omit<AssetJobDefinition, 'kind' | 'name' | 'selection'>> {
  /** Separately computed checks; those whose asset is selected are included (unless `checkSelection` says otherwise). */
  checks?: readonly AssetCheckDefinition[];
  /** Only these checks (default: every check of a selected asset). */
  checkSelection?: readonly AssetCheckKey[] | null;
  /** When several partitions definitions are selected: throw (default) or leave the job unpartitioned. */
  allowMixedPartitions?: boolean;
  /** The full set of assets, for subsets. */
  allAssets?: readonly AssetDefinition[];
  parent?: JobDefinition | null;
  assetSelection?: readonly AssetKey[] | null;
}

/** Builds the job of a set of assets: one node per asset (op named by its key), one per selected check. */
export function buildAssetJob(name: string, assets: readonly AssetDefinition[], options: BuildAssetJobOptions = {}): JobDefinition {
  const selected = new Map(assets.map((asset) => [asset.key.toDbString(), asset]));
  const checkSelection = options.checkSelection ? new Set(options.checkSelection.map((key) => key.toDbString())) : null;
  const nodeOfAsset = (key: AssetKey): string | undefined => selected.get(key.toDbString())?.op.name;
  const nodes: JobNode[] = [];
  for (const asset of assets) {
    const upstream: Record<string, { nodeName: string; outputName: string } | undefined> = {};
    const assetKeysByInput: Record<string, AssetKey> = {};
    for (const [input, key] of Object.entries(asset.ins)) {
      assetKeysByInput[input] = key;
      const node = nodeOfAsset(key);
      if (node) upstream[input] = { nodeName: node, outputName: 'result' };
    }
    for (const input of asset.op.inputs) {
      if (input.dagsterType !== 'Nothing') continue;
      const key = asset.deps.find((dep) => asset.op.inputs.some((i) => i.name === input.name) && depInputName(dep) === input.name);
      if (!key) continue;
      assetKeysByInput[input.name] = key;
      const node = nodeOfAsset(key);
      if (node) upstream[input.name] = { nodeName: node, outputName: 'result' };
    }
    const checks = asset.checks.filter((check) => !checkSelection || checkSelection.has(check.key.toDbString()));
    const outputs: NodeOutput[] = [
      { name: 'result', dagsterType: 'Any', description: null, isRequired: true, assetKey: asset.key, assetCheckKey: null, isAssetPartitioned: asset.partitions !== null },
      ...checks.map((check) => ({ name: check.outputName, dagsterType: 'Nothing' as const, description: null, isRequired: true, assetKey: null, assetCheckKey: check.key, isAssetPartitioned: false })),
    ];
    nodes.push(opNode(asset.op, asset.op.name, upstream, { asset, checks, assetKeysByInput, outputs: outputs.map((o) => Object.freeze(o)) }));
  }
  for (const check of options.checks ?? []) {
    const assetSelected = selected.has(check.key.assetKey.toDbString());
    if (checkSelection ? !checkSelection.has(check.key.toDbString()) : !assetSelected) continue;
    const upstream: Record<string, { nodeName: string; outputName: string } | undefined> = {};
    const assetKeysByInput: Record<string, AssetKey> = {};
    const [first, ...rest] = check.op.inputs;
    assetKeysByInput[first!.name] = check.key.assetKey;
    const assetNode = nodeOfAsset(check.key.assetKey);
    if (assetNode) upstream[first!.name] = { nodeName: assetNode, outputName: 'result' };
    rest.forEach((input, i) => {
      const key = check.additionalDeps[i]!;
      assetKeysByInput[input.name] = key;
      const node = nodeOfAsset(key);
      if (node) upstream[input.name] = { nodeName: node, outputName: 'result' };
    });
    const outputs: NodeOutput[] = [
      Object.freeze({ name: check.op.outputs[0]!.name, dagsterType: 'Nothing' as const, description: null, isRequired: true, assetKey: null, assetCheckKey: check.key, isAssetPartitioned: false }),
    ];
    nodes.push(opNode(check.op, check.op.name, upstream, { assetCheck: check, assetKeysByInput, outputs }));
  }
  if (nodes.length === 0) throw new InvalidDefinitionError(`Asset job ${name} selects no assets`, { ids: { jobName: name } });

  let partitions = options.partitions ?? null;
  if (!partitions) {
    const defs = new Map<string, PartitionsDefinition>();
    for (const asset of assets) if (asset.partitions) defs.set(partitionsIdentity(asset.partitions), asset.partitions);
    if (defs.size > 1 && !options.allowMixedPartitions) {
      throw new InvalidDefinitionError(`Asset job ${name} selects assets with different partitions definitions; give the job one, or select fewer assets`, { ids: { jobName: name } });
    }
    partitions = defs.size === 1 ? [...defs.values()][0]! : null;
  }
  const allAssets = options.allAssets ?? assets;
  const allChecks = options.checks ?? [];
  const subsetter = (base: JobDefinition, selection: JobSelection): JobDefinition => {
    const keys = selection.assetSelection ?? [];
    const subsetAssets = selectAssets(base.name, keys, allAssets);
    return buildAssetJob(base.name, subsetAssets, {
      ...options,
      partitions: base.partitions,
      checks: allChecks,
      checkSelection: selection.assetCheckSelection ?? null,
      allowMixedPartitions: true,
      allAssets,
      parent: base,
      assetSelection: keys,
    });
  };
  return new JobDefinition({
    name,
    description: options.description ?? null,
    tags: options.tags,
    runTags: options.runTags ?? null,
    partitions,
    config: options.config ?? null,
    executor: options.executor,
    nodes,
    isAssetJob: true,
    assetSelection: options.assetSelection ?? null,
    assetCheckSelection: options.checkSelection ?? null,
    parent: options.parent ?? null,
    subsetter,
  });
}

function depInputName(key: AssetKey): string {
  return key.path.join('__').replace(/[^A-Za-z0-9_]/g, '_');
}

/** A stable identity of a partitions definition (its kind and, for ids that need no instance, its id). */
function partitionsIdentity(def: PartitionsDefinition): string {
  if (def.kind === 'dynamic') return `dynamic:${(def as unknown as { name: string }).name}`;
  if (def.kind === 'multi') return `multi:${(def as unknown as { dimensions: { name: string; partitionsDef: PartitionsDefinition }[] }).dimensions.map((d) => `${d.name}=${partitionsIdentity(d.partitionsDef)}`).join(',')}`;
  return `${def.kind}:${def.serializableUniqueIdentifier()}`;
}
