import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrozenSet, serializeValue, UnknownRecord } from '@inst/serdes';
import { describeScheduleStorage } from '@inst/storage/testing';
import { SqlScheduleStorage, toSqlTimestamp } from '@inst/storage-sql';
import {
  AssetKey,
  InstigatorState,
  InstigatorStatus,
  InstigatorType,
  LoadableTargetOrigin,
  ManagedGrpcPythonEnvCodeLocationOrigin,
  RemoteRepositoryOrigin,
  ScheduleInstigatorData,
  TickData,
  TickStatus,
} from '@inst/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDriver } from './driver.js';
import { openSqliteLayout, type SqliteLayout } from './layout.js';

/** A schedule storage over a fresh layout; disposing it closes the layout and removes the home. */
async function createStorage(onDisk: boolean): Promise<SqlScheduleStorage> {
  const home = onDisk ? mkdtempSync(join(tmpdir(), 'inst-schedules-')) : ':memory:';
  const layout = await openSqliteLayout(home);
  return new SqlScheduleStorage({
    driver: layout.schedules,
    onDispose: async () => {
      await layout.close();
      if (onDisk) rmSync(home, { recursive: true, force: true });
    },
  });
}

describeScheduleStorage('SQLite file home', { create: () => createStorage(true) });
describeScheduleStorage('SQLite :memory:', { create: () => createStorage(false) });

// ---------------------------------------------------------------- SQLite-specific: older databases, atomicity, corrupt rows

const repo = new RemoteRepositoryOrigin({
  codeLocationOrigin: new ManagedGrpcPythonEnvCodeLocationOrigin({
    loadableTargetOrigin: new LoadableTargetOrigin({ executablePath: '/usr/bin/python3', moduleName: 'fake', attribute: 'fake' }),
    locationName: 'fake:fake',
  }),
  repositoryName: 'fake_repo_name',
});
const schedule = (name: string, status: InstigatorStatus = InstigatorStatus.RUNNING): InstigatorState =>
  new InstigatorState({
    origin: repo.getInstigatorOrigin(name),
    instigatorType: InstigatorType.SCHEDULE,
    status,
    instigatorData: new ScheduleInstigatorData({ cronSchedule: '0 * * * *' }),
  });
const NOW = 1_717_243_200.5;
const tickOf = (state: InstigatorState, timestamp: number, status: TickStatus = TickStatus.SKIPPED): TickData =>
  new TickData({
    instigatorOriginId: state.instigatorOriginId,
    instigatorName: state.instigatorName,
    instigatorType: state.instigatorType,
    status,
    timestamp,
    selectorId: state.selectorId,
  });
const assetEvaluation = (name: string): UnknownRecord =>
  new UnknownRecord('AssetConditionEvaluationWithRunIds', {
    evaluation: new UnknownRecord('AssetConditionEvaluation', {
      true_subset: new UnknownRecord('AssetSubset', { asset_key: new AssetKey(name), value: true }),
    }),
    run_ids: new FrozenSet<string>(),
  });

