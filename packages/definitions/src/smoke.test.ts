import { describe, expect, it } from 'vitest';
import { serializeValue } from '@inst/serdes';
import { Definitions, dailyPartitions, defineAsset, defineJob, defineOp, executionPlanSnapshot, input } from './index';

describe('smoke', () => {
  it('builds snapshots', () => {
    const a = defineAsset({ key: 'a', partitions: dailyPartitions({ start: '2024-01-01' }) }, () => 1);
    const b = defineAsset({ key: 'b', ins: { a } }, (_ctx, { a: value }) => value + 1);
    const extract = defineOp({ name: 'extract' }, () => 3);
    const double = defineOp({ name: 'double', ins: { n: input<number>() } }, (_ctx, { n }) => n * 2);
    const job = defineJob({ name: 'ops_job', graph: (g) => { const x = g.add(extract); g.add(double, { n: x }); } });
    const defs = new Definitions({ assets: [a, b], jobs: [job] });
    const assetJob = defs.getJob('__ASSET_JOB');
    expect(serializeValue(assetJob.snapshot).length).toBeGreaterThan(1000);
    expect(executionPlanSnapshot(job).stepKeysToExecute).toEqual(['extract', 'double']);
  });
});
