import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDriver } from '@inst/storage-postgres';
import { createScratchDatabase, DAGSTER_DUMP_VERSIONS, loadDagsterDump, pgAvailable, type ScratchDatabase } from '@inst/storage-postgres/testing';
import {
  BASELINE_REVISION,
  createSchemaSql,
  EVENT_LOG_METADATA,
  getSchemaState,
  HEAD_REVISION,
  markSecondaryIndexBuilt,
  metadataAtRevision,
  REVISIONS,
  revisionIndex,
  RUN_STORAGE_METADATA,
  SCHEDULE_STORAGE_METADATA,
  stampRevision,
  type SchemaMetadata,
} from '@inst/storage-sql';
import { SqliteDriver } from '@inst/storage-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { collectResult, inst, instJson, makeHome, spawnInst, waitFor } from './support';

/*
 * `inst instance migrate`: --dry-run prints the plan and changes nothing; the migration brings a Dagster 1.8.12
 * SQLite home and Dagster's three Postgres fixture dumps to the head; Ctrl-C in the middle of a long migration
 * leaves every database at a revision (each step is one transaction with its stamp), and migrating again finishes.
 */

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** A file as Dagster 1.8.12 creates it: its schema at the baseline revision, stamped, its data migrations done. */
async function dagsterFile(path: string, metadata: SchemaMetadata): Promise<void> {
  const db = await SqliteDriver.open(path);
  try {
    for (const sql of createSchemaSql(metadataAtRevision(metadata, BASELINE_REVISION), 'sqlite')) await db.run(sql);
    await stampRevision(db, BASELINE_REVISION);
    for (const name of metadata.secondaryIndexes) await markSecondaryIndexBuilt(db, name);
  } finally {
    await db.close();
  }
}

/** A Dagster 1.8.12 SQLite home with `shards` run shards (each a database to migrate). */
async function oldSqliteHome(shards: number): Promise<string> {
  const home = makeHome('old-sqlite');
  homes.push(home);
  mkdirSync(join(home, 'history', 'runs'), { recursive: true });
  mkdirSync(join(home, 'schedules'), { recursive: true });
  await dagsterFile(join(home, 'history', 'runs.db'), RUN_STORAGE_METADATA);
  await dagsterFile(join(home, 'history', 'runs', 'index.db'), EVENT_LOG_METADATA);
  await dagsterFile(join(home, 'schedules', 'schedules.db'), SCHEDULE_STORAGE_METADATA);
  for (let i = 0; i < shards; i++) await dagsterFile(join(home, 'history', 'runs', `run-${String(i).padStart(4, '0')}.db`), EVENT_LOG_METADATA);
  return home;
}

/** Every database of the home: its stamped revision and whether a change of a later revision was made (half-way). */
async function sqliteStates(home: string, shards: number) {
  const files: [string, SchemaMetadata][] = [
    [join(home, 'history', 'runs.db'), RUN_STORAGE_METADATA],
    [join(home, 'history', 'runs', 'index.db'), EVENT_LOG_METADATA],
    [join(home, 'schedules', 'schedules.db'), SCHEDULE_STORAGE_METADATA],
  ];
  for (let i = 0; i < shards; i++) files.push([join(home, 'history', 'runs', `run-${String(i).padStart(4, '0')}.db`), EVENT_LOG_METADATA]);
  const states = [];
  for (const [path, metadata] of files) {
    const db = await SqliteDriver.open(path);
    try {
      states.push(await getSchemaState(db, metadata));
    } finally {
      await db.close();
    }
  }
  return states;
}

interface PlanDoc {
  upToDate: boolean;
  totalSteps: number;
  databases: { database: string; count: number; revision: string | null; upToDate: boolean; pendingSteps: { revision: string }[] }[];
}

