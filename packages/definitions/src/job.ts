/**
 * Jobs: graphs of op invocations (Dagster's `@job` / `GraphDefinition.to_job`) or of assets (asset jobs). A job
 * is built with a graph function whose invocations return typed output references, so an op's outputs type the
 * inputs of the ops that read them.
 */
import type { AssetCheckKey, AssetKey, ExecutionPlanSnapshot, JobSnapshot, KnownExecutionState } from '@inst/types';
import type { AssetCheckDefinition, AssetCheckInStep, AssetDefinition } from './assets';
import { DependencyCycleError, DuplicateDefinitionError, InvalidDefinitionError, UnknownDependencyError } from './errors';
import { checkValidName } from './keys';
import type { DagsterTypeName, OpDefinition, RetryPolicy } from './ops';
import { PartitionsDefinition } from './partitions/definitions';

/** A reference to one output of a node in a graph; `T` is the output's value type. */
export interface OutputRef<T = unknown> {
  readonly nodeName: string;
  readonly outputName: string;
  /** @internal phantom */
  readonly __type?: () => T;
}

/** What invoking an op in a graph returns: its `result` output, and each output by name. */
export type InvocationRef<O extends Record<string, unknown>> = OutputRef<O extends { result: infer R } ? R : never> & {
  readonly [K in keyof O]: OutputRef<O[K]>;
};

/** The inputs of an invocation: an output reference of the right type for each input. */
export type InvocationInputs<I> = { readonly [K in keyof I]: OutputRef<I[K]> };

/** Builds a job's graph: each `add` invokes an op. */
export interface GraphBuilder {
  /** Invokes `op` with its inputs wired to upstream outputs; `alias` names the node when one op is used twice. */
  add<I, O extends Record<string, unknown>>(op: OpDefinition<I, O>, inputs?: InvocationInputs<I>, options?: { alias?: string; tags?: Readonly<Record<string, string>> }): InvocationRef<O>;
}

/** An input of a node: its type and where its value comes from. */
export interface NodeInput {
  readonly name: string;
  readonly dagsterType: DagsterTypeName;
  readonly description: string | null;
  /** The upstream output inside this job, or null (an asset input then loads `assetKey` through the IO manager). */
  readonly upstream: { readonly nodeName: string; readonly outputName: string } | null;
  /** For asset inputs: the upstream asset. */
  readonly assetKey: AssetKey | null;
}

/** An output of a node, with the asset or check it produces. */
export interface NodeOutput {
  readonly name: string;
  readonly dagsterType: DagsterTypeName;
  readonly description: string | null;
  readonly isRequired: boolean;
  readonly assetKey: AssetKey | null;
  readonly assetCheckKey: AssetCheckKey | null;
  readonly isAssetPartitioned: boolean;
}

/** A node of a job: one op invocation, which is one step of its plan. */
export interface JobNode {
  /** The node name (the op name or its alias); the step key and the `solid_handle_id` of its step. */
  readonly name: string;
  readonly stepKey: string;
  readonly op: OpDefinition<any, any>;
  readonly inputs: readonly NodeInput[];
  readonly outputs: readonly NodeOutput[];
  /** The op's tags merged with the invocation's. */
  readonly tags: Readonly<Record<string, string>>;
  readonly pool: string | null;
  readonly retryPolicy: RetryPolicy | null;
  /** The asset this node materializes. */
  readonly asset: AssetDefinition | null;
  /** The separately computed check this node evaluates. */
  readonly assetCheck: AssetCheckDefinition | null;
  /** Checks evaluated inside this (asset) step. */
  readonly checks: readonly AssetCheckInStep[];
  /** Step keys of the nodes this one reads from, inside the job. */
  readonly upstreamStepKeys: readonly string[];
}

/** Options of a job's executor. */
export interface ExecutorOptions {
  /** How many steps may run at once (Dagster's `max_concurrent`); default: the executor's. */
  readonly maxConcurrent?: number;
}

/** The init of a {@link JobDefinition} (built by {@link defineJob}, asset jobs and subsets). */
export interface JobDefinitionInit {
  name: string;
  description?: string | null;
  tags?: Readonly<Record<string, string>>;
  runTags?: Readonly<Record<string, string>> | null;
  metadata?: Readonly<Record<string, unknown>>;
  partitions?: PartitionsDefinition | null;
  /** The job's default run config. */
  config?: Readonly<Record<string, unknown>> | null;
  executor?: ExecutorOptions;
  nodes: readonly JobNode[];
  isAssetJob?: boolean;
  assetSelection?: readonly AssetKey[] | null;
  assetCheckSelection?: readonly AssetCheckKey[] | null;
  opSelection?: readonly string[] | null;
  parent?: JobDefinition | null;
  /** How a subset is built (set by asset jobs: re-selects from the code location's assets). */
  subsetter?: ((job: JobDefinition, selection: JobSelection) => JobDefinition) | null;
}

