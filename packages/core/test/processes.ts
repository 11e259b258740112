/* What the tests with real run worker processes share: a hang bound, polling, and a script in another OS process. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Bounds only a stuck test (a worker that never ends), never a timing. */
export const BOUND_MS = 90_000;

/** Polls `probe` every 50 ms until it returns a value; fails only when the test is stuck past {@link BOUND_MS}. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes `source` to `path`, runs it in another OS process (tsx, workspace sources) and returns its stdout. */
export function runScript(path: string, source: string): Promise<string> {
  writeFileSync(path, source);
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@inst/source', path], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path} exited ${code}: ${out}`))));
  });
}
