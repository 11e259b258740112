import { InvalidArgumentError } from '@inst/errors';

/** Python's logging levels, as Dagster stores them in `EventLogEntry.level`. */
export const LogLevel = Object.freeze({
  NOTSET: 0,
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
});

const NAMES: Readonly<Record<string, number>> = {
  DEBUG: LogLevel.DEBUG,
  INFO: LogLevel.INFO,
  WARNING: LogLevel.WARNING,
  WARN: LogLevel.WARNING,
  ERROR: LogLevel.ERROR,
  CRITICAL: LogLevel.CRITICAL,
  FATAL: LogLevel.CRITICAL,
};

/**
 * Dagster's `coerce_valid_log_level`: a number is kept, a level name (any case; `WARN` and `FATAL` are aliases)
 * becomes its number. Throws InvalidArgumentError for any other name.
 */
export function coerceLogLevel(level: number | string): number {
  if (typeof level === 'number') return level;
  const value = NAMES[level.toUpperCase()];
  if (value === undefined) {
    throw new InvalidArgumentError(`Bad value for log level ${level}: permissible values are 'CRITICAL', 'DEBUG', 'ERROR', 'FATAL', 'INFO', 'WARN', 'WARNING'.`);
  }
  return value;
}

/** Like {@link coerceLogLevel}, also accepting `NOTSET` (Python's logging accepts it for handler levels). */
export function coerceHandlerLevel(level: number | string): number {
  if (typeof level === 'string' && level.toUpperCase() === 'NOTSET') return LogLevel.NOTSET;
  return coerceLogLevel(level);
}

/** The level name Python's logging prints (`Level 15` for a level without a name). */
export function levelName(level: number): string {
  switch (level) {
    case LogLevel.NOTSET:
      return 'NOTSET';
    case LogLevel.DEBUG:
      return 'DEBUG';
    case LogLevel.INFO:
      return 'INFO';
    case LogLevel.WARNING:
      return 'WARNING';
    case LogLevel.ERROR:
      return 'ERROR';
    case LogLevel.CRITICAL:
      return 'CRITICAL';
    default:
      return `Level ${level}`;
  }
}
