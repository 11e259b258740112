import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The binary, as `npm i -g` installs it (from sources through tsx here). */
export const BIN = fileURLToPath(new URL('../bin/inst.js', import.meta.url));

/** A new empty home, with a dagster.yaml when given. */
export function makeHome(prefix: string, yaml?: string): string {
  const home = mkdtempSync(join(tmpdir(), `inst-cli-${prefix}-`));
  if (yaml !== undefined) writeFileSync(join(home, 'dagster.yaml'), yaml);
  return home;
}

/** Launches with DefaultRunCoordinator, so an in-process submitRun runs the job at once. */
export const DEFAULT_COORDINATOR_YAML = `run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
run_launcher:
  module: dagster.core.launcher
  class: SyncInMemoryRunLauncher
`;

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a spawned `inst`: no home from the test runner's environment unless given. */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete base.INST_HOME;
  delete base.DAGSTER_HOME;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

/** The test run's bundle of the same sources (see global-setup.ts): fast to start. */
const BUNDLE = fileURLToPath(new URL('../node_modules/.cache/inst-cli-test/inst.mjs', import.meta.url));

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run bin/inst.js itself (sources through tsx), as installed; needed by verbs that load code locations. */
  bin?: boolean;
}

/** Starts `inst ARGS` as a child process. */
export function spawnInst(args: readonly string[], options: SpawnOptions = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [options.bin ? BIN : BUNDLE, ...args], { env: cliEnv(options.env), cwd: options.cwd ?? tmpdir(), stdio: 'pipe' });
}

/** Runs `inst ARGS` to its end. */
export function inst(args: readonly string[], options: SpawnOptions = {}): Promise<Result> {
  const child = spawnInst(args, options);
  return collectResult(child);
}

export function collectResult(child: ChildProcessWithoutNullStreams): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `inst --home HOME ARGS --json`, expecting exit 0, parsed. */
export async function instJson<T = Record<string, unknown>>(home: string, args: readonly string[]): Promise<T> {
  const result = await inst(['--home', home, ...args, '--json']);
  if (result.code !== 0) throw new Error(`inst ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Waits for a condition, failing only when it is truly stuck. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
