/* Talking to the server: JSON reads, mutations with the page's token, event streams. */

const token = document.querySelector<HTMLMetaElement>('meta[name="inst-ui-token"]')?.content ?? '';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) throw new ApiError(body.error?.code ?? String(response.status), body.error?.message ?? response.statusText);
  return body as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(path, { signal: signal ?? null, headers: { accept: 'application/json' } }));
}

/** A mutating request: carries the per-process token the server checks. */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return parse<T>(await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-inst-ui-token': token }, body: JSON.stringify(body) }));
}

// The server's shapes (types only: nothing of the server is bundled).
export type { EventJson, RunJson } from '../server/json';

export function query(params: Record<string, string | string[] | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of [value ?? []].flat()) if (v !== '') search.append(key, v);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
