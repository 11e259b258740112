// run_monitoring.free_slots_after_run_end_seconds: slots held by runs that ended are freed after the delay.
import { DagsterRunStatus } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { concurrencySlotsIteration, runMonitoringIteration } from '../src/index';
import { BACKENDS, clock, finishRun, submitRun, testHome, type TestHome } from './support';

describe.each(BACKENDS)('freeing the slots of ended runs on %s', (backend) => {
  let home: TestHome | undefined;
  afterEach(async () => {
    await home?.dispose();
    home = undefined;
  });

  it('frees a finished run’s slots only once free_slots_after_run_end_seconds have passed since it ended; running runs keep theirs', async () => {
    home = await testHome(backend, { run_monitoring: { enabled: true, free_slots_after_run_end_seconds: 600 } });
    const { instance } = home;
    const storage = instance.eventLogStorage;
    await storage.setConcurrencySlots('warehouse', 2);
    const ended = await submitRun(instance);
    const running = await submitRun(instance);
    expect((await storage.claimConcurrencySlot('warehouse', ended.runId, 'a')).isClaimed).toBe(true);
    expect((await storage.claimConcurrencySlot('warehouse', running.runId, 'b')).isClaimed).toBe(true);
    await finishRun(instance, ended.runId);
    expect((await instance.getRunById(ended.runId))?.status).toBe(DagsterRunStatus.SUCCESS);
    const now = clock();
    // Not yet: ended just now.
    expect(await concurrencySlotsIteration(instance, { now })).toEqual([]);
    now.advance(599);
    expect(await concurrencySlotsIteration(instance, { now })).toEqual([]);
    expect([...(await storage.getConcurrencyRunIds())].sort()).toEqual([ended.runId, running.runId].sort());
    now.advance(2);
    expect(await concurrencySlotsIteration(instance, { now })).toEqual([ended.runId]);
    expect([...(await storage.getConcurrencyRunIds())]).toEqual([running.runId]);
    expect((await storage.getConcurrencyInfo('warehouse')).claimedSlots.map((s) => s.runId)).toEqual([running.runId]);
    // The monitoring daemon's iteration runs the pass too.
    const other = await submitRun(instance);
    expect((await storage.claimConcurrencySlot('warehouse', other.runId, 'c')).isClaimed).toBe(true);
    await finishRun(instance, other.runId);
    now.advance(601);
    expect((await runMonitoringIteration(instance, { now })).freedSlotsOfRuns).toEqual([other.runId]);
    // The setting unset turns the pass off.
    expect(await concurrencySlotsIteration(instance, { now, freeSlotsAfterRunEndSeconds: null })).toEqual([]);
  });
});
