import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { FileSystemError, InvalidArgumentError, InvariantViolationError } from '@inst/errors';
import { type InstanceConfig, loadInstanceConfig, parseInstanceConfig, parseInstanceConfigYaml, readConfigText, resolveInstanceHome } from '@inst/settings';

/**
 * What it takes to open the same instance again, in this or another process (Dagster's `InstanceRef`):
 * the home folder, the config file read there, and overrides applied over it.
 */
export interface InstanceRef {
  /** The instance home: config file, SQLite files and local artifacts live under it. */
  readonly home: string;
  /** The config file read in the home (`inst.yaml`, else `dagster.yaml`); absent when there is none. */
  readonly configFile?: string;
  /** The merged, validated configuration. */
  readonly config: InstanceConfig;
}

/** Reads and validates the config of a home into a ref; `configFilename` picks a file other than the default. */
export function instanceRefFromDir(home: string, configFilename?: string, overrides: Record<string, unknown> = {}): InstanceRef {
  if (!isAbsolute(home)) throw new InvariantViolationError(`The instance home must be an absolute path, got ${home}`, { ids: { path: home } });
  checkHomeDirectory(home);
  const { config, path } = configFilename ? readConfigFile(join(home, configFilename)) : loadInstanceConfig(home);
  const merged = Object.keys(overrides).length ? parseInstanceConfig({ ...config, ...overrides }, 'overrides') : config;
  return { home, config: merged, ...(path ? { configFile: path } : {}) };
}

function readConfigFile(path: string): { config: InstanceConfig; path: string | undefined } {
  if (!existsSync(path)) return { config: {}, path: undefined };
  return { config: parseInstanceConfigYaml(readConfigText(path), path), path };
}

/** The home exists and is a directory (a FileSystemError naming it otherwise, before any config is read). */
function checkHomeDirectory(home: string): void {
  let stat;
  try {
    stat = statSync(home);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new FileSystemError(home, 'the instance home does not exist (create it, or point INST_HOME / DAGSTER_HOME at an existing directory)', {
      cause: error,
      ...(errno ? { errno } : {}),
    });
  }
  if (!stat.isDirectory()) throw new FileSystemError(home, 'the instance home is not a directory', { errno: 'ENOTDIR' });
}

/** The home from `INST_HOME`, else `DAGSTER_HOME`; a clear error when neither is set. */
export function instanceHomeFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const home = resolveInstanceHome(env);
  if (!home) {
    throw new InvalidArgumentError(
      'No instance home: set INST_HOME (or DAGSTER_HOME) to an absolute path of an existing directory, or use Instance.ephemeral().',
    );
  }
  return home;
}
