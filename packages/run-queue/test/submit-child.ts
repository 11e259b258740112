/* Submits one run to the home's instance from another process, then exits. */
import { Instance } from '@inst/core';
import { submitRun } from './support';

const [home = ''] = process.argv.slice(2);
const instance = await Instance.fromConfig(home);
const run = await submitRun(instance);
await instance.dispose();
process.stdout.write(`${run.runId}\n`);
