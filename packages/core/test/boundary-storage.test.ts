import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptRowError, InstError, SchemaTooNewError } from '@inst/errors';
import { createPgDriver } from '@inst/storage-postgres';
import { createScratchDatabase, pgAvailable, type ScratchDatabase } from '@inst/storage-postgres/testing';
import { AssetKey, AssetMaterialization, InstigatorType, TickData, TickStatus } from '@inst/types';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Instance, type Logger } from '../src/index';

/*
 * Issue #11, the storage side of the boundary: a row that something else wrote and that cannot be read is
 * reported once with its id and skipped where Dagster skips it (cross-run event queries), and is a
 * CorruptRowError naming table and id elsewhere (a run's own log, the runs table); a storage stamped with a newer
 * schema refuses writes to itself only; the partial per-storage (Helm) form keeps the storages not given in SQLite.
 */

const PG = await pgAvailable();
const homes: string[] = [];
function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'inst-boundary-'));
  homes.push(home);
  return home;
}
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

/** A pino-shaped logger that keeps the warnings. */
function collectingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  const logger = {
    warnings,
    trace: noop,
    debug: noop,
    info: noop,
    error: noop,
    warn: (fieldsOrMessage: object | string, message?: string) => {
      warnings.push(typeof fieldsOrMessage === 'string' ? fieldsOrMessage : (message ?? ''));
    },
    child: () => logger,
  };
  return logger as Logger & { warnings: string[] };
}

/** Raw SQL against the database a storage keeps its rows in, written by "something else". */
interface RawDatabase {
  /** `file`: SQLite file under the home (ignored on Postgres, where everything is one database). */
  all<T>(file: string, sql: string, params?: readonly unknown[]): Promise<T[]>;
}

interface Backend {
  readonly name: string;
  readonly enabled: boolean;
  open(logger: Logger): Promise<{ instance: Instance; raw: RawDatabase; close(): Promise<void> }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  enabled: true,
  async open(logger) {
    const home = newHome();
    const instance = await Instance.fromConfig(home, undefined, { logger });
    const raw: RawDatabase = {
      async all<T>(file: string, sql: string, params: readonly unknown[] = []) {
        const db = new Database(join(home, file));
        try {
          const statement = db.prepare(sql);
          return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
        } finally {
          db.close();
        }
      },
    };
    return { instance, raw, close: () => instance.dispose() };
  },
};

