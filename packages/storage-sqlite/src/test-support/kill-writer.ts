/*
 * A writer process for crash-safety.test.ts (bundled with esbuild, run with plain `node`): stores
 * events of one run into an instance home as fast as it can — materializations (shard + index
 * copies + asset_keys), each followed by an engine event (shard only) — and prints `ack <n>` after
 * each materialization's write resolved, until it is killed. The materialization's partition is
 * `<prefix>n` (prefix: the optional third argument, so that several writers of one run stay apart).
 */
import { TestClock, engineEvent, materialization } from '@inst/storage/testing';
import { openSqliteEventLogStorage } from '../event-log.js';

const [home = '', runId = '', prefix = ''] = process.argv.slice(2);
const storage = await openSqliteEventLogStorage(home);
const clock = new TestClock();
for (let n = 0; ; n++) {
  await storage.storeEvent(materialization(clock, runId, `kill_asset_${n % 3}`, { partition: `${prefix}${n}` }));
  process.stdout.write(`ack ${prefix}${n}\n`);
  await storage.storeEvent(engineEvent(clock, runId, `after ${prefix}${n}`));
}