describe('inst instance migrate on SQLite', () => {
  it('prints the plan with --dry-run, changes nothing, then migrates a Dagster 1.8.12 home to the head', async () => {
    const home = await oldSqliteHome(3);
    const dry = await instJson<{ dryRun: boolean; plan: PlanDoc }>(home, ['instance', 'migrate', '--dry-run']);
    expect(dry.dryRun).toBe(true);
    expect(dry.plan.upToDate).toBe(false);
    expect(dry.plan.totalSteps).toBeGreaterThan(0);
    expect(dry.plan.databases.find((d) => d.database === 'history/runs.db')).toMatchObject({ revision: BASELINE_REVISION, upToDate: false });
    expect(dry.plan.databases.find((d) => d.database === 'history/runs/<run>.db')).toMatchObject({ count: 3, revision: BASELINE_REVISION });
    expect((await sqliteStates(home, 3)).map((s) => s.revision)).toEqual(Array(6).fill(BASELINE_REVISION));

    const text = await inst(['--home', home, 'instance', 'migrate', '--dry-run']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`history/runs.db: revision ${BASELINE_REVISION} -> ${HEAD_REVISION}`);

    const migrated = await instJson<{ after: PlanDoc; applied: string[] }>(home, ['instance', 'migrate']);
    expect(migrated.after.upToDate).toBe(true);
    expect(migrated.applied.length).toBeGreaterThan(0);
    expect((await sqliteStates(home, 3)).every((s) => s.upToDate)).toBe(true);
    const info = await instJson<{ schema: Record<string, { current: string; latest: string }> }>(home, ['instance', 'info']);
    expect(info.schema.runStorage).toEqual({ current: HEAD_REVISION, latest: HEAD_REVISION });
  });

  it('stops on Ctrl-C between steps, leaving every database at a revision, and finishes when run again', async () => {
    const shards = 100;
    const home = await oldSqliteHome(shards);
    const child = spawnInst(['--home', home, 'instance', 'migrate']);
    const done = collectResult(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Not a TTY: one plain progress line per applied step.
    await waitFor(() => /^migrate \d+\/\d+: /m.test(stderr), 'the first migration step');
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^inst: INTERRUPTED: migration stopped after \d+ step\(s\); each database is at a revision/m);

    const states = await sqliteStates(home, shards);
    // Part done, part not: it really stopped in the middle.
    expect(states.some((s) => s.revision === HEAD_REVISION)).toBe(true);
    expect(states.some((s) => s.revision !== HEAD_REVISION)).toBe(true);
    for (const state of states) {
      // Not half-way: nothing of a revision after the stamp is made, and everything up to the stamp is.
      const stamped = revisionIndex(state.revision!);
      expect(stamped).toBeGreaterThanOrEqual(0);
      for (const step of state.pendingSteps) expect(revisionIndex(step.revision)).toBeGreaterThan(stamped);
      const expectedPending = REVISIONS.slice(stamped + 1).map((r) => r.id);
      for (const step of state.pendingSteps) expect(expectedPending).toContain(step.revision);
    }

    const again = await instJson<{ after: PlanDoc }>(home, ['instance', 'migrate']);
    expect(again.after.upToDate).toBe(true);
    expect((await sqliteStates(home, shards)).every((s) => s.upToDate)).toBe(true);
  });
});

const pg = await pgAvailable();

describe.skipIf(!pg)("inst instance migrate on Dagster's Postgres fixture dumps", () => {
  for (const version of DAGSTER_DUMP_VERSIONS) {
    it(`migrates the ${version} dump after a dry run that changes nothing`, async () => {
      let scratch: ScratchDatabase | undefined;
      try {
        scratch = await createScratchDatabase(`inst_cli_${version}`);
        await loadDagsterDump(scratch.url, version);
        const raw = createPgDriver({ url: scratch.url }, { poolSize: 1 });
        const revision = async () => (await raw.get<{ version_num: string }>('SELECT version_num FROM alembic_version'))?.version_num;
        try {
          const before = await revision();
          const home = makeHome(`pg-${version}`, `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`);
          homes.push(home);
          const dry = await instJson<{ plan: PlanDoc }>(home, ['instance', 'migrate', '--dry-run']);
          expect(dry.plan.databases).toHaveLength(1);
          expect(dry.plan.databases[0]).toMatchObject({ database: 'postgres', revision: before ?? null });
          expect(await revision()).toBe(before);

          const migrated = await instJson<{ plan: PlanDoc; after: PlanDoc }>(home, ['instance', 'migrate']);
          expect(migrated.after.upToDate).toBe(true);
          expect(migrated.after.databases[0]!.revision).toBe(HEAD_REVISION);
          expect(await revision()).toBe(HEAD_REVISION);
          if (before !== HEAD_REVISION) expect(migrated.plan.upToDate).toBe(false);
          const info = await instJson<{ storage: { kind: string }; schema: Record<string, { current: string; latest: string }> }>(home, ['instance', 'info']);
          expect(info.storage.kind).toBe('postgres');
          expect(info.schema.eventLogStorage).toEqual({ current: HEAD_REVISION, latest: HEAD_REVISION });
          // Reading runs works after the migration.
          const runs = await instJson<{ runs: { runId: string }[] }>(home, ['run', 'list', '--limit', '5']);
          expect(runs.runs.length).toBeGreaterThan(0);
        } finally {
          await raw.close();
        }
      } finally {
        await scratch?.drop();
      }
    });
  }
});