/** A selection for {@link JobDefinition.getSubset}. */
export interface JobSelection {
  readonly assetSelection?: readonly AssetKey[] | null;
  readonly assetCheckSelection?: readonly AssetCheckKey[] | null;
  readonly opSelection?: readonly string[] | null;
}

/** What snapshots and plans are built by (set by the snapshots module; kept here to avoid an import cycle). */
interface SnapshotBuilders {
  jobSnapshot(job: JobDefinition): JobSnapshot;
  executionPlanSnapshot(job: JobDefinition, options?: { stepKeysToExecute?: readonly string[] | null; knownState?: KnownExecutionState | null }): ExecutionPlanSnapshot;
}
let builders: SnapshotBuilders | null = null;
/** @internal */
export function setSnapshotBuilders(value: SnapshotBuilders): void {
  builders = value;
}

/**
 * A job: its nodes in execution order, tags, partitions and config. It also satisfies what `@inst/runs`'
 * `createRunForJob` reads (`snapshot`, `parentJobSnapshot`, `executionPlanSnapshot`, `assetGraph`, `getSubset`).
 */
export class JobDefinition {
  readonly kind = 'job' as const;
  readonly name: string;
  readonly description: string | null;
  /** The job's tags: every run of the job gets them. */
  readonly tags: Readonly<Record<string, string>>;
  readonly runTags: Readonly<Record<string, string>> | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly partitions: PartitionsDefinition | null;
  readonly config: Readonly<Record<string, unknown>> | null;
  readonly executor: ExecutorOptions;
  /** Nodes in topological order (ties in definition order). */
  readonly nodes: readonly JobNode[];
  readonly isAssetJob: boolean;
  readonly assetSelection: readonly AssetKey[] | null;
  readonly assetCheckSelection: readonly AssetCheckKey[] | null;
  readonly opSelection: readonly string[] | null;
  /** The full job when this is a subset. */
  readonly parent: JobDefinition | null;
  private readonly byName: ReadonlyMap<string, JobNode>;
  private readonly subsetter: JobDefinitionInit['subsetter'];
  private cachedSnapshot: JobSnapshot | null = null;
  private cachedPlan: ExecutionPlanSnapshot | null = null;

  constructor(init: JobDefinitionInit) {
    this.name = checkValidName(init.name, 'Job');
    this.description = init.description ?? null;
    this.tags = Object.freeze({ ...(init.tags ?? {}) });
    for (const [key, value] of Object.entries(this.tags)) {
      if (typeof value !== 'string') throw new InvalidDefinitionError(`Job ${this.name}: tag ${key} must be a string`, { ids: { jobName: this.name } });
    }
    this.runTags = init.runTags ? Object.freeze({ ...init.runTags }) : null;
    this.metadata = Object.freeze({ ...(init.metadata ?? {}) });
    if (init.partitions != null && !(init.partitions instanceof PartitionsDefinition)) {
      throw new InvalidDefinitionError(`Job ${this.name}: partitions must be a partitions definition`, { ids: { jobName: this.name } });
    }
    this.partitions = init.partitions ?? null;
    this.config = init.config ? Object.freeze({ ...init.config }) : null;
    this.executor = Object.freeze({ ...(init.executor ?? {}) });
    this.nodes = Object.freeze(topologicalNodes(this.name, init.nodes));
    this.byName = new Map(this.nodes.map((node) => [node.name, node]));
    this.isAssetJob = init.isAssetJob ?? false;
    this.assetSelection = init.assetSelection ? Object.freeze([...init.assetSelection]) : null;
    this.assetCheckSelection = init.assetCheckSelection ? Object.freeze([...init.assetCheckSelection]) : null;
    this.opSelection = init.opSelection ? Object.freeze([...init.opSelection]) : null;
    this.parent = init.parent ?? null;
    this.subsetter = init.subsetter ?? null;
  }

  /** The node of a name (= step key), or undefined. */
  node(name: string): JobNode | undefined {
    return this.byName.get(name);
  }

  /** Step keys in execution order. */
  get stepKeys(): string[] {
    return this.nodes.map((node) => node.stepKey);
  }

  /** The asset keys the job materializes. */
  get assetKeys(): AssetKey[] {
    return this.nodes.flatMap((node) => (node.asset ? [node.asset.key] : []));
  }