let scratch: ScratchDatabase | undefined;
const postgres: Backend = {
  name: 'Postgres',
  enabled: PG,
  async open(logger) {
    const home = newHome();
    const url = scratch!.url;
    writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: "${url}"\n`);
    const instance = await Instance.fromConfig(home, undefined, { logger });
    const driver = createPgDriver({ url }, { poolSize: 1 });
    const raw: RawDatabase = { all: (_file, sql, params = []) => driver.all(sql, params) };
    return {
      instance,
      raw,
      close: async () => {
        await driver.close();
        await instance.dispose();
      },
    };
  },
};

beforeAll(async () => {
  if (PG) scratch = await createScratchDatabase('inst_boundary');
});
afterAll(async () => {
  await scratch?.drop();
});

/** Copies event row `id` with another body; returns the new row's id. */
async function copyEventRow(raw: RawDatabase, file: string, id: number, body: string): Promise<number> {
  const [row] = await raw.all<{ id: number | string }>(
    file,
    'INSERT INTO event_logs (run_id, event, dagster_event_type, timestamp, step_key, asset_key, partition) ' +
      'SELECT run_id, ?, dagster_event_type, timestamp, step_key, asset_key, partition FROM event_logs WHERE id = ? RETURNING id',
    [body, id],
  );
  return Number(row!.id);
}

const INDEX_DB = join('history', 'runs', 'index.db');

describe.each([sqlite, postgres].filter((b) => b.enabled).map((b) => [b.name, b] as const))('unreadable stored rows (%s)', (_name, backend) => {
  it('cross-run asset queries skip a row that is not JSON and one that is not an EventLogEntry, reporting each once with its id', async () => {
    const logger = collectingLogger();
    const { instance, raw, close } = await backend.open(logger);
    try {
      const key = new AssetKey(['boundary', 'corrupt']);
      await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: key }));
      const [good] = (await instance.fetchMaterializations(key, 10)).records;
      const notJson = await copyEventRow(raw, INDEX_DB, good!.storageId, '{"__class__": "EventLogEntry", broken');
      const notEntry = await copyEventRow(raw, INDEX_DB, good!.storageId, '{"__class__": "AssetKey", "path": ["x"]}');

      const first = await instance.fetchMaterializations(key, 10);
      expect(first.records.map((r) => r.storageId)).toEqual([good!.storageId]);
      const reported = () => logger.warnings.filter((w) => /event record/.test(w));
      expect(reported()).toEqual([`Could not resolve event record as EventLogEntry for id \`${notEntry}\`.`, `Could not parse event record id \`${notJson}\`.`]);
      // Read again (a poll, the UI refreshing): still skipped, not reported again.
      expect((await instance.fetchMaterializations(key, 10)).records).toHaveLength(1);
      expect((await instance.getAssetRecords([key])).length).toBe(1);
      expect(reported()).toHaveLength(2);
    } finally {
      await close();
    }
  });

  it('a row whose nested field is malformed is returned (nested fields are decoded on first read); reading that field throws CorruptRowError naming the row', async () => {
    const { instance, raw, close } = await backend.open(collectingLogger());
    try {
      const key = new AssetKey(['boundary', 'nested']);
      await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: key }));
      const [good] = (await instance.fetchMaterializations(key, 10)).records;
      const [stored] = await raw.all<{ event: string }>(INDEX_DB, 'SELECT event FROM event_logs WHERE id = ?', [good!.storageId]);
      const body = JSON.parse(stored!.event) as { dagster_event: { event_type_value: unknown } };
      body.dagster_event.event_type_value = 5;
      const bad = await copyEventRow(raw, INDEX_DB, good!.storageId, JSON.stringify(body));
      const records = (await instance.fetchMaterializations(key, 10)).records;
      expect(records.map((r) => r.storageId)).toEqual([bad, good!.storageId]);
      expect(records[1]!.eventLogEntry.dagsterEvent?.eventTypeValue).toBe('ASSET_MATERIALIZATION');
      let error: unknown;
      try {
        void records[0]!.eventLogEntry.dagsterEvent;
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(CorruptRowError);
      expect(error).toMatchObject({ table: 'event_logs', rowId: bad });
      expect((error as Error).message).toContain('dagster_event.event_type_value');
    } finally {
      await close();
    }
  });

  it("a run's own log with an unreadable row: allLogs, getRecordsForRun and logsAfter reject with CorruptRowError naming table and id", async () => {
    const { instance, raw, close } = await backend.open(collectingLogger());
    try {
      const run = await instance.createRun({ jobName: 'boundary_corrupt' });
      await instance.reportEngineEvent('before the bad row', run);
      const [record] = (await instance.getRecordsForRun(run.runId)).records;
      const shard = join('history', 'runs', `${run.runId}.db`);
      const bad = await copyEventRow(raw, shard, record!.storageId, 'not json at all');
      for (const read of [() => instance.allLogs(run.runId), () => instance.getRecordsForRun(run.runId), () => instance.logsAfter(run.runId, -1)]) {
        const error = await read().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(CorruptRowError);
        expect(error).toMatchObject({ code: 'CORRUPT_ROW', table: 'event_logs', rowId: bad });
        expect((error as Error).message).toContain(`Corrupt row ${bad} in table event_logs`);
      }
    } finally {
      await close();
    }
  });

  it('a runs row whose body is unreadable: getRunById and getRuns reject with CorruptRowError naming runs and the row id', async () => {
    const { instance, raw, close } = await backend.open(collectingLogger());
    try {
      const run = await instance.createRun({ jobName: 'boundary_corrupt_run' });
      const [row] = await raw.all<{ id: number | string }>(join('history', 'runs.db'), 'SELECT id FROM runs WHERE run_id = ?', [run.runId]);
      await raw.all(join('history', 'runs.db'), 'UPDATE runs SET run_body = ? WHERE run_id = ?', ['{"__class__": "PipelineRun", ', run.runId]);
      for (const read of [() => instance.getRunById(run.runId), () => instance.getRuns()]) {
        await expect(read()).rejects.toMatchObject({ code: 'CORRUPT_ROW', table: 'runs', rowId: Number(row!.id) });
      }
    } finally {
      await close();
    }
  });
});

