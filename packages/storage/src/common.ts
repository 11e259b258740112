/** Receives progress lines of long maintenance operations (Dagster's `print_fn`). */
export type PrintFn = (message: string) => void;

/** Progress of a maintenance operation: the step that has just started, out of how many; `'done'` at the end. */
export interface MaintenanceProgress {
  readonly operation: 'upgrade' | 'reindex' | 'wipe';
  readonly step: string;
  /** Steps finished so far. */
  readonly completed: number;
  readonly total: number;
}

/**
 * Options of `upgrade`, `reindex` and `wipe`. `signal` stops the operation between steps (each step is one
 * storage's transactional schema upgrade or one whole data migration or wipe, so nothing is left half-done) and
 * the promise rejects with the signal's reason; a step already started runs to its end.
 */
export interface MaintenanceOptions {
  printFn?: PrintFn;
  onProgress?: (progress: MaintenanceProgress) => void;
  signal?: AbortSignal;
}

/** The alembic revision a database is stamped with, and Dagster's head revision. */
export interface AlembicVersion {
  readonly current: string | undefined;
  readonly head: string;
}

/** Options of data migrations: `migrate()`, `optimize()`, `reindexEvents()`, `reindexAssets()`. */
export interface MigrationOptions {
  printFn?: PrintFn;
  /** Rebuild indexes that are marked built. */
  forceRebuildAll?: boolean;
}

/** A page of results with the cursor of the next one. */
export interface PaginatedResults<T> {
  readonly results: readonly T[];
  readonly cursor: string | null;
  readonly hasMore: boolean;
}

/** Things every storage has. */
export interface StorageLifecycle extends AsyncDisposable {
  /** Brings the schema up to date (transactional per step) and runs required data migrations. */
  upgrade(options?: MigrationOptions): Promise<void>;
  /** Dagster's alembic revision of the underlying database. */
  alembicVersion(): Promise<AlembicVersion | undefined>;
  /** Tunes connections for a long-lived server process (statement timeout in ms, pool recycle in s). */
  optimizeForWebserver(statementTimeout: number, poolRecycle: number, maxOverflow?: number): Promise<void>;
  /** Releases connections and watchers; safe to call twice. */
  dispose(): Promise<void>;
}