  /** The job snapshot Dagster would store for this job (cached). */
  get snapshot(): JobSnapshot {
    if (!builders) throw new InvalidDefinitionError('Snapshot builders are not loaded');
    return (this.cachedSnapshot ??= builders.jobSnapshot(this));
  }

  /** The job snapshot under the name re-execution reads (`remoteJob.jobSnapshot`). */
  get jobSnapshot(): JobSnapshot {
    return this.snapshot;
  }

  /**
   * Re-execution's code location (`@inst/runs`' `ReexecutionCodeLocation`): the plan of `remoteJob` (this job or one
   * of its subsets) for the given steps and known state. So `createReexecutedRun({ parentRun, codeLocation: job,
   * remoteJob: job, strategy })` needs no hand-written adapter.
   */
  getExecutionPlan(
    remoteJob: unknown,
    _runConfig: Readonly<Record<string, unknown>> | null,
    options: { stepKeysToExecute?: readonly string[] | null; knownState?: KnownExecutionState | null } = {},
  ): ExecutionPlanSnapshot {
    if (!builders) throw new InvalidDefinitionError('Snapshot builders are not loaded');
    const job = remoteJob instanceof JobDefinition ? remoteJob : this;
    return builders.executionPlanSnapshot(job, { stepKeysToExecute: options.stepKeysToExecute ?? null, knownState: options.knownState ?? null });
  }

  /** Re-execution's `getJobSubset` (FROM_ASSET_FAILURE): the job subset to these assets and checks. */
  getJobSubset(remoteJob: unknown, selection: { assetSelection: readonly AssetKey[]; assetCheckSelection: readonly AssetCheckKey[] }): JobDefinition {
    const job = remoteJob instanceof JobDefinition ? remoteJob : this;
    return job.getSubset({ assetSelection: selection.assetSelection, assetCheckSelection: selection.assetCheckSelection });
  }

  /** The full job's snapshot when this is a subset, else null. */
  get parentJobSnapshot(): JobSnapshot | null {
    return this.parent ? this.parent.snapshot : null;
  }

  /** The plan of every step (cached). For a subset of steps or a known state, use `executionPlanSnapshot(job, …)`. */
  get executionPlanSnapshot(): ExecutionPlanSnapshot {
    if (!builders) throw new InvalidDefinitionError('Snapshot builders are not loaded');
    return (this.cachedPlan ??= builders.executionPlanSnapshot(this));
  }

  /** Asset nodes by key, as `@inst/runs`' `RunAssetGraph` reads them (partitions without dynamic keys). */
  get assetGraph(): { get(assetKey: AssetKey): { partitionsDef: PartitionsDefinition | null; executionType: string } | undefined } {
    const byKey = new Map(this.nodes.flatMap((node) => (node.asset ? [[node.asset.key.toDbString(), node.asset] as const] : [])));
    return {
      get: (assetKey) => {
        const asset = byKey.get(assetKey.toDbString());
        return asset ? { partitionsDef: asset.partitions, executionType: 'MATERIALIZATION' } : undefined;
      },
    };
  }

  /**
   * The job restricted to a selection (Dagster's `get_subset`): asset jobs re-select assets (and their checks),
   * op jobs keep the selected nodes (inputs from dropped nodes become unconnected). The subset's snapshot has a
   * lineage pointing at this job's.
   */
  getSubset(selection: JobSelection): JobDefinition {
    const base = this.parent ?? this;
    if (this.subsetter && (selection.assetSelection?.length || selection.assetCheckSelection?.length)) return this.subsetter(base, selection);
    const opSelection = selection.opSelection ?? null;
    if (!opSelection || opSelection.length === 0) return this;
    const keep = new Set(opSelection);
    for (const name of keep) if (!base.node(name)) throw new UnknownDependencyError(`Job ${base.name} has no op ${name}`, { ids: { jobName: base.name, opName: name } });
    const nodes = base.nodes
      .filter((node) => keep.has(node.name))
      .map((node) =>
        Object.freeze({
          ...node,
          inputs: node.inputs.map((input) => (input.upstream && !keep.has(input.upstream.nodeName) ? Object.freeze({ ...input, upstream: null }) : input)),
          upstreamStepKeys: node.upstreamStepKeys.filter((key) => keep.has(key)),
        }),
      );
    return new JobDefinition({ ...base.init(), nodes, opSelection: [...opSelection], parent: base });
  }

