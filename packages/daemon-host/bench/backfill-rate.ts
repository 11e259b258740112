/**
 * Benchmark: backfill run-creation rate. Creates a job backfill of N partitions and times one backfill daemon
 * iteration (create + submit every run through the queued coordinator), on SQLite and on Postgres.
 *
 *   node --conditions=@inst/source --import tsx bench/backfill-rate.ts [--partitions 2000] [--backend sqlite|postgres|both]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Instance } from '@inst/core';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import { BulkActionStatus, PartitionBackfill, RUN_TAGS, RunsFilter } from '@inst/types';
import { executeBackfillIteration } from '../src/backfills';
import { repositoryOriginOf } from '../src/locations';
import { silentLogger } from '../src/logger';

const { values } = parseArgs({ options: { partitions: { type: 'string', default: '2000' }, backend: { type: 'string', default: 'both' }, concurrency: { type: 'string', default: '8' } } });
const N = Number(values.partitions);

async function measure(label: string, instance: Instance): Promise<void> {
  const location = { name: 'bench', snapshot: async () => ({ jobs: [{ name: 'bench_job', partitioned: true }] }), evaluateSchedule: async () => ({ runRequests: [] }), evaluateSensor: async () => ({ runRequests: [] }) };
  const repositoryOrigin = repositoryOriginOf(location, await location.snapshot());
  const partitionNames = Array.from({ length: N }, (_, i) => `p${i}`);
  await instance.addBackfill(
    new PartitionBackfill({
      backfillId: 'benchbfl',
      status: BulkActionStatus.REQUESTED,
      fromFailure: false,
      backfillTimestamp: Date.now() / 1000,
      partitionSetOrigin: repositoryOrigin.getPartitionSetOrigin('bench_job_partition_set'),
      partitionNames,
    }),
  );
  const ctx = { instance, workspace: { locations: [location] }, signal: new AbortController().signal, now: () => Date.now() / 1000, log: silentLogger, daemonId: randomUUID() };
  const started = performance.now();
  const [result] = await executeBackfillIteration(ctx, { concurrency: Number(values.concurrency) });
  const seconds = (performance.now() - started) / 1000;
  const count = await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'benchbfl' } }));
  console.log(
    JSON.stringify({ bench: 'backfill-run-creation', backend: label, partitions: N, runsCreated: result?.runsCreated, runsStored: count, seconds: Number(seconds.toFixed(3)), runsPerSecond: Math.round(count / seconds) }),
  );
}

if (values.backend === 'sqlite' || values.backend === 'both') {
  const home = mkdtempSync(join(tmpdir(), 'inst-bench-'));
  writeFileSync(join(home, 'dagster.yaml'), '');
  const instance = await Instance.fromConfig(home);
  try {
    await measure('sqlite', instance);
  } finally {
    await instance.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}
if ((values.backend === 'postgres' || values.backend === 'both') && (await pgAvailable())) {
  const scratch = await createScratchDatabase('inst_bench_backfill');
  const home = mkdtempSync(join(tmpdir(), 'inst-bench-'));
  writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`);
  const instance = await Instance.fromConfig(home);
  try {
    await measure('postgres', instance);
  } finally {
    await instance.dispose();
    await scratch.drop();
    rmSync(home, { recursive: true, force: true });
  }
}
