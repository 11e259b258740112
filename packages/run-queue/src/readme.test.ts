// The README's example, kept runnable: a home whose dagster.yaml limits the queue, three runs, one iteration.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Instance } from '@inst/core';
import { RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin } from '@inst/types';
import { expect, it } from 'vitest';
import { closeQueueLock, runQueueIteration } from './index';

const origin = new RemoteJobOrigin({
  repositoryOrigin: new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'etl' }), repositoryName: '__repository__' }),
  jobName: 'nightly',
});

async function example(home: string) {
  // --- README example start
  writeFileSync(
    join(home, 'dagster.yaml'),
    `run_queue:
  max_concurrent_runs: 2
  tag_concurrency_limits:
    - key: database
      value: warehouse
      limit: 1
run_launcher:
  module: '@inst/run-launcher'
  class: NoOpRunLauncher
`,
  );
  const instance = await Instance.fromConfig(home);
  // No run_coordinator named: a QueuedRunCoordinator, as in Dagster. submitRun returns at once, QUEUED.
  const runs = [];
  for (const tags of [{ database: 'warehouse' }, { database: 'warehouse' }, { 'dagster/priority': '5' }]) {
    const run = await instance.createRun({ jobName: 'nightly', tags, remoteJobOrigin: origin });
    runs.push(await instance.submitRun(run.runId));
  }
  // What the QUEUED_RUN_COORDINATOR daemon does every dequeue_interval_seconds:
  const { launched } = await runQueueIteration(instance);
  // launched: the priority-5 run, then the first warehouse run; the second waits for the warehouse slot.
  // --- README example end
  await closeQueueLock(instance);
  await instance.dispose();
  return { runs, launched };
}

it('runs the README example', async () => {
  const home = mkdtempSync(join(tmpdir(), 'inst-run-queue-readme-'));
  try {
    const { runs, launched } = await example(home);
    expect(runs.map((run) => run.status)).toEqual(['QUEUED', 'QUEUED', 'QUEUED']);
    expect(launched).toEqual([runs[2]!.runId, runs[0]!.runId]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
