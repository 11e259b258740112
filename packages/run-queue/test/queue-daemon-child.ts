/*
 * One daemon process of the multi-daemon test: opens the instance of a home (as `inst daemon run` would), then
 * runs the queue iteration with batched claims (as the daemon host does), woken by the waker, until the stop file exists and nothing is queued. Prints one JSON
 * line: its pid and the runs its iterations launched.
 */
import { existsSync } from 'node:fs';
import { Instance } from '@inst/core';
import { DagsterRunStatus, RunsFilter } from '@inst/types';
import { closeQueueLock, QueueWaker, runQueueIteration } from '../src/index';

const [home = '', stopFile = ''] = process.argv.slice(2);
const instance = await Instance.fromConfig(home);
const waker = new QueueWaker(instance);
const launched: string[] = [];
let iterations = 0;
for (;;) {
  // As a daemon host does: an iteration that throws is reported and the loop goes on.
  try {
    const result = await runQueueIteration(instance, { launchConcurrency: 4, batchClaims: true, logger: { error: (m) => process.stderr.write(`${m}\n`) } });
    launched.push(...result.launched);
  } catch (error) {
    process.stderr.write(`iteration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  iterations++;
  if (existsSync(stopFile) && (await instance.getRunsCount(new RunsFilter({ statuses: [DagsterRunStatus.QUEUED] }))) === 0) break;
  await waker.wait(500);
}
await waker.close();
await closeQueueLock(instance);
await instance.dispose();
process.stdout.write(`${JSON.stringify({ pid: process.pid, launched, iterations })}\n`);
