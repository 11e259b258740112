/**
 * Where a code location's code lives, and the Dagster-shaped origins that record it on runs and instigators
 * (`ManagedGrpcPythonEnvRepositoryLocationOrigin` + `LoadableTargetOrigin` for the location, `PipelinePythonOrigin`
 * + `RepositoryPythonOrigin` + a file or module code pointer for the run worker). A Dagster `python_file` is a
 * JS/TS file here, a `python_module` a module specifier, the `executable_path` the Node binary.
 */
import { isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from '@inst/errors';
import type {
  RemoteJobOrigin} from '@inst/types';
import {
  FileCodePointer,
  JobPythonOrigin,
  LoadableTargetOrigin,
  ManagedGrpcPythonEnvCodeLocationOrigin,
  ModuleCodePointer,
  RemoteRepositoryOrigin,
  RepositoryPythonOrigin,
  type DagsterRun,
} from '@inst/types';

/** Dagster's name of the single repository of a `Definitions` object. */
export const SINGLETON_REPOSITORY_NAME = '__repository__';

/** The export a code location's `Definitions` is read from unless an attribute is named. */
export const DEFAULT_ATTRIBUTE = 'default';

/** How to load a code location: a file or a module, the directory it runs in, and the export to read. */
export interface CodeLocationTarget {
  /** The location name (workspace entry `location_name`, else the file's or module's base name). */
  readonly locationName: string;
  /** Absolute path of a `.ts` / `.js` / `.mts` / `.mjs` file (Dagster's `python_file`). */
  readonly file?: string | null;
  /** A module specifier resolved from the working directory (Dagster's `python_module`). */
  readonly module?: string | null;
  /** Absolute directory the code server and run workers run in; its `.env` is loaded into them. */
  readonly workingDirectory: string;
  /** The export holding the `Definitions` (default: the default export). */
  readonly attribute?: string | null;
}

/** Checks a target and makes its paths absolute (relative ones against `cwd`). */
export function normalizeTarget(target: CodeLocationTarget, cwd: string = process.cwd()): CodeLocationTarget {
  if (!target.file === !target.module) throw new InvalidArgumentError(`Code location ${target.locationName}: exactly one of file and module is required`);
  const workingDirectory = isAbsolute(target.workingDirectory) ? target.workingDirectory : resolve(cwd, target.workingDirectory);
  return {
    locationName: target.locationName,
    file: target.file ? (isAbsolute(target.file) ? target.file : resolve(workingDirectory, target.file)) : null,
    module: target.module ?? null,
    workingDirectory,
    attribute: target.attribute ?? null,
  };
}

/** The code location's origin as Dagster stores it: a managed code server over a loadable target. */
export function codeLocationOrigin(target: CodeLocationTarget): ManagedGrpcPythonEnvCodeLocationOrigin {
  return new ManagedGrpcPythonEnvCodeLocationOrigin({
    locationName: target.locationName,
    loadableTargetOrigin: new LoadableTargetOrigin({
      executablePath: process.execPath,
      pythonFile: target.file ?? null,
      moduleName: target.module ?? null,
      workingDirectory: target.workingDirectory,
      attribute: target.attribute ?? null,
    }),
  });
}

/** The origin of the location's repository (`ExternalRepositoryOrigin`). */
export function repositoryOrigin(target: CodeLocationTarget): RemoteRepositoryOrigin {
  return new RemoteRepositoryOrigin({ codeLocationOrigin: codeLocationOrigin(target), repositoryName: SINGLETON_REPOSITORY_NAME });
}

/** A job's remote origin (`ExternalPipelineOrigin`), stored on runs and read by launchers. */
export function remoteJobOrigin(target: CodeLocationTarget, jobName: string): RemoteJobOrigin {
  return repositoryOrigin(target).getJobOrigin(jobName);
}

/** A job's code origin (`PipelinePythonOrigin`): what a run worker loads, with no workspace at hand. */
export function jobCodeOrigin(target: CodeLocationTarget, jobName: string): JobPythonOrigin {
  const fnName = target.attribute ?? DEFAULT_ATTRIBUTE;
  const codePointer = target.file
    ? new FileCodePointer({ pythonFile: target.file, fnName, workingDirectory: target.workingDirectory })
    : new ModuleCodePointer({ module: target.module ?? '', fnName, workingDirectory: target.workingDirectory });
  return new JobPythonOrigin({ jobName, repositoryOrigin: new RepositoryPythonOrigin({ executablePath: process.execPath, codePointer }) });
}

function field(value: object, camel: string, snake: string): unknown {
  const record = value as Record<string, unknown>;
  return record[camel] ?? record[snake] ?? (record.fields as Record<string, unknown> | undefined)?.[snake];
}

/**
 * The target a run's code lives in: from its `jobCodeOrigin` code pointer (file or module, working directory,
 * attribute), named by its `remoteJobOrigin`'s location. Throws when the run records neither.
 */
export function targetOfRun(run: Pick<DagsterRun, 'runId' | 'remoteJobOrigin' | 'jobCodeOrigin'>): CodeLocationTarget {
  const remote = run.remoteJobOrigin;
  const locationName = remote?.repositoryOrigin.codeLocationOrigin.locationName;
  const pointer = run.jobCodeOrigin?.repositoryOrigin.codePointer;
  if (pointer) {
    const file = field(pointer, 'pythonFile', 'python_file');
    const module = field(pointer, 'module', 'module');
    const workingDirectory = field(pointer, 'workingDirectory', 'working_directory');
    const fnName = field(pointer, 'fnName', 'fn_name');
    if (typeof file === 'string' || typeof module === 'string') {
      const name = locationName ?? (typeof file === 'string' ? baseName(file) : String(module));
      return {
        locationName: name,
        file: typeof file === 'string' ? file : null,
        module: typeof file === 'string' ? null : String(module),
        workingDirectory: typeof workingDirectory === 'string' ? workingDirectory : process.cwd(),
        attribute: typeof fnName === 'string' && fnName !== DEFAULT_ATTRIBUTE ? fnName : null,
      };
    }
  }
  const codeLocation = remote?.repositoryOrigin.codeLocationOrigin as { loadableTargetOrigin?: LoadableTargetOrigin } | undefined;
  const loadable = codeLocation?.loadableTargetOrigin;
  if (loadable && (loadable.pythonFile || loadable.moduleName)) {
    return {
      locationName: locationName ?? baseName(loadable.pythonFile ?? loadable.moduleName ?? ''),
      file: loadable.pythonFile,
      module: loadable.pythonFile ? null : loadable.moduleName,
      workingDirectory: loadable.workingDirectory ?? process.cwd(),
      attribute: loadable.attribute,
    };
  }
  throw new InvalidArgumentError(`Run ${run.runId} does not record where its code lives (no job code origin or loadable remote job origin)`, {
    ids: { runId: run.runId },
  });
}

/** A file's name without directories and extension (`defs/repo.ts` → `repo`). */
export function baseName(path: string): string {
  const last = path.split(/[\\/]/).pop() ?? path;
  return last.replace(/\.(c|m)?(t|j)sx?$/, '');
}
