import type { MaintenanceProgress } from '@inst/storage';
import type { Instance } from '../instance';
import type { P, R } from './support';

/** Options of `storage.upgrade`, `.reindex` and `.wipe`. */
export interface MaintenanceCallOptions {
  /** Called as each step starts (`'run storage schema'`, `'assets'` …) and once more with `step: 'done'`. */
  onProgress?: (progress: MaintenanceProgress) => void;
  /**
   * Stops the operation between steps; the promise then rejects with the signal's reason. Each step is a whole
   * unit (one storage's transactional schema upgrade, one data migration), so the store stays consistent: what
   * ran is done, what did not is untouched, and running the operation again finishes it.
   */
  signal?: AbortSignal;
  /** Dagster's `print_fn`: the storages' progress lines. */
  printFn?: (message: string) => void;
}

/** Storages and maintenance: `instance.storage.upgrade({ onProgress, signal })`, `.schema()`, `.runStorage` … */
export function storageNamespace(instance: Instance) {
  return {
    get rootDirectory(): string {
      return instance.rootDirectory;
    },
    get runStorage(): Instance['runStorage'] {
      return instance.runStorage;
    },
    get eventLogStorage(): Instance['eventLogStorage'] {
      return instance.eventLogStorage;
    },
    get scheduleStorage(): Instance['scheduleStorage'] {
      return instance.scheduleStorage;
    },
    get daemonCursorStorage(): Instance['daemonCursorStorage'] {
      return instance.daemonCursorStorage;
    },
    get defsStateStorage(): Instance['defsStateStorage'] {
      return instance.defsStateStorage;
    },
    get computeLogManager(): Instance['computeLogManager'] {
      return instance.computeLogManager;
    },
    /** Schema upgrades and data migrations of every storage, with progress; the signal stops it between steps. */
    upgrade: (options: MaintenanceCallOptions = {}): R<'upgrade'> => instance.upgrade(options),
    /** The event log index, events and assets reindexed, then the optional data migrations; the signal stops it between steps. */
    reindex: (options: MaintenanceCallOptions = {}): R<'reindex'> => instance.reindex(options),
    /** Deletes every run and event (schedule storage is kept); the signal is checked before it starts. */
    wipe: (options: Omit<MaintenanceCallOptions, 'printFn'> = {}): R<'wipe'> => instance.wipe(options),
    optimizeForWebserver: (o: { statementTimeout: P<'optimizeForWebserver'>[0]; poolRecycle: P<'optimizeForWebserver'>[1]; maxOverflow?: P<'optimizeForWebserver'>[2] }): R<'optimizeForWebserver'> =>
      instance.optimizeForWebserver(o.statementTimeout, o.poolRecycle, o.maxOverflow),
    /** The current and latest schema revision of each storage, as YAML. */
    schema: (): R<'schemaStr'> => instance.schemaStr(),
    directory: (): R<'storageDirectory'> => instance.storageDirectory(),
    fileManagerDirectory: (runId: string): R<'fileManagerDirectory'> => instance.fileManagerDirectory(runId),
    schedulesDirectory: (): R<'schedulesDirectory'> => instance.schedulesDirectory(),
  };
}

export type StorageNamespace = ReturnType<typeof storageNamespace>;
