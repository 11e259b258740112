import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_POSTGRES_JS, CORE_POSTGRES_TS, CORE_SQLITE_JS, CORE_TS, RUNS_JS, RUNS_TS } from './consumers';
import {
  exportTargets,
  findInstalled,
  installConsumer,
  instClosure,
  packAll,
  publishablePackages,
  runConsumer,
  tarballFiles,
  tarballManifest,
  TS_RESOLUTIONS,
  typecheckConsumer,
  type WorkspacePackage,
} from './workspace';

// The packages this package depends on, so that turbo's ^build has built them before this test runs.
const self = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> };
const allPackages: WorkspacePackage[] = publishablePackages();
const packages = allPackages.filter((pkg) => pkg.manifest.name in self.devDependencies);
const work = mkdtempSync(join(tmpdir(), 'inst-pack-check-'));
let tarballs = new Map<string, string>();

/** The three consumers, installed once each (better-sqlite3 compiles once) and shared by the ESM and TS checks. */
const consumers = {
  sqlite: { dir: join(work, 'core-sqlite'), inst: ['@inst/core'], registry: { 'better-sqlite3': '^12.0.0', '@types/node': '^20.19.0' } },
  postgres: { dir: join(work, 'core-postgres'), inst: ['@inst/core', '@inst/storage-postgres', '@inst/daemon-host'], registry: { pg: '^8.11.0', '@types/node': '^20.19.0' } },
  runs: { dir: join(work, 'runs'), inst: ['@inst/runs'], registry: { '@types/node': '^20.19.0' } },
} as const;
const installs = new Map<keyof typeof consumers, Promise<void>>();

