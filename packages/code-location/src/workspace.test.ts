import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkspaceConfigError } from './errors';
import { loadWorkspace, parseWorkspaceYaml, targetsOfOptions } from './workspace';

const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

describe('workspace.yaml', () => {
  it("reads Dagster's load_from entries with paths relative to the file", () => {
    const targets = parseWorkspaceYaml(
      [
        'load_from:',
        '  - python_file: defs/one.ts',
        '  - python_file:',
        '      relative_path: two.ts',
        '      location_name: second',
        '      working_directory: work',
        '      attribute: defs',
        '  - python_module: my-defs',
        '  - python_module:',
        '      module_name: other',
        '      location_name: third',
      ].join('\n'),
      '/srv/project/workspace.yaml',
    );
    expect(targets).toEqual([
      { locationName: 'one', file: '/srv/project/defs/one.ts', module: null, workingDirectory: '/srv/project', attribute: null },
      { locationName: 'second', file: '/srv/project/two.ts', module: null, workingDirectory: '/srv/project/work', attribute: 'defs' },
      { locationName: 'my-defs', file: null, module: 'my-defs', workingDirectory: '/srv/project', attribute: null },
      { locationName: 'third', file: null, module: 'other', workingDirectory: '/srv/project', attribute: null },
    ]);
  });

  it('rejects bad entries naming where they are', () => {
    expect(() => parseWorkspaceYaml('load_from:\n  - grpc_server: { host: localhost }\n', 'w.yaml')).toThrow(/w\.yaml: load_from\[0\]: grpc_server/);
    expect(() => parseWorkspaceYaml('load_from:\n  - python_file: {}\n', 'w.yaml')).toThrow(WorkspaceConfigError);
    expect(() => parseWorkspaceYaml('nothing: 1\n', 'w.yaml')).toThrow(/load_from: expected a list/);
  });

  it('-f and -m run in the working directory, named after the file or module', () => {
    expect(targetsOfOptions({ file: ['a/defs.ts'], module: 'pkg', cwd: '/x' })).toEqual([
      { locationName: 'defs', file: '/x/a/defs.ts', module: null, workingDirectory: '/x', attribute: null },
      { locationName: 'pkg', file: null, module: 'pkg', workingDirectory: '/x', attribute: null },
    ]);
  });

  it('loads the locations a workspace file names, each in a code server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codeloc-ws-'));
    const file = join(dir, 'workspace.yaml');
    writeFileSync(file, `load_from:\n  - python_file:\n      relative_path: ${join(fixtures, 'basic', 'defs.ts')}\n      location_name: basic_location\n`);
    await using workspace = await loadWorkspace({ workspaceFile: file, output: 'ignore' });
    expect(workspace.locations.map((l) => l.name)).toEqual(['basic_location']);
    expect((await workspace.getLocation('basic_location').snapshot()).locationName).toBe('basic_location');
    expect(() => workspace.getLocation('nope')).toThrow(/known: basic_location/);
  });
});
