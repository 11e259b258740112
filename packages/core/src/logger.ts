import { pino } from 'pino';
import { warnOnce } from '@inst/errors';

/** A log method: a message, or an object of fields and a message (pino's calling convention). */
export interface LogFn {
  (message: string): void;
  (fields: object, message?: string): void;
}

/**
 * The structured logger an instance writes to: pino's interface (a pino logger is one), so any pino-compatible
 * logger can be injected. `child` adds fields to every line.
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** Options of the factories (`Instance.ephemeral`, `fromConfig`, …) that are not Dagster's. */
export interface InstanceOptions {
  /**
   * Where the instance logs (opening, disposing, maintenance steps, errors it swallows while cleaning up). Default:
   * silent, unless `INST_LOG_LEVEL` names a pino level, in which case JSON lines go to stderr.
   */
  logger?: Logger;
}

let defaultLogger: Logger | undefined;

/** The logger of instances given none: silent in library use; `INST_LOG_LEVEL=info` (etc.) logs to stderr. */
export function defaultInstanceLogger(): Logger {
  if (!defaultLogger) {
    const level = process.env.INST_LOG_LEVEL?.trim().toLowerCase();
    defaultLogger = level && level !== 'silent' ? pino({ name: 'inst', level }, pino.destination(2)) : pino({ name: 'inst', level: 'silent' });
  }
  return defaultLogger;
}

/** Drops the cached default logger, so the next one reads `INST_LOG_LEVEL` again (for tests). */
export function resetDefaultInstanceLogger(): void {
  defaultLogger = undefined;
}

/**
 * Where the storages warn (an unreadable row skipped — once per row —, a failing watch callback): the injected
 * logger, else the default one when `INST_LOG_LEVEL` turns it on, else a process warning (Dagster's
 * `logging.warning` is visible by default too; a warning of the same text is emitted once).
 */
export function storageLoggerOf(options: InstanceOptions | undefined): { warn(message: string): void } {
  const logger = options?.logger ?? (process.env.INST_LOG_LEVEL?.trim() ? defaultInstanceLogger() : undefined);
  return { warn: logger ? (message) => logger.warn(message) : (message) => warnOnce(message) };
}
