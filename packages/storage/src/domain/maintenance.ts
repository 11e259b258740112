import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { AlembicVersion, MaintenanceOptions, MaintenanceProgress, PrintFn } from '../common';
import type { StorageInstanceOps } from './ops';

/** What the maintenance functions (upgrade, reindex, wipe, …) need of an instance. */
export type MaintenanceStorageOps = Pick<StorageInstanceOps, 'runStorage' | 'eventLogStorage' | 'scheduleStorage'>;

/** One step of a maintenance operation: its name and what it does. */
type Step = readonly [name: string, run: () => Promise<unknown> | undefined];

/** A print function, or the options object (the print function, progress, an AbortSignal). */
function maintenanceOptions(printFnOrOptions: PrintFn | MaintenanceOptions | undefined): MaintenanceOptions {
  return typeof printFnOrOptions === 'function' ? { printFn: printFnOrOptions } : (printFnOrOptions ?? {});
}

/**
 * Runs the steps in order, reporting each, and stops between two steps once the signal aborts (or, with
 * `stopOnlyBeforeFirst`, only before the first one: the steps belong together).
 */
async function runSteps(operation: MaintenanceProgress['operation'], steps: readonly Step[], { onProgress, signal }: MaintenanceOptions, stopOnlyBeforeFirst = false): Promise<void> {
  for (const [index, [step, run]] of steps.entries()) {
    if (index === 0 || !stopOnlyBeforeFirst) signal?.throwIfAborted();
    onProgress?.({ operation, step, completed: index, total: steps.length });
    await run();
  }
  onProgress?.({ operation, step: 'done', completed: steps.length, total: steps.length });
}

/**
 * Upgrades the schema and runs the required data migrations of run, event and schedule storage. Takes Dagster's
 * `print_fn`, or options with progress and an AbortSignal (checked between steps).
 */
export async function upgrade(ops: MaintenanceStorageOps, printFnOrOptions?: PrintFn | MaintenanceOptions): Promise<void> {
  const options = maintenanceOptions(printFnOrOptions);
  const { printFn } = options;
  const migration = printFn ? { printFn } : {};
  const steps: Step[] = [
    ['run storage schema', () => (printFn?.('Updating run storage...'), ops.runStorage.upgrade(migration))],
    ['run storage data migrations', () => ops.runStorage.migrate(migration)],
    ['event storage schema', () => (printFn?.('Updating event storage...'), ops.eventLogStorage.upgrade(migration))],
    ['asset index', () => ops.eventLogStorage.reindexAssets(migration)],
  ];
  const scheduleStorage = ops.scheduleStorage;
  if (scheduleStorage) {
    steps.push(
      ['schedule storage schema', () => (printFn?.('Updating schedule storage...'), scheduleStorage.upgrade(migration))],
      ['schedule storage data migrations', () => scheduleStorage.migrate(migration)],
    );
  }
  await runSteps('upgrade', steps, options);
}

/** Tunes the storages' connections for a long-lived server process. */
export async function optimizeForWebserver(ops: MaintenanceStorageOps, statementTimeout: number, poolRecycle: number, maxOverflow?: number): Promise<void> {
  await ops.scheduleStorage?.optimizeForWebserver(statementTimeout, poolRecycle, maxOverflow);
  await ops.runStorage.optimizeForWebserver(statementTimeout, poolRecycle, maxOverflow);
  await ops.eventLogStorage.optimizeForWebserver(statementTimeout, poolRecycle, maxOverflow);
}

/**
 * Rebuilds the event log's derived index (when the storage can), reindexes events and assets, then runs the
 * optional data migrations of run and schedule storage. Takes Dagster's `print_fn`, or options with progress and
 * an AbortSignal (checked between steps).
 */
export async function reindex(ops: MaintenanceStorageOps, printFnOrOptions?: PrintFn | MaintenanceOptions): Promise<void> {
  const options = maintenanceOptions(printFnOrOptions);
  const printFn = options.printFn ?? (() => {});
  const scheduleStorage = ops.scheduleStorage;
  printFn('Checking for reindexing...');
  // Run-sharded SQLite: index.db rebuilt from the run shards (issue #10), then the data migrations.
  const rebuildIndex = ops.eventLogStorage.rebuildIndex?.bind(ops.eventLogStorage);
  await runSteps('reindex', [
    ...(rebuildIndex ? [['event log index', () => rebuildIndex({ printFn })] as const] : []),
    ['events', () => ops.eventLogStorage.reindexEvents({ printFn })],
    ['assets', () => ops.eventLogStorage.reindexAssets({ printFn })],
    ['run storage', () => ops.runStorage.optimize({ printFn })],
    ...(scheduleStorage ? [['schedule storage', () => scheduleStorage.optimize({ printFn })] as const] : []),
  ], options);
  printFn('Done.');
}

/**
 * Deletes every run and event; schedule storage is left as it is, as in Dagster. Options: progress, and an
 * AbortSignal checked before the wipe starts (once begun it wipes both, so no event outlives its run).
 */
export async function wipe(ops: Pick<StorageInstanceOps, 'runStorage' | 'eventLogStorage'>, options: Omit<MaintenanceOptions, 'printFn'> = {}): Promise<void> {
  await runSteps('wipe', [
    ['run storage', () => ops.runStorage.wipe()],
    ['event storage', () => ops.eventLogStorage.wipe()],
  ], options, true);
}

/** YAML with the current and latest revision of each storage. */
export async function schemaStr(ops: MaintenanceStorageOps): Promise<string> {
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
