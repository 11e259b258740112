import { importDriver, NotSupportedError } from '@inst/errors';
import {
  DefaultRunCoordinator,
  InProcessRunLauncher,
  NoOpRunLauncher,
  QueuedRunCoordinator,
  type RunCoordinator,
  type RunLauncher,
} from '@inst/run-launcher';
import { ChildProcessRunLauncher } from '@inst/code-location';
import type * as SqliteBackend from '@inst/storage-sqlite';
import type * as PostgresBackend from '@inst/storage-postgres';
import { runQueueConfigOf, type InstanceConfig, type RunQueueBlock } from '@inst/settings';

/** This package's entry module (source or built), which run workers import to open the instance from its ref. */
const CORE_ENTRY_MODULE = new URL(/\.(c|m)?ts$/.test(import.meta.url) ? './index.ts' : './index.js', import.meta.url).href;

/**
 * The run coordinator a config names. Dagster's built-in names map to inst's classes. As in Dagster, a config
 * naming no coordinator (or a `run_queue` block) gets a QueuedRunCoordinator, whose runs the
 * QUEUED_RUN_COORDINATOR daemon (`@inst/run-queue`) launches; DefaultRunCoordinator launches at once, and is
 * what an ephemeral instance uses.
 */
export function loadRunCoordinator(config: InstanceConfig, options: { ephemeral?: boolean } = {}): RunCoordinator {
  // Dagster's ephemeral instance launches at once (no daemon runs against in-memory storage).
  const named = config.run_coordinator?.class ?? (options.ephemeral ? 'DefaultRunCoordinator' : 'QueuedRunCoordinator');
  switch (named) {
    case 'DefaultRunCoordinator':
      return new DefaultRunCoordinator();
    case 'QueuedRunCoordinator': {
      const block = (config.run_queue ?? config.run_coordinator?.config ?? {}) as RunQueueBlock;
      const queue = runQueueConfigOf(block);
      return new QueuedRunCoordinator({
        maxConcurrentRuns: queue.maxConcurrentRuns,
        tagConcurrencyLimits: queue.tagConcurrencyLimits,
        dequeueIntervalSeconds: queue.dequeueIntervalSeconds,
        dequeueUseThreads: queue.dequeueUseThreads,
        ...(queue.dequeueNumWorkers === undefined ? {} : { dequeueNumWorkers: queue.dequeueNumWorkers }),
        maxUserCodeFailureRetries: queue.maxUserCodeFailureRetries,
        userCodeFailureRetryDelay: queue.userCodeFailureRetryDelay,
      });
    }
    default:
      throw new NotSupportedError(`run_coordinator ${named} is not available in inst; use QueuedRunCoordinator or DefaultRunCoordinator`);
  }
}

/**
 * The run launcher a config names. Dagster's default, DefaultRunLauncher, is the ChildProcessRunLauncher (one OS
 * process per run, loaded from the run's code location); an ephemeral instance cannot be opened from another
 * process, so there — as with Dagster's SyncInMemoryRunLauncher — runs execute in this process.
 */
export function loadRunLauncher(config: InstanceConfig, options: { ephemeral?: boolean } = {}): RunLauncher {
  const named = config.run_launcher?.class ?? 'DefaultRunLauncher';
  switch (named) {
    case 'DefaultRunLauncher':
      if (options.ephemeral) return new InProcessRunLauncher();
      return childProcessRunLauncher(config);
    case 'SyncInMemoryRunLauncher':
    case 'InProcessRunLauncher':
      return new InProcessRunLauncher();
    case 'ChildProcessRunLauncher':
      return childProcessRunLauncher(config);
    case 'NoOpRunLauncher': {
      const launcherConfig = (config.run_launcher?.config ?? {}) as { record_launches?: boolean };
      return new NoOpRunLauncher({ recordLaunches: launcherConfig.record_launches === true });
    }
    default:
      throw new NotSupportedError(`run_launcher ${named} is not available in inst yet; use InProcessRunLauncher`);
  }
}

function childProcessRunLauncher(config: InstanceConfig): ChildProcessRunLauncher {
  const launcherConfig = (config.run_launcher?.config ?? {}) as { terminate_grace_period_seconds?: number; spare_workers?: number };
  return new ChildProcessRunLauncher({
    instanceModule: CORE_ENTRY_MODULE,
    ...(launcherConfig.terminate_grace_period_seconds === undefined ? {} : { terminateGracePeriodSeconds: launcherConfig.terminate_grace_period_seconds }),
    ...(launcherConfig.spare_workers === undefined ? {} : { spareWorkers: launcherConfig.spare_workers }),
  });
}

/**
 * The SQLite backend, imported when a config first needs it. `better-sqlite3` is an optional peer dependency of
 * `@inst/core`: a Postgres-only install never compiles it, and `import '@inst/core'` never loads it.
 * @throws DriverNotInstalledError naming `better-sqlite3` when it is not installed.
 */
export function loadSqliteBackend(): Promise<typeof SqliteBackend> {
  return importDriver(() => import('@inst/storage-sqlite'), ['better-sqlite3', '@inst/storage-sqlite'], 'SQLite storage (a Dagster home, or an ephemeral instance)');
}

/**
 * The Postgres backend, imported when a config first names `postgres_url` / `postgres_db`. `pg` is an optional
 * peer dependency of `@inst/core`, so a SQLite-only install never carries it.
 * @throws DriverNotInstalledError naming `pg` when it is not installed.
 */
export function loadPostgresBackend(): Promise<typeof PostgresBackend> {
  return importDriver(() => import('@inst/storage-postgres'), ['pg', '@inst/storage-postgres'], 'Postgres storage');
}
