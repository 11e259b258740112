import { createRequire } from 'node:module';
import { build } from 'esbuild';

/**
 * Bundles a TypeScript entry (and the workspace sources it imports) into one ESM script a child `node` process can
 * run: Node 20 cannot load TypeScript itself. better-sqlite3 stays external, so the child uses the same native build.
 */
export async function bundleChildScript(entry: string, outfile: string): Promise<void> {
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@inst/source'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-better-sqlite3',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: betterSqlite, external: true }));
        },
      },
    ],
  });
}