describe('SqlScheduleStorage on a SQLite schedules.db', () => {
  let home: string;
  let layout: SqliteLayout;
  let db: SqliteDriver;
  /** A storage opened now (its probes see the database as it is at this point). */
  const open = (): SqlScheduleStorage => new SqlScheduleStorage({ driver: db });

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-schedules-'));
    layout = await openSqliteLayout(home);
    db = layout.schedules;
  });
  afterEach(async () => {
    await layout.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('writes the columns Dagster writes: naive-UTC tick timestamps, selector ids, the same body in jobs and instigators', async () => {
    const storage = open();
    const state = schedule('hourly');
    await storage.addInstigatorState(state);
    const tick = await storage.createTick(tickOf(state, NOW));
    const job = await db.get<Record<string, unknown>>('SELECT * FROM jobs');
    const instigator = await db.get<Record<string, unknown>>('SELECT * FROM instigators');
    expect(job).toMatchObject({
      job_origin_id: state.instigatorOriginId,
      repository_origin_id: repo.getId(),
      selector_id: state.selectorId,
      status: 'RUNNING',
      job_type: 'SCHEDULE',
      job_body: serializeValue(state),
    });
    expect(instigator).toMatchObject({
      selector_id: state.selectorId,
      repository_selector_id: repo.getSelectorId(),
      status: 'RUNNING',
      instigator_type: 'SCHEDULE',
      instigator_body: serializeValue(state),
    });
    const tickRow = await db.get<Record<string, unknown>>('SELECT * FROM job_ticks WHERE id = ?', [tick.tickId]);
    expect(tickRow).toMatchObject({
      job_origin_id: state.instigatorOriginId,
      selector_id: state.selectorId,
      status: 'SKIPPED',
      type: 'SCHEDULE',
      timestamp: '2024-06-01 12:00:00.500000',
      tick_body: serializeValue(tickOf(state, NOW)),
    });
  });

  it('falls back to the jobs table while schedule_jobs_selector_id is not built, and migrate() switches to instigators', async () => {
    const seeded = open();
    const state = schedule('hourly');
    await seeded.addInstigatorState(state);
    const early = await seeded.createTick(tickOf(state, NOW));
    // The database as an older Dagster left it: nothing indexed by selector yet.
    await db.run("DELETE FROM secondary_indexes WHERE name IN ('schedule_jobs_selector_id', 'schedule_ticks_selector_id')");
    await db.run('DELETE FROM instigators');
    await db.run('UPDATE jobs SET selector_id = NULL');
    await db.run('UPDATE job_ticks SET selector_id = NULL');

    const storage = open();
    expect(await storage.hasBuiltIndex('schedule_jobs_selector_id')).toBe(false);
    expect(await storage.supportsBatchQueries()).toBe(false);
    // Reads come from jobs: found by origin id, scoped by repository origin id (the selector ids given are ignored).
    expect(await storage.getInstigatorState(state.instigatorOriginId, 'not-the-selector')).toBeDefined();
    expect((await storage.allInstigatorState(repo.getId(), 'not-the-selector')).map((s) => s.instigatorName)).toEqual(['hourly']);
    expect(await storage.allInstigatorState('another-repository')).toEqual([]);
    // Ticks without a selector id are found by origin id.
    expect((await storage.getTicks(state.instigatorOriginId, state.selectorId)).map((t) => t.tickId)).toEqual([early.tickId]);

    await storage.updateInstigatorState(state.withStatus(InstigatorStatus.STOPPED));
    expect((await storage.getInstigatorState(state.instigatorOriginId, state.selectorId))?.status).toBe(InstigatorStatus.STOPPED);

    const printed: string[] = [];
    await storage.migrate({ printFn: (line) => printed.push(line) });
    expect(printed.at(-1)).toBe('schedule_jobs_selector_id: built');
    expect(await storage.hasBuiltIndex('schedule_jobs_selector_id')).toBe(true);
    expect(await db.get('SELECT selector_id FROM jobs')).toEqual({ selector_id: state.selectorId });
    const rebuilt = await db.get<{ instigator_body: string }>('SELECT instigator_body FROM instigators WHERE selector_id = ?', [state.selectorId]);
    expect(rebuilt?.instigator_body).toBe(serializeValue(state.withStatus(InstigatorStatus.STOPPED)));
    // Reads come from instigators now: found by selector id, scoped by repository selector id.
    expect((await storage.getInstigatorState('not-the-origin', state.selectorId))?.status).toBe(InstigatorStatus.STOPPED);
    expect((await storage.allInstigatorState('not-the-origin', repo.getSelectorId())).map((s) => s.instigatorName)).toEqual(['hourly']);

    // The optional migration gives old ticks their selector id, which batch queries need.
    await storage.optimize();
    expect(await storage.supportsBatchQueries()).toBe(true);
    expect(await db.get('SELECT selector_id FROM job_ticks WHERE id = ?', [early.tickId])).toEqual({ selector_id: state.selectorId });
    expect((await storage.getBatchTicks([state.selectorId], 1)).get(state.selectorId)?.map((t) => t.tickId)).toEqual([early.tickId]);
  });

  it('reads state bodies stored under the old class names (JobState, JobType, JobStatus, ScheduleJobData)', async () => {
    const state = schedule('legacy');
    const legacyBody = serializeValue(state)
      .replace('"InstigatorState"', '"JobState"')
      .replace('"InstigatorType.SCHEDULE"', '"JobType.SCHEDULE"')
      .replace('"InstigatorStatus.RUNNING"', '"JobStatus.RUNNING"')
      .replace('"ScheduleInstigatorData"', '"ScheduleJobData"');
    expect(legacyBody).toContain('"JobState"');
    await db.run("DELETE FROM secondary_indexes WHERE name = 'schedule_jobs_selector_id'");
    await db.run('INSERT INTO jobs (job_origin_id, repository_origin_id, status, job_type, job_body) VALUES (?, ?, ?, ?, ?)', [
      state.instigatorOriginId,
      repo.getId(),
      'RUNNING',
      'SCHEDULE',
      legacyBody,
    ]);
    const storage = open();
    const expectLegacyState = (read: InstigatorState | undefined): void => {
      expect(read).toBeInstanceOf(InstigatorState);
      expect(read).toMatchObject({ instigatorType: InstigatorType.SCHEDULE, status: InstigatorStatus.RUNNING, instigatorName: 'legacy' });
      expect((read!.instigatorData as ScheduleInstigatorData).cronSchedule).toBe('0 * * * *');
      expect(read!.selectorId).toBe(state.selectorId);
    };
    expectLegacyState(await storage.getInstigatorState(state.instigatorOriginId, state.selectorId));
    await storage.migrate();
    // The migration copies the body as it is stored, and indexes it by the selector id it computes.
    expect(await db.get('SELECT selector_id, instigator_body FROM instigators')).toEqual({ selector_id: state.selectorId, instigator_body: legacyBody });
    expectLegacyState(await storage.getInstigatorState('', state.selectorId));
  });

  it('works on jobs alone when the instigators table is missing, and upgrade() restores it', async () => {
    await db.run('DROP TABLE instigators');
    await db.run("DELETE FROM secondary_indexes WHERE name IN ('schedule_jobs_selector_id', 'schedule_ticks_selector_id')");
    const storage = open();
    const state = schedule('hourly');
    await storage.addInstigatorState(state);
    await storage.updateInstigatorState(state.withStatus(InstigatorStatus.STOPPED));
    expect((await storage.getInstigatorState(state.instigatorOriginId, state.selectorId))?.status).toBe(InstigatorStatus.STOPPED);
    const tick = await storage.createTick(tickOf(state, NOW));
    // Without the instigators table ticks are stored and found by origin id only.
    expect(await db.get('SELECT selector_id FROM job_ticks')).toEqual({ selector_id: null });
    expect((await storage.getTicks(state.instigatorOriginId, 'ignored')).map((t) => t.tickId)).toEqual([tick.tickId]);
    // Nothing to migrate into until upgrade() creates the table.
    await storage.migrate();
    expect(await storage.hasBuiltIndex('schedule_jobs_selector_id')).toBe(false);

    await storage.upgrade();
    expect(await storage.hasBuiltIndex('schedule_jobs_selector_id')).toBe(true);
    expect((await storage.getInstigatorState('not-the-origin', state.selectorId))?.status).toBe(InstigatorStatus.STOPPED);
    await storage.deleteInstigatorState(state.instigatorOriginId, state.selectorId);
    expect(await db.get('SELECT COUNT(*) AS n FROM instigators')).toEqual({ n: 0 });
    expect(await db.get('SELECT COUNT(*) AS n FROM jobs')).toEqual({ n: 0 });
  });

  it('leaves nothing half-written when a later statement of a write fails', async () => {
    const storage = open();
    const kept = schedule('kept');
    await storage.addInstigatorState(kept);
    await storage.createTick(tickOf(kept, NOW));

    await db.run("CREATE TRIGGER fail_instigator_insert BEFORE INSERT ON instigators BEGIN SELECT RAISE(ABORT, 'injected'); END");
    await expect(storage.addInstigatorState(schedule('new'))).rejects.toThrow(/injected/);
    expect(await db.get('SELECT COUNT(*) AS n FROM jobs')).toEqual({ n: 1 });
    await db.run('DROP TRIGGER fail_instigator_insert');

    await db.run("CREATE TRIGGER fail_instigator_update BEFORE UPDATE ON instigators BEGIN SELECT RAISE(ABORT, 'injected'); END");
    await expect(storage.updateInstigatorState(kept.withStatus(InstigatorStatus.STOPPED))).rejects.toThrow(/injected/);
    expect(await db.get('SELECT status FROM jobs')).toEqual({ status: 'RUNNING' });
    await db.run('DROP TRIGGER fail_instigator_update');

    await db.run("CREATE TRIGGER fail_instigator_delete BEFORE DELETE ON instigators BEGIN SELECT RAISE(ABORT, 'injected'); END");
    await expect(storage.deleteInstigatorState(kept.instigatorOriginId, kept.selectorId)).rejects.toThrow(/injected/);
    expect(await db.get('SELECT COUNT(*) AS n FROM jobs')).toEqual({ n: 1 });
    await db.run('DROP TRIGGER fail_instigator_delete');

    await db.run("CREATE TRIGGER fail_tick_delete BEFORE DELETE ON job_ticks BEGIN SELECT RAISE(ABORT, 'injected'); END");
    await expect(storage.wipe()).rejects.toThrow(/injected/);
    expect(await db.get('SELECT COUNT(*) AS n FROM jobs')).toEqual({ n: 1 });
    await db.run('DROP TRIGGER fail_tick_delete');

    await db.run(
      `CREATE TRIGGER fail_second_evaluation BEFORE INSERT ON asset_daemon_asset_evaluations
       WHEN NEW.asset_key = '["asset_two"]' BEGIN SELECT RAISE(ABORT, 'injected'); END`,
    );
    await expect(storage.addAutoMaterializeAssetEvaluations(3, [assetEvaluation('asset_one'), assetEvaluation('asset_two')])).rejects.toThrow(/injected/);
    expect(await storage.getAutoMaterializeEvaluationsForEvaluationId(3)).toEqual([]);
  });

  it('names the table and row of a body that does not deserialize', async () => {
    const storage = open();
    const state = schedule('hourly');
    await storage.addInstigatorState(state);
    const tick = await storage.createTick(tickOf(state, NOW));
    await storage.addAutoMaterializeAssetEvaluations(5, [assetEvaluation('asset_one')]);

    const instigatorId = (await db.get<{ id: number }>('SELECT id FROM instigators'))!.id;
    await db.run("UPDATE instigators SET instigator_body = '{\"__class__\": \"InstigatorState\"'");
    await expect(storage.allInstigatorState()).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'instigators', rowId: instigatorId });
    await expect(storage.getInstigatorState(state.instigatorOriginId, state.selectorId)).rejects.toMatchObject({ code: 'CORRUPT_ROW' });
    // A corrupt state can still be overwritten.
    await storage.updateInstigatorState(state);
    expect(serializeValue(await storage.getInstigatorState(state.instigatorOriginId, state.selectorId))).toBe(serializeValue(state));

    await db.run("UPDATE job_ticks SET tick_body = '{\"__class__\": \"TickData\"}'");
    await expect(storage.getTicks(state.instigatorOriginId, state.selectorId)).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'job_ticks', rowId: tick.tickId });
    await expect(storage.getTick(tick.tickId)).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'job_ticks' });

    await db.run("UPDATE asset_daemon_asset_evaluations SET create_timestamp = 'yesterday'");
    await expect(storage.getAutoMaterializeEvaluationsForEvaluationId(5)).rejects.toMatchObject({
      code: 'CORRUPT_ROW',
      table: 'asset_daemon_asset_evaluations',
    });
  });

  it('stores evaluation counts as Dagster does and timestamps them with the writer clock', async () => {
    const storage = open();
    const before = toSqlTimestamp(Date.now() / 1000 - 1);
    await storage.addAutoMaterializeAssetEvaluations(9, [
      assetEvaluation('asset_one'),
      new UnknownRecord('AutoMaterializeAssetEvaluation', { asset_key: new AssetKey('legacy'), num_requested: 2, num_skipped: 3, num_discarded: 1 }),
    ]);
    const rows = await db.all<Record<string, unknown>>(
      'SELECT asset_key, num_requested, num_skipped, num_discarded, create_timestamp FROM asset_daemon_asset_evaluations ORDER BY id',
    );
    expect(rows.map(({ create_timestamp: _, ...rest }) => rest)).toEqual([
      { asset_key: '["asset_one"]', num_requested: 1, num_skipped: null, num_discarded: null },
      { asset_key: '["legacy"]', num_requested: 2, num_skipped: 3, num_discarded: 1 },
    ]);
    expect(String(rows[0]!.create_timestamp) > before).toBe(true);
    expect(String(rows[0]!.create_timestamp)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });
});
