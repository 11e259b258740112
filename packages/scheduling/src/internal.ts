/**
 * Small helpers shared by this package's modules (not exported from the package).
 */
import { InvalidArgumentError } from '@inst/errors';
import type { ScheduleStorage } from '@inst/storage';
import { ScheduleStorageNotAvailableError, SchedulerNotAvailableError } from './errors';
import type { Scheduler, SchedulingInstanceOps } from './ops';

/** The schedule storage, or ScheduleStorageNotAvailableError naming the operation (Dagster's check.failed). */
export function requireScheduleStorage(ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>, operation: string): ScheduleStorage {
  const storage = ops.scheduleStorage;
  if (!storage) throw new ScheduleStorageNotAvailableError(operation);
  return storage;
}

/** The scheduler, or SchedulerNotAvailableError naming the operation (Dagster's check.failed). */
export function requireScheduler(ops: Pick<SchedulingInstanceOps, 'scheduler'>, operation: string): Scheduler {
  const scheduler = ops.scheduler;
  if (!scheduler) throw new SchedulerNotAvailableError(operation);
  return scheduler;
}

/** Seconds since the epoch, as Dagster's `get_current_timestamp()`. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** A finite number of seconds, or InvalidArgumentError: a NaN bound would make a purge delete nothing or everything. */
export function checkTimestamp(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${name} must be a finite number of seconds, got ${String(value)}`);
  }
  return value;
}

/** A non-empty string id, or InvalidArgumentError. */
export function checkId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(`${name} must be a non-empty string, got ${String(value)}`);
  return value;
}

/** `undefined` for null, so optional Python `None` arguments reach the storage as absent. */
export function opt<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}
