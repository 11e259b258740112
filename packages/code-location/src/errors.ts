/**
 * The errors of code locations (Dagster's `DagsterUserCodeLoadError`, `DagsterUserCodeProcessError` and
 * `DagsterUserCodeUnreachableError`). Each carries the error info of the user code's own process, so the stack
 * that is reported is the one of the module that failed, not of the client that asked.
 */
import { InstError, type InstErrorOptions } from '@inst/errors';
import type { SerializableErrorInfo } from '@inst/types';

/**
 * A code location's module could not be loaded (it threw at import, has no `Definitions` default export, or
 * cannot be found). `userCodeError` is the error as the loading process saw it, with that process's stack.
 */
export class CodeLocationLoadError extends InstError {
  readonly locationName: string;
  readonly userCodeError: SerializableErrorInfo;
  constructor(locationName: string, userCodeError: SerializableErrorInfo, options?: InstErrorOptions) {
    super('CODE_LOCATION_LOAD_ERROR', `Error loading code location ${JSON.stringify(locationName)}: ${userCodeError.message.trimEnd()}`, {
      ...options,
      ids: { locationName, ...options?.ids },
    });
    this.locationName = locationName;
    this.userCodeError = userCodeError;
    this.stack = `${this.name}: ${this.message}\n${userCodeError.stack.join('')}`;
  }
}

/** A request to the code server failed inside user code (a schedule function threw, an unknown job …). */
export class UserCodeProcessError extends InstError {
  readonly locationName: string;
  readonly userCodeError: SerializableErrorInfo;
  constructor(locationName: string, method: string, userCodeError: SerializableErrorInfo, options?: InstErrorOptions) {
    super('USER_CODE_PROCESS_ERROR', `Error in code location ${JSON.stringify(locationName)} (${method}): ${userCodeError.message.trimEnd()}`, {
      ...options,
      ids: { locationName, method, ...options?.ids },
    });
    this.locationName = locationName;
    this.userCodeError = userCodeError;
  }
}

/** The code server process died, or could not be started; the next request starts a new one. */
export class UserCodeUnreachableError extends InstError {
  readonly locationName: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  constructor(locationName: string, detail: string, exit: { exitCode?: number | null; signal?: string | null } = {}, options?: InstErrorOptions) {
    super('USER_CODE_UNREACHABLE', `Code server of location ${JSON.stringify(locationName)} is unreachable: ${detail}`, {
      ...options,
      ids: { locationName, ...options?.ids },
    });
    this.locationName = locationName;
    this.exitCode = exit.exitCode ?? null;
    this.signal = exit.signal ?? null;
  }
}

/** A workspace file (or its `load_from` entry) is not valid (code `CONFIG_ERROR`); the message is `path: problem`. */
export class WorkspaceConfigError extends InstError {
  constructor(message: string, options?: InstErrorOptions) {
    super('CONFIG_ERROR', message, options);
  }
}