  /** @internal The init this job was built from (without nodes). */
  init(): Omit<JobDefinitionInit, 'nodes'> {
    return {
      name: this.name,
      description: this.description,
      tags: this.tags,
      runTags: this.runTags,
      metadata: this.metadata,
      partitions: this.partitions,
      config: this.config,
      executor: this.executor,
      isAssetJob: this.isAssetJob,
      assetSelection: this.assetSelection,
      assetCheckSelection: this.assetCheckSelection,
      subsetter: this.subsetter,
    };
  }
}

/** Orders nodes so every node comes after its upstream nodes (stable); throws for duplicates, unknown refs and cycles. */
function topologicalNodes(jobName: string, nodes: readonly JobNode[]): JobNode[] {
  const byName = new Map<string, JobNode>();
  for (const node of nodes) {
    if (byName.has(node.name)) throw new DuplicateDefinitionError(`Job ${jobName} has two nodes named ${node.name}`, { ids: { jobName, nodeName: node.name } });
    byName.set(node.name, node);
  }
  for (const node of nodes) {
    for (const input of node.inputs) {
      if (!input.upstream) continue;
      const upstream = byName.get(input.upstream.nodeName);
      if (!upstream) {
        throw new UnknownDependencyError(`Job ${jobName}: input ${input.name} of ${node.name} reads from unknown node ${input.upstream.nodeName}`, {
          ids: { jobName, nodeName: node.name, upstream: input.upstream.nodeName },
        });
      }
      if (!upstream.outputs.some((out) => out.name === input.upstream!.outputName)) {
        throw new UnknownDependencyError(`Job ${jobName}: node ${upstream.name} has no output ${input.upstream.outputName} (read by ${node.name}.${input.name})`, {
          ids: { jobName, nodeName: node.name },
        });
      }
    }
  }
  const order: JobNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: JobNode, path: string[]): void => {
    const s = state.get(node.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(node.name)), node.name].join(' -> ');
      throw new DependencyCycleError(`Job ${jobName} has a dependency cycle: ${cycle}`, { ids: { jobName, cycle } });
    }
    state.set(node.name, 'visiting');
    for (const upstream of node.upstreamStepKeys) {
      const up = byName.get(upstream);
      if (up) visit(up, [...path, node.name]);
    }
    state.set(node.name, 'done');
    order.push(node);
  };
  for (const node of nodes) visit(node, []);
  return order;
}

/** @internal Builds a node of an op invocation. */
export function opNode(
  op: OpDefinition<any, any>,
  name: string,
  upstreamByInput: Readonly<Record<string, { nodeName: string; outputName: string } | undefined>>,
  extra: Partial<Pick<JobNode, 'asset' | 'assetCheck' | 'checks' | 'tags'>> & { assetKeysByInput?: Readonly<Record<string, AssetKey>>; outputs?: readonly NodeOutput[] } = {},
): JobNode {
  const inputs = op.inputs.map((input) =>
    Object.freeze({
      name: input.name,
      dagsterType: input.dagsterType,
      description: input.description,
      upstream: upstreamByInput[input.name] ? Object.freeze({ ...upstreamByInput[input.name]! }) : null,
      assetKey: extra.assetKeysByInput?.[input.name] ?? null,
    }),
  );
  const outputs =
    extra.outputs ??
    op.outputs.map((out) => Object.freeze({ ...out, assetKey: null, assetCheckKey: null, isAssetPartitioned: false }));
  return Object.freeze({
    name,
    stepKey: name,
    op,
    inputs: Object.freeze(inputs),
    outputs: Object.freeze([...outputs]),
    tags: Object.freeze({ ...op.tags, ...(extra.tags ?? {}) }),
    pool: op.pool,
    retryPolicy: op.retryPolicy,
    asset: extra.asset ?? null,
    assetCheck: extra.assetCheck ?? null,
    checks: Object.freeze([...(extra.checks ?? [])]),
    upstreamStepKeys: Object.freeze([...new Set(inputs.flatMap((input) => (input.upstream ? [input.upstream.nodeName] : [])))]),
  });
}

