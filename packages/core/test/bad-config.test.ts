import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstError } from '@inst/errors';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import { AssetKey, AssetMaterialization } from '@inst/types';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

/** Every file and folder under `dir` (relative paths), to prove a refused open created nothing. */
function tree(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      out.push(relative(dir, path));
      if (statSync(path).isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out.sort();
}

const PG = await pgAvailable();
const homes: string[] = [];
function newHome(files: Record<string, string | Buffer | null> = {}): string {
  const home = mkdtempSync(join(tmpdir(), 'inst-bad-config-'));
  homes.push(home);
  for (const [path, content] of Object.entries(files)) {
    const full = join(home, path);
    if (content === null) {
      mkdirSync(full, { recursive: true });
      continue;
    }
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
  return home;
}

afterEach(() => {
  for (const home of homes.splice(0)) {
    try {
      chmodSync(home, 0o755);
    } catch {
      /* already gone */
    }
    rmSync(home, { recursive: true, force: true });
  }
});

interface ConfigCase {
  readonly name: string;
  /** Files of the home (null: a directory). */
  readonly files?: Record<string, string | Buffer | null>;
  /** The home to open, when not the made one (a missing path, a file). */
  readonly home?: (made: string) => string;
  readonly code: string;
  /** Texts the message must contain (`{home}` is replaced by the home). */
  readonly mentions: readonly string[];
}

const garbage = Buffer.from('this is not a SQLite database, it is a text file that got in the way'.repeat(4));

/** The bad-config table: each is refused at open with a typed error, and the home is left as it was. */
export const BAD_CONFIG_CASES: readonly ConfigCase[] = [
  {
    name: 'a run_coordinator class inst cannot load',
    files: { 'dagster.yaml': 'run_coordinator:\n  module: my_company.coordinators\n  class: FancyRunCoordinator\n' },
    code: 'CONFIG_ERROR',
    mentions: ['run_coordinator: my_company.coordinators.FancyRunCoordinator cannot be loaded'],
  },
  {
    name: 'a run_launcher class inst cannot load (K8sRunLauncher)',
    files: { 'dagster.yaml': 'run_launcher:\n  module: dagster_k8s\n  class: K8sRunLauncher\n  config: { job_namespace: x }\n' },
    code: 'CONFIG_ERROR',
    mentions: ['run_launcher: dagster_k8s.K8sRunLauncher cannot be loaded'],
  },
  {
    name: 'run_monitoring with max_resume_run_attempts > 0 on a launcher that cannot resume',
    files: {
      'dagster.yaml': 'run_launcher:\n  module: dagster\n  class: SyncInMemoryRunLauncher\nrun_monitoring:\n  enabled: true\n  max_resume_run_attempts: 3\n',
    },
    code: 'CONFIG_ERROR',
    mentions: ['run_monitoring.max_resume_run_attempts', 'does not support resuming runs'],
  },
  {
    name: 'an instance_class naming a Python module',
    files: { 'dagster.yaml': 'instance_class:\n  module: my_company.instance\n  class: MyInstance\n' },
    code: 'CONFIG_ERROR',
    mentions: ['instance_class.module: cannot load my_company.instance', 'Python module'],
  },
  {
    name: 'an instance_class file that is not a subclass of Instance',
    files: { 'not-instance.mjs': 'export class MyInstance {}\n' },
    code: 'CONFIG_ERROR',
    mentions: ['instance_class.class', 'is not a subclass of Instance'],
  },
  {
    name: 'a scheduler class inst cannot load',
    files: { 'dagster.yaml': 'scheduler:\n  module: dagster_cron\n  class: SystemCronScheduler\n' },
    code: 'CONFIG_ERROR',
    mentions: ['scheduler: dagster_cron.SystemCronScheduler'],
  },
  {
    name: 'a compute_logs class inst cannot load (S3ComputeLogManager)',
    files: { 'dagster.yaml': 'compute_logs:\n  module: dagster_aws.s3.compute_log_manager\n  class: S3ComputeLogManager\n  config: { bucket: b }\n' },
    code: 'CONFIG_ERROR',
    mentions: ['compute_logs: dagster_aws.s3.compute_log_manager.S3ComputeLogManager cannot be loaded'],
  },
  {
    name: 'a missing home',
    home: (made) => join(made, 'does-not-exist'),
    code: 'FILE_SYSTEM_ERROR',
    mentions: ['{home}', 'does not exist'],
  },
  {
    name: 'a home that is a file',
    files: { 'a-file': 'x' },
    home: (made) => join(made, 'a-file'),
    code: 'FILE_SYSTEM_ERROR',
    mentions: ['{home}', 'not a directory'],
  },
  {
    name: 'a dagster.yaml that is a directory',
    files: { 'dagster.yaml': null },
    code: 'FILE_SYSTEM_ERROR',
    mentions: ['dagster.yaml', 'not a file'],
  },
  {
    name: 'a corrupt index.db',
    files: { 'history/runs/index.db': garbage },
    code: 'STORAGE_ERROR',
    mentions: ['index.db', 'not a SQLite database'],
  },
  {
    name: 'a corrupt schedules.db',
    files: { 'schedules/schedules.db': garbage },
    code: 'STORAGE_ERROR',
    mentions: ['schedules.db', 'not a SQLite database'],
  },
  {
    name: 'a corrupt runs.db',
    files: { 'history/runs.db': garbage },
    code: 'STORAGE_ERROR',
    mentions: ['runs.db', 'not a SQLite database'],
  },
  {
    name: 'a runs.db that is a directory',
    files: { 'history/runs.db': null },
    code: 'FILE_SYSTEM_ERROR',
    mentions: ['runs.db', 'found a directory'],
  },
  {
    name: 'a YAML syntax error',
    files: { 'dagster.yaml': 'run_queue:\n  max_concurrent_runs: [1\n' },
    code: 'CONFIG_ERROR',
    mentions: ['dagster.yaml', 'line'],
  },
  {
    name: 'an unknown top-level key',
    files: { 'dagster.yaml': 'run_queu:\n  max_concurrent_runs: 1\n' },
    code: 'CONFIG_ERROR',
    mentions: ['run_queu: unknown key'],
  },
  {
    name: 'run_queue together with run_coordinator',
    files: { 'dagster.yaml': 'run_queue: { max_concurrent_runs: 1 }\nrun_coordinator: { module: dagster, class: DefaultRunCoordinator }\n' },
    code: 'CONFIG_ERROR',
    mentions: ['run_queue: cannot be combined with run_coordinator'],
  },
  {
    name: 'a negative max_concurrent_runs below -1',
    files: { 'dagster.yaml': 'run_queue: { max_concurrent_runs: -5 }\n' },
    code: 'CONFIG_ERROR',
    mentions: ['run_queue.max_concurrent_runs'],
  },
  {
    name: 'an unset {env: VAR}',
    files: { 'dagster.yaml': 'ui:\n  label: { env: CORR_SURELY_NOT_SET_VAR }\n' },
    code: 'CONFIG_ERROR',
    mentions: ['CORR_SURELY_NOT_SET_VAR is not set'],
  },
  {
    name: 'a per-storage class inst cannot open',
    files: { 'dagster.yaml': 'run_storage: { module: my_company.storage, class: MyRunStorage }\n' },
    code: 'CONFIG_ERROR',
    mentions: ['run_storage.class: my_company.storage.MyRunStorage'],
  },
  {
    name: 'a MySQL storage',
    files: { 'dagster.yaml': 'storage:\n  mysql:\n    mysql_url: mysql://u:p@h/db\n' },
    code: 'NOT_SUPPORTED',
    mentions: ['MySQL'],
  },
  {
    name: 'a storage with two kinds',
    files: { 'dagster.yaml': 'storage:\n  sqlite: { base_dir: a }\n  postgres: { postgres_url: "postgresql://x/y" }\n' },
    code: 'CONFIG_ERROR',
    mentions: ['storage'],
  },
];

describe('bad config at open (SQLite home)', () => {
  it.each(BAD_CONFIG_CASES.map((c) => [c.name, c] as const))('%s → typed error, nothing created', async (_name, c) => {
    const made = newHome(c.files);
    if (c.name.startsWith('an instance_class file')) {
      writeFileSync(join(made, 'dagster.yaml'), `instance_class:\n  module: ${join(made, 'not-instance.mjs')}\n  class: MyInstance\n`);
    }
    const home = c.home ? c.home(made) : made;
    const before = tree(made);
    const error = await Instance.fromConfig(home).then(
      async (instance) => {
        await instance.dispose();
        return undefined;
      },
      (caught: unknown) => caught,
    );
    expect(error, 'the open succeeded').toBeDefined();
    expect(InstError.isInstance(error) ? (error as InstError).code : String(error)).toBe(c.code);
    for (const text of c.mentions) expect((error as Error).message).toContain(text.replace('{home}', home));
    expect(tree(made)).toEqual(before);
  });

  it('a read-only home (EACCES, as a user that cannot write there) → FileSystemError naming the home, nothing created', () => {
    const home = newHome();
    chmodSync(home, 0o555);
    chmodSync(join(home, '..'), statSync(join(home, '..')).mode); // the parent stays as it is
    const script = `
      const { Instance } = await import(${JSON.stringify(join(fileURLToPath(new URL('.', import.meta.url)), '../src/index.ts'))});
      try { await Instance.fromConfig(${JSON.stringify(home)}); console.log('OPENED'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, path: e.path, errno: e.errno })); }
    `;
    const result = spawnSync(process.execPath, ['--conditions=@inst/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      timeout: 120_000,
    });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    expect(line, result.stderr).not.toBe('OPENED');
    const outcome = JSON.parse(line) as { code: string; message: string; path: string; errno: string };
    expect(outcome).toMatchObject({ code: 'FILE_SYSTEM_ERROR', path: home, errno: 'EACCES' });
    expect(tree(home)).toEqual([]);
  });
});

describe('config that Dagster accepts and inst opens', () => {
  it('upgrade() of a SQLite home whose schedules.db is stamped 46b412388816 (Dagster of July 2024) brings every file to the head', async () => {
    const home = newHome();
    await (await Instance.fromConfig(home)).dispose();
    for (const file of ['history/runs.db', 'history/runs/index.db', 'schedules/schedules.db']) {
      const db = new Database(join(home, file));
      db.prepare('UPDATE alembic_version SET version_num = ?').run('46b412388816');
      db.close();
    }
    const instance = await Instance.fromConfig(home);
    try {
      // An older revision is not taken for a newer one: writes are allowed.
      await instance.addDynamicPartitions('corr', ['a']);
      await instance.upgrade();
      const schema = await instance.schemaStr();
      const head = /latest: (\w+)/.exec(schema)![1]!;
      expect(schema.match(/current: (\w+)/g)).toEqual([`current: ${head}`, `current: ${head}`, `current: ${head}`]);
    } finally {
      await instance.dispose();
    }
  });

  it('a run storage stamped with a newer revision: reads proceed, its writes are refused with SchemaTooNewError naming both revisions', async () => {
    const home = newHome();
    const first = await Instance.fromConfig(home);
    const run = await first.createRun({ jobName: 'corr' });
    await first.dispose();
    const db = new Database(join(home, 'history', 'runs.db'));
    db.prepare('UPDATE alembic_version SET version_num = ?').run('ffffffffffff');
    db.close();
    const instance = await Instance.fromConfig(home);
    try {
      expect((await instance.getRunById(run.runId))?.jobName).toBe('corr');
      const refused = await instance.createRun({ jobName: 'corr2' }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'SCHEMA_TOO_NEW', currentRevision: 'ffffffffffff' });
      expect((refused as Error).message).toMatch(/ffffffffffff, newer than inst's head \w{12}/);
      // Only the run storage is newer: the event log keeps working (boundary-storage.test.ts has each storage).
      await instance.reportRunlessAssetEvent(new AssetMaterialization({ assetKey: new AssetKey('a') }));
      await expect(instance.upgrade()).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
      expect(await instance.getRunsCount()).toBe(1);
    } finally {
      await instance.dispose();
    }
  });

  it.runIf(PG)("the Helm chart's per-storage Postgres form opens one Postgres instance", async () => {
    const scratch = await createScratchDatabase('inst_corr_helm');
    try {
      const url = new URL(scratch.url);
      const block = (module: string, cls: string) =>
        `  module: dagster_postgres.${module}\n  class: ${cls}\n  config:\n    postgres_db:\n      username: ${url.username || 'postgres'}\n` +
        `      password: { env: CORR_HELM_PG_PASSWORD }\n      hostname: ${url.hostname}\n      db_name: ${url.pathname.slice(1)}\n      port: ${url.port || 5432}\n`;
      const home = newHome({
        'dagster.yaml': `run_storage:\n${block('run_storage', 'PostgresRunStorage')}event_log_storage:\n${block('event_log', 'PostgresEventLogStorage')}schedule_storage:\n${block('schedule_storage', 'PostgresScheduleStorage')}`,
      });
      process.env.CORR_HELM_PG_PASSWORD = url.password;
      const instance = await Instance.fromConfig(home);
      try {
        const run = await instance.createRun({ jobName: 'helm' });
        expect((await instance.getRunById(run.runId))?.jobName).toBe('helm');
        expect(instance.runStorage.constructor.name).toMatch(/Postgres|Sql/);
        expect(tree(home)).toEqual(['dagster.yaml']);
      } finally {
        await instance.dispose();
      }
    } finally {
      delete process.env.CORR_HELM_PG_PASSWORD;
      await scratch.drop();
    }
  });
});
