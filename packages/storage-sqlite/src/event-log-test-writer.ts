/*
 * A writer process for event-log-sqlite.test.ts (bundled with esbuild and run with plain `node`):
 * opens the event log of an instance home and stores `count` ENGINE_EVENTs of one run, numbered
 * from 0 in their user message, a few milliseconds apart. Prints one JSON line when done.
 */
import { DagsterEvent, DagsterEventType, EventLogEntry } from '@inst/types';
import { openSqliteEventLogStorage } from './event-log.js';

const [home = '', runId = '', countArg = '10', gapArg = '5'] = process.argv.slice(2);
const storage = await openSqliteEventLogStorage(home);
const errors: string[] = [];
for (let i = 0; i < Number(countArg); i++) {
  try {
    await storage.storeEvent(
      new EventLogEntry({
        errorInfo: null,
        level: 'debug',
        userMessage: String(i),
        runId,
        timestamp: Date.now() / 1000,
        dagsterEvent: new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: 'writer' }),
      }),
    );
  } catch (error) {
    errors.push(String(error));
  }
  await new Promise((resolve) => setTimeout(resolve, Number(gapArg)));
}
await storage.dispose();
process.stdout.write(`${JSON.stringify({ errors })}\n`);
