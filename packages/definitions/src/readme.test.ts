// The README's example, kept runnable: the code between the markers is the README's code block, word for word.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { serializeValue } from '@inst/serdes';
import {
  Definitions,
  dailyPartitions,
  defineAsset,
  defineJob,
  defineOp,
  defineSchedule,
  evaluateSchedule,
  executionPlanSnapshot,
  input,
} from './index';

async function example() {
  // --- README example start
  const days = dailyPartitions({ start: '2024-01-01', timezone: 'UTC' });

  const raw = defineAsset({ key: ['events', 'raw'], partitions: days }, (ctx) => ({ day: ctx.partitionKey, rows: 3 }));
  const clean = defineAsset({ key: ['events', 'clean'], partitions: days, ins: { raw } }, (_ctx, { raw }) => raw.rows * 2);

  const extract = defineOp({ name: 'extract' }, () => [1, 2, 3]);
  const total = defineOp({ name: 'total', ins: { values: input<number[]>() } }, (_ctx, { values }) => values.reduce((a, b) => a + b, 0));
  const etl = defineJob({
    name: 'etl',
    graph: (g) => {
      const values = g.add(extract); // OutputRef<number[]>
      g.add(total, { values }); // an OutputRef<string> here would not compile
    },
  });

  const nightly = defineSchedule({ name: 'nightly', job: etl, cron: '0 1 * * *' });
  const defs = new Definitions({ assets: [raw, clean], jobs: [etl], schedules: [nightly] });

  const snapshot = defs.getJob('etl').snapshot; // Dagster's JobSnapshot (stored as PipelineSnapshot)
  const plan = executionPlanSnapshot(defs.getJob('__ASSET_JOB'), { stepKeysToExecute: ['events__clean'] });
  const tick = await evaluateSchedule(defs, 'nightly', { scheduledExecutionTime: Date.parse('2024-03-01T01:00:00Z') / 1000 });
  // --- README example end
  return { snapshot, plan, tick, days };
}

it('runs the README example', async () => {
  const { snapshot, plan, tick, days } = await example();
  expect(serializeValue(snapshot).slice(0, 32)).toBe('{"__class__": "PipelineSnapshot"');
  expect(plan.steps.map((step) => step.key)).toEqual(['events__clean', 'events__raw']);
  expect(plan.stepKeysToExecute).toEqual(['events__clean']);
  expect(tick.runRequests).toEqual([{ runKey: null, runConfig: {}, tags: {}, partitionKey: null, jobName: 'etl' }]);
  expect(days.getPartitionKeys({ now: Date.parse('2024-01-03T00:00:00Z') / 1000 })).toEqual(['2024-01-01', '2024-01-02']);
});

it('the README shows the same code', () => {
  const source = readFileSync(new URL('./readme.test.ts', import.meta.url), 'utf8');
  const start = source.indexOf('// --- README example start\n') + '// --- README example start\n'.length;
  const code = source.slice(start, source.indexOf('  // --- README example end')).replace(/^ {2}/gm, '');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(code);
});
