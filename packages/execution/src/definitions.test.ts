import { buildAssetJob, type AssetDefinition, defineAsset, defineAssetCheck, defineJob, defineOp, input, Output as DefsOutput, staticPartitions } from '@inst/definitions';
import type { AssetCheckEvaluation} from '@inst/types';
import { AssetCheckKey, AssetKey, DagsterEventType as E, DagsterRunStatus } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { executeRun } from './execute-run';
import { FakeExecutionInstance } from './fake-ops.test-support';
import { InMemoryIOManager } from './io/io-manager';

// buildAssetJob's parameter type does not accept typed assets yet (AssetDefinition<T> is invariant in T): cast.
describe('executing @inst/definitions jobs', () => {
  it('runs an op graph: typed inputs from upstream outputs, Output metadata, retry policy and op config', async () => {
    let attempts = 0;
    const extract = defineOp({ name: 'extract' }, (ctx) => new DefsOutput([1, 2, 3], { metadata: { source: String((ctx.config as { table: string }).table) } }));
    const load = defineOp({ name: 'load', ins: { rows: input<number[]>() }, retryPolicy: { maxRetries: 1 } }, (_ctx, { rows }) => {
      attempts++;
      if (attempts === 1) throw new Error('flaky');
      return rows.length;
    });
    const job = defineJob({
      name: 'etl',
      graph: (g) => {
        const rows = g.add(extract);
        g.add(load, { rows });
      },
    });
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'etl', runConfig: { ops: { extract: { config: { table: 'orders' } } } } });
    const run = await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    expect(run.status).toBe(DagsterRunStatus.SUCCESS);
    expect(instance.types('r1', 'load')).toEqual(['STEP_START', 'LOADED_INPUT', 'STEP_INPUT', 'STEP_UP_FOR_RETRY', 'STEP_RESTARTED', 'LOADED_INPUT', 'STEP_INPUT', 'STEP_OUTPUT', 'HANDLED_OUTPUT', 'STEP_SUCCESS']);
    const output = instance.entries.find((e) => e.stepKey === 'extract' && e.dagsterEvent?.eventType === E.STEP_OUTPUT)!.dagsterEvent!;
    expect(output.stepOutputData.metadata).toMatchObject({ source: { text: 'orders' } });
  });

  it("runs only the selected assets (and their checks) of a run with an asset selection, as Dagster subsets the job", async () => {
    const raw = defineAsset({ key: ['sel', 'raw'] }, () => [1, 2, 3]);
    const clean = defineAsset({ key: ['sel', 'clean'], ins: { raw } }, (_ctx, inputs) => (inputs.raw as number[]).length);
    const positive = defineAssetCheck({ name: 'positive', asset: clean }, () => ({ passed: true }));
    const job = buildAssetJob('sel_job', [raw, clean] as unknown as AssetDefinition[], { checks: [positive] });
    const io = new InMemoryIOManager();
    const instance = new FakeExecutionInstance();
    const stepsOf = (runId: string) => [...new Set(instance.entries.filter((e) => e.runId === runId && e.dagsterEvent?.eventType === E.STEP_SUCCESS).map((e) => e.stepKey))].sort();

    instance.addRun({ runId: 'upstream', jobName: 'sel_job', assetSelection: [new AssetKey(['sel', 'raw'])] });
    expect((await executeRun(instance, 'upstream', job, { ioManager: io })).status).toBe(DagsterRunStatus.SUCCESS);
    expect(stepsOf('upstream')).toEqual(['sel__raw']);

    // The downstream asset alone: its input loads from the IO manager, and its check runs with it.
    instance.addRun({ runId: 'downstream', jobName: 'sel_job', assetSelection: [new AssetKey(['sel', 'clean'])] });
    expect((await executeRun(instance, 'downstream', job, { ioManager: io })).status).toBe(DagsterRunStatus.SUCCESS);
    expect(stepsOf('downstream')).toEqual(['sel__clean', 'sel__clean_positive']);

    // An empty check selection leaves the check out; step keys, when a run lists them, win.
    instance.addRun({ runId: 'no-checks', jobName: 'sel_job', assetSelection: [new AssetKey(['sel', 'clean'])], assetCheckSelection: [] });
    await executeRun(instance, 'no-checks', job, { ioManager: io });
    expect(stepsOf('no-checks')).toEqual(['sel__clean']);
    instance.addRun({ runId: 'by-steps', jobName: 'sel_job', assetSelection: [new AssetKey(['sel', 'raw'])], stepKeysToExecute: ['sel__raw', 'sel__clean'] });
    await executeRun(instance, 'by-steps', job, { ioManager: io });
    expect(stepsOf('by-steps')).toEqual(['sel__clean', 'sel__raw']);
    instance.addRun({ runId: 'only-check', jobName: 'sel_job', assetSelection: [], assetCheckSelection: [new AssetCheckKey({ assetKey: new AssetKey(['sel', 'clean']), name: 'positive' })] });
    await executeRun(instance, 'only-check', job, { ioManager: io });
    expect(stepsOf('only-check')).toEqual(['sel__clean_positive']);
  });

  it('materializes a partitioned asset graph and evaluates its in-step check', async () => {
    const regions = staticPartitions(['eu', 'us']);
    const orders = defineAsset({ key: ['shop', 'orders'], partitions: regions }, (ctx) => [`${ctx.partitionKey}-1`, `${ctx.partitionKey}-2`]);
    const summary = defineAsset(
      {
        key: ['shop', 'summary'],
        ins: { orders },
        partitions: regions,
        checks: [{ name: 'not_empty', blocking: true, fn: (_ctx, value: number) => ({ passed: value > 0, metadata: { count: value } }) }],
      },
      (_ctx, inputs) => (inputs.orders as string[]).length,
    );
    const job = buildAssetJob('shop_job', [orders, summary] as unknown as AssetDefinition[]);
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'shop_job', tags: { 'dagster/partition': 'eu' } });
    const run = await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    expect(run.status).toBe(DagsterRunStatus.SUCCESS);
    const materialized = instance.entries.filter((e) => e.dagsterEvent?.eventType === E.ASSET_MATERIALIZATION).map((e) => [e.dagsterEvent!.assetKey!.path.join('/'), e.dagsterEvent!.partition]);
    expect(materialized).toEqual([
      ['shop/orders', 'eu'],
      ['shop/summary', 'eu'],
    ]);
    const evaluation = instance.entries.find((e) => e.dagsterEvent?.eventType === E.ASSET_CHECK_EVALUATION)!.dagsterEvent!.eventSpecificData as AssetCheckEvaluation;
    expect(evaluation).toMatchObject({ checkName: 'not_empty', passed: true });
    expect(evaluation.assetKey.path).toEqual(['shop', 'summary']);
  });

  it('fails the step when a blocking check fails', async () => {
    const numbers = defineAsset({ key: 'numbers', checks: [{ name: 'positive', blocking: true, fn: (_ctx, value: number) => ({ passed: value > 0 }) }] }, () => -1);
    const job = buildAssetJob('numbers_job', [numbers] as unknown as AssetDefinition[]);
    const instance = new FakeExecutionInstance();
    instance.addRun({ runId: 'r1', jobName: 'numbers_job' });
    const run = await executeRun(instance, 'r1', job, { ioManager: new InMemoryIOManager() });
    expect(run.status).toBe(DagsterRunStatus.FAILURE);
    expect(instance.types('r1')).toContain('ASSET_CHECK_EVALUATION');
    const failure = instance.entries.find((e) => e.dagsterEvent?.eventType === E.STEP_FAILURE)!;
    expect(failure.dagsterEvent!.stepFailureData.error?.message).toContain("Blocking check 'positive' did not pass");
  });
});
