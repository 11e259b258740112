import { StorageError, type InstErrorOptions } from '@inst/errors';

/*
 * The storage failures a caller may want to tell apart (issue #10). All are StorageErrors (code
 * `STORAGE_ERROR`, so code that catches StorageError keeps working), told apart by `reason`, which
 * survives duplicated package copies where `instanceof` may not.
 */

/** Why a {@link StorageError} of this module was thrown. */
export type StorageFailureReason = 'unavailable' | 'write-outcome-unknown' | 'file-missing';

/** The `reason` of an error from this module, looking through `cause` links; `undefined` for any other error. */
export function storageFailureReason(error: unknown): StorageFailureReason | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const reason = (current as { reason?: unknown }).reason;
    if (reason === 'unavailable' || reason === 'write-outcome-unknown' || reason === 'file-missing') return reason;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The database could not be reached for longer than the caller was willing to wait: connects kept
 * failing (refused, the server starting or shutting down, no connection slot), or a watcher's
 * queries kept failing past its give-up time. Nothing was written by the failed call.
 */
export class StorageUnavailableError extends StorageError {
  readonly reason = 'unavailable' as const;
  /** How long the caller kept trying, in milliseconds. */
  readonly triedForMs: number;
  constructor(message: string, triedForMs: number, options?: InstErrorOptions) {
    super(message, options);
    this.triedForMs = triedForMs;
  }
}

/**
 * A write whose outcome is unknown: the connection was lost after the statement (or the COMMIT)
 * was sent, so it may or may not have been applied. inst never repeats such a write by itself;
 * check what is stored before writing again.
 */
export class WriteOutcomeUnknownError extends StorageError {
  readonly reason = 'write-outcome-unknown' as const;
  constructor(message: string, options?: InstErrorOptions) {
    super(message, options);
  }
}

/**
 * A file the storage needs is missing (a SQLite `index.db`, or a run's shard while the run storage
 * still has the run). Nothing was recreated; rebuild explicitly (see the SQLite layout's options).
 */
export class StorageFileMissingError extends StorageError {
  readonly reason = 'file-missing' as const;
  /** The missing file. */
  readonly path: string;
  constructor(message: string, path: string, options?: InstErrorOptions) {
    super(message, { ...options, ids: { path, ...options?.ids } });
    this.path = path;
  }
}
