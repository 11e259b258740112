import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, FileSystemError, InstError, SchemaTooNewError, StorageError, warnOnce } from '@inst/errors';
import type { RunCoordinator, RunLauncher } from '@inst/run-launcher';
import type { InstanceConfig, InstanceSettings, StorageConfig } from '@inst/settings';
import type { StorageLifecycle } from '@inst/storage';
import { revisionStanding } from '@inst/storage-sql';
import { computeLogManagerFromConfig } from '@inst/execution';
import { schedulerFromConfig } from '@inst/scheduling';
import type { StorageName } from './arguments';
import { loadRunCoordinator, loadRunLauncher } from './components';
import { compositeSqliteHome } from './storages';

/*
 * What `Instance.fromConfig` / `fromRef` / `localTemp` check before they create anything: the home is a
 * writable directory, the SQLite files that exist are SQLite files, every component the config names loads,
 * and Dagster's construction invariants hold. After the storages open: a schema newer than inst knows.
 */

/** The home is an existing, writable directory; a FileSystemError naming the path otherwise. */
export function checkHome(home: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(home).isDirectory();
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new FileSystemError(home, 'the instance home does not exist (create it, or point INST_HOME / DAGSTER_HOME at an existing directory)', {
      cause: error,
      ...(errno ? { errno } : {}),
    });
  }
  if (!isDirectory) throw new FileSystemError(home, 'the instance home is not a directory', { errno: 'ENOTDIR' });
  try {
    accessSync(home, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new FileSystemError(home, 'the instance home is not writable (inst keeps its SQLite files and artifacts there)', {
      cause: error,
      errno: (error as NodeJS.ErrnoException).code ?? 'EACCES',
    });
  }
}

const SQLITE_HEADER = 'SQLite format 3\u0000';

/** The SQLite files of a home's layout (Dagster's `history/runs.db`, `history/runs/index.db`, `schedules/schedules.db`). */
function sqliteFilesOf(home: string, storage: StorageConfig): string[] {
  const root = sqliteRootOf(home, storage);
  if (!root) return [];
  return [join(root, 'history', 'runs.db'), join(root, 'history', 'runs', 'index.db'), join(root, 'schedules', 'schedules.db')];
}

/** The home of the SQLite layout a storage config opens (none for Postgres alone); a ConfigError for classes inst cannot open. */
function sqliteRootOf(home: string, storage: StorageConfig): string | undefined {
  switch (storage.kind) {
    case 'default':
      return home;
    case 'sqlite':
      return resolve(home, storage.baseDir);
    case 'legacy':
      return compositeSqliteHome(home, storage);
    case 'postgres':
      return storage.sqliteStorages ? compositeSqliteHome(home, storage.sqliteStorages) : undefined;
    default:
      return undefined;
  }
}

/**
 * Every SQLite file of the layout that already exists is a SQLite database (checked by its header), so a
 * corrupt `index.db` or `schedules.db` is reported before any other file is created.
 */
export function checkSqliteFiles(home: string, storage: StorageConfig): void {
  for (const path of sqliteFilesOf(home, storage)) {
    if (!existsSync(path)) continue;
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      throw new FileSystemError(path, 'cannot read this SQLite file', { cause: error, errno: (error as NodeJS.ErrnoException).code ?? 'EIO' });
    }
    if (!stat.isFile()) throw new FileSystemError(path, 'expected a SQLite file, found a directory', { errno: 'EISDIR' });
    if (stat.size === 0) continue; // SQLite treats an empty file as an empty database
    const header = Buffer.alloc(16);
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      readSync(fd, header, 0, 16, 0);
    } catch (error) {
      throw new FileSystemError(path, 'cannot read this SQLite file', { cause: error, errno: (error as NodeJS.ErrnoException).code ?? 'EIO' });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (stat.size < 100 || header.toString('latin1') !== SQLITE_HEADER) {
      throw new StorageError(`${path}: not a SQLite database (corrupt, or another kind of file); nothing was opened or created`, { ids: { path } });
    }
  }
}

