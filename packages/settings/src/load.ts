import { ConfigError, FileSystemError } from '@inst/errors';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { parseInstanceConfig } from './parse';
import type { Env, InstanceConfig } from './types';

/** The config files looked for in an instance home, in order: ours first, then Dagster's. */
export const CONFIG_FILENAMES = ['inst.yaml', 'dagster.yaml'] as const;

/** The instance home: `INST_HOME`, else `DAGSTER_HOME`; undefined when neither is set. */
export function resolveInstanceHome(env: Env = process.env): string | undefined {
  return env.INST_HOME || env.DAGSTER_HOME || undefined;
}

/**
 * Reads the configuration of the instance home: `inst.yaml`, else `dagster.yaml`, else an empty
 * config (`path` is then undefined).
 *
 * @throws ConfigError for a YAML syntax error (with line and column) or an invalid config.
 */
export function loadInstanceConfig(
  home: string,
  env: Env = process.env,
): { config: InstanceConfig; path: string | undefined } {
  for (const filename of CONFIG_FILENAMES) {
    const path = join(home, filename);
    if (existsSync(path)) return { config: parseInstanceConfigYaml(readConfigText(path), path, env), path };
  }
  return { config: {}, path: undefined };
}

/**
 * The text of a config file, with a FileSystemError naming the path when it is not a readable file
 * (a directory named `dagster.yaml`, no read permission …).
 */
export function readConfigText(path: string): string {
  try {
    if (!statSync(path).isFile()) throw new FileSystemError(path, 'the instance config is not a file', { errno: 'EISDIR' });
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof FileSystemError) throw error;
    const errno = (error as NodeJS.ErrnoException).code;
    throw new FileSystemError(path, `cannot read the instance config (${errno ?? (error as Error).message})`, { cause: error, ...(errno ? { errno } : {}) });
  }
}

/**
 * Parses YAML text the way PyYAML reads dagster.yaml (YAML 1.1: `yes`/`no` booleans, `0777`
 * octals, a repeated key overrides) and validates it with {@link parseInstanceConfig}.
 *
 * @throws ConfigError naming `source` and the line and column of a syntax error.
 */
export function parseInstanceConfigYaml(text: string, source?: string, env: Env = process.env): InstanceConfig {
  const document = parseDocument(text, { version: '1.1', uniqueKeys: false });
  if (document.errors.length > 0) throw new ConfigError(document.errors.map(describeYamlError), source);
  let raw: unknown;
  try {
    raw = document.toJS();
  } catch (error) {
    // e.g. an alias to an anchor that does not exist
    throw new ConfigError([`YAML: ${(error as Error).message}`], source, { cause: error });
  }
  return parseInstanceConfig(raw, source, env);
}

/** `line 3, column 5: All mapping items must start at the same column`. */
function describeYamlError(error: YAMLError): string {
  const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  return position ? `line ${position.line}, column ${position.col}: ${message}` : `YAML: ${message}`;
}
