// The README's example, run: each `inst --home "$HOME_DIR" …` line of its Example block, against a fresh home.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const BUNDLE = fileURLToPath(new URL('../node_modules/.cache/inst-cli-test/inst.mjs', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'inst-cli-readme-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The Example block's commands, each with what its comment promises. */
function exampleLines(): { args: string[]; comment: string }[] {
  const block = README.split('## Example')[1]!.split('```sh')[1]!.split('```')[0]!;
  return block
    .trim()
    .split('\n')
    .map((line) => {
      const [command, comment = ''] = line.split(/\s+#\s+/);
      const args = command!.trim().split(/\s+/).slice(1).map((a) => (a === '"$HOME_DIR"' ? home : a));
      return { args, comment };
    });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.INST_HOME;
  delete env.DAGSTER_HOME;
  const child = spawn(process.execPath, [BUNDLE, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

it('runs the README example and gets what its comments say', async () => {
  const lines = exampleLines();
  expect(lines).toHaveLength(4);
  const results = await Promise.all(lines.map((line) => run(line.args)));
  for (const [i, { comment }] of lines.entries()) {
    const result = results[i]!;
    const exit = /^exit (\d+): (.*)$/.exec(comment);
    if (exit) {
      expect(result.code).toBe(Number(exit[1]));
      expect(result.stderr.trim()).toBe(exit[2]);
    } else {
      expect(result.code).toBe(0);
      const doc = JSON.parse(result.stdout) as Record<string, unknown>;
      // The comment shows the document's beginning: its first key is there.
      const firstKey = /^\{"(\w+)"/.exec(comment)![1]!;
      expect(doc).toHaveProperty(firstKey);
    }
  }
  expect((JSON.parse(results[0]!.stdout) as { schema: { runStorage: { current: string } } }).schema.runStorage.current).toBe('d5c0e2416d9e');
  expect(JSON.parse(results[1]!.stdout)).toEqual({ runs: [] });
});
