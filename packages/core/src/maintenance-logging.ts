import type { MaintenanceOptions, MaintenanceProgress, PrintFn } from '@inst/storage';
import type { Logger } from './logger';

/**
 * The maintenance options an instance hands its storage domain: what the caller passed (Dagster's `print_fn`, or
 * the options object with `onProgress` and `signal`), plus a log line per step (info) and per printed line
 * (debug) on the instance's logger.
 */
export function loggedMaintenance(logger: Logger, operation: MaintenanceProgress['operation'], given: PrintFn | MaintenanceOptions | undefined): MaintenanceOptions {
  const options: MaintenanceOptions = typeof given === 'function' ? { printFn: given } : { ...given };
  const { printFn, onProgress } = options;
  return {
    ...options,
    printFn: (message) => {
      logger.debug({ operation }, message);
      printFn?.(message);
    },
    onProgress: (progress) => {
      logger.info({ ...progress }, `${operation}: ${progress.step} (${progress.completed}/${progress.total})`);
      onProgress?.(progress);
    },
  };
}
