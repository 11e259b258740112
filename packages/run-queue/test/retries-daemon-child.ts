/*
 * One retry daemon process: opens the home's instance and runs one retry iteration. With a crash point it exits
 * abruptly (code 3) there, as a daemon killed mid-iteration would. Prints one JSON line with what it did.
 */
import { Instance } from '@inst/core';
import { closeQueueLock, runRetriesIteration } from '../src/index';

const [home = '', crashAt = ''] = process.argv.slice(2);
const instance = await Instance.fromConfig(home);
const result = await runRetriesIteration(instance, {
  onCheckpoint: (point) => {
    if (point === crashAt) process.exit(3);
  },
});
await closeQueueLock(instance);
await instance.dispose();
process.stdout.write(`${JSON.stringify(result)}\n`);
