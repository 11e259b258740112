import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { AlembicVersion, PrintFn } from '../common';
import type { StorageInstanceOps } from './ops';

type StoragesOps = Pick<StorageInstanceOps, 'runStorage' | 'eventLogStorage' | 'scheduleStorage'>;

/** Upgrades the schema and runs the required data migrations of run, event and schedule storage. */
export async function upgrade(ops: StoragesOps, printFn?: PrintFn): Promise<void> {
  const options = printFn ? { printFn } : {};
  printFn?.('Updating run storage...');
  await ops.runStorage.upgrade(options);
  await ops.runStorage.migrate(options);
  printFn?.('Updating event storage...');
  await ops.eventLogStorage.upgrade(options);
  await ops.eventLogStorage.reindexAssets(options);
  if (ops.scheduleStorage) {
    printFn?.('Updating schedule storage...');
    await ops.scheduleStorage.upgrade(options);
    await ops.scheduleStorage.migrate(options);
  }
}

/** Tunes the storages' connections for a long-lived server process. */
export async function optimizeForWebserver(ops: StoragesOps, statementTimeout: number, poolRecycle: number, maxOverflow?: number): Promise<void> {
  await ops.scheduleStorage?.optimizeForWebserver(statementTimeout, poolRecycle, maxOverflow);
  await ops.runStorage.optimizeForWebserver(statementTimeout, poolRecycle, maxOverflow);
  await ops.eventLogStorage.optimizeForWebserver(statementTimeout, poolRecycle, maxOverflow);
}

/** Rebuilds the event log's derived index (when the storage can), reindexes events and assets, then runs the optional data migrations of run and schedule storage. */
export async function reindex(ops: StoragesOps, printFn: PrintFn = () => {}): Promise<void> {
  printFn('Checking for reindexing...');
  // Run-sharded SQLite: index.db rebuilt from the run shards (issue #10), then the data migrations.
  await ops.eventLogStorage.rebuildIndex?.({ printFn });
  await ops.eventLogStorage.reindexEvents({ printFn });
  await ops.eventLogStorage.reindexAssets({ printFn });
  await ops.runStorage.optimize({ printFn });
  await ops.scheduleStorage?.optimize({ printFn });
  printFn('Done.');
}

/** Deletes every run and event; schedule storage is left as it is, as in Dagster. */
export async function wipe(ops: Pick<StorageInstanceOps, 'runStorage' | 'eventLogStorage'>): Promise<void> {
  await ops.runStorage.wipe();
  await ops.eventLogStorage.wipe();
}

/** YAML with the current and latest revision of each storage. */
export async function schemaStr(ops: StoragesOps): Promise<string> {
  const describe = async (storage: { alembicVersion(): Promise<AlembicVersion | undefined> } | undefined) => {
    const version = await storage?.alembicVersion();
    return version ? { current: version.current ?? null, latest: version.head } : null;
  };
  return toYaml({
    event_log_storage: await describe(ops.eventLogStorage),
    run_storage: await describe(ops.runStorage),
    schedule_storage: await describe(ops.scheduleStorage),
  });
}

/** Local artifact storage directory (`storage` under the root). */
export function storageDirectory(ops: Pick<StorageInstanceOps, 'rootDirectory'>): string {
  return join(ops.rootDirectory, 'storage');
}

/** Local artifact directory the file manager uses for a run. */
export function fileManagerDirectory(ops: Pick<StorageInstanceOps, 'rootDirectory'>, runId: string): string {
  return join(storageDirectory(ops), runId, 'files');
}

/** Local artifact directory of schedules. */
export function schedulesDirectory(ops: Pick<StorageInstanceOps, 'rootDirectory'>): string {
  return join(ops.rootDirectory, 'schedules');
}