/** One write and one read through Instance for each storage, and one write straight to the storage object. */
const PER_STORAGE = {
  run_storage: {
    file: join('history', 'runs.db'),
    write: (instance: Instance) => instance.createRun({ jobName: 'boundary_w' }),
    read: async (instance: Instance) => expect(await instance.getRunsCount()).toBeGreaterThanOrEqual(1),
    direct: (instance: Instance) => instance.runStorage.addDaemonHeartbeat as unknown as () => Promise<unknown>,
  },
  event_log_storage: {
    file: join('history', 'runs', 'index.db'),
    write: (instance: Instance) => instance.addDynamicPartitions('boundary_parts', ['k2']),
    read: async (instance: Instance) => expect(await instance.getDynamicPartitions('boundary_parts')).toContain('k1'),
    direct: (instance: Instance) => instance.eventLogStorage.addDynamicPartitions as unknown as () => Promise<unknown>,
  },
  schedule_storage: {
    file: join('schedules', 'schedules.db'),
    write: (instance: Instance) =>
      instance.createTick(new TickData({ instigatorOriginId: 'o', selectorId: 's', instigatorName: 'n', instigatorType: InstigatorType.SENSOR, status: TickStatus.STARTED, timestamp: 2 })),
    read: async (instance: Instance) => expect(await instance.getTicks('o', 's')).toHaveLength(1),
    direct: (instance: Instance) => instance.scheduleStorage!.createTick as unknown as () => Promise<unknown>,
  },
} as const;

describe('a storage stamped with a newer schema revision refuses writes to itself only (SQLite home)', () => {
  it.each(Object.keys(PER_STORAGE) as (keyof typeof PER_STORAGE)[])('%s newer: its reads proceed, its writes are SchemaTooNewError naming both revisions, the others write', async (stamped) => {
    const home = newHome();
    const first = await Instance.fromConfig(home);
    const run = await first.createRun({ jobName: 'boundary_first' });
    await first.addDynamicPartitions('boundary_parts', ['k1']);
    await PER_STORAGE.schedule_storage.write(first);
    await first.dispose();
    const db = new Database(join(home, PER_STORAGE[stamped].file));
    db.prepare('UPDATE alembic_version SET version_num = ?').run('ffffffffffff');
    db.close();

    const logger = collectingLogger();
    const instance = await Instance.fromConfig(home, undefined, { logger });
    try {
      expect(logger.warnings.some((w) => w.startsWith(`${stamped}: the schema is newer`) && w.includes('reads proceed'))).toBe(true);
      for (const [name, storage] of Object.entries(PER_STORAGE)) {
        await storage.read(instance);
        if (name === stamped) {
          const refused = await storage.write(instance).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(refused).toBeInstanceOf(SchemaTooNewError);
          expect(refused).toMatchObject({ storage: stamped, currentRevision: 'ffffffffffff' });
          expect((refused as Error).message).toMatch(new RegExp(`^${stamped} is at schema revision ffffffffffff, newer than inst's head \\w{12}`));
          // Reached past the facade (a domain, a daemon): the storage object refuses too.
          await expect(storage.direct(instance)()).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW', storage: stamped });
        } else {
          await storage.write(instance);
        }
      }
      if (stamped === 'event_log_storage') {
        // A member writing both storages writes neither: the cancel event is not stored, the run stays as it was.
        const before = (await instance.allLogs(run.runId)).length;
        await expect(instance.reportRunCanceled(run)).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
        expect((await instance.allLogs(run.runId)).length).toBe(before);
        expect((await instance.getRunById(run.runId))?.status).toBe(run.status);
      }
    } finally {
      await instance.dispose();
    }
  });
});

