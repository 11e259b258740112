import { ConfigError } from '@inst/errors';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadInstanceConfig, resolveInstanceHome } from './index';

describe('loadInstanceConfig', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'inst-settings-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('returns an empty config when the home has no config file', () => {
    expect(loadInstanceConfig(home, {})).toEqual({ config: {}, path: undefined });
  });

  it('reads dagster.yaml', () => {
    writeFileSync(join(home, 'dagster.yaml'), 'run_retries:\n  max_retries: 2\n');
    expect(loadInstanceConfig(home, {})).toEqual({
      config: { run_retries: { max_retries: 2 } },
      path: join(home, 'dagster.yaml'),
    });
  });

  it('prefers inst.yaml over dagster.yaml', () => {
    writeFileSync(join(home, 'dagster.yaml'), 'run_retries:\n  max_retries: 2\n');
    writeFileSync(join(home, 'inst.yaml'), 'run_retries:\n  max_retries: 5\n');
    expect(loadInstanceConfig(home, {})).toEqual({
      config: { run_retries: { max_retries: 5 } },
      path: join(home, 'inst.yaml'),
    });
  });

  it('reads YAML the way PyYAML does (YAML 1.1)', () => {
    writeFileSync(join(home, 'dagster.yaml'), 'telemetry:\n  enabled: no\nrun_retries:\n  enabled: yes\n  max_retries: 010\n');
    expect(loadInstanceConfig(home, {}).config).toEqual({
      telemetry: { enabled: false },
      run_retries: { enabled: true, max_retries: 8 },
    });
  });

  it('reports a YAML syntax error with file, line and column', () => {
    const path = join(home, 'dagster.yaml');
    writeFileSync(path, 'run_retries:\n  enabled: true\n max_retries: 2\n');
    let error: unknown;
    try {
      loadInstanceConfig(home, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^line 3, column 1: /);
    expect((error as ConfigError).message).toContain(`in ${path}:`);
  });

  it('reports an invalid config with the file it came from', () => {
    writeFileSync(join(home, 'inst.yaml'), 'run_retries:\n  max_retries: lots\n');
    expect(() => loadInstanceConfig(home, {})).toThrow(
      `Invalid instance configuration in ${join(home, 'inst.yaml')}:\n  run_retries.max_retries: expected a number`,
    );
  });
});

describe('resolveInstanceHome', () => {
  it('prefers INST_HOME over DAGSTER_HOME', () => {
    expect(resolveInstanceHome({ INST_HOME: '/inst', DAGSTER_HOME: '/dagster' })).toBe('/inst');
    expect(resolveInstanceHome({ DAGSTER_HOME: '/dagster' })).toBe('/dagster');
    expect(resolveInstanceHome({ INST_HOME: '', DAGSTER_HOME: '/dagster' })).toBe('/dagster');
    expect(resolveInstanceHome({})).toBeUndefined();
  });
});
