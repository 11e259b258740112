/*
 * A writer process for shard-template.test.ts (bundled with esbuild, run with plain `node`): stores an engine
 * event into run `<prefix>-<n % runs>` for n = 0, 1, … with at most two shards open, so that nearly every write
 * creates a shard (from the template) or reopens one that was evicted with its WAL kept; prints `ack <n>` after
 * each write resolved, until it is killed.
 */
import { TestClock, engineEvent } from '@inst/storage/testing';
import { openSqliteEventLogStorage } from '../event-log.js';

const [home = '', prefix = '', runs = '50'] = process.argv.slice(2);
const storage = await openSqliteEventLogStorage(home, { layout: { maxOpenShards: 2 } });
const clock = new TestClock();
for (let n = 0; ; n++) {
  await storage.storeEvent(engineEvent(clock, `${prefix}-${n % Number(runs)}`, `churn ${n}`));
  process.stdout.write(`ack ${n}\n`);
}
