import { describe, expect, it } from 'vitest';
import { recordingDriver as recording, SqlRunStorage } from '@inst/storage-sql';
import { DagsterRun, RunsFilter } from '@inst/types';
import { openSqliteStorages } from './storages.js';

/*
 * getRuns with a tag filter (issue 18): a tag matching many runs is read by probing
 * idx_run_tags_run_id (key, value, run_id) run by run, newest first, so a page stops after `limit`
 * matches; a rare tag keeps `run_id IN (…)`. Checked by the plan SQLite gives the statement the
 * storage actually sent, on a seeded database, and by the pages read.
 */

describe('getRuns by tag on SQLite', () => {
  it('probes (key, value, run_id) for a common tag, keeps IN for a rare one, and pages the same runs', async () => {
    const storages = await openSqliteStorages(':memory:');
    try {
      const { driver, selects } = recording(storages.layout.runs);
      const storage = new SqlRunStorage({ driver });
      const teamOf = (i: number): string => `t${i % 5}`;
      for (let i = 0; i < 1500; i++) {
        const tags: Record<string, string> = { team: teamOf(i), n: String(i) };
        if (i === 700) tags.rare = 'yes';
        await storage.addRun(new DagsterRun({ runId: `run-${String(i).padStart(5, '0')}`, jobName: 'job', tags }));
      }
      const expected = Array.from({ length: 1500 }, (_, i) => i).filter((i) => teamOf(i) === 't2').reverse().map((i) => `run-${String(i).padStart(5, '0')}`);

      // Page through every run of team t2, 50 at a time.
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        selects.length = 0;
        const page = await storage.getRuns(new RunsFilter({ tags: { team: 't2' } }), cursor, 50);
        if (page.length === 0) break;
        seen.push(...page.map((r) => r.runId));
        cursor = page[page.length - 1]!.runId;
        const query = selects.find((s) => s.text.includes('run_body'))!;
        expect(query.text).toContain('EXISTS (SELECT 1 FROM run_tags');
        const plan = (await storages.layout.runs.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${query.text}`, query.params)).map((r) => r.detail);
        expect(plan.join('\n')).toMatch(/SEARCH run_tags .*USING COVERING INDEX idx_run_tags_run_id \(key=\? AND value=\? AND run_id=\?\)/);
        // No sort of all matches: runs are walked in id order.
        expect(plan.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      }
      expect(seen).toEqual(expected);

      selects.length = 0;
      expect((await storage.getRuns(new RunsFilter({ tags: { rare: 'yes' } }), undefined, 50)).map((r) => r.runId)).toEqual(['run-00700']);
      const rare = selects.find((s) => s.text.includes('run_body'))!;
      expect(rare.text).toContain('runs.run_id IN (SELECT run_tags.run_id FROM run_tags');
      const plan = (await storages.layout.runs.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${rare.text}`, rare.params)).map((r) => r.detail);
      expect(plan.join('\n')).toMatch(/SEARCH run_tags USING COVERING INDEX idx_run_tags_run_id \(key=\? AND value=\?\)/);

      // A list value and no limit take the IN shape and read the same runs.
      expect((await storage.getRuns(new RunsFilter({ tags: { team: ['t2'] } }))).map((r) => r.runId)).toEqual(expected);
      expect((await storage.getRuns(new RunsFilter({ tags: { team: ['t2', 't3'] } }), undefined, 50)).length).toBe(50);
    } finally {
      await storages.dispose();
    }
  });
});
