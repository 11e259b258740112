/*
 * One of the processes of the multi-process test (concurrency.test.ts bundles this file with
 * esbuild and runs it with plain `node`): it opens the same instance home as its siblings —
 * racing them through first initialization — waits for a common start time, then writes as fast
 * as it can: read-then-write transactions, autocommit inserts, and inserts into a run shard that
 * every worker creates lazily at the same moment. It prints one JSON line with what failed.
 */
import { openSqliteLayout } from '../index.js';

const [home = '', workerId = '0', countArg = '100', startAtArg = '0'] = process.argv.slice(2);
const count = Number(countArg);
const errors: string[] = [];

const layout = await openSqliteLayout(home).catch((error: unknown) => {
  errors.push(`open: ${String(error)}`);
  return undefined;
});
if (layout) {
  const delay = Number(startAtArg) - Date.now();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  for (let i = 0; i < count; i++) {
    try {
      // Read, then write, in one transaction: with a deferred BEGIN this is where WAL reports
      // "database is locked" when another process committed in between.
      await layout.runs.transaction(async (tx) => {
        const row = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM kvs');
        await tx.run('INSERT INTO kvs ("key", value) VALUES (?, ?)', [`w${workerId}-${i}`, String(row?.n ?? 0)]);
      });
      await layout.runs.run('INSERT INTO run_tags (run_id, "key", value) VALUES (?, ?, ?)', [`run-${workerId}`, 'i', String(i)]);
      const shard = await layout.shard('shared-run');
      await shard.run('INSERT INTO event_logs (run_id, event) VALUES (?, ?)', ['shared-run', `{"w": ${workerId}, "i": ${i}}`]);
    } catch (error) {
      errors.push(String(error));
    }
  }
  await layout.close();
}
process.stdout.write(`${JSON.stringify({ workerId, errors })}\n`);
