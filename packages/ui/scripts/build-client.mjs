/* global process, URL */
// Builds the browser app (src/client, Preact) into dist/client/app.js + app.css with esbuild. Run by `build` (after
// tsup, whose clean would remove it) and by the tests' global setup, so a clean clone can test without a build.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildClient({ minify = true } = {}) {
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'src/client/main.tsx' },
    outdir: 'dist/client',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildClient();
