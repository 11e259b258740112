/* The prebuilt client (dist/client, built by scripts/build-client.mjs) and the page shell that loads it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstError } from '@inst/errors';

const TYPES: Readonly<Record<string, string>> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

export interface ClientAssets {
  readonly files: ReadonlyMap<string, { body: Uint8Array<ArrayBuffer>; type: string }>;
  page(token: string): string;
}

/** Where the bundle is: beside the built server (dist/index.js → dist/client), or the package's dist from src. */
export function clientDir(): string {
  const candidates = [new URL('./client/', import.meta.url), new URL('../../dist/client/', import.meta.url)].map((u) => fileURLToPath(u));
  // Bundled into another program (import.meta.url is the bundle's): the installed package's own dist.
  try {
    candidates.push(join(dirname(createRequire(import.meta.url).resolve('@inst/ui/package.json')), 'dist', 'client') + sep);
  } catch {
    // not resolvable from here
  }
  const found = candidates.find((dir) => existsSync(`${dir}app.js`));
  if (!found) throw new InstError('FILE_SYSTEM_ERROR', `the UI's client bundle is missing (looked in ${candidates.join(', ')}): run \`pnpm --filter @inst/ui build\``);
  return found;
}

export function clientAssets(): ClientAssets {
  const dir = clientDir();
  const files = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: new Uint8Array(readFileSync(`${dir}${name}`)), type });
  }
  return {
    files,
    // The token is hex (no escaping needed); the page reads it from the meta tag and sends it on mutations.
    page: (token) =>
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
      `<meta name="inst-ui-token" content="${token.replace(/[^0-9a-f]/g, '')}"><title>inst</title>` +
      (files.has('app.css') ? '<link rel="stylesheet" href="/assets/app.css">' : '') +
      '</head><body><div id="app"></div><script type="module" src="/assets/app.js"></script></body></html>',
  };
}
