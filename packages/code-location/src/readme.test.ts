// The README's example, kept runnable: the block between the markers must appear in README.md as it is here.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { loadWorkspace } from './index';

const fixture = fileURLToPath(new URL('../test/fixtures/basic/defs.ts', import.meta.url));

async function example(projectDir: string) {
  // --- README example start
  // workspace.yaml:
  //   load_from:
  //     - python_file: { relative_path: defs.ts, location_name: basic }
  await using workspace = await loadWorkspace({ workspaceFile: 'workspace.yaml', cwd: projectDir });
  const location = workspace.getLocation('basic'); // its code server starts on the first request

  const snapshot = await location.snapshot();
  console.log(snapshot.jobs.map((job) => job.name)); // ['__ASSET_JOB', 'etl', 'by_region']

  const tick = await location.evaluateSchedule('etl_hourly', { scheduledExecutionTime: 1_700_000_000 });
  console.log(tick.runRequests[0]?.tags); // { secret: 's3cret value', tick: '1700000000' } (from its .env)
  // --- README example end
  return { snapshot, tick };
}

it('runs the README example', async () => {
  const projectDir = mkdtempSync(join(tmpdir(), 'codeloc-readme-'));
  writeFileSync(join(projectDir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(projectDir, 'defs.ts'), `export { default } from ${JSON.stringify(fixture)};\n`);
  writeFileSync(join(projectDir, '.env'), 'CODELOC_FIXTURE_SECRET="s3cret value"\n');
  writeFileSync(join(projectDir, 'workspace.yaml'), 'load_from:\n  - python_file: { relative_path: defs.ts, location_name: basic }\n');
  const { snapshot, tick } = await example(projectDir);
  expect(snapshot.jobs.map((job) => job.name)).toEqual(['__ASSET_JOB', 'etl', 'by_region']);
  expect(tick.runRequests[0]?.tags).toEqual({ secret: 's3cret value', tick: '1700000000' });

  const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const block = source.slice(source.indexOf('// --- README example start\n') + 28, source.indexOf('  // --- README example end'));
  const dedented = block.replace(/^ {2}/gm, '');
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  expect(readme).toContain(dedented.trim());
});
