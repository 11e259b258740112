/**
 * Loading a code location's module in the current process — only ever in a code server or a run worker, never
 * in a daemon or the UI. TypeScript loads through tsx (the process runs with `--import tsx`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@inst/errors';
import { DEFAULT_ATTRIBUTE, type CodeLocationTarget } from './target';

/** Imports a target's module: the file, or the module resolved from the working directory. */
export async function importTargetModule(target: CodeLocationTarget): Promise<Record<string, unknown>> {
  if (target.file) {
    if (!existsSync(target.file)) throw new InvalidArgumentError(`Code location file ${target.file} does not exist`, { ids: { locationName: target.locationName } });
    return (await import(pathToFileURL(target.file).href)) as Record<string, unknown>;
  }
  const module = target.module ?? '';
  const parent = join(target.workingDirectory, 'package.json');
  if (module.startsWith('.') || module.startsWith('/')) return (await import(pathToFileURL(join(target.workingDirectory, module)).href)) as Record<string, unknown>;
  let resolved: string | undefined;
  try {
    resolved = createRequire(parent).resolve(module);
  } catch {
    // ESM-only packages (exports without a "require" condition) resolve as an import from the working directory.
  }
  if (resolved) return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(module, pathToFileURL(parent).href)) as Record<string, unknown>;
}

/**
 * Imports a target's module and returns its `Definitions` (the default export, or `target.attribute`). The
 * module's own error (with its stack) propagates when it throws at import; a missing or wrong export throws
 * an InvalidArgumentError saying what was found.
 */
export async function importDefinitions(target: CodeLocationTarget, isDefinitions: (value: unknown) => boolean): Promise<unknown> {
  const namespace = await importTargetModule(target);
  const attribute = target.attribute ?? DEFAULT_ATTRIBUTE;
  let value = namespace[attribute];
  // A CommonJS module imported from ESM puts module.exports on `default`.
  if (!isDefinitions(value) && attribute !== DEFAULT_ATTRIBUTE && typeof namespace.default === 'object' && namespace.default !== null) {
    value = (namespace.default as Record<string, unknown>)[attribute];
  }
  if (typeof value === 'function' && !isDefinitions(value)) value = await (value as () => unknown)();
  if (!isDefinitions(value)) {
    const found = value === undefined ? 'nothing' : `a ${value === null ? 'null' : typeof value}${value && typeof value === 'object' ? ` (${value.constructor.name})` : ''}`;
    throw new InvalidArgumentError(
      `The ${attribute === DEFAULT_ATTRIBUTE ? 'default export' : `export ${JSON.stringify(attribute)}`} of ${target.file ?? target.module} must be a Definitions; found ${found}`,
      { ids: { locationName: target.locationName } },
    );
  }
  return value;
}
