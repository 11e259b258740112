/**
 * Dagster's secrets loaders, which `injectEnvVars(locationName)` asks for a code location's variables and writes
 * into `process.env`: `PerProjectEnvFileLoader` (the default; `location_paths` maps a location name to a folder
 * holding its `.env`, from the config or the `DAGSTER_PROJECT_ENV_FILE_PATHS` JSON variable) and `EnvFileLoader`
 * (`<base_dir>/.env`, default the working directory). Files are read with python-dotenv's rules.
 */
import { readEnvFile } from '@inst/code-location';
import { ConfigError } from '@inst/errors';
import type { ConfigurableClassConfig } from '@inst/settings';
import { resolve } from 'node:path';

/** The variables a loader gives for a location (Dagster's `get_secrets_for_environment`). */
export function secretsForLocation(loader: ConfigurableClassConfig | undefined, locationName: string | undefined): Record<string, string> {
  const config = (loader?.config ?? {}) as Record<string, unknown>;
  switch (loader?.class ?? 'PerProjectEnvFileLoader') {
    case 'PerProjectEnvFileLoader': {
      const paths = loader ? ((config.location_paths ?? {}) as Record<string, string>) : locationPathsFromEnv();
      const folder = locationName === undefined ? undefined : paths[locationName];
      return folder === undefined ? {} : readEnvFile(resolve(process.cwd(), folder));
    }
    case 'EnvFileLoader':
      return readEnvFile(typeof config.base_dir === 'string' ? config.base_dir : process.cwd());
    default:
      throw new ConfigError([`secrets.custom.class: ${loader!.class} is not a secrets loader inst provides (PerProjectEnvFileLoader, EnvFileLoader)`]);
  }
}

function locationPathsFromEnv(): Record<string, string> {
  const raw = process.env.DAGSTER_PROJECT_ENV_FILE_PATHS;
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, string>;
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(['DAGSTER_PROJECT_ENV_FILE_PATHS: expected a JSON object of location name to folder'], 'the environment');
}

/** Writes a location's variables into `process.env`, overriding what was there (Dagster's `inject_env_vars`). */
export function injectLocationEnvVars(loader: ConfigurableClassConfig | undefined, locationName: string | undefined): void {
  for (const [key, value] of Object.entries(secretsForLocation(loader, locationName))) process.env[key] = value;
}
