/**
 * Runs one instance-side operation of the benchmark in a loop, alone, to profile it:
 *
 *   node --cpu-prof --cpu-prof-dir=results/profiles --import tsx --conditions=@inst/source src/profile.ts <case> [backend]
 *   tsx src/cpuprofile-summary.ts results/profiles/<file>.cpuprofile
 *
 * Cases: single, batch, planned, create, submit, records, latest.
 */
import { EventLogCursor } from '@inst/types';
import { createBackend } from './backends';
import type { BackendName } from './config';
import { BENCH_JOB, assetKeyOf, dagsterJobs, newRunId, plannedEntry, runTags, streamEntry } from './data';
import { ReadDataset } from './dataset';
import { now } from './stats';

const CASES = ['single', 'batch', 'planned', 'create', 'submit', 'records', 'latest'] as const;
type Case = (typeof CASES)[number];

const [name, backendName = 'sqlite'] = process.argv.slice(2) as [Case, BackendName?];
if (!CASES.includes(name)) {
  console.error(`usage: profile.ts <${CASES.join('|')}> [sqlite|postgres]`);
  process.exit(2);
}
const backend = createBackend(backendName);
try {
  const handle = await backend.openInstance('profile');
  const instance = handle.instance;
  const runId = newRunId();
  await instance.createRun({ jobName: BENCH_JOB, runId });
  const n = backendName === 'sqlite' ? 20_000 : 3000;
  let items = 0;
  const start = now();
  switch (name) {
    case 'single':
      for (let i = 0; i < n; i++) await instance.handleNewEvent(streamEntry(runId, i));
      items = n;
      break;
    case 'batch':
      for (let b = 0; b < n / 100; b++) await instance.eventLogStorage.storeEventBatch(Array.from({ length: 1000 }, (_, i) => streamEntry(runId, b * 1000 + i)));
      items = (n / 100) * 1000;
      break;
    case 'planned':
      for (let b = 0; b < n / 40; b++) await instance.eventLogStorage.storeEventBatch(Array.from({ length: 1000 }, (_, i) => plannedEntry(runId, assetKeyOf(i))));
      items = (n / 40) * 1000;
      break;
    case 'create':
    case 'submit': {
      const { opJob } = dagsterJobs();
      const ids: string[] = [];
      for (let i = 0; i < n / 5; i++) {
        const run = await instance.createRun({ jobName: opJob.jobName, runId: newRunId(), tags: runTags(i), jobSnapshot: opJob.jobSnapshot, executionPlanSnapshot: opJob.executionPlanSnapshot });
        ids.push(run.runId);
      }
      if (name === 'submit') for (const id of ids) await instance.submitRun(id);
      items = ids.length;
      break;
    }
    case 'records':
    case 'latest': {
      await handle.close();
      const dataset = await ReadDataset.open(backend, { runs: 1000, bigRunEvents: 100_000, assets: 2000, materializationsPerAsset: 5, samples: 0 });
      await dataset.load(dataset.levelSizes(1), console.log);
      const t = now();
      if (name === 'records') {
        let cursor: string | null = EventLogCursor.fromStorageId(0).toString();
        for (;;) {
          const page = await dataset.handle.instance.getRecordsForRun(dataset.bigRunId, cursor, undefined, 1000);
          items += page.records.length;
          cursor = page.cursor;
          if (!page.hasMore) break;
        }
      } else {
        for (let k = 0; k < 100; k++) await dataset.handle.instance.getLatestMaterializationEvents(Array.from({ length: 1000 }, (_, i) => assetKeyOf((k + i) % 2000)));
        items = 100;
      }
      console.log(`${name}: ${items} in ${((now() - t) / 1000).toFixed(2)} s`);
      await dataset.close();
      break;
    }
  }
  console.log(`${name} (${backendName}): ${items} items, ${(items / ((now() - start) / 1000)).toFixed(0)}/s`);
  if (name !== 'records' && name !== 'latest') await handle.close();
} finally {
  await backend.dispose();
}
