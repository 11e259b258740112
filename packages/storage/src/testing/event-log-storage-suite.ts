import { afterEach, beforeEach, describe } from 'vitest';
import type { EventLogStorage } from '../event-log-storage';
import { TestClock } from './event-log-fixtures';
import { defineAssetTests } from './event-log-suite-assets';
import { defineMoreTests } from './event-log-suite-more';
import { defineRunTests } from './event-log-suite-runs';

/**
 * What an event log storage supports: Dagster's `TestEventLogStorage` hooks. Flags default to what
 * Dagster's SQL storages do; a backend changes only what differs.
 */
export interface EventLogStorageCapabilities {
  /** Expected `isPersistent` (false for in-memory storage). */
  readonly isPersistent: boolean;
  /** `wipe()` clears the event log (`can_wipe_event_log`). */
  readonly canWipeEventLog: boolean;
  /** `getAssetRecords()` without keys returns every asset (`can_query_all_asset_records`). */
  readonly canQueryAllAssetRecords: boolean;
  /** `updateAssetCachedStatusData` stores the cache (`can_write_cached_status`). */
  readonly canWriteCachedStatus: boolean;
  /** `watch` (`can_watch`). */
  readonly canWatch: boolean;
  /** The default pool limit can be set through the suite's `setDefaultPoolLimit` (`can_set_concurrency_defaults`). */
  readonly canSetConcurrencyDefaults: boolean;
  /** Legacy integer offset cursors (`supports_offset_cursor_queries`). */
  readonly supportsOffsetCursorQueries: boolean;
  /** `getLogsForAllRunsByLogId` over every event type (false on run-sharded storage: only mirrored events are in its index). */
  readonly supportsGetLogsForAllRunsByLogId: boolean;
  /** Several event types in one by-id query (`supports_multiple_event_type_queries`). */
  readonly supportsMultipleEventTypeQueries: boolean;
  /** `RunStatusChangeRecordsFilter.jobNames` (`supports_run_status_change_job_name_filter`). */
  readonly supportsRunStatusChangeJobNameFilter: boolean;
  /** Asset entries carry the last observation (`asset_records_have_last_observation`). */
  readonly assetRecordsHaveLastObservation: boolean;
  /** Asset entries carry the last planned / failed materialization (`asset_records_have_last_planned_and_failed_materializations`). */
  readonly assetRecordsHaveLastPlannedAndFailedMaterializations: boolean;
  /** Planned events with a partitions subset count for each partition (`has_asset_partitions_table`). */
  readonly hasAssetPartitionsTable: boolean;
}

/** Raw SQL on one of the storage's databases (satisfied by `@inst/storage-sql`'s SqlExecutor). */
export interface RawSql {
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<unknown>;
}

/** Options of {@link describeEventLogStorage}. */
export interface EventLogStorageSuiteOptions {
  /** A fresh, empty storage; each test gets its own and disposes it. */
  readonly create: () => Promise<EventLogStorage>;
  readonly capabilities?: Partial<EventLogStorageCapabilities>;
  /** Sets the instance's default pool limit the storage reads (needed for `canSetConcurrencyDefaults`). */
  readonly setDefaultPoolLimit?: (storage: EventLogStorage, limit: number | null) => void | Promise<void>;
  /**
   * SQL access to the storage's databases, for the tests that look at rows (Dagster's
   * `run_connection` / `index_connection`): raw event rows, corrupt rows, mirrored index rows.
   * Without it those tests are skipped.
   */
  readonly rawSql?: {
    readonly forRun: (storage: EventLogStorage, runId: string) => Promise<RawSql>;
    readonly index: (storage: EventLogStorage) => Promise<RawSql>;
  };
}

const DEFAULT_CAPABILITIES: EventLogStorageCapabilities = {
  isPersistent: true,
  canWipeEventLog: true,
  canQueryAllAssetRecords: true,
  canWriteCachedStatus: true,
  canWatch: true,
  canSetConcurrencyDefaults: false,
  supportsOffsetCursorQueries: true,
  supportsGetLogsForAllRunsByLogId: true,
  supportsMultipleEventTypeQueries: true,
  supportsRunStatusChangeJobNameFilter: false,
  assetRecordsHaveLastObservation: false,
  assetRecordsHaveLastPlannedAndFailedMaterializations: false,
  hasAssetPartitionsTable: false,
};

/** What each section of the suite gets: the storage of the running test and the options. */
export interface EventLogSuiteEnv {
  readonly storage: () => EventLogStorage;
  readonly clock: () => TestClock;
  readonly caps: EventLogStorageCapabilities;
  readonly options: EventLogStorageSuiteOptions;
}

/**
 * Dagster's `TestEventLogStorage` (facts §8.2), test by test, each named after Dagster's test, plus
 * tests of inst's typed errors and of writes that fail leaving nothing behind.
 */
export function describeEventLogStorage(name: string, options: EventLogStorageSuiteOptions): void {
  const caps = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
  describe(`EventLogStorage: ${name}`, () => {
    let current: EventLogStorage | undefined;
    let clock = new TestClock();
    beforeEach(async () => {
      clock = new TestClock();
      current = await options.create();
    });
    afterEach(async () => {
      await current?.dispose();
      current = undefined;
    });
    const env: EventLogSuiteEnv = {
      storage: () => {
        if (!current) throw new Error('no storage: used outside a test');
        return current;
      },
      clock: () => clock,
      caps,
      options,
    };
    defineRunTests(env);
    defineAssetTests(env);
    defineMoreTests(env);
  });
}
