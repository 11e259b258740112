import { InstError, StorageError } from '@inst/errors';

/**
 * The SQLSTATE of a Postgres error, looking through the `cause` chain (the driver wraps pg's
 * errors in a StorageError): `'23505'` unique violation, `'40001'` serialization failure,
 * `'55P03'` lock not available, `'57P01'` connection terminated by an administrator, …
 */
export function pgErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    // SQLSTATEs are five characters; InstError codes and Node's socket codes are not.
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Wraps a pg error in a StorageError that keeps it as `cause` (for isUniqueViolation, pgErrorCode). */
export function wrapPgError(error: unknown, sql: string): unknown {
  if (InstError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = pgErrorCode(error);
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  const snippet = oneLine.length > 160 ? `${oneLine.slice(0, 160)}…` : oneLine;
  return new StorageError(`Postgres${code ? ` ${code}` : ''}: ${message} [${snippet}]`, { cause: error });
}
