/** Test helpers: daemon host child processes (run from sources through tsx) and polling. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'src', 'bin.ts');

export interface HostProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the ready line's daemon id. */
  readonly ready: Promise<{ daemonId: string; daemonTypes: string[] }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `inst-daemon-host --home <home>` as a real OS process. */
export function startHost(home: string, args: string[] = []): HostProcess {
  const child = spawn(process.execPath, ['--conditions=@inst/source', '--import', 'tsx', BIN, '--home', home, ...args], {
    cwd: join(here, '..'),
    env: { ...process.env, INST_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let resolveReady!: (v: { daemonId: string; daemonTypes: string[] }) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<{ daemonId: string; daemonTypes: string[] }>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => undefined);
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const line of out.split('\n')) {
      if (line.startsWith('{"ready":true')) resolveReady(JSON.parse(line) as { daemonId: string; daemonTypes: string[] });
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => void (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      rejectReady(new Error(`host exited (${code ?? signal}) before it was ready: ${err}`));
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => out, stderr: () => err, ready, exited };
}

/** Polls `condition` every `everyMs` until it returns a truthy value; fails only after `timeoutMs` (truly stuck). */
export async function waitFor<T>(condition: () => Promise<T> | T, what: string, timeoutMs = 90_000, everyMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A fresh instance home with the given dagster.yaml text. */
export function tempHome(yaml = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'inst-daemon-host-'));
  writeFileSync(join(dir, 'dagster.yaml'), yaml);
  return dir;
}
