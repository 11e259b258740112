import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventLogStorage, type EventLogStorageSuiteOptions } from '@inst/storage/testing';
import { SqlEventLogStorage } from '@inst/storage-sql';
import { openSqliteLayout } from './layout.js';
import { sqliteEventLogConnections } from './event-log.js';

/** The default pool limit each test storage reads, as an instance setting would be. */
const defaultPoolLimits = new WeakMap<SqlEventLogStorage, { limit: number | null }>();

/** An event log storage over a fresh layout; disposing it closes the layout and removes the home. */
async function createEventLogStorage(onDisk: boolean): Promise<SqlEventLogStorage> {
  const home = onDisk ? mkdtempSync(join(tmpdir(), 'inst-event-log-')) : ':memory:';
  const layout = await openSqliteLayout(home);
  const connections = sqliteEventLogConnections(layout, { closeLayout: true });
  const setting = { limit: null as number | null };
  const storage = new SqlEventLogStorage(
    {
      ...connections,
      close: async () => {
        await connections.close();
        if (onDisk) rmSync(home, { recursive: true, force: true });
      },
    },
    { defaultPoolLimit: () => setting.limit },
  );
  defaultPoolLimits.set(storage, setting);
  return storage;
}

function suiteOptions(onDisk: boolean): EventLogStorageSuiteOptions {
  return {
    create: () => createEventLogStorage(onDisk),
    capabilities: {
      isPersistent: onDisk,
      canSetConcurrencyDefaults: true,
      // The index of a run-sharded storage holds only asset and run-status events.
      supportsGetLogsForAllRunsByLogId: false,
    },
    setDefaultPoolLimit: (storage, limit) => {
      defaultPoolLimits.get(storage as SqlEventLogStorage)!.limit = limit;
    },
    rawSql: {
      forRun: (storage, runId) => (storage as SqlEventLogStorage).connections.forRun(runId),
      index: (storage) => Promise.resolve((storage as SqlEventLogStorage).connections.index),
    },
  };
}

describeEventLogStorage('SQLite file home', suiteOptions(true));
describeEventLogStorage('SQLite :memory:', suiteOptions(false));
