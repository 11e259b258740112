#!/usr/bin/env node
// Sets up a fresh clone on a machine that has only Node (>= 20.19) and npm:
// installs pnpm when it is missing, then the workspace dependencies, compiling better-sqlite3
// from source (pnpm runs that build because pnpm-workspace.yaml lists it in onlyBuiltDependencies).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PNPM = 'pnpm@10.34.9';
const run = (cmd, env = process.env) => spawnSync(cmd, { stdio: 'inherit', shell: true, env }).status === 0;
const has = (cmd) => spawnSync(`${cmd} --version`, { shell: true, stdio: 'ignore' }).status === 0;

let pnpm = 'pnpm';
if (!has('pnpm')) {
  console.log(`[setup] installing ${PNPM}`);
  if (!run(`npm install -g ${PNPM}`) || !has('pnpm')) pnpm = `npx --yes ${PNPM}`;
}

// node-gyp builds against the local Node headers instead of downloading them.
const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';

const frozen = process.env.CI ? '--frozen-lockfile' : '--prefer-frozen-lockfile';
console.log(`[setup] ${pnpm} install ${frozen}`);
if (!run(`${pnpm} install ${frozen}`, env)) process.exit(1);

// A native build skipped or failed shows up here rather than as a confusing test failure.
try {
  execSync(
    `${pnpm} --filter @inst/storage-sqlite exec node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"`,
    { stdio: 'ignore', env },
  );
} catch {
  console.log('[setup] better-sqlite3 is not built; rebuilding it from source');
  if (!run(`${pnpm} rebuild better-sqlite3`, env)) process.exit(1);
}
