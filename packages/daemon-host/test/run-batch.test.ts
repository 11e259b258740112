import { randomUUID } from 'node:crypto';
import { Instance } from '@inst/core';
import { RunAlreadyExistsError } from '@inst/errors';
import { DagsterEventType, DagsterRun, DagsterRunStatus, RUN_TAGS, RunsFilter } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunForRequest, repositoryOriginOf } from '../src/locations';
import { RunBatch } from '../src/run-batch';
import { fakeLocation, tempInstance } from './fixtures';

let instance: Instance | undefined;
afterEach(async () => {
  await instance?.dispose();
  instance = undefined;
});

async function loadedLocation() {
  const location = fakeLocation({ snapshot: { jobs: [{ name: 'the_job', partitioned: true }] } });
  const snapshot = await location.snapshot();
  return { location, snapshot, repositoryOrigin: repositoryOriginOf(location, snapshot) };
}

describe('batched run creation', () => {
  it('stores what createRun + submitRun store for each run: QUEUED, its tags, one PIPELINE_ENQUEUED event', async () => {
    instance = await tempInstance();
    const loaded = await loadedLocation();
    // One run the ordinary way, to compare with.
    const single = await createRunForRequest(instance, loaded, { jobName: 'the_job', tags: { [RUN_TAGS.PARTITION_NAME]: 'a', [RUN_TAGS.BACKFILL_ID]: 'bf' } });
    await instance.submitRun(single.runId);

    const batch = RunBatch.for(instance, true);
    expect(batch).not.toBeNull();
    for (const key of ['b', 'c', 'd']) await createRunForRequest(batch!.creator, loaded, { jobName: 'the_job', tags: { [RUN_TAGS.PARTITION_NAME]: key, [RUN_TAGS.BACKFILL_ID]: 'bf' } });
    expect(await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'bf' } }))).toBe(1); // nothing written before the flush
    const stored = await batch!.flush();
    expect(stored).toHaveLength(3);

    const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'bf' } }));
    expect(runs.map((r) => r.tags[RUN_TAGS.PARTITION_NAME]).sort()).toEqual(['a', 'b', 'c', 'd']);
    const reference = (await instance.getRunById(single.runId))!;
    for (const run of runs) {
      expect(run.status).toBe(DagsterRunStatus.QUEUED);
      expect(run.remoteJobOrigin?.getId()).toBe(reference.remoteJobOrigin?.getId());
      const types = (await instance.allLogs(run.runId)).map((e) => e.dagsterEvent?.eventType);
      expect(types).toEqual([DagsterEventType.RUN_ENQUEUED]);
    }
    // The partition tag is queryable through the run_tags rows and the denormalized column alike.
    expect(await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.PARTITION_NAME]: 'c' } }))).toBe(1);
  });

  it('addRuns writes all runs or none: a run id already stored leaves nothing half-written', async () => {
    instance = await tempInstance();
    const storage = instance.runStorage as unknown as { addRuns(runs: readonly DagsterRun[]): Promise<DagsterRun[]> };
    const existing = await instance.createRun({ jobName: 'the_job' });
    const fresh = new DagsterRun({ jobName: 'the_job', runId: randomUUID(), tags: { team: 'x' } });
    await expect(storage.addRuns([fresh, new DagsterRun({ jobName: 'the_job', runId: existing.runId })])).rejects.toThrow(RunAlreadyExistsError);
    expect(await instance.hasRun(fresh.runId)).toBe(false);
    await expect(storage.addRuns([fresh, fresh])).rejects.toThrow(RunAlreadyExistsError);
    expect(await instance.hasRun(fresh.runId)).toBe(false);
    await storage.addRuns([fresh]);
    expect((await instance.getRunById(fresh.runId))?.tags).toEqual({ team: 'x' });
  });

  it('is not used when the instance overrides createRun', async () => {
    class CountingInstance extends Instance {
      created = 0;
      override createRun(...args: Parameters<Instance['createRun']>): ReturnType<Instance['createRun']> {
        this.created++;
        return super.createRun(...args);
      }
    }
    instance = await CountingInstance.localTemp();
    expect(RunBatch.for(instance, true)).toBeNull(); // the override is seen: runs are created one by one through it
    await instance.dispose();
    instance = await tempInstance();
    expect(RunBatch.for(instance, true)).not.toBeNull();
  });
});
