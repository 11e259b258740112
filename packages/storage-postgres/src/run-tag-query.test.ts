import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingDriver as recording, SqlRunStorage, type RecordedStatement } from '@inst/storage-sql';
import { DagsterRun, RunsFilter } from '@inst/types';
import { openPostgresStorages, type PostgresStorages } from './storages.js';
import { createScratchDatabase, type ScratchDatabase } from './testing/index.js';

/*
 * getRuns with a tag filter (issue 18) on Postgres: a tag matching many runs is read along runs_pkey, newest
 * first, each run checked against the matching run ids hashed once (a hashed SubPlan, which Postgres cannot pull
 * up into a join over every match as it does EXISTS and IN), so a page stops after `limit` matches; a rare tag
 * keeps `run_id IN (…)`. Checked by EXPLAIN of the statement the storage sent, on a seeded and analyzed
 * database, and by the pages read.
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

  it('walks runs_pkey against the hashed matching run ids for a common tag and pages the same runs', async () => {
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
      expect(query.text).toContain('(runs.run_id IN (SELECT run_tags.run_id FROM run_tags WHERE run_tags."key" = ? AND run_tags.value = ?)) IS TRUE');
      first ??= query;
    }
    expect(seen).toEqual(expected);
    const text = await plan(first!);
    // Runs newest first along runs_pkey, the page's limit on top, each run checked against the tag's run ids
    // read once into a hash (by index, or on this small table by one scan); no join over the matches, no sort.
    expect(text).toMatch(/^Limit[^\n]*\n\s*->\s+Index Scan Backward using runs_pkey on runs/);
    expect(text).toMatch(/Filter: \(\(hashed SubPlan 1\) IS TRUE\)/);
    expect(text).toMatch(/SubPlan 1\n\s*->\s+(Index (Only )?Scan using (idx_run_tags_run_id|idx_run_tags)|Seq Scan) on run_tags/);
    expect(text).not.toMatch(/Sort|Join|Nested Loop|Seq Scan on runs/);
  });

  it('past the counted cap of matches, a first-match probe per run along runs_pkey (no hash of every match)', async () => {
    // The shape chooseTagShape picks when the count reaches TAG_COUNT_CAP (seeding that many runs is too slow
    // for a unit test, so this EXPLAINs the statement as the storage writes it).
    const text = await plan({
      text: 'SELECT runs.id FROM runs WHERE (SELECT 1 FROM run_tags WHERE run_tags."key" = ? AND run_tags.value = ? AND run_tags.run_id = runs.run_id LIMIT 1) IS NOT NULL ORDER BY runs.id DESC LIMIT 50',
      params: ['team', 't2'],
    });
    expect(text).toMatch(/^Limit[^\n]*\n\s*->\s+Index Scan Backward using runs_pkey on runs/);
    expect(text).toMatch(/Filter: \(\(SubPlan 1\) IS NOT NULL\)/);
    expect(text).toMatch(/Index (Only )?Scan using (idx_run_tags_run_id|idx_run_tags_run_idx) on run_tags[^\n]*\n\s*Index Cond: .*run_id\)::text = \(runs\.run_id\)::text/);
    expect(text).not.toMatch(/Sort|Hash|Join|Seq Scan/);
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
