/* Request helpers shared by the API routes. */
import { InstError } from '@inst/errors';

/** A malformed request (HTTP 400): a bad filter, cursor or limit. */
export class UiRequestError extends InstError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

export function badRequest(message: string): UiRequestError {
  return new UiRequestError(message);
}

/** `?limit=` as an integer in [1, max], `fallback` when absent. */
export function limitOf(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest(`limit must be an integer from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}
