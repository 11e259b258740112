#!/usr/bin/env node
// The `inst` binary. Installed from npm it runs the built dist/main.js; inside the inst repository (where
// src/main.ts exists) it runs the TypeScript sources through tsx, resolving workspace packages to their
// sources (the `@inst/source` export condition). INST_CLI_USE_DIST=1 forces the build.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'node:module';

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dist = fileURLToPath(new URL('../dist/main.js', import.meta.url));

if (existsSync(source) && process.env.INST_CLI_USE_DIST !== '1') {
  register(new URL('./source-conditions.js', import.meta.url));
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(dist).href);
}
