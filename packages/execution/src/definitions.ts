/**
 * `@inst/definitions` jobs in the executor's model: one step per job node (step key = node name), inputs from the
 * upstream nodes' outputs (or, for assets of other jobs, loaded by asset key), outputs with their asset and
 * check keys, the op's retry policy, pool and tags. An asset's in-step checks are evaluated on the asset's value
 * after the asset's function, each as its own output (Dagster's multi-output asset step).
 */
import type { AssetCheckResult as DefsCheckResult, JobDefinition, JobNode, OpContext } from '@inst/definitions';
import { RUN_TAGS, type RawMetadataValue } from '@inst/types';
import { Output, type AssetCheckResult, type ExecutableJob, type ExecutionStepDef, type StepExecutionContext } from './model';

/** Whether a value is an `@inst/definitions` job (duck-typed: package copies may differ). */
export function isDefinitionsJob(value: unknown): value is JobDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'job' && Array.isArray((value as { nodes?: unknown }).nodes);
}

/** An `@inst/definitions` `Output` (value + metadata), from any copy of the package. */
function isDefsOutput(value: unknown): value is { value: unknown; metadata: Readonly<Record<string, unknown>> } {
  return typeof value === 'object' && value !== null && value.constructor?.name === 'Output' && 'value' in value && 'metadata' in value && !(value instanceof Output);
}

function toOutput(value: unknown): unknown {
  return isDefsOutput(value) ? new Output(value.value, value.metadata as Readonly<Record<string, RawMetadataValue>>) : value;
}

function toCheckResult(result: DefsCheckResult): AssetCheckResult {
  return {
    passed: result.passed,
    ...(result.severity ? { severity: result.severity } : {}),
    ...(result.description !== undefined ? { description: result.description } : {}),
    ...(result.metadata ? { metadata: result.metadata as Readonly<Record<string, RawMetadataValue>> } : {}),
  };
}

/** The op context `@inst/definitions` functions receive, built from the executor's step context. */
function opContext(ctx: StepExecutionContext, node: JobNode): OpContext & { readonly assetKey: NonNullable<OpContext['assetKey']> } {
  const start = ctx.run.tags[RUN_TAGS.ASSET_PARTITION_RANGE_START];
  const end = ctx.run.tags[RUN_TAGS.ASSET_PARTITION_RANGE_END];
  return {
    run: ctx.run,
    runId: ctx.runId,
    jobName: ctx.jobName,
    opName: ctx.opName,
    stepKey: ctx.stepKey,
    runConfig: ctx.runConfig,
    config: ctx.config,
    log: ctx.log,
    signal: ctx.signal,
    retryNumber: ctx.retryNumber,
    partitionKey: ctx.partitionKey,
    partitionKeyRange: start && end ? { start, end } : null,
    assetKey: (node.asset?.key ?? node.assetCheck?.key.assetKey ?? null) as NonNullable<OpContext['assetKey']>,
    instance: ctx.instance,
  };
}

function stepOfNode(node: JobNode): ExecutionStepDef {
  const checkOutputs = new Map(node.checks.map((check) => [check.outputName, check]));
  return {
    key: node.stepKey,
    opName: node.name,
    inputs: node.inputs.map((input) => ({
      name: input.name,
      from: input.upstream ? { stepKey: input.upstream.nodeName, outputName: input.upstream.outputName } : { assetKey: input.assetKey?.path ?? [input.name] },
      dagsterType: input.dagsterType,
    })),
    outputs: node.outputs.map((output) => {
      const check = checkOutputs.get(output.name) ?? (node.assetCheck && output.assetCheckKey ? node.assetCheck : null);
      return {
        name: output.name,
        dagsterType: output.dagsterType,
        isRequired: output.isRequired,
        isAssetPartitioned: output.isAssetPartitioned,
        assetKey: output.assetKey ? [...output.assetKey.path] : null,
        assetCheck: output.assetCheckKey ? { assetKey: [...output.assetCheckKey.assetKey.path], name: output.assetCheckKey.name, blocking: check?.blocking ?? false } : null,
      };
    }),
    retryPolicy: node.retryPolicy,
    pool: node.pool,
    tags: node.tags,
    compute: async (ctx, inputs) => {
      const context = opContext(ctx, node);
      const returned = await node.op.fn(context, inputs);
      const outputNames = node.outputs.map((output) => output.name);
      if (node.assetCheck) return toCheckResult(returned as DefsCheckResult);
      if (node.checks.length === 0) {
        if (node.op.singleOutput || outputNames.length === 1) return toOutput(returned);
        const values: Record<string, unknown> = {};
        for (const [name, value] of Object.entries((returned ?? {}) as Record<string, unknown>)) values[name] = toOutput(value);
        return values;
      }
      // An asset with in-step checks: the asset's output, then each check on the asset's value.
      const value = isDefsOutput(returned) ? returned.value : returned;
      const values: Record<string, unknown> = { result: toOutput(returned === undefined ? null : returned) };
      for (const check of node.checks) {
        if (!check.fn) continue;
        values[check.outputName] = toCheckResult(await check.fn(context, value));
      }
      return values;
    },
  };
}

/** The executor's model of an `@inst/definitions` job. */
export function executableJobFromDefinitions(job: JobDefinition): ExecutableJob {
  return { name: job.name, steps: job.nodes.map(stepOfNode), maxConcurrent: job.executor.maxConcurrent ?? null };
}
