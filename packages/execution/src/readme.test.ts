// The README's example, kept runnable; the test also checks that the README holds it as written here.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// --- README example start
import { defineJob, defineOp, input } from '@inst/definitions';
import { executeRun, InMemoryIOManager, type ExecutionInstanceOps } from '@inst/execution';
import { DagsterRun, EVENT_TYPE_TO_PIPELINE_RUN_STATUS, type EventLogEntry } from '@inst/types';

const extract = defineOp({ name: 'extract', retryPolicy: { maxRetries: 2, delay: 1 } }, () => [1, 2, 3]);
const load = defineOp({ name: 'load', ins: { rows: input<number[]>() } }, (_ctx, { rows }) => {
  console.log(`loading ${rows.length} rows`); // captured to the compute logs when the instance has a manager
  return rows.length;
});
const etl = defineJob({ name: 'etl', graph: (g) => void g.add(load, { rows: g.add(extract) }) });

// A tiny in-memory instance; @inst/core's Instance satisfies ExecutionInstanceOps as it is.
const runs = new Map([['run-1', new DagsterRun({ runId: 'run-1', jobName: 'etl' })]]);
const eventLog: EventLogEntry[] = [];
const ops: ExecutionInstanceOps = {
  getRunById: async (runId) => runs.get(runId),
  handleNewEvent: async (entry) => {
    eventLog.push(entry);
    const status = entry.dagsterEvent && EVENT_TYPE_TO_PIPELINE_RUN_STATUS.get(entry.dagsterEvent.eventType);
    const run = runs.get(entry.runId);
    if (status && run) runs.set(run.runId, run.withStatus(status));
  },
  allLogs: async (runId) => eventLog.filter((entry) => entry.runId === runId),
};

async function example() {
  const run = await executeRun(ops, 'run-1', etl, { ioManager: new InMemoryIOManager(), maxConcurrent: 4 });
  console.log(run.status); // SUCCESS
  console.log(eventLog.filter((entry) => entry.stepKey === 'load').map((entry) => entry.dagsterEventType ?? 'log'));
  // STEP_START, LOADED_INPUT, STEP_INPUT, STEP_OUTPUT, HANDLED_OUTPUT, STEP_SUCCESS
}
// --- README example end

it('runs the README example', async () => {
  const logged: unknown[] = [];
  const original = console.log;
  console.log = (value: unknown) => logged.push(value);
  try {
    await example();
  } finally {
    console.log = original;
  }
  expect(logged).toEqual(['loading 3 rows', 'SUCCESS', ['STEP_START', 'LOADED_INPUT', 'STEP_INPUT', 'STEP_OUTPUT', 'HANDLED_OUTPUT', 'STEP_SUCCESS']]);
});

it('is the example the README shows', () => {
  const source = readFileSync(new URL('./readme.test.ts', import.meta.url), 'utf8');
  const example = source.slice(source.indexOf('// --- README example start\n') + 28, source.indexOf('// --- README example end'));
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(example.trim());
});
