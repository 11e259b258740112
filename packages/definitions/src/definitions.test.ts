import { describe, expect, it } from 'vitest';
import { AssetCheckKey, AssetKey, KnownExecutionState } from '@inst/types';
import { FrozenSet } from '@inst/serdes';
import { Definitions, defineAsset, defineAssetCheck, defineAssetJob, defineJob, defineOp, defineSensor, staticPartitions, dailyPartitions } from './index';

describe('Definitions validation', () => {
  const a = defineAsset({ key: 'a' }, () => 1);
  it('rejects duplicate asset keys, jobs and instigator names', () => {
    expect(() => new Definitions({ assets: [a, defineAsset({ key: 'a' }, () => 2)] })).toThrow(expect.objectContaining({ kind: 'DUPLICATE_DEFINITION', code: 'INVALID_ARGUMENT' }));
    const job = defineJob({ name: 'j', ops: [defineOp({ name: 'o' }, () => 1)] });
    expect(() => new Definitions({ jobs: [job, job] })).toThrow(expect.objectContaining({ kind: 'DUPLICATE_DEFINITION' }));
    const s = defineSensor({ name: 's', job }, () => undefined);
    expect(() => new Definitions({ jobs: [job], sensors: [s, s] })).toThrow(expect.objectContaining({ kind: 'DUPLICATE_DEFINITION' }));
  });
  it('rejects data inputs from undefined assets, unknown selections and checks of unknown assets', () => {
    const b = defineAsset({ key: 'b', ins: { a } }, () => 1);
    expect(() => new Definitions({ assets: [b] })).toThrow(expect.objectContaining({ kind: 'UNKNOWN_DEPENDENCY' }));
    // An ordering-only dep on an undefined asset is an external asset, as in Dagster.
    expect(new Definitions({ assets: [defineAsset({ key: 'c', deps: ['external'] }, () => 1)] }).assets).toHaveLength(1);
    expect(() => new Definitions({ assets: [a], jobs: [defineAssetJob({ name: 'x', selection: ['nope'] })] })).toThrow(expect.objectContaining({ kind: 'UNKNOWN_DEPENDENCY' }));
    expect(() => new Definitions({ assetChecks: [defineAssetCheck({ asset: 'zzz', name: 'c' }, () => ({ passed: true }))] })).toThrow(expect.objectContaining({ kind: 'UNKNOWN_DEPENDENCY' }));
  });
  it('rejects dependency cycles with the cycle in the error', () => {
    const x = defineAsset({ key: 'x', deps: ['y'] }, () => 1);
    const y = defineAsset({ key: 'y', deps: ['x'] }, () => 1);
    expect(() => new Definitions({ assets: [x, y] })).toThrow(expect.objectContaining({ kind: 'DEPENDENCY_CYCLE', ids: { cycle: 'x -> y -> x' } }));
    const p = defineOp({ name: 'p', ins: {} }, () => 1);
    expect(() =>
      defineJob({
        name: 'loop',
        ops: [
          { op: defineOp({ name: 'q', ins: { v: { kind: 'in', description: null, dagsterType: 'Any' } } }, () => 1), inputs: { v: 'r' } },
          { op: defineOp({ name: 'r', ins: { v: { kind: 'in', description: null, dagsterType: 'Any' } } }, () => 1), inputs: { v: 'q' } },
          p,
        ],
      }),
    ).toThrow(expect.objectContaining({ kind: 'DEPENDENCY_CYCLE' }));
  });
  it('rejects invalid names and asset jobs mixing partitions definitions', () => {
    expect(() => defineOp({ name: 'has space' }, () => 1)).toThrow(/not valid/);
    const d = defineAsset({ key: 'd', partitions: dailyPartitions({ start: '2024-01-01' }) }, () => 1);
    const s = defineAsset({ key: 's', partitions: staticPartitions(['x']) }, () => 1);
    expect(() => new Definitions({ assets: [d, s], jobs: [defineAssetJob({ name: 'mixed', selection: '*' })] })).toThrow(/different partitions/);
    expect(new Definitions({ assets: [d, s] }).getJob('__ASSET_JOB').partitions).toBeNull();
  });
});

describe('subsets and re-execution plans', () => {
  const up = defineAsset({ key: 'up', checks: [{ name: 'fresh' }] }, () => 1);
  const down = defineAsset({ key: 'down', ins: { up } }, (_c, { up: v }) => v + 1);
  const downCheck = defineAssetCheck({ asset: down, name: 'positive' }, () => ({ passed: true }));
  const defs = new Definitions({ assets: [up, down], assetChecks: [downCheck] });
  const job = defs.getJob('__ASSET_JOB');

  it('the full job has the assets and both kinds of checks', () => {
    expect(job.stepKeys).toEqual(['up', 'down', 'down_positive']);
    expect(job.node('up')!.outputs.map((o) => o.assetCheckKey?.name ?? o.name)).toEqual(['result', 'fresh']);
    expect(job.node('down')!.inputs[0]!.upstream).toEqual({ nodeName: 'up', outputName: 'result' });
  });

  it('FROM_ASSET_FAILURE subsets: downstream asset alone reads its input from storage; check selection is explicit', () => {
    const subset = job.getJobSubset(job, { assetSelection: [new AssetKey(['down'])], assetCheckSelection: [new AssetCheckKey({ assetKey: new AssetKey(['down']), name: 'positive' })] });
    expect(subset.stepKeys).toEqual(['down', 'down_positive']);
    expect(subset.node('down')!.inputs[0]).toMatchObject({ upstream: null, assetKey: new AssetKey(['up']) });
    expect(subset.parent).toBe(job);
    expect(subset.snapshot.lineageSnapshot?.assetSelection).toEqual(new Set([new AssetKey(['down'])]));
    const plan = job.getExecutionPlan(subset, null, { stepKeysToExecute: null, knownState: null });
    expect(plan.steps.map((step) => step.key)).toEqual(['down', 'down_positive']);
  });

  it('FROM_FAILURE plans list every step and execute the given ones with the known state', () => {
    const known = new KnownExecutionState({ previousRetryAttempts: { down: 1 }, dynamicMappings: {}, readyOutputs: new FrozenSet(), stepOutputVersions: [], parentState: null });
    const plan = job.getExecutionPlan(job, {}, { stepKeysToExecute: ['down'], knownState: known });
    expect(plan.steps).toHaveLength(3);
    expect(plan.stepKeysToExecute).toEqual(['down']);
    expect(plan.initialKnownState?.previousRetryAttempts).toEqual({ down: 1 });
    expect(() => job.getExecutionPlan(job, {}, { stepKeysToExecute: ['missing'] })).toThrow(expect.objectContaining({ kind: 'UNKNOWN_DEPENDENCY' }));
  });

  it('op subsets drop the unselected nodes and keep a lineage', () => {
    const one = defineOp({ name: 'one' }, () => 1);
    const two = defineOp({ name: 'two', ins: { v: { kind: 'in', description: null, dagsterType: 'Any' } } }, () => 2);
    const opJob = defineJob({ name: 'pair', ops: [one, { op: two, inputs: { v: 'one' } }] });
    const sub = opJob.getSubset({ opSelection: ['two'] });
    expect(sub.stepKeys).toEqual(['two']);
    expect(sub.snapshot.lineageSnapshot).toMatchObject({ opSelection: ['two'], resolvedOpSelection: new Set(['two']) });
  });
});
