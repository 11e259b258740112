/**
 * The error family of inst. Every error a package throws on purpose is an {@link InstError}
 * with a stable {@link InstErrorCode}, the ids it concerns, and the underlying `cause`.
 */

/** Stable codes, one per kind of failure. Matching on `code` survives duplicated package copies. */
export type InstErrorCode =
  | 'SERIALIZATION_ERROR'
  | 'DESERIALIZATION_ERROR'
  | 'INVALID_ARGUMENT'
  | 'INVARIANT_VIOLATION'
  | 'RUN_NOT_FOUND'
  | 'RUN_ALREADY_EXISTS'
  | 'SNAPSHOT_NOT_FOUND'
  | 'BACKFILL_NOT_FOUND'
  | 'INSTIGATOR_STATE_NOT_FOUND'
  | 'INSTIGATOR_STATE_ALREADY_EXISTS'
  | 'INVALID_CURSOR'
  | 'INVALID_FILTER'
  | 'CORRUPT_ROW'
  | 'MIGRATION_REQUIRED'
  | 'MIGRATION_FAILED'
  | 'SCHEMA_TOO_NEW'
  | 'FILE_SYSTEM_ERROR'
  | 'STORAGE_ERROR'
  | 'CONFIG_ERROR'
  | 'NOT_SUPPORTED'
  | 'DISPOSED'
  | 'LAUNCH_ERROR'
  | 'CODE_LOCATION_LOAD_ERROR'
  | 'USER_CODE_PROCESS_ERROR'
  | 'USER_CODE_UNREACHABLE'
  | 'DRIVER_NOT_INSTALLED';

const MARKER = Symbol.for('inst.error');

export interface InstErrorOptions {
  cause?: unknown;
  /** Ids the error concerns (run ids, snapshot ids, table and row ids …). */
  ids?: Readonly<Record<string, string | number | undefined>>;
}

/** Base class of every error inst throws on purpose. */
export class InstError extends Error {
  readonly code: InstErrorCode;
  readonly ids: Readonly<Record<string, string | number | undefined>>;
  /** @internal */
  readonly [MARKER] = true;

  constructor(code: InstErrorCode, message: string, options: InstErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.ids = options.ids ?? {};
  }

  /** True for any InstError, also one thrown by another copy of this package. */
  static isInstance(value: unknown): value is InstError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** A value could not be written in Dagster's serdes format. */
export class SerializationError extends InstError {
  constructor(message: string, options?: InstErrorOptions) {
    super('SERIALIZATION_ERROR', message, options);
  }
}

/** A serdes document could not be read; `path` locates the problem inside the document (`$.a.b[2]`). */
export class DeserializationError extends InstError {
  readonly path: string;
  constructor(message: string, path: string, options?: InstErrorOptions) {
    super('DESERIALIZATION_ERROR', `${path}: ${message}`, options);
    this.path = path;
  }
}

/** An argument was not acceptable (Dagster's DagsterInvalidInvocationError / CheckError). */
export class InvalidArgumentError extends InstError {
  constructor(message: string, options?: InstErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** An internal rule was broken (Dagster's DagsterInvariantViolationError). */
export class InvariantViolationError extends InstError {
  constructor(message: string, options?: InstErrorOptions) {
    super('INVARIANT_VIOLATION', message, options);
  }
}

/** No run with that id (Dagster's DagsterRunNotFoundError). */
export class RunNotFoundError extends InstError {
  readonly runId: string;
  constructor(runId: string, message = `Run ${runId} not found`, options?: InstErrorOptions) {
    super('RUN_NOT_FOUND', message, { ...options, ids: { runId, ...options?.ids } });
    this.runId = runId;
  }
}

/** A run with that id exists already (Dagster's DagsterRunAlreadyExists). */
export class RunAlreadyExistsError extends InstError {
  readonly runId: string;
  constructor(runId: string, options?: InstErrorOptions) {
    super('RUN_ALREADY_EXISTS', `Run ${runId} already exists`, { ...options, ids: { runId, ...options?.ids } });
    this.runId = runId;
  }
}

/** No snapshot with that id (Dagster's DagsterSnapshotDoesNotExist). */
export class SnapshotNotFoundError extends InstError {
  readonly snapshotId: string;
  constructor(snapshotId: string, message = `Snapshot ${snapshotId} does not exist`, options?: InstErrorOptions) {
    super('SNAPSHOT_NOT_FOUND', message, { ...options, ids: { snapshotId, ...options?.ids } });
    this.snapshotId = snapshotId;
  }
}

/** No backfill with that id. */
export class BackfillNotFoundError extends InstError {
  readonly backfillId: string;
  constructor(backfillId: string, options?: InstErrorOptions) {
    super('BACKFILL_NOT_FOUND', `Backfill ${backfillId} not found`, { ...options, ids: { backfillId, ...options?.ids } });
    this.backfillId = backfillId;
  }
}

/** A cursor string or value could not be understood. */
export class InvalidCursorError extends InstError {
  readonly cursor: string;
  constructor(cursor: string, message: string, options?: InstErrorOptions) {
    super('INVALID_CURSOR', message, { ...options, ids: { cursor, ...options?.ids } });
    this.cursor = cursor;
  }
}

/** A filter had a field of the wrong shape; `field` names it. */
export class InvalidFilterError extends InstError {
  readonly field: string;
  constructor(field: string, message: string, options?: InstErrorOptions) {
    super('INVALID_FILTER', `${field}: ${message}`, options);
    this.field = field;
  }
}

/** A stored row could not be read; names the table and the row. */
export class CorruptRowError extends InstError {
  readonly table: string;
  readonly rowId: string | number;
  constructor(table: string, rowId: string | number, options?: InstErrorOptions) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('CORRUPT_ROW', `Corrupt row ${String(rowId)} in table ${table}${reason}`, {
      ...options,
      ids: { table, rowId, ...options?.ids },
    });
    this.table = table;
    this.rowId = rowId;
  }
}

/** The database schema is older than this operation needs; the message names the command that upgrades it. */
export class MigrationRequiredError extends InstError {
  readonly currentRevision: string | undefined;
  readonly headRevision: string;
  constructor(message: string, currentRevision: string | undefined, headRevision: string, options?: InstErrorOptions) {
    super('MIGRATION_REQUIRED', message, options);
    this.currentRevision = currentRevision;
    this.headRevision = headRevision;
  }
}

/**
 * The database is stamped with a schema revision newer than inst knows (written by a newer Dagster or inst):
 * inst refuses to write to it; reads may proceed. Names both revisions and the storage.
 */
export class SchemaTooNewError extends InstError {
  readonly currentRevision: string;
  readonly headRevision: string;
  readonly storage: string;
  constructor(storage: string, currentRevision: string, headRevision: string, options?: InstErrorOptions) {
    super(
      'SCHEMA_TOO_NEW',
      `${storage} is at schema revision ${currentRevision}, newer than inst's head ${headRevision}: inst does not write to it (reads may proceed). Upgrade inst.`,
      { ...options, ids: { storage, currentRevision, headRevision, ...options?.ids } },
    );
    this.currentRevision = currentRevision;
    this.headRevision = headRevision;
    this.storage = storage;
  }
}

/** A file or folder of the instance home cannot be used (missing, not a directory, not writable, unreadable); names the path. */
export class FileSystemError extends InstError {
  readonly path: string;
  /** The system error code (`ENOENT`, `EACCES`, `EISDIR`, `ENOTDIR` …) when there was one. */
  readonly errno: string | undefined;
  constructor(path: string, message: string, options?: InstErrorOptions & { errno?: string }) {
    super('FILE_SYSTEM_ERROR', `${path}: ${message}`, { ...options, ids: { path, errno: options?.errno, ...options?.ids } });
    this.path = path;
    this.errno = options?.errno;
  }
}

/** A migration step failed; the schema was left as it was before the step. */
export class MigrationFailedError extends InstError {
  readonly step: string;
  constructor(step: string, options?: InstErrorOptions) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super('MIGRATION_FAILED', `Migration step ${step} failed and was rolled back${reason}`, options);
    this.step = step;
  }
}

/** Any other storage failure, with the driver's error as `cause`. */
export class StorageError extends InstError {
  constructor(message: string, options?: InstErrorOptions) {
    super('STORAGE_ERROR', message, options);
  }
}

/** The instance configuration is invalid; `problems` lists every `path: message`. */
export class ConfigError extends InstError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], source?: string, options?: InstErrorOptions) {
    super('CONFIG_ERROR', `Invalid instance configuration${source ? ` in ${source}` : ''}:\n  ${problems.join('\n  ')}`, options);
    this.problems = problems;
  }
}

