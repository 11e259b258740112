/**
 * Errors thrown while declaring definitions (Dagster's `DagsterInvalidDefinitionError` family). Each is an
 * `InvalidArgumentError` (code `INVALID_ARGUMENT`) with the offending names in `ids`, and a `kind` that says which
 * rule was broken.
 */
import { InvalidArgumentError, type InstErrorOptions } from '@inst/errors';

/** Which definition rule an {@link InvalidDefinitionError} reports. */
export type DefinitionErrorKind =
  | 'INVALID_DEFINITION'
  | 'DUPLICATE_DEFINITION'
  | 'UNKNOWN_DEPENDENCY'
  | 'DEPENDENCY_CYCLE'
  | 'UNKNOWN_DEFINITION'
  | 'INVALID_PARTITION_KEY';

/** A definition is not valid (Dagster's `DagsterInvalidDefinitionError`). */
export class InvalidDefinitionError extends InvalidArgumentError {
  readonly kind: DefinitionErrorKind;
  constructor(message: string, options: InstErrorOptions & { kind?: DefinitionErrorKind } = {}) {
    super(message, options);
    this.kind = options.kind ?? 'INVALID_DEFINITION';
  }
}

/** Two definitions of one kind share a name (two jobs, two assets with one key, two ops in one graph …). */
export class DuplicateDefinitionError extends InvalidDefinitionError {
  constructor(message: string, options: InstErrorOptions = {}) {
    super(message, { ...options, kind: 'DUPLICATE_DEFINITION' });
  }
}

/** A definition refers to an asset, op, job or partitions definition that does not exist. */
export class UnknownDependencyError extends InvalidDefinitionError {
  constructor(message: string, options: InstErrorOptions = {}) {
    super(message, { ...options, kind: 'UNKNOWN_DEPENDENCY' });
  }
}

/** Dependencies form a cycle (`ids.cycle` lists it, joined by ` -> `). */
export class DependencyCycleError extends InvalidDefinitionError {
  constructor(message: string, options: InstErrorOptions = {}) {
    super(message, { ...options, kind: 'DEPENDENCY_CYCLE' });
  }
}

/** A lookup by name (job, schedule, sensor, asset) found nothing (Dagster's `DagsterInvariantViolationError` / `DagsterUnknown…`). */
export class UnknownDefinitionError extends InvalidDefinitionError {
  constructor(message: string, options: InstErrorOptions = {}) {
    super(message, { ...options, kind: 'UNKNOWN_DEFINITION' });
  }
}

/** A partition key does not belong to its partitions definition (Dagster's `DagsterUnknownPartitionError`). */
export class UnknownPartitionError extends InvalidDefinitionError {
  constructor(message: string, options: InstErrorOptions = {}) {
    super(message, { ...options, kind: 'INVALID_PARTITION_KEY' });
  }
}