/** One op of a job declared as a list, wired by name: `inputs: { x: 'upstream' }` or `'upstream.output'`. */
export interface JobOpSpec {
  readonly op: OpDefinition<any, any>;
  readonly alias?: string;
  readonly inputs?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Options of {@link defineJob}. */
export interface JobOptions {
  name: string;
  description?: string;
  /** Tags of the job, which every run of it gets. */
  tags?: Readonly<Record<string, string>>;
  runTags?: Readonly<Record<string, string>>;
  metadata?: Readonly<Record<string, unknown>>;
  partitions?: PartitionsDefinition;
  /** Default run config. */
  config?: Readonly<Record<string, unknown>>;
  executor?: ExecutorOptions;
  /** The graph: invoke ops on the builder; each invocation's outputs type the inputs of later ones. */
  graph?: (builder: GraphBuilder) => void;
  /** Or: the ops as a list, wired by node name. */
  ops?: readonly (OpDefinition<any, any> | JobOpSpec)[];
}

/** Defines an op job. */
export function defineJob(options: JobOptions): JobDefinition {
  const name = checkValidName(options?.name, 'Job');
  const nodes: JobNode[] = [];
  const names = new Set<string>();
  const addNode = (op: OpDefinition<any, any>, alias: string | undefined, upstream: Record<string, { nodeName: string; outputName: string } | undefined>, tags?: Readonly<Record<string, string>>): JobNode => {
    if (!op || op.kind !== 'op') throw new InvalidDefinitionError(`Job ${name}: not an op: ${String(op)}`, { ids: { jobName: name } });
    const nodeName = checkValidName(alias ?? op.name, 'Node');
    if (names.has(nodeName)) {
      throw new DuplicateDefinitionError(`Job ${name}: op ${nodeName} is invoked twice; give one invocation an alias`, { ids: { jobName: name, nodeName } });
    }
    for (const input of Object.keys(upstream)) {
      if (!op.inputs.some((i) => i.name === input)) throw new UnknownDependencyError(`Job ${name}: op ${op.name} has no input ${input}`, { ids: { jobName: name, nodeName } });
    }
    for (const input of op.inputs) {
      if (!upstream[input.name] && input.dagsterType !== 'Nothing') {
        throw new UnknownDependencyError(`Job ${name}: input ${input.name} of ${nodeName} is not connected`, { ids: { jobName: name, nodeName, inputName: input.name } });
      }
    }
    names.add(nodeName);
    const node = opNode(op, nodeName, upstream, { tags });
    nodes.push(node);
    return node;
  };
  if (options.graph && options.ops) throw new InvalidDefinitionError(`Job ${name}: give graph or ops, not both`, { ids: { jobName: name } });
  if (options.graph) {
    const builder: GraphBuilder = {
      add(op, inputs, invocation) {
        const upstream: Record<string, { nodeName: string; outputName: string }> = {};
        for (const [input, ref] of Object.entries((inputs ?? {}) as Record<string, OutputRef>)) {
          if (!ref || typeof ref.nodeName !== 'string' || !names.has(ref.nodeName)) {
            throw new UnknownDependencyError(`Job ${name}: input ${input} of ${op.name} is not an output of an op of this job`, { ids: { jobName: name } });
          }
          upstream[input] = { nodeName: ref.nodeName, outputName: ref.outputName };
        }
        const node = addNode(op as OpDefinition<any, any>, invocation?.alias, upstream, invocation?.tags);
        const ref: Record<string, OutputRef> = {};
        for (const out of node.outputs) ref[out.name] = Object.freeze({ nodeName: node.name, outputName: out.name });
        return Object.freeze({ nodeName: node.name, outputName: 'result', ...ref }) as never;
      },
    };
    options.graph(builder);
  } else {
    const specs = (options.ops ?? []).map((entry) => ('kind' in entry && entry.kind === 'op' ? { op: entry } : (entry as JobOpSpec)));
    // Wire after all names are known, so the list may be in any order (cycles are reported by the job).
    const planned = specs.map((spec) => ({ spec, nodeName: spec.alias ?? spec.op?.name }));
    const opsByNode = new Map(planned.map((p) => [p.nodeName, p.spec.op]));
    for (const { spec } of planned) {
      const upstream: Record<string, { nodeName: string; outputName: string }> = {};
      for (const [input, ref] of Object.entries(spec.inputs ?? {})) {
        const [nodeName, outputName = 'result'] = ref.split('.') as [string, string?];
        if (!opsByNode.has(nodeName)) throw new UnknownDependencyError(`Job ${name}: input ${input} of ${spec.alias ?? spec.op.name} reads from unknown op ${nodeName}`, { ids: { jobName: name } });
        upstream[input] = { nodeName, outputName };
      }
      addNode(spec.op, spec.alias, upstream, spec.tags);
    }
  }
  if (nodes.length === 0) throw new InvalidDefinitionError(`Job ${name} has no ops`, { ids: { jobName: name } });
  return new JobDefinition({
    name,
    description: options.description ?? null,
    tags: options.tags,
    runTags: options.runTags ?? null,
    metadata: options.metadata,
    partitions: options.partitions ?? null,
    config: options.config ?? null,
    executor: options.executor,
    nodes,
  });
}
