import { InstError, InvalidArgumentError, type InstErrorOptions } from '@inst/errors';

/**
 * A run with the id exists but differs from the one being registered (Dagster's `DagsterRunConflict`).
 * `fieldDiff` maps each differing field to [expected, found]. Its code is `RUN_ALREADY_EXISTS`.
 */
export class RunConflictError extends InstError {
  readonly runId: string;
  readonly fieldDiff: Readonly<Record<string, readonly [unknown, unknown]>>;
  constructor(runId: string, fieldDiff: Readonly<Record<string, readonly [unknown, unknown]>>, message: string, options?: InstErrorOptions) {
    super('RUN_ALREADY_EXISTS', message, { ...options, ids: { runId, ...options?.ids } });
    this.runId = runId;
    this.fieldDiff = fieldDiff;
  }
}

/** Nothing is left to re-execute, or a selection cannot be built (Dagster's `DagsterInvalidSubsetError`). */
export class InvalidSubsetError extends InvalidArgumentError {}
