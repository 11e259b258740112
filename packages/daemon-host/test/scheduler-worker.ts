/**
 * A scheduler process for the kill test: one scheduler pass at a fixed time over a test location; with
 * KILL_AT=<crash point> it SIGKILLs itself at that point of the tick, as a daemon killed mid-tick.
 */
import { randomUUID } from 'node:crypto';
import { Instance } from '@inst/core';
import { silentLogger } from '../src/logger';
import { launchScheduledRuns } from '../src/scheduler';

const [home, nowText] = process.argv.slice(2);
const instance = await Instance.fromConfig(home!);
const location = {
  name: 'kill_test',
  snapshot: async () => ({ jobs: [{ name: 'the_job' }], schedules: [{ name: 'the_schedule', jobName: 'the_job', cronSchedule: '0 * * * *', defaultStatus: 'RUNNING' }] }),
  evaluateSchedule: async () => ({ runRequests: [{ runKey: 'a' }, { runKey: 'b' }] }),
  evaluateSensor: async () => ({ runRequests: [] }),
};
const killAt = process.env.KILL_AT;
let created = 0;
await launchScheduledRuns(
  { instance, workspace: { locations: [location] }, signal: new AbortController().signal, now: () => Number(nowText), log: silentLogger, daemonId: randomUUID() },
  {
    crashAt: (point) => {
      if (point === killAt && (point !== 'RUN_CREATED' || ++created === 2)) process.kill(process.pid, 'SIGKILL');
    },
  },
);
await instance.dispose();
process.stdout.write('pass done\n');
