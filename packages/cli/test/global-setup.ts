/*
 * Bundles the CLI's sources (src/main.ts and the workspace packages it imports) into one ESM file once per test
 * run, so each spawned `inst` starts in a fraction of a second instead of transpiling ~200 files through tsx. The
 * native and driver packages stay external (resolved to their real files). Verbs that load code locations
 * (@inst/code-location spawns its code server relative to its own files) run through the real bin/inst.js.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const BUNDLE = fileURLToPath(new URL('../node_modules/.cache/inst-cli-test/inst.mjs', import.meta.url));

export default async function setup(): Promise<void> {
  const fromSqlite = createRequire(fileURLToPath(new URL('../../storage-sqlite/package.json', import.meta.url)));
  const fromPostgres = createRequire(fileURLToPath(new URL('../../storage-postgres/package.json', import.meta.url)));
  const externals: Record<string, string> = { 'better-sqlite3': fromSqlite.resolve('better-sqlite3'), pg: fromPostgres.resolve('pg') };
  mkdirSync(fileURLToPath(new URL('../node_modules/.cache/inst-cli-test/', import.meta.url)), { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('../src/main.ts', import.meta.url))],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@inst/source'],
    logLevel: 'error',
    banner: { js: "import { createRequire as __instCreateRequire } from 'node:module'; const require = __instCreateRequire(import.meta.url);" },
    plugins: [
      {
        name: 'inst-cli-externals',
        setup(b) {
          b.onResolve({ filter: /^(better-sqlite3|pg)$/ }, (args) => ({ path: externals[args.path]!, external: true }));
        },
      },
    ],
  });
  process.env.INST_CLI_TEST_BUNDLE = BUNDLE;
}