/** The backend or instance does not support this operation. */
export class NotSupportedError extends InstError {
  constructor(message: string, options?: InstErrorOptions) {
    super('NOT_SUPPORTED', message, options);
  }
}

/** The instance or storage was used after dispose(). */
export class DisposedError extends InstError {
  constructor(what = 'instance', options?: InstErrorOptions) {
    super('DISPOSED', `The ${what} has been disposed`, options);
  }
}

/**
 * A configured backend needs a database driver that is not installed (`better-sqlite3` for SQLite, `pg` for
 * Postgres). The drivers are optional peer dependencies, so an install carries only the one it uses;
 * `packageName` is the package to install.
 */
export class DriverNotInstalledError extends InstError {
  /** The npm package to install, e.g. `better-sqlite3` or `pg`. */
  readonly packageName: string;
  constructor(packageName: string, purpose: string, options?: InstErrorOptions) {
    super('DRIVER_NOT_INSTALLED', `${purpose} needs the ${packageName} package, which is not installed: run \`npm install ${packageName}\``, {
      ...options,
      ids: { packageName, ...options?.ids },
    });
    this.packageName = packageName;
  }
}

/**
 * Imports an optional dependency (a database driver, or a backend package that needs one) when it is first needed:
 * runs `load`, turning "module not found" for one of `packages` (driver first) into a
 * {@link DriverNotInstalledError} naming the package to install. Any other failure is rethrown as it is.
 *
 * ```ts
 * const pg = await importDriver(async () => (await import('pg')).default, ['pg'], 'The Postgres run queue');
 * ```
 */
export async function importDriver<T>(load: () => Promise<T>, packages: readonly string[], purpose: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackage(error, packages);
    if (missing === undefined) throw error;
    throw new DriverNotInstalledError(missing, purpose, { cause: error });
  }
}

function missingPackage(error: unknown, packages: readonly string[]): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)|Failed to (load|resolve)/.test(text);
  if (!notFound) return undefined;
  // Node names the package in quotes: "Cannot find package 'better-sqlite3' imported from …".
  return packages.find((name) => text.includes(`'${name}'`) || text.includes(`"${name}"`));
}

const warned = new Set<string>();

/**
 * Emits a process warning once per message, as Python's default warning filter shows a warning once per place:
 * deprecation and advice warnings would otherwise repeat on every call.
 */
export function warnOnce(message: string, type: 'UserWarning' | 'DeprecationWarning' | 'BetaWarning' = 'UserWarning'): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { type });
}