/** A superuser URL on the local server (trust auth): INST_TEST_PG_URL, else user postgres, else root. */
async function adminPgUrl(): Promise<string> {
  const candidates = [process.env.INST_TEST_PG_URL, 'postgresql://postgres@127.0.0.1:5432/postgres', 'postgresql://root@127.0.0.1:5432/postgres'];
  const problems: string[] = [];
  for (const url of candidates) {
    if (!url) continue;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return url;
    } catch (error) {
      problems.push(`${url.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error(`no PostgreSQL server for the Postgres consumer:\n  ${problems.join('\n  ')}`);
}

beforeAll(async () => {
  tarballs = await packAll(join(work, 'tarballs'), packages);
  for (const [key, consumer] of Object.entries(consumers) as [keyof typeof consumers, (typeof consumers)[keyof typeof consumers]][]) {
    const install = installConsumer(consumer.dir, instClosure(consumer.inst, packages), tarballs, consumer.registry);
    install.catch(() => {}); // observed by the tests that need it
    installs.set(key, install);
  }
});

afterAll(async () => {
  await Promise.allSettled(installs.values());
  rmSync(work, { recursive: true, force: true });
});

describe('every package packs as it is published', () => {
  it('every publishable package under packages/ is checked (a devDependency of @inst/pack-check, built before it)', () => {
    expect(allPackages.map((pkg) => pkg.manifest.name).filter((name) => !(name in self.devDependencies))).toEqual([]);
  });

  it.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))('%s: metadata, built files, LICENSE, exports that point into the tarball', async (name, pkg) => {
    const tarball = tarballs.get(name)!;
    const files = await tarballFiles(tarball);
    const manifest = await tarballManifest(tarball);
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files.some((file) => file.startsWith('dist/'))).toBe(true);
    expect(files.filter((file) => file.startsWith('src/'))).toEqual([]);
    for (const target of exportTargets(manifest)) expect(files, `${name}: exports/main/types/bin name ${target}`).toContain(target);
    expect(JSON.stringify(manifest.exports)).not.toContain('@inst/source');
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository?.directory).toMatch(/^packages\//);
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs?.url).toMatch(/^https:\/\//);
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'CHANGELOG.md', 'LICENSE']));
    // pnpm drops lifecycle scripts from the packed manifest: the workspace's must build before a pack.
    expect(pkg.manifest.scripts?.prepack, `${name}: a prepack that builds`).toMatch(/build/);
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      expect(range, `${name}: dependency ${dep}`).toMatch(/^\^/);
    }
  });

  it('no private test fixture code is published: @inst/storage-postgres has no ./testing entry', async () => {
    const tarball = tarballs.get('@inst/storage-postgres')!;
    const manifest = await tarballManifest(tarball);
    expect(Object.keys(manifest.exports ?? {})).not.toContain('./testing');
    expect((await tarballFiles(tarball)).filter((file) => file.includes('testing'))).toEqual([]);
  });

  it('@inst/core carries neither driver as a dependency: both are optional peers', async () => {
    const manifest = await tarballManifest(tarballs.get('@inst/core')!);
    for (const driver of ['better-sqlite3', 'pg']) {
      expect(manifest.dependencies?.[driver]).toBeUndefined();
      expect(manifest.peerDependencies?.[driver]).toBeDefined();
      expect(manifest.peerDependenciesMeta?.[driver]?.optional).toBe(true);
    }
  });
});

describe('@inst/core with SQLite (npm install @inst/core better-sqlite3)', () => {
  it('ESM JavaScript on plain node: a Dagster home opens, a run is stored, pg is not installed', async () => {
    await installs.get('sqlite');
    const { dir } = consumers.sqlite;
    writeFileSync(join(dir, 'consumer.mjs'), CORE_SQLITE_JS);
    expect(await runConsumer(dir, 'consumer.mjs')).toEqual({ status: 'NOT_STARTED', tags: { from: 'tarball' }, runsDb: true });
    expect(findInstalled(dir, 'pg')).toEqual([]);
  });

  it.each(Object.keys(TS_RESOLUTIONS) as (keyof typeof TS_RESOLUTIONS)[])('TypeScript, moduleResolution %s', async (resolution) => {
    await installs.get('sqlite');
    const { dir } = consumers.sqlite;
    writeFileSync(join(dir, 'consumer.ts'), CORE_TS);
    await typecheckConsumer(dir, 'consumer.ts', resolution);
  });
});

describe('@inst/core with Postgres only (npm install @inst/core @inst/daemon-host pg)', () => {
  let adminUrl: string;
  let database: string | undefined;

  beforeAll(async () => {
    adminUrl = await adminPgUrl();
  });

  afterAll(async () => {
    if (!database) return;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });

  it('no better-sqlite3 anywhere in node_modules', async () => {
    await installs.get('postgres');
    expect(findInstalled(consumers.postgres.dir, 'better-sqlite3')).toEqual([]);
  });

  it('ESM JavaScript: a scratch Postgres database opens and stores a run; SQLite fails with DriverNotInstalledError; the daemon host imports', async () => {
    await installs.get('postgres');
    database = `inst_pack_check_${process.pid}_${Date.now()}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${database}"`);
    } finally {
      await client.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const { dir } = consumers.postgres;
    writeFileSync(join(dir, 'consumer.mjs'), CORE_POSTGRES_JS);
    const seen = await runConsumer(dir, 'consumer.mjs', { PACK_CHECK_PG_URL: url.toString() });
    expect(seen.status).toBe('NOT_STARTED');
    expect(seen.sqlite).toMatchObject({ name: 'DriverNotInstalledError', code: 'DRIVER_NOT_INSTALLED', packageName: 'better-sqlite3' });
    expect((seen.sqlite as { message: string }).message).toContain('npm install better-sqlite3');
    expect(seen.loaded).toEqual({ daemonHost: 'function', runQueue: true });
  });

  it.each(Object.keys(TS_RESOLUTIONS) as (keyof typeof TS_RESOLUTIONS)[])('TypeScript, moduleResolution %s (storage-postgres types name pg types)', async (resolution) => {
    await installs.get('postgres');
    const { dir } = consumers.postgres;
    writeFileSync(join(dir, 'consumer.ts'), CORE_POSTGRES_TS);
    await typecheckConsumer(dir, 'consumer.ts', resolution);
  });
});

describe('@inst/runs alone (npm install @inst/runs)', () => {
  it('ESM JavaScript: the domain loads without any storage backend or driver', async () => {
    await installs.get('runs');
    const { dir } = consumers.runs;
    writeFileSync(join(dir, 'consumer.mjs'), RUNS_JS);
    const seen = await runConsumer(dir, 'consumer.mjs');
    expect(seen).toMatchObject({ createRun: 'function', reportRunFailed: 'function' });
    for (const absent of ['@inst/core', '@inst/storage-sqlite', '@inst/storage-postgres', 'better-sqlite3', 'pg']) expect(findInstalled(dir, absent)).toEqual([]);
  });

  it.each(Object.keys(TS_RESOLUTIONS) as (keyof typeof TS_RESOLUTIONS)[])('TypeScript, moduleResolution %s', async (resolution) => {
    await installs.get('runs');
    const { dir } = consumers.runs;
    writeFileSync(join(dir, 'consumer.ts'), RUNS_TS);
    await typecheckConsumer(dir, 'consumer.ts', resolution);
  });
});
