/**
 * Workspaces: the code locations an instance's control plane talks to, from a `workspace.yaml` with Dagster's
 * `load_from:` entries or from `-f FILE` / `-m MODULE` equivalents. `python_file` names a JS/TS file here,
 * `python_module` (or `python_package`) a module; `working_directory`, `location_name` and `attribute` as in Dagster.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '@inst/errors';
import { WorkspaceConfigError } from './errors';
import { parse as parseYaml } from 'yaml';
import { ChildProcessCodeLocation, type ChildProcessCodeLocationOptions } from './child-process-code-location';
import { baseName, normalizeTarget, type CodeLocationTarget } from './target';
import type { CodeLocation } from './types';

/** A set of code locations by name; disposing it stops their code servers. */
export interface Workspace extends AsyncDisposable {
  readonly locations: readonly CodeLocation[];
  /** The location of that name; throws InvalidArgumentError naming the known ones when there is none. */
  getLocation(name: string): CodeLocation;
  hasLocation(name: string): boolean;
  dispose(): Promise<void>;
}

/** Options of {@link loadWorkspace}: one of `workspaceFile`, `file` or `module` (several files/modules allowed). */
export interface LoadWorkspaceOptions extends ChildProcessCodeLocationOptions {
  /** A `workspace.yaml`; relative paths in it are relative to its directory. */
  workspaceFile?: string;
  /** `-f FILE`: one or more JS/TS files. */
  file?: string | readonly string[];
  /** `-m MODULE`: one or more module names. */
  module?: string | readonly string[];
  /** `-d`: the working directory of `-f` / `-m` locations (default `cwd`). */
  workingDirectory?: string;
  /** `-a`: the export holding the Definitions (default: the default export). */
  attribute?: string;
  /** `-l`: the location name of a single `-f` / `-m` location. */
  locationName?: string;
  /** Base of relative paths (default `process.cwd()`). */
  cwd?: string;
}

/** The targets a workspace.yaml names (Dagster's `load_from` entries). */
export function parseWorkspaceYaml(text: string, workspacePath: string): CodeLocationTarget[] {
  const base = dirname(resolve(workspacePath));
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new WorkspaceConfigError(`${workspacePath}: ${(error as Error).message}`, { cause: error });
  }
  const loadFrom = (document as { load_from?: unknown } | null)?.load_from;
  if (!Array.isArray(loadFrom)) throw new WorkspaceConfigError(`${workspacePath}: load_from: expected a list of code locations`);
  return loadFrom.map((entry, index) => targetOfEntry(entry, base, `${workspacePath}: load_from[${index}]`));
}

function targetOfEntry(entry: unknown, base: string, path: string): CodeLocationTarget {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new WorkspaceConfigError(`${path}: expected a mapping`);
  const keys = Object.keys(entry);
  if (keys.length !== 1) throw new WorkspaceConfigError(`${path}: expected exactly one of python_file, python_module, python_package; got ${keys.join(', ') || 'nothing'}`);
  const kind = keys[0]!;
  const value = (entry as Record<string, unknown>)[kind];
  const config = typeof value === 'string' ? null : (value as Record<string, unknown> | null);
  if (config !== null && (typeof config !== 'object' || Array.isArray(config))) throw new WorkspaceConfigError(`${path}.${kind}: expected a string or a mapping`);
  const str = (key: string): string | undefined => {
    const v = config?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new WorkspaceConfigError(`${path}.${kind}.${key}: expected a string`);
    return v;
  };
  const workingDirectory = str('working_directory') ? resolve(base, str('working_directory')!) : base;
  switch (kind) {
    case 'python_file': {
      const file = typeof value === 'string' ? value : str('relative_path');
      if (!file) throw new WorkspaceConfigError(`${path}.python_file.relative_path: required`);
      return normalizeTarget({
        locationName: str('location_name') ?? baseName(file),
        file: resolve(base, file),
        workingDirectory,
        attribute: str('attribute') ?? null,
      });
    }
    case 'python_module':
    case 'python_package': {
      const field = kind === 'python_module' ? 'module_name' : 'package_name';
      const module = typeof value === 'string' ? value : str(field);
      if (!module) throw new WorkspaceConfigError(`${path}.${kind}.${field}: required`);
      return normalizeTarget({ locationName: str('location_name') ?? module, module, workingDirectory, attribute: str('attribute') ?? null });
    }
    case 'grpc_server':
      throw new WorkspaceConfigError(`${path}: grpc_server locations are not supported by inst; use python_file or python_module`);
    default:
      throw new WorkspaceConfigError(`${path}: unknown code location kind ${kind} (expected python_file, python_module or python_package)`);
  }
}

/** The targets of `-f` / `-m` options. */
export function targetsOfOptions(options: LoadWorkspaceOptions): CodeLocationTarget[] {
  const cwd = options.cwd ?? process.cwd();
  const workingDirectory = resolve(cwd, options.workingDirectory ?? '.');
  const files = options.file === undefined ? [] : typeof options.file === 'string' ? [options.file] : [...options.file];
  const modules = options.module === undefined ? [] : typeof options.module === 'string' ? [options.module] : [...options.module];
  if (options.locationName && files.length + modules.length > 1) throw new InvalidArgumentError('locationName applies to a single -f / -m code location');
  return [
    ...files.map((file) => normalizeTarget({ locationName: options.locationName ?? baseName(file), file: resolve(cwd, file), workingDirectory, attribute: options.attribute ?? null })),
    ...modules.map((module) => normalizeTarget({ locationName: options.locationName ?? module, module, workingDirectory, attribute: options.attribute ?? null })),
  ];
}

/** A workspace over given code locations (names must be unique). */
export function workspaceOf(locations: readonly CodeLocation[]): Workspace {
  const byName = new Map<string, CodeLocation>();
  for (const location of locations) {
    if (byName.has(location.name)) throw new InvalidArgumentError(`Two code locations are named ${JSON.stringify(location.name)}`);
    byName.set(location.name, location);
  }
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> => (disposed ??= Promise.all(locations.map((location) => location.dispose())).then(() => undefined));
  return {
    locations,
    getLocation(name) {
      const location = byName.get(name);
      if (!location) throw new InvalidArgumentError(`No code location named ${JSON.stringify(name)} in the workspace (known: ${[...byName.keys()].join(', ') || 'none'})`);
      return location;
    },
    hasLocation: (name) => byName.has(name),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * Loads a workspace: from `workspaceFile`, or from `file` / `module`. Each location is a
 * {@link ChildProcessCodeLocation}; its code server starts on the first request.
 */
export async function loadWorkspace(options: LoadWorkspaceOptions): Promise<Workspace> {
  const cwd = options.cwd ?? process.cwd();
  const sources = [options.workspaceFile, options.file, options.module].filter((v) => v !== undefined).length;
  if (sources === 0) throw new InvalidArgumentError('loadWorkspace needs a workspaceFile, a file (-f) or a module (-m)');
  const targets: CodeLocationTarget[] = [];
  if (options.workspaceFile) {
    const path = resolve(cwd, options.workspaceFile);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new WorkspaceConfigError(`${path}: cannot read the workspace file (${(error as Error).message})`, { cause: error });
    }
    targets.push(...parseWorkspaceYaml(text, path));
  }
  targets.push(...targetsOfOptions({ ...options, cwd }));
  const { env, execArgv, output } = options;
  return workspaceOf(targets.map((target) => new ChildProcessCodeLocation(target, { env, execArgv, output })));
}