/** The run coordinator and launcher the config names, loaded now (refused with a ConfigError naming the key). */
export function loadComponents(config: InstanceConfig, settings: InstanceSettings, home?: string): { runCoordinator: RunCoordinator; runLauncher: RunLauncher } {
  const problems: string[] = [];
  // The scheduler and compute log manager are built later (their constructors create nothing); check them now.
  try {
    schedulerFromConfig(settings.schedulerConfig);
  } catch (error) {
    problems.push(...(error instanceof ConfigError ? error.problems : [`scheduler: ${(error as Error).message}`]));
  }
  try {
    void computeLogManagerFromConfig(settings.computeLogsConfig, join(home ?? '.', 'storage')).dispose();
  } catch (error) {
    problems.push(`compute_logs: ${componentName(config.compute_logs as { module?: string; class?: string } | undefined)} cannot be loaded: ${(error as Error).message}`);
  }
  let runCoordinator: RunCoordinator | undefined;
  let runLauncher: RunLauncher | undefined;
  try {
    runCoordinator = loadRunCoordinator(config);
  } catch (error) {
    problems.push(`run_coordinator: ${componentName(config.run_coordinator)} cannot be loaded: ${(error as Error).message}`);
  }
  try {
    runLauncher = loadRunLauncher(config);
  } catch (error) {
    problems.push(`run_launcher: ${componentName(config.run_launcher)} cannot be loaded: ${(error as Error).message}`);
  }
  // Dagster's DagsterInstance.__init__: resuming runs needs a launcher that can resume them.
  if (runLauncher && settings.runMonitoringEnabled && settings.runMonitoringMaxResumeRunAttempts > 0 && !runLauncher.supportsResumeRun) {
    problems.push(
      `run_monitoring.max_resume_run_attempts: the run launcher ${runLauncher.constructor.name} does not support resuming runs; set max_resume_run_attempts to 0`,
    );
  }
  if (problems.length > 0 || !runCoordinator || !runLauncher) throw new ConfigError(problems);
  return { runCoordinator, runLauncher };
}

function componentName(block: { module?: string; class?: string } | undefined): string {
  return block ? `${block.module ?? '?'}.${block.class ?? '?'}` : 'the default';
}

/** Whether a module name reads like a Python dotted module (`my_pkg.instance`) rather than a JS package or file. */
function looksLikePythonModule(module: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(module) && !/\.(c|m)?(j|t)s$/.test(module);
}

/** Imports the module `instance_class` names, with a ConfigError naming the key when it cannot be loaded. */
export async function importInstanceClassModule(named: { module: string; class: string }): Promise<Record<string, unknown>> {
  const specifier = named.module.startsWith('.') || named.module.startsWith('/') ? resolve(named.module) : named.module;
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const hint = looksLikePythonModule(named.module)
      ? ' (it reads as a Python module: inst loads a JavaScript/TypeScript module, a package name or a file path)'
      : '';
    throw new ConfigError([`instance_class.module: cannot load ${named.module}${hint}: ${(error as Error).message}`], undefined, { cause: error });
  }
}

/** File-system errors of the driver (EACCES, EROFS …) as a FileSystemError naming the path; others unchanged. */
export function asFileSystemError(error: unknown, fallbackPath: string): unknown {
  if (InstError.isInstance(error)) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause && !InstError.isInstance(cause)) {
      const mapped = asFileSystemError(cause, fallbackPath);
      if (mapped !== cause) return mapped;
    }
    return error;
  }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'ENOENT', 'SQLITE_CANTOPEN', 'SQLITE_READONLY']);
  if (!errno || !FS_CODES.has(errno)) return error;
  const path = (error as NodeJS.ErrnoException).path ?? fallbackPath;
  return new FileSystemError(path, `cannot use this path (${errno}): ${(error as Error).message}`, { cause: error, errno });
}

/**
 * The storages stamped with a schema revision newer than inst knows, each with its SchemaTooNewError (empty when
 * none is): the instance then refuses writes to those storages, reads proceed, and a warning says so once.
 */
export async function schemaTooNew(
  storages: Readonly<Record<StorageName, StorageLifecycle | undefined>>,
  newerThanHead?: (storage: StorageName) => Promise<boolean>,
): Promise<Map<StorageName, SchemaTooNewError>> {
  const tooNew = new Map<StorageName, SchemaTooNewError>();
  for (const [name, storage] of Object.entries(storages) as [StorageName, StorageLifecycle | undefined][]) {
    const version = await storage?.alembicVersion();
    // An unknown revision is a newer one only when nothing inst's schema has is missing; with tables or
    // columns missing it is an older Dagster's (before inst's baseline), which upgrade() brings forward.
    if (version?.current && revisionStanding(version.current) === 'unknown' && (await (newerThanHead?.(name) ?? true))) {
      const error = new SchemaTooNewError(name, version.current, version.head);
      warnOnce(error.message);
      tooNew.set(name, error);
    }
  }
  return tooNew;
}

/** Storage methods that write (the storage contracts' verbs); everything else reads. */
const WRITING_METHOD = /^(add|update|delete|wipe|store|handle|create|set|free|claim|purge|migrate|rebuild|reindex|replace|enable|initialize|upgrade)([A-Z]|$)/;

/**
 * `storage` with its writing methods refused with `error`, for code that reaches a storage directly
 * (`instance.runStorage.addRun`, a domain through its ops). Methods run on the storage itself.
 */
export function refusingWrites<S extends object>(storage: S, error: Error): S {
  return new Proxy(storage, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property === 'string' && WRITING_METHOD.test(property)) return () => Promise.reject(error);
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}
