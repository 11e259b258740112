import { rmSync } from 'node:fs';
import { Instance } from '@inst/core';
import { defineJob, type InProcessRunLauncher } from '@inst/run-launcher';
import { AssetKey, DagsterEvent, DagsterEventType, DagsterRunStatus, RUN_TAGS } from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COORDINATOR_YAML, inst, instJson, makeHome } from './support';

/*
 * The `inst` binary spawned as a child process against a SQLite home seeded in this process: instance and run
 * verbs, their --json documents, exit statuses (0 / 1 / 2) and one-line errors.
 */

const ORDERS = new AssetKey(['warehouse', 'orders']);
const etl = defineJob('etl', [
  {
    key: 'load',
    fn: async (ctx) => {
      ctx.log.info('loading');
      await ctx.reportAssetMaterialization({ assetKey: ORDERS, partition: ctx.run.tags[RUN_TAGS.PARTITION_NAME] ?? null });
    },
  },
]);
const broken = defineJob('broken', [
  {
    key: 'explode',
    fn: async () => {
      throw new Error('boom');
    },
  },
]);

let home: string;
const ids: { ok: string; failed: string; pending: string } = { ok: '', failed: '', pending: '' };

beforeAll(async () => {
  home = makeHome('runs', DEFAULT_COORDINATOR_YAML);
  await using instance = await Instance.fromConfig(home);
  const launcher = instance.runLauncher as InProcessRunLauncher;
  launcher.registerJob(etl);
  launcher.registerJob(broken);
  const ok = await instance.createRun({ jobName: 'etl', tags: { team: 'data', [RUN_TAGS.PARTITION_NAME]: '2024-01-01' } });
  await instance.submitRun(ok.runId);
  const failed = await instance.createRun({ jobName: 'broken', tags: { team: 'ops' } });
  await instance.submitRun(failed.runId);
  const pending = await instance.createRun({ jobName: 'etl', tags: { team: 'data' } });
  Object.assign(ids, { ok: ok.runId, failed: failed.runId, pending: pending.runId });
  expect((await instance.getRunById(ok.runId))?.status).toBe(DagsterRunStatus.SUCCESS);
  expect((await instance.getRunById(failed.runId))?.status).toBe(DagsterRunStatus.FAILURE);
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

interface RunDoc {
  runId: string;
  jobName: string;
  status: string;
  tags: Record<string, string>;
}

describe('inst instance', () => {
  it('info, migrate --dry-run, reindex and concurrency on a fresh SQLite home', async () => {
    const [info, plan, reindex] = await Promise.all([
      instJson<{ home: string; schema: Record<string, { current: string; latest: string }>; runCoordinator: string; requiredDaemons: string[]; storage: { kind: string } }>(home, ['instance', 'info']),
      instJson<{ dryRun: boolean; plan: { upToDate: boolean; databases: { database: string }[] } }>(home, ['instance', 'migrate', '--dry-run']),
      inst(['--home', home, 'instance', 'reindex']),
    ]);
    expect(info.home).toBe(home);
    expect(info.storage.kind).toBe('default');
    for (const key of ['runStorage', 'eventLogStorage', 'scheduleStorage']) expect(info.schema[key]!.current).toBe(info.schema[key]!.latest);
    expect(info.runCoordinator).toBe('DefaultRunCoordinator');
    expect(info.requiredDaemons).toContain('SENSOR');
    expect(plan.dryRun).toBe(true);
    expect(plan.plan.upToDate).toBe(true);
    expect(plan.plan.databases.map((d) => d.database)).toEqual(expect.arrayContaining(['history/runs.db', 'history/runs/index.db', 'schedules/schedules.db']));
    expect(reindex.code).toBe(0);

    const set = await instJson<{ concurrencyKey: string; slotCount: number }>(home, ['instance', 'concurrency', 'set', 'database', '3']);
    expect(set).toEqual({ concurrencyKey: 'database', slotCount: 3 });
    const [one, all, neither, badLimit] = await Promise.all([
      instJson<{ limits: { concurrencyKey: string; slotCount: number }[] }>(home, ['instance', 'concurrency', 'get', 'database']),
      inst(['--home', home, 'instance', 'concurrency', 'get', '--all']),
      inst(['--home', home, 'instance', 'concurrency', 'get']),
      inst(['--home', home, 'instance', 'concurrency', 'set', 'database', 'many']),
    ]);
    expect(one.limits).toEqual([expect.objectContaining({ concurrencyKey: 'database', slotCount: 3, claimedSlots: 0 })]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/database\s+│?\s*3/);
    expect([neither.code, neither.stderr.trim()]).toEqual([2, 'inst: USAGE: pass a concurrency KEY or --all']);
    expect(badLimit.code).toBe(2);
  });

  it('finds the home from --home, INST_HOME, then DAGSTER_HOME, refuses to run without one, and lists config problems', async () => {
    const other = makeHome('other');
    const bad = makeHome('bad-config', 'run_retries:\n  enabled: maybe\nrun_monitoring:\n  poll_interval_seconds: soon\n');
    try {
      // A bad config: the problems as `path: message` lines, exit 1.
      const config = await inst(['--home', bad, 'run', 'list']);
      expect(config.code).toBe(1);
      expect(config.stderr.trim().split('\n')).toEqual([
        'inst: CONFIG_ERROR: invalid instance configuration',
        'run_monitoring.poll_interval_seconds: expected a number',
        'run_retries.enabled: expected true or false',
      ]);
      const [fromDagster, instWins, none, missing] = await Promise.all([
        inst(['run', 'list', '--json'], { env: { DAGSTER_HOME: home } }),
        inst(['run', 'list', '--json'], { env: { INST_HOME: other, DAGSTER_HOME: home } }),
        // bin/inst.js itself (the installed binary, sources through tsx):
        inst(['run', 'list'], { bin: true }),
        inst(['--home', `${other}/nope`, 'run', 'list']),
      ]);
      expect((JSON.parse(fromDagster.stdout) as { runs: unknown[] }).runs).toHaveLength(3);
      expect((JSON.parse(instWins.stdout) as { runs: unknown[] }).runs).toHaveLength(0);
      expect([none.code, none.stderr.trim()]).toEqual([2, 'inst: USAGE: no instance home: pass --home DIR or set INST_HOME (or DAGSTER_HOME)']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^inst: USAGE: the instance home .*nope does not exist/);
    } finally {
      rmSync(other, { recursive: true, force: true });
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('inst run', () => {
  it('lists runs with filters, shows one with its step stats, and prints its logs filtered by type and level', async () => {
    const [all, success, team, limited, none, show, materializations, errors, text] = await Promise.all([
      instJson<{ runs: RunDoc[] }>(home, ['run', 'list']),
      instJson<{ runs: RunDoc[] }>(home, ['run', 'list', '--status', 'SUCCESS']),
      instJson<{ runs: RunDoc[] }>(home, ['run', 'list', '--tag', 'team=data', '--job', 'etl']),
      instJson<{ runs: RunDoc[] }>(home, ['run', 'list', '--limit', '1']),
      instJson<{ runs: RunDoc[] }>(home, ['run', 'list', '--status', 'failure,canceled', '--job', 'etl']),
      instJson<RunDoc & { stats: { stepsSucceeded: number; stepsFailed: number; startTime: number; endTime: number }; steps: { stepKey: string; status: string }[] }>(home, ['run', 'show', ids.ok]),
      instJson<{ events: { eventType: string; stepKey: string }[] }>(home, ['run', 'logs', ids.ok, '--type', 'ASSET_MATERIALIZATION']),
      instJson<{ events: { level: string; eventType: string }[] }>(home, ['run', 'logs', ids.failed, '--level', 'error']),
      inst(['--home', home, 'run', 'logs', ids.ok]),
    ]);
    expect(all.runs.map((r) => r.runId)).toEqual([ids.pending, ids.failed, ids.ok]);
    expect(all.runs[2]).toMatchObject({ runId: ids.ok, jobName: 'etl', status: 'SUCCESS', tags: { team: 'data', 'dagster/partition': '2024-01-01' } });
    expect(success.runs.map((r) => r.runId)).toEqual([ids.ok]);
    expect(team.runs.map((r) => r.runId)).toEqual([ids.pending, ids.ok]);
    expect(limited.runs.map((r) => r.runId)).toEqual([ids.pending]);
    expect(none.runs).toEqual([]);
    expect(show).toMatchObject({ runId: ids.ok, status: 'SUCCESS', stats: { stepsSucceeded: 1, stepsFailed: 0 } });
    expect(show.stats.endTime).toBeGreaterThanOrEqual(show.stats.startTime);
    expect(show.steps).toEqual([expect.objectContaining({ stepKey: 'load', status: 'SUCCESS' })]);
    expect(materializations.events).toEqual([expect.objectContaining({ eventType: 'ASSET_MATERIALIZATION', stepKey: 'load' })]);
    expect(errors.events.length).toBeGreaterThan(0);
    expect(errors.events.every((e) => e.level === 'ERROR' || e.level === 'CRITICAL')).toBe(true);
    expect(errors.events.map((e) => e.eventType)).toContain('PIPELINE_FAILURE');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/INFO\s+LOG\s+load\s+loading/);
    expect(text.stdout).toContain('ASSET_MATERIALIZATION');
  });

  it('exits 1 with a one-line error for an unknown run, and 2 for bad usage', async () => {
    const [unknown, badStatus, badLimit, badTag, unknownCommand, noSubcommand, help] = await Promise.all([
      inst(['--home', home, 'run', 'show', 'no-such-run']),
      inst(['--home', home, 'run', 'list', '--status', 'BOGUS']),
      inst(['--home', home, 'run', 'list', '--limit', '0']),
      inst(['--home', home, 'run', 'list', '--tag', 'novalue']),
      inst(['--home', home, 'run', 'frobnicate']),
      inst(['--home', home, 'run']),
      inst(['run', 'logs', '--help'], { bin: true }),
    ]);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'inst: RUN_NOT_FOUND: no run found with id no-such-run']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/^inst: USAGE: unknown run status "BOGUS"/);
    expect(badLimit.code).toBe(2);
    expect(badTag.code).toBe(2);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^inst: USAGE: unknown command 'frobnicate'/);
    expect(noSubcommand.code).toBe(2);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--follow');
    expect(help.stdout).toContain('Example');
  });

  it('cancels a run that was never launched and one in progress, deletes one, and wipes all only with --yes', async () => {
    const canceled = await instJson<{ runId: string; status: string }>(home, ['run', 'cancel', ids.pending]);
    expect(canceled).toEqual({ runId: ids.pending, status: 'CANCELED' });
    const [again, deleteUnknown] = await Promise.all([inst(['--home', home, 'run', 'cancel', ids.pending]), inst(['--home', home, 'run', 'delete', 'nope'])]);
    expect([again.code, again.stderr.trim()]).toEqual([1, `inst: RUN_FINISHED: run ${ids.pending} has already finished (CANCELED)`]);
    expect(deleteUnknown.code).toBe(1);

    expect(await instJson(home, ['run', 'delete', ids.failed])).toEqual({ runId: ids.failed, deleted: true });
    const [listed, noYes] = await Promise.all([instJson<{ runs: RunDoc[] }>(home, ['run', 'list']), inst(['--home', home, 'run', 'wipe'])]);
    expect(listed.runs.map((r) => r.runId)).toEqual([ids.pending, ids.ok]);
    expect(noYes.code).toBe(2);

    // A run in progress whose worker is elsewhere: asked to stop (CANCELING), for the worker / monitoring to finish.
    let started: string;
    {
      await using instance = await Instance.fromConfig(home);
      const run = await instance.createRun({ jobName: 'etl' });
      await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'etl' }), run.runId);
      started = run.runId;
    }
    expect(await instJson(home, ['run', 'cancel', started])).toEqual({ runId: started, status: 'CANCELING' });
    expect(await instJson(home, ['run', 'wipe', '--yes'])).toEqual({ deletedRuns: 3 });
    expect((await instJson<{ runs: RunDoc[] }>(home, ['run', 'list'])).runs).toEqual([]);
  });
});
