// The README's example, run as written in another process against a fresh home.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('runs the README example: it serves the UI and reads the runs API', async () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const code = readme.split('## Example')[1]!.split('```ts')[1]!.split('```')[0]!;
  const home = mkdtempSync(join(tmpdir(), 'inst-ui-readme-'));
  // Inside the package, so `@inst/ui` resolves to itself (the sources, through the @inst/source condition).
  const script = fileURLToPath(new URL(`../test/readme-example-${process.pid}.mts`, import.meta.url));
  writeFileSync(script, code);
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@inst/source', script], { env: { ...process.env, INST_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (status) => (status === 0 ? resolve(out) : reject(new Error(`example exited ${status}: ${err}`))));
    });
    expect(output.trim()).toMatch(/^serving http:\/\/127\.0\.0\.1:\d+: 0 run\(s\)$/);
  } finally {
    rmSync(script, { force: true });
    rmSync(home, { recursive: true, force: true });
  }
});
