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

/** SQLSTATEs of a connection that is gone: admin/crash shutdown, and class 08 connection exceptions. */
const CONNECTION_LOSS_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/** Messages pg gives a statement on a connection that dropped (no SQLSTATE then). */
const CONNECTION_LOSS_MESSAGE =
  /Connection terminated|Client has encountered a connection error|not queryable|terminating connection|server closed the connection|ECONNRESET|EPIPE|ECONNREFUSED|socket hang up/i;

/**
 * Whether an error (or one of its causes) says the connection was lost — terminated by the server
 * (`pg_terminate_backend`, restart), or a broken socket — rather than that the statement failed.
 */
export function isConnectionLoss(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_LOSS_CODES.has(code) || /^E(CONNRESET|PIPE|CONNREFUSED)$/.test(code))) return true;
    if (typeof message === 'string' && !InstError.isInstance(current) && CONNECTION_LOSS_MESSAGE.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * SQLSTATEs of a connect that may succeed later: too many connections, the database not accepting
 * connections now (being created or dropped), the server starting up or shutting down.
 */
const PASSING_CONNECT_CODES = new Set(['53300', '55000', '57P03', '57P01', '08001', '08006', '08004']);

/** Messages of a connect that timed out or whose socket failed. */
const PASSING_CONNECT_MESSAGE = /timeout|timed out|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Connection terminated/i;

/**
 * Whether a failed connect may succeed if tried again — refused, reset, timed out, the server
 * starting or shutting down, no free slot — as opposed to a wrong password or database name.
 * Nothing was sent on such a connection, so retrying is safe for any statement.
 */
export function isConnectFailure(error: unknown): boolean {
  if (isConnectionLoss(error)) return true;
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (PASSING_CONNECT_CODES.has(code) || /^E(TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code))) return true;
    if (typeof message === 'string' && !InstError.isInstance(current) && PASSING_CONNECT_MESSAGE.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
