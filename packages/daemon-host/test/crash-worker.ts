/**
 * A sensor or backfill daemon process for the kill tests: one iteration at a fixed time over a test location; with
 * KILL_AT=<crash point>[:<n>] it SIGKILLs itself at the n-th (default first) time it reaches that point, as a daemon
 * killed mid-tick or mid-backfill.
 *
 * `asset-backfill` runs an asset backfill (AssetBackfillData) of ./asset-location/defs.ts, one run per chunk.
 *
 *   tsx crash-worker.ts sensor|backfill|asset-backfill <home> <now>
 */
import { randomUUID } from 'node:crypto';
import { Instance } from '@inst/core';
import { inProcessCodeLocation } from '@inst/code-location';
import { DefaultPartitionsSubset } from '@inst/definitions';
import { AssetGraphSubset, AssetKey, BulkActionStatus, PartitionBackfill } from '@inst/types';
import { emptyAssetBackfillData } from '../src/asset-backfills';
import assetDefs from './asset-location/defs';
import { executeBackfillIteration } from '../src/backfills';
import { repositoryOriginOf } from '../src/locations';
import { silentLogger } from '../src/logger';
import { executeSensorIteration } from '../src/sensors';

const [mode, home, nowText] = process.argv.slice(2);
const now = Number(nowText);
const [killAt, nth] = (process.env.KILL_AT ?? '').split(':');
let hits = 0;
const crashAt = (point: string) => {
  if (point === killAt && ++hits === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
};

const BACKFILL_PARTITIONS = Array.from({ length: 100 }, (_, i) => `p${String(i).padStart(3, '0')}`);

const location = {
  name: 'kill_test',
  snapshot: async () => ({
    jobs: [{ name: 'the_job', partitioned: true }],
    sensors: [{ name: 'the_sensor', jobNames: ['the_job'], minIntervalSeconds: 30, defaultStatus: 'RUNNING' }],
  }),
  evaluateSchedule: async () => ({ runRequests: [] }),
  // Each evaluation moves the cursor on by one and asks for the same two run keys.
  evaluateSensor: async (_name: string, ctx: { cursor: string | null }) => ({
    runRequests: [{ runKey: 'a' }, { runKey: 'b' }],
    cursor: String(Number(ctx.cursor ?? '0') + 1),
  }),
};

const instance = await Instance.fromConfig(home!);
const ctx = { instance, workspace: { locations: [location] }, signal: new AbortController().signal, now: () => now, log: silentLogger, daemonId: randomUUID() };
if (mode === 'sensor') {
  await executeSensorIteration(ctx, { crashAt });
} else if (mode === 'asset-backfill') {
  if (!(await instance.getBackfill('killtest'))) {
    const regions = () => new DefaultPartitionsSubset({ subset: new Set(['eu', 'us', 'apac']) });
    const target = new AssetGraphSubset({ partitionsSubsetsByAssetKey: new Map([[new AssetKey(['upstream']), regions()], [new AssetKey(['downstream']), regions()]]) });
    const data = emptyAssetBackfillData(target, now);
    await instance.addBackfill(new PartitionBackfill({ backfillId: 'killtest', status: BulkActionStatus.REQUESTED, fromFailure: false, backfillTimestamp: now, assetBackfillData: data }));
  }
  const assetCtx = { ...ctx, workspace: { locations: [inProcessCodeLocation(assetDefs, 'assets')] } };
  await executeBackfillIteration(assetCtx, { chunkSize: 1, crashAt });
} else {
  if (!(await instance.getBackfill('killtest'))) {
    const origin = repositoryOriginOf(location, await location.snapshot());
    await instance.addBackfill(
      new PartitionBackfill({
        backfillId: 'killtest',
        status: BulkActionStatus.REQUESTED,
        fromFailure: false,
        backfillTimestamp: now,
        partitionSetOrigin: origin.getPartitionSetOrigin('the_job_partition_set'),
        partitionNames: BACKFILL_PARTITIONS,
      }),
    );
  }
  await executeBackfillIteration(ctx, { chunkSize: 25, crashAt });
}
await instance.dispose();
