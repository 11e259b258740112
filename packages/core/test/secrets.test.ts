import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@inst/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

// injectEnvVars through Instance on a real home, with Dagster's secrets loaders.
describe('injectEnvVars', () => {
  const dirs: string[] = [];
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function home(yaml?: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'inst-secrets-'));
    dirs.push(dir);
    if (yaml) writeFileSync(join(dir, 'dagster.yaml'), yaml);
    return dir;
  }

  it('PerProjectEnvFileLoader (the default): the location named in DAGSTER_PROJECT_ENV_FILE_PATHS gets its .env', async () => {
    const project = home();
    mkdirSync(join(project, 'loc_a'));
    writeFileSync(join(project, 'loc_a', '.env'), 'INST_SECRET_A=alpha\nexport INST_SECRET_B="two words"\n');
    process.env.DAGSTER_PROJECT_ENV_FILE_PATHS = JSON.stringify({ loc_a: join(project, 'loc_a') });
    await using instance = await Instance.fromConfig(home());
    instance.injectEnvVars('other');
    expect(process.env.INST_SECRET_A).toBeUndefined();
    instance.injectEnvVars('loc_a');
    expect(process.env.INST_SECRET_A).toBe('alpha');
    expect(process.env.INST_SECRET_B).toBe('two words');
  });

  it('configured loaders: PerProjectEnvFileLoader location_paths and EnvFileLoader base_dir; others refused', async () => {
    const project = home();
    writeFileSync(join(project, '.env'), 'INST_SECRET_C=from-base-dir\n');
    const perProject = `secrets:\n  custom:\n    module: dagster._core.secrets.env_file\n    class: PerProjectEnvFileLoader\n    config:\n      location_paths:\n        loc_c: ${JSON.stringify(project)}\n`;
    await using first = await Instance.fromConfig(home(perProject));
    first.injectEnvVars('loc_c');
    expect(process.env.INST_SECRET_C).toBe('from-base-dir');
    delete process.env.INST_SECRET_C;

    const envFile = `secrets:\n  custom:\n    module: dagster._core.secrets.env_file\n    class: EnvFileLoader\n    config:\n      base_dir: ${JSON.stringify(project)}\n`;
    await using second = await Instance.fromConfig(home(envFile));
    second.injectEnvVars(undefined);
    expect(process.env.INST_SECRET_C).toBe('from-base-dir');

    process.env.DAGSTER_PROJECT_ENV_FILE_PATHS = 'not json';
    await using third = await Instance.fromConfig(home());
    expect(() => third.injectEnvVars('loc')).toThrow(ConfigError);
  });
});
