/*
 * The UI's guards: a per-process token that mutating requests must carry (the served page holds it in a meta tag,
 * which a page of another site cannot read), no cross-site mutations (Origin / Sec-Fetch-Site), a Host check
 * against DNS rebinding when bound to loopback, and headers that keep the page from running anything it did not ship.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export const TOKEN_HEADER = 'x-inst-ui-token';

/** A fresh random token (256 bits, hex). */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Hosts a loopback-bound server answers to: a rebinding DNS name pointing at 127.0.0.1 is refused. */
export function hostGuard(boundHost: string): MiddlewareHandler {
  const loopbackOnly = LOOPBACK.has(boundHost) || boundHost.startsWith('127.');
  return async (c, next) => {
    if (loopbackOnly) {
      const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
      if (!LOOPBACK.has(host) && !host.startsWith('127.')) return c.json({ error: { code: 'FORBIDDEN_HOST', message: `host ${host} is not served` } }, 403);
    }
    await next();
  };
}

/** Mutating requests (anything but GET/HEAD) need the token header, JSON, and no cross-site origin. */
export function mutationGuard(token: string): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const host = c.req.header('host');
    const crossSite = (site !== undefined && site !== 'same-origin' && site !== 'none') || (origin !== undefined && hostOf(origin) !== host);
    if (crossSite) return c.json({ error: { code: 'CROSS_SITE', message: 'cross-site requests may not change anything' } }, 403);
    if (!sameToken(c.req.header(TOKEN_HEADER), token)) return c.json({ error: { code: 'BAD_TOKEN', message: `a mutating request needs the page's ${TOKEN_HEADER} header` } }, 403);
    await next();
  };
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Security headers for every response. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
};
