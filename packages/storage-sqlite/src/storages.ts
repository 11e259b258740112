import { SqlRunStorage, SqlScheduleStorage, type EventLogLogger, type SqlEventLogStorage } from '@inst/storage-sql';
import { openSqliteEventLogStorage } from './event-log.js';
import { openSqliteLayout, type SqliteLayout, type SqliteLayoutOptions } from './layout.js';

/** The three storages of one SQLite instance home, sharing one layout. */
export interface SqliteStorages {
  readonly layout: SqliteLayout;
  readonly runStorage: SqlRunStorage;
  readonly eventLogStorage: SqlEventLogStorage;
  readonly scheduleStorage: SqlScheduleStorage;
  /** Disposes the storages, then closes the layout; safe to call twice. */
  dispose(): Promise<void>;
  /** {@link SqliteStorages.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Dagster's SQLite storages under an instance home (`history/runs.db`, `history/runs/`, `schedules/schedules.db`),
 * or all in memory for `':memory:'` — the same code either way.
 */
export async function openSqliteStorages(
  home: string,
  options: {
    layout?: SqliteLayoutOptions;
    /** The instance's default pool limit, read on each use. */
    defaultPoolLimit?: () => number | null | undefined;
    /** Warnings of the event log storage (unreadable rows skipped, failing watch callbacks). Default `console`. */
    logger?: EventLogLogger;
  } = {},
): Promise<SqliteStorages> {
  const layout = await openSqliteLayout(home, options.layout);
  let eventLogStorage: SqlEventLogStorage;
  try {
    eventLogStorage = await openSqliteEventLogStorage(layout, {
      ...(options.defaultPoolLimit ? { defaultPoolLimit: options.defaultPoolLimit } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } catch (error) {
    // A failed open closes what it opened (issue #10).
    await layout.close();
    throw error;
  }
  const runStorage = new SqlRunStorage({
    driver: layout.runs,
    // The optional start/end time migration reads times from the event log.
    runTimes: async (runId) => {
      const stats = await eventLogStorage.getStatsForRun(runId);
      return { startTime: stats.startTime, endTime: stats.endTime };
    },
  });
  const scheduleStorage = new SqlScheduleStorage({ driver: layout.schedules });
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      await scheduleStorage.dispose();
      await eventLogStorage.dispose();
      await runStorage.dispose();
      await layout.close();
    })());
  return { layout, runStorage, eventLogStorage, scheduleStorage, dispose, [Symbol.asyncDispose]: dispose };
}
