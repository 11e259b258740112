/**
 * Errors of this package that `@inst/errors` has no class for yet (local helpers, kept small).
 */
import { InstError, NotSupportedError, type InstErrorOptions } from '@inst/errors';

/**
 * The instance has no schedule storage (an ephemeral instance) and the operation needs one. Dagster fails with
 * "Schedule storage not available" in the same places. Code `NOT_SUPPORTED`; `ids.operation` names the member.
 */
export class ScheduleStorageNotAvailableError extends NotSupportedError {
  /** The instance member that needed it. */
  readonly operation: string;
  constructor(operation: string, options?: InstErrorOptions) {
    super(`Schedule storage not available: ${operation} needs an instance with schedule storage (ephemeral instances have none)`, {
      ...options,
      ids: { operation, ...options?.ids },
    });
    this.operation = operation;
  }
}

/**
 * The instance has no scheduler (an ephemeral instance) and the operation needs one. Dagster fails with
 * "Scheduler not available" in the same places. Code `NOT_SUPPORTED`; `ids.operation` names the member.
 */
export class SchedulerNotAvailableError extends NotSupportedError {
  /** The instance member that needed it. */
  readonly operation: string;
  constructor(operation: string, options?: InstErrorOptions) {
    super(`Scheduler not available: ${operation} needs an instance with a scheduler (ephemeral instances have none)`, {
      ...options,
      ids: { operation, ...options?.ids },
    });
    this.operation = operation;
  }
}

/**
 * No stored state for a schedule or sensor, and nothing to build one from (stopping without the remote schedule or
 * sensor). Code `INSTIGATOR_STATE_NOT_FOUND`, with `originId` and `selectorId`.
 */
export class InstigatorStateNotFoundError extends InstError {
  /** The origin id looked up. */
  readonly originId: string;
  /** The selector id looked up. */
  readonly selectorId: string;
  constructor(originId: string, selectorId: string, message?: string, options?: InstErrorOptions) {
    super('INSTIGATOR_STATE_NOT_FOUND', message ?? `No stored state for instigator ${originId} (selector ${selectorId})`, {
      ...options,
      ids: { originId, selectorId, ...options?.ids },
    });
    this.originId = originId;
    this.selectorId = selectorId;
  }
}