describe.runIf(PG)('a Postgres database stamped with a newer revision (one alembic_version for all three storages)', () => {
  it('reads proceed; writes to each storage are SchemaTooNewError naming both revisions', async () => {
    const db = await createScratchDatabase('inst_boundary_newer');
    try {
      const home = newHome();
      writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: "${db.url}"\n`);
      const first = await Instance.fromConfig(home);
      await first.createRun({ jobName: 'boundary_first' });
      await first.addDynamicPartitions('boundary_parts', ['k1']);
      await PER_STORAGE.schedule_storage.write(first);
      await first.dispose();
      const driver = createPgDriver({ url: db.url }, { poolSize: 1 });
      await driver.run('UPDATE alembic_version SET version_num = ?', ['ffffffffffff']);
      await driver.close();
      const instance = await Instance.fromConfig(home);
      try {
        for (const [name, storage] of Object.entries(PER_STORAGE)) {
          await storage.read(instance);
          await expect(storage.write(instance)).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW', storage: name, currentRevision: 'ffffffffffff' });
        }
      } finally {
        await instance.dispose();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('an unknown revision with part of the schema missing is an older Dagster, not a newer one', () => {
  it('runs.db at an unknown revision without backfill_tags: writes work, upgrade() adds the table and stamps the head', async () => {
    const home = newHome();
    await (await Instance.fromConfig(home)).dispose();
    const db = new Database(join(home, 'history', 'runs.db'));
    db.exec('DROP TABLE backfill_tags');
    db.prepare('UPDATE alembic_version SET version_num = ?').run('0123456789ab');
    db.close();
    const logger = collectingLogger();
    const instance = await Instance.fromConfig(home, undefined, { logger });
    try {
      expect(logger.warnings.filter((w) => /schema is newer/.test(w))).toEqual([]);
      await instance.createRun({ jobName: 'boundary_older' });
      await instance.upgrade();
      expect((await instance.runStorage.alembicVersion())?.current).toBe((await instance.runStorage.alembicVersion())?.head);
      const after = new Database(join(home, 'history', 'runs.db'), { readonly: true });
      try {
        expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'backfill_tags'").get()).toEqual({ name: 'backfill_tags' });
      } finally {
        after.close();
      }
    } finally {
      await instance.dispose();
    }
  });
});

describe.runIf(PG)('the partial per-storage (Helm) form', () => {
  it('Postgres run and event log storage with no schedule_storage: schedules go to SQLite under the home, as in Dagster', async () => {
    const db = await createScratchDatabase('inst_boundary_partial');
    try {
      const home = newHome();
      const block = (module: string, cls: string) => `  module: dagster_postgres.${module}\n  class: ${cls}\n  config:\n    postgres_url: "${db.url}"\n`;
      writeFileSync(join(home, 'dagster.yaml'), `run_storage:\n${block('run_storage', 'PostgresRunStorage')}event_log_storage:\n${block('event_log', 'PostgresEventLogStorage')}`);
      const instance = await Instance.fromConfig(home);
      try {
        const run = await instance.createRun({ jobName: 'boundary_partial' });
        await instance.addDynamicPartitions('boundary_partial', ['a']);
        await PER_STORAGE.schedule_storage.write(instance);
        const driver = createPgDriver({ url: db.url }, { poolSize: 1 });
        try {
          expect(await driver.all('SELECT run_id FROM runs')).toEqual([{ run_id: run.runId }]);
          expect(await driver.all('SELECT partition FROM dynamic_partitions')).toEqual([{ partition: 'a' }]);
          expect(await driver.all('SELECT count(*)::int AS n FROM job_ticks')).toEqual([{ n: 0 }]);
        } finally {
          await driver.close();
        }
        const schedules = new Database(join(home, 'schedules', 'schedules.db'), { readonly: true });
        try {
          expect(schedules.prepare('SELECT count(*) AS n FROM job_ticks').get()).toEqual({ n: 1 });
        } finally {
          schedules.close();
        }
        await PER_STORAGE.schedule_storage.read(instance);
      } finally {
        await instance.dispose();
      }
    } finally {
      await db.drop();
    }
  });

  it('a dagster_postgres class under the wrong key is refused at open, naming the key, nothing created', async () => {
    const home = newHome();
    writeFileSync(join(home, 'dagster.yaml'), 'run_storage:\n  module: dagster_postgres.event_log\n  class: PostgresEventLogStorage\n  config: { postgres_url: "postgresql://x/y" }\n');
    const error = await Instance.fromConfig(home).then(
      async (instance) => instance.dispose(),
      (caught: unknown) => caught,
    );
    expect(InstError.isInstance(error) && (error as InstError).code).toBe('CONFIG_ERROR');
    expect((error as Error).message).toContain('run_storage: dagster_postgres.event_log.PostgresEventLogStorage');
    expect(existsSync(join(home, 'history'))).toBe(false);
  });
});
