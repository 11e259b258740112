/* One daemon process of the two-daemon benchmark: warms up, waits for the common start time, drains the queue, reports. */
import { Instance } from '@inst/core';
import { closeQueueLock, getRunsToDequeue, queueLockFor, RUN_QUEUE_LOCK, runQueueIteration } from '../src/index';

const [home = '', startAtArg = '0', batch = '0'] = process.argv.slice(2);
const instance = await Instance.fromConfig(home);
// Warm up as a running daemon is warm (connections, compiled code): read the queue once and take the lock once.
await getRunsToDequeue(instance, { pageSize: 1000 });
await queueLockFor(instance).withLock(RUN_QUEUE_LOCK, async () => undefined);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAtArg) - Date.now())));
let launched = 0;
const startedAt = Date.now();
const iterations: number[] = [];
for (;;) {
  const t = performance.now();
  const result = await runQueueIteration(instance, { pageSize: 1000, batchClaims: batch === '1', maxClaims: 1000 });
  launched += result.launched.length;
  iterations.push(Math.round(performance.now() - t));
  if (result.claimed.length === 0) break;
}
const finishedAt = Date.now();
await closeQueueLock(instance);
await instance.dispose();
process.stdout.write(`${JSON.stringify({ launched, startedAt, finishedAt, iterations })}\n`);
