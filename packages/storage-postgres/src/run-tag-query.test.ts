import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingDriver as recording, SqlRunStorage, type RecordedStatement } from '@inst/storage-sql';
import { DagsterRun, RunsFilter } from '@inst/types';
import { openPostgresStorages, type PostgresStorages } from './storages.js';
import { createScratchDatabase, type ScratchDatabase } from './testing/index.js';

/*
 * getRuns with a tag filter (issue 18) on Postgres: a tag matching many runs is read by probing
 * idx_run_tags_run_id (key, value, run_id) run by run along runs_pkey, newest first, so a page stops after
 * `limit` matches; a rare tag keeps `run_id IN (…)`. Checked by EXPLAIN of the statement the storage sent,
 * on a seeded and analyzed database, and by the pages read.
 */



const RUNS = 3000;
const runIdOf = (i: number): string => `run-${String(i).padStart(5, '0')}`;
const teamOf = (i: number): string => `t${i % 5}`;

describe('getRuns by tag on Postgres', () => {
  let scratch: ScratchDatabase;
  let storages: PostgresStorages;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_pg_tag_query');
    storages = await openPostgresStorages({ url: scratch.url }, { poolSize: 2, logger: { warn: () => {} } });
    const body = (i: number) => new DagsterRun({ runId: runIdOf(i), jobName: 'job', tags: { team: teamOf(i), ...(i === 700 ? { rare: 'yes' } : {}) } });
    for (let i = 0; i < RUNS; i++) await storages.runStorage.addRun(body(i));
    await storages.driver.run('ANALYZE');
  });

  afterAll(async () => {
    await storages?.dispose();
    await scratch?.drop();
  });

  async function plan(statement: RecordedStatement): Promise<string> {
    const rows = await storages.driver.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  it('probes (key, value, run_id) along runs_pkey for a common tag and pages the same runs', async () => {
    const { driver, selects } = recording(storages.driver);
    const storage = new SqlRunStorage({ driver });
    const expected = Array.from({ length: RUNS }, (_, i) => i).filter((i) => teamOf(i) === 't2').reverse().map(runIdOf);
    const seen: string[] = [];
    let cursor: string | undefined;
    let first: RecordedStatement | undefined;
    for (;;) {
      selects.length = 0;
      const page = await storage.getRuns(new RunsFilter({ tags: { team: 't2' } }), cursor, 50);
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.runId));
      cursor = page[page.length - 1]!.runId;
      const query = selects.find((s) => s.text.includes('run_body'))!;
      expect(query.text).toContain('EXISTS (SELECT 1 FROM run_tags');
      first ??= query;
    }
    expect(seen).toEqual(expected);
    const text = await plan(first!);
    // Runs newest first along runs_pkey, each probed in run_tags by its run_id — (key, value, run_id) or
    // (run_id, id), whichever the planner costs lower; no sort or hash of all the matches.
    expect(text).toMatch(/^Limit[^\n]*\n\s*->\s+Nested Loop/);
    expect(text).toMatch(/Index Scan Backward using runs_pkey on runs/);
    expect(text).toMatch(/Index (Only )?Scan using (idx_run_tags_run_id|idx_run_tags_run_idx) on run_tags[^\n]*\n\s*Index Cond: .*run_id\)::text = \(runs\.run_id\)::text/);
    expect(text).not.toMatch(/Sort|Hash|Seq Scan/);
  });

  it('keeps IN (an index scan of the tag on (key, value, run_id), then the runs by run_id) for a rare tag', async () => {
    const { driver, selects } = recording(storages.driver);
    const storage = new SqlRunStorage({ driver });
    expect((await storage.getRuns(new RunsFilter({ tags: { rare: 'yes' } }), undefined, 50)).map((r) => r.runId)).toEqual([runIdOf(700)]);
    const query = selects.find((s) => s.text.includes('run_body'))!;
    expect(query.text).toContain('runs.run_id IN (SELECT run_tags.run_id FROM run_tags');
    expect(await plan(query)).toMatch(/Index Only Scan using idx_run_tags_run_id on run_tags/);
  });
});
