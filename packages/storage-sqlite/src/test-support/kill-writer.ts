/*
 * A writer process for crash-safety.test.ts (bundled with esbuild, run with plain `node`): stores
 * events of one run into an instance home as fast as it can — materializations (shard + index
 * copies + asset_keys), each followed by an engine event (shard only) — and prints `ack <n>` after
 * each materialization's write resolved, until it is killed. The materialization's partition is n.
 */
import { TestClock, engineEvent, materialization } from '@inst/storage/testing';
import { openSqliteEventLogStorage } from '../event-log.js';

const [home = '', runId = ''] = process.argv.slice(2);
const storage = await openSqliteEventLogStorage(home);
const clock = new TestClock();
for (let n = 0; ; n++) {
  await storage.storeEvent(materialization(clock, runId, `kill_asset_${n % 3}`, { partition: String(n) }));
  process.stdout.write(`ack ${n}\n`);
  await storage.storeEvent(engineEvent(clock, runId, `after ${n}`));
}
