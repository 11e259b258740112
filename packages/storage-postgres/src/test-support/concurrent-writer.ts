/*
 * A writer process for concurrent-writers.test.ts (run with `node --import tsx --conditions=@inst/source`):
 * opens the Postgres storages of `url` and stores `count` ENGINE_EVENTs of one run, one per
 * transaction, messages `<writer>:<i>`. Waits for a line on stdin first, so that every writer of
 * a test starts at once; prints one JSON line when done.
 */
import { DagsterEvent, DagsterEventType, EventLogEntry } from '@inst/types';
import { openPostgresStorages } from '../storages.js';

const [url = '', runId = '', writer = '0', countArg = '200', serialize = 'true'] = process.argv.slice(2);
const storages = await openPostgresStorages({ url }, { poolSize: 2, serializeRunWrites: serialize === 'true', logger: { warn: () => {} }, onConnectionError: () => {} });
await storages.runStorage.getRunsCount(); // connected before the start signal
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const errors: string[] = [];
for (let i = 0; i < Number(countArg); i++) {
  try {
    await storages.eventLogStorage.storeEvent(
      new EventLogEntry({
        errorInfo: null,
        level: 'debug',
        userMessage: `${writer}:${i}`,
        runId,
        timestamp: Date.now() / 1000,
        dagsterEvent: new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: 'writers' }),
      }),
    );
  } catch (error) {
    errors.push(String(error));
  }
}
await storages.dispose();
process.stdout.write(`${JSON.stringify({ errors })}\n`);
process.stdin.destroy();
