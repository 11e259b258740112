import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decompressSnapshot } from '@inst/serdes';
import { createPgDriver } from '@inst/storage-postgres';
import { createScratchDatabase, loadDagsterDump, pgAvailable } from '@inst/storage-postgres/testing';
import { SqliteDriver } from '@inst/storage-sqlite';
import { describe, expect, it } from 'vitest';
import { instJson, makeHome } from './support';

/*
 * A debug file with the bytes Python Dagster's `dagster debug export` writes, built from a real Dagster database
 * (the 1.9.3 fixture dump): gzip of json.dumps(sort_keys=True) of DebugRunPayload, whose nested documents are the
 * stored run body, event bodies and snapshots. `inst debug import` restores it into an empty SQLite home with the
 * very same bytes in its rows.
 */

const pg = await pgAvailable();

describe.skipIf(!pg)('inst debug import of a file Dagster writes', () => {
  it('imports a Dagster run with its events and snapshots byte for byte', async () => {
    const scratch = await createScratchDatabase('inst_cli_debug');
    const raw = createPgDriver({ url: scratch.url }, { poolSize: 1 });
    const home = makeHome('debug-dagster');
    try {
      await loadDagsterDump(scratch.url, '1_9_3');
      const runs = await raw.all<{ run_id: string; run_body: string; snapshot_id: string | null }>('SELECT run_id, run_body, snapshot_id FROM runs ORDER BY id');
      const snapshots = new Map(
        (await raw.all<{ snapshot_id: string; snapshot_body: Buffer }>('SELECT snapshot_id, snapshot_body FROM snapshots')).map((r) => [r.snapshot_id, decompressSnapshot(r.snapshot_body)]),
      );
      const run = runs.find((r) => {
        const plan = (JSON.parse(r.run_body) as { execution_plan_snapshot_id?: string }).execution_plan_snapshot_id;
        return r.snapshot_id && snapshots.has(r.snapshot_id) && plan && snapshots.has(plan);
      });
      expect(run, 'a fixture run with both snapshots').toBeDefined();
      const planId = (JSON.parse(run!.run_body) as { execution_plan_snapshot_id: string }).execution_plan_snapshot_id;
      const events = (await raw.all<{ event: string }>('SELECT event FROM event_logs WHERE run_id = ? ORDER BY id', [run!.run_id])).map((e) => e.event);
      expect(events.length).toBeGreaterThan(0);

      // Python: json.dumps(packed, sort_keys=True) — keys in code-point order, ", " and ": " separators.
      const text = `{"__class__": "DebugRunPayload", "event_list": [${events.join(', ')}], "execution_plan_snapshot": ${snapshots.get(planId)}, "pipeline_run": ${run!.run_body}, "pipeline_snapshot": ${snapshots.get(run!.snapshot_id!)}, "version": "1.9.3"}`;
      const file = join(home, 'dagster-run.gz');
      writeFileSync(file, gzipSync(Buffer.from(text, 'utf8')));

      const imported = await instJson<{ imports: { runId: string; imported: boolean; events: number; version: string }[] }>(home, ['debug', 'import', file]);
      expect(imported.imports).toEqual([{ file, runId: run!.run_id, imported: true, events: events.length, version: '1.9.3' }]);

      const runsDb = await SqliteDriver.open(join(home, 'history', 'runs.db'));
      const shard = await SqliteDriver.open(join(home, 'history', 'runs', `${run!.run_id}.db`));
      try {
        expect((await runsDb.get<{ run_body: string }>('SELECT run_body FROM runs WHERE run_id = ?', [run!.run_id]))?.run_body).toBe(run!.run_body);
        const stored = await runsDb.all<{ snapshot_id: string }>('SELECT snapshot_id FROM snapshots ORDER BY snapshot_id');
        expect(stored.map((s) => s.snapshot_id)).toEqual([planId, run!.snapshot_id!].sort());
        expect((await shard.all<{ event: string }>('SELECT event FROM event_logs ORDER BY id')).map((e) => e.event)).toEqual(events);
      } finally {
        await runsDb.close();
        await shard.close();
      }

      // And inst's export of it is the same document Dagster's would be.
      const out = join(home, 'again.gz');
      await instJson(home, ['debug', 'export', run!.run_id, out]);
      expect(gunzipSync(readFileSync(out)).toString('utf8')).toBe(text.replace('"version": "1.9.3"', '"version": "inst-0.0.0"'));
    } finally {
      await raw.close();
      await scratch.drop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
