import { DagsterEvent, DagsterEventType } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { runQueueIteration } from '../src/index';
import { BACKENDS, clock, submitRunWithPlan, testHome, type TestHome } from './support';

const POOL_STEP = { 'dagster/concurrency_key': 'warehouse' };

describe.each(BACKENDS)('block_op_concurrency_limited_runs on %s', (backend) => {
  let home: TestHome | undefined;
  afterEach(async () => {
    await home?.dispose();
    home = undefined;
  });

  it('keeps a run queued while its root pool has no free slot, until the in-progress run holds real slots', async () => {
    home = await testHome(backend, { run_queue: { max_concurrent_runs: -1, block_op_concurrency_limited_runs: { enabled: true } } });
    const { instance } = home;
    await instance.eventLogStorage.setConcurrencySlots('warehouse', 1);
    const first = await submitRunWithPlan(instance, {}, POOL_STEP);
    const second = await submitRunWithPlan(instance, {}, POOL_STEP);
    const free = await submitRunWithPlan(instance);
    expect(first.runOpConcurrency?.rootKeyCounts).toEqual({ warehouse: 1 });
    const now = clock();
    expect((await runQueueIteration(instance, { now })).launched).toEqual([first.runId, free.runId]);
    // STARTING: the first run's root step still counts against the pool.
    expect((await runQueueIteration(instance, { now })).launched).toEqual([]);
    // Started at the injected clock's time (a wall-clock start would race the clock on a busy machine).
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'job' }), first.runId, undefined, undefined, now());
    // Started more than 5 s ago: its steps claim real slots (none pending here), so the pool has room again.
    now.advance(6);
    expect((await runQueueIteration(instance, { now })).launched).toEqual([second.runId]);
  });

  it('op_concurrency_slot_buffer lets that many more runs through', async () => {
    home = await testHome(backend, {
      run_queue: { max_concurrent_runs: -1, block_op_concurrency_limited_runs: { enabled: true, op_concurrency_slot_buffer: 1 } },
    });
    const { instance } = home;
    await instance.eventLogStorage.setConcurrencySlots('warehouse', 1);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await submitRunWithPlan(instance, {}, POOL_STEP));
    expect((await runQueueIteration(instance)).launched).toEqual([runs[0]!.runId, runs[1]!.runId]);
  });

  it('does not hold runs back when disabled', async () => {
    home = await testHome(backend, { run_queue: { max_concurrent_runs: -1, block_op_concurrency_limited_runs: { enabled: false } } });
    const { instance } = home;
    await instance.eventLogStorage.setConcurrencySlots('warehouse', 1);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await submitRunWithPlan(instance, {}, POOL_STEP));
    expect((await runQueueIteration(instance)).launched).toHaveLength(3);
  });
});
