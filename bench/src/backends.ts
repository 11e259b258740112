/**
 * The two backends: an instance on each (the facade over the real storages) and the raw driver beside it.
 *
 * SQLite: `Instance.fromConfig(home)` on a fresh home (Dagster's layout), raw better-sqlite3 on the same layout.
 * Postgres: scratch databases on the test server (`INST_TEST_PG_URL`), dropped at the end, opened through a
 * `dagster.yaml` with `storage: postgres` (`openPostgresStorages` of `@inst/storage-postgres` underneath).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Instance } from '@inst/core';
import type { LaunchRunContext, RunLauncher } from '@inst/run-launcher';
import { createScratchDatabase, type ScratchDatabase } from '@inst/storage-postgres/testing';
import type { BackendName } from './config';
import { RawPgStore } from './raw/postgres';
import { RawSqliteStore } from './raw/sqlite';
import type { RawStore } from './raw/types';

/** A launcher that starts nothing: submission is measured through the coordinator, not job execution. */
export class NoopRunLauncher implements RunLauncher {
  readonly supportsResumeRun = false;
  launched = 0;
  launchRun(_context: LaunchRunContext): Promise<void> {
    this.launched++;
    return Promise.resolve();
  }
  terminate(): Promise<boolean> {
    return Promise.resolve(false);
  }
  resumeRun(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The facade with a launcher that starts nothing (a subclass, as Dagster's own products subclass the
 * instance; every domain sees the override through the ops adapters).
 */
export class BenchInstance extends Instance {
  readonly #launcher = new NoopRunLauncher();
  override get runLauncher(): NoopRunLauncher {
    return this.#launcher;
  }
}

/** What a child process needs to open the same storages. */
export type InstanceSpec = { readonly backend: 'sqlite'; readonly home: string } | { readonly backend: 'postgres'; readonly url: string };

export interface InstanceHandle {
  readonly instance: BenchInstance;
  readonly spec: InstanceSpec;
  close(): Promise<void>;
}

/** Opens the instance a spec names (used by the parent and by child processes). */
/** The bench measures submitRun through Dagster's DefaultRunCoordinator (the default is now the queued one). */
const COORDINATOR_YAML = 'run_coordinator:\n  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\n';

export async function openInstance(spec: InstanceSpec): Promise<BenchInstance> {
  if (spec.backend === 'sqlite') {
    writeFileSync(join(spec.home, 'dagster.yaml'), COORDINATOR_YAML);
    return BenchInstance.fromConfig(spec.home);
  }
  // As a user configures it: a home whose dagster.yaml names the database (openPostgresStorages underneath).
  const home = mkdtempSync(join(tmpdir(), 'inst-bench-pg-home-'));
  writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(spec.url)}\n${COORDINATOR_YAML}`);
  return BenchInstance.fromConfig(home);
}

/** Opens a raw store on the databases of a spec. */
export async function openRawFor(spec: InstanceSpec): Promise<RawStore> {
  return spec.backend === 'sqlite' ? new RawSqliteStore(spec.home) : RawPgStore.connect(spec.url);
}

export interface RawHandle {
  readonly store: RawStore;
  /** Where it is, for a child process (`openRawFor`). */
  readonly spec: InstanceSpec;
}

export interface Backend {
  readonly name: BackendName;
  /** A fresh instance (new home / new database). */
  openInstance(label: string): Promise<InstanceHandle>;
  /** A fresh raw database of its own (for writes: same starting point as a fresh instance). */
  freshRaw(label: string): Promise<RawHandle>;
  /** Server / library version, for the report. */
  version(): Promise<string>;
  /** Removes every home and database made. */
  dispose(): Promise<void>;
}

/** Where SQLite homes go: `INST_BENCH_DIR`, else the OS temp dir. */
function benchRoot(): string {
  const root = process.env.INST_BENCH_DIR || tmpdir();
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, 'inst-bench-'));
}

export class SqliteBackend implements Backend {
  readonly name = 'sqlite' as const;
  readonly #root = benchRoot();
  readonly #open = new Set<{ close(): Promise<void> }>();
  #n = 0;

  async openInstance(label: string): Promise<InstanceHandle> {
    const home = join(this.#root, `${label}-${++this.#n}`);
    mkdirSync(home, { recursive: true });
    const instance = await openInstance({ backend: 'sqlite', home });
    const handle = { instance, spec: { backend: 'sqlite', home } as const, close: () => instance.dispose() };
    this.#open.add(handle);
    return handle;
  }

  freshRaw(label: string): Promise<RawHandle> {
    const home = join(this.#root, `${label}-raw-${++this.#n}`);
    const store = new RawSqliteStore(home);
    this.#open.add(store);
    return Promise.resolve({ store, spec: { backend: 'sqlite', home } });
  }

  version(): Promise<string> {
    const store = new RawSqliteStore(join(this.#root, 'version'));
    const version = (store.runs.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    void store.close();
    return Promise.resolve(`SQLite ${version} (better-sqlite3), WAL, synchronous=NORMAL`);
  }

  async dispose(): Promise<void> {
    for (const item of this.#open) await item.close().catch(() => {});
    this.#open.clear();
    rmSync(this.#root, { recursive: true, force: true });
  }
}

export class PostgresBackend implements Backend {
  readonly name = 'postgres' as const;
  readonly #databases: ScratchDatabase[] = [];
  readonly #open = new Set<{ close(): Promise<void> }>();

  async #scratch(label: string): Promise<ScratchDatabase> {
    const db = await createScratchDatabase(`inst_bench_${label}`);
    this.#databases.push(db);
    return db;
  }

  async openInstance(label: string): Promise<InstanceHandle> {
    const db = await this.#scratch(label);
    const instance = await openInstance({ backend: 'postgres', url: db.url });
    const handle = { instance, spec: { backend: 'postgres', url: db.url } as const, close: () => instance.dispose() };
    this.#open.add(handle);
    return handle;
  }

  async freshRaw(label: string): Promise<RawHandle> {
    const db = await this.#scratch(`${label}_raw`);
    const store = await RawPgStore.connect(db.url, { createSchema: true });
    this.#open.add(store);
    return { store, spec: { backend: 'postgres', url: db.url } };
  }

  async version(): Promise<string> {
    const db = await this.#scratch('version');
    const store = await RawPgStore.connect(db.url);
    const row = (await store.client.query('SHOW server_version')).rows[0] as { server_version: string };
    const settings = (await store.client.query("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers')")).rows as {
      name: string;
      setting: string;
    }[];
    await store.close();
    return `PostgreSQL ${row.server_version} (pg 8.23.1, localhost TCP; ${settings.map((s) => `${s.name}=${s.setting}`).join(', ')})`;
  }

  async dispose(): Promise<void> {
    for (const item of this.#open) await item.close().catch(() => {});
    this.#open.clear();
    for (const db of this.#databases) await db.drop().catch(() => {});
    this.#databases.length = 0;
  }
}

export function createBackend(name: BackendName): Backend {
  return name === 'sqlite' ? new SqliteBackend() : new PostgresBackend();
}
