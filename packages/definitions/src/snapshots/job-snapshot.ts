/**
 * The job snapshot Dagster stores for a job (`JobSnapshot`, stored as `PipelineSnapshot`; `_core/snap/job_snapshot.py`,
 * `dep_snapshot.py`, `node.py`), built from a {@link JobDefinition}.
 */
import { FrozenSet } from '@inst/serdes';
import {
  DagsterTypeNamespaceSnapshot,
  DagsterTypeSnap,
  DependencyStructureSnapshot,
  InputDefSnap,
  InputDependencySnap,
  JobLineageSnapshot,
  JobSnapshot,
  LoggerDefSnap,
  ConfigFieldSnap,
  ModeDefSnap,
  NodeDefsSnapshot,
  NodeInvocationSnap,
  OpDefSnap,
  OutputDefSnap,
  OutputHandleSnap,
  ResourceDefSnap,
  createJobSnapshotId,
} from '@inst/types';
import type { JobDefinition } from '../job';
import { BUILTIN_DAGSTER_TYPES, DEFAULT_MODE } from './builtin-config';
import { jobConfigSchema, opConfigFieldSnap } from './config-schema';

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function dagsterTypes(): DagsterTypeNamespaceSnapshot {
  const all: Record<string, DagsterTypeSnap> = {};
  for (const [key, kind, name, description, displayName, isBuiltin, typeParamKeys, loaderSchemaKey, materializerSchemaKey] of BUILTIN_DAGSTER_TYPES) {
    all[key] = new DagsterTypeSnap({
      kind: kind as DagsterTypeSnap['kind'],
      key,
      name,
      description,
      displayName,
      isBuiltin,
      typeParamKeys: [...typeParamKeys],
      loaderSchemaKey,
      materializerSchemaKey,
    });
  }
  return new DagsterTypeNamespaceSnapshot({ allDagsterTypeSnapsByKey: all });
}

function configFieldOf(stored: { default_provided: boolean; default_value_as_json_str: string | null; description: string | null; is_required: boolean; name: string; type_key: string } | null): ConfigFieldSnap | null {
  if (!stored) return null;
  return new ConfigFieldSnap({
    name: stored.name,
    typeKey: stored.type_key,
    isRequired: stored.is_required,
    defaultProvided: stored.default_provided,
    defaultValueAsJsonStr: stored.default_value_as_json_str,
    description: stored.description,
  });
}

/** The snapshot Dagster would store for this job. For a subset (`job.parent`), the lineage points at the parent's snapshot. */
export function jobSnapshot(job: JobDefinition): JobSnapshot {
  const { snapshot: configSchemaSnapshot, rootConfigKey } = jobConfigSchema(job);
  const nodes = [...job.nodes].sort(byName);
  const opDefs = new Map<string, OpDefSnap>();
  for (const node of nodes) {
    if (opDefs.has(node.op.name)) continue;
    opDefs.set(
      node.op.name,
      new OpDefSnap({
        name: node.op.name,
        inputDefSnaps: node.op.inputs.map((input) => new InputDefSnap({ name: input.name, dagsterTypeKey: input.dagsterType, description: input.description })),
        outputDefSnaps: node.outputs.map(
          (out) => new OutputDefSnap({ name: out.name, dagsterTypeKey: out.dagsterType, description: out.description, isRequired: out.isRequired, isDynamic: false }),
        ),
        description: node.op.description,
        tags: { ...node.op.tags },
        requiredResourceKeys: [...node.op.requiredResourceKeys].sort(),
        configFieldSnap: opConfigFieldSnap(node),
      }),
    );
  }
  const invocations = nodes.map(
    (node) =>
      new NodeInvocationSnap({
        nodeName: node.name,
        nodeDefName: node.op.name,
        tags: { ...tagsOfInvocation(node.tags, node.op.tags) },
        inputDepSnaps: node.inputs
          .filter((input) => input.upstream)
          .map(
            (input) =>
              new InputDependencySnap({
                inputName: input.name,
                upstreamOutputSnaps: [new OutputHandleSnap({ nodeName: input.upstream!.nodeName, outputName: input.upstream!.outputName })],
                isDynamicCollect: false,
              }),
          ),
        isDynamicMapped: false,
      }),
  );
  const mode = new ModeDefSnap({
    name: 'default',
    description: null,
    resourceDefSnaps: [
      new ResourceDefSnap({ name: DEFAULT_MODE.resource.name, description: DEFAULT_MODE.resource.description, configFieldSnap: configFieldOf(DEFAULT_MODE.resource.config_field_snap) }),
    ],
    loggerDefSnaps: [
      new LoggerDefSnap({ name: DEFAULT_MODE.logger.name, description: DEFAULT_MODE.logger.description, configFieldSnap: configFieldOf(DEFAULT_MODE.logger.config_field_snap) }),
    ],
    rootConfigKey,
  });
  const lineageSnapshot = job.parent
    ? new JobLineageSnapshot({
        parentSnapshotId: createJobSnapshotId(job.parent.snapshot),
        opSelection: job.opSelection ? [...job.opSelection] : null,
        resolvedOpSelection: job.opSelection ? new Set(job.opSelection) : null,
        assetSelection: job.assetSelection ? new Set(job.assetSelection) : null,
        assetCheckSelection: job.isAssetJob ? new FrozenSet(job.assetCheckSelection ?? []) : null,
      })
    : null;
  return new JobSnapshot({
    name: job.name,
    description: job.description,
    tags: { ...job.tags },
    runTags: job.runTags ? { ...job.runTags } : null,
    configSchemaSnapshot,
    dagsterTypeNamespaceSnapshot: dagsterTypes(),
    nodeDefsSnapshot: new NodeDefsSnapshot({ opDefSnaps: [...opDefs.values()].sort(byName), graphDefSnaps: [] }),
    depStructureSnapshot: new DependencyStructureSnapshot({ nodeInvocationSnaps: invocations }),
    modeDefSnaps: [mode],
    lineageSnapshot,
    graphDefName: job.name,
    metadata: [],
  });
}

/** The invocation's own tags: the node's tags minus those it got from its op. */
function tagsOfInvocation(nodeTags: Readonly<Record<string, string>>, opTags: Readonly<Record<string, string>>): Record<string, string> {
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(nodeTags)) if (opTags[key] !== value) own[key] = value;
  return own;
}

/** The id of the job's snapshot (SHA-1 of its serialized bytes). */
export function jobSnapshotId(job: JobDefinition): string {
  return createJobSnapshotId(job.snapshot);
}
