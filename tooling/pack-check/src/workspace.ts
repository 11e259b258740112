/**
 * Packs the workspace's packages as a registry would receive them and installs the tarballs with npm into
 * fresh projects outside the workspace, so nothing resolves through pnpm's links or the source condition.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (this file is tooling/pack-check/src/workspace.ts). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  main?: string;
  types?: string;
  files?: string[];
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  scripts?: Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  publishConfig?: { exports?: Record<string, unknown> };
}

export interface WorkspacePackage {
  readonly dir: string;
  readonly manifest: Manifest;
}

/** Every publishable package under packages/. */
export function publishablePackages(): WorkspacePackage[] {
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .filter((name) => existsSync(join(base, name, 'package.json')))
    .map((name) => ({ dir: join(base, name), manifest: JSON.parse(readFileSync(join(base, name, 'package.json'), 'utf8')) as Manifest }))
    .filter((pkg) => !pkg.manifest.private)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The tarball name pnpm pack writes for a package. */
export function tarballName(manifest: Manifest): string {
  return `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
}

/**
 * `pnpm pack` of every package into `dest`. Scripts are not run (prepack would rebuild every dist in a shared
 * tree): the builds come first, from turbo's `^build` for this package's test. A package that is not built is an
 * error naming it. Returns the tarball of each package name.
 */
export async function packAll(dest: string, packages: readonly WorkspacePackage[]): Promise<Map<string, string>> {
  const unbuilt = packages.filter((pkg) => pkg.manifest.main && !existsSync(join(pkg.dir, pkg.manifest.main)));
  if (unbuilt.length) throw new Error(`not built (run pnpm build): ${unbuilt.map((pkg) => pkg.manifest.name).join(', ')}`);
  mkdirSync(dest, { recursive: true });
  const filters = packages.flatMap((pkg) => ['--filter', pkg.manifest.name]);
  await run('pnpm', ['-r', ...filters, 'pack', '--pack-destination', dest], {
    cwd: ROOT,
    env: { ...process.env, npm_config_ignore_scripts: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const tarballs = new Map<string, string>();
  for (const pkg of packages) {
    const file = join(dest, tarballName(pkg.manifest));
    if (!existsSync(file)) throw new Error(`pnpm pack wrote no ${file}`);
    tarballs.set(pkg.manifest.name, file);
  }
  return tarballs;
}

/** The files in a tarball (paths without the leading `package/`). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^package\//, ''));
}

/** The package.json a tarball carries (after pnpm's publishConfig and workspace: rewrites). */
export async function tarballManifest(tarball: string): Promise<Manifest> {
  const { stdout } = await run('tar', ['-xOzf', tarball, 'package/package.json'], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Manifest;
}

/** Every file an export map (or a `main`/`types`/`bin`) points at. */
export function exportTargets(manifest: Manifest): string[] {
  const targets = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner);
  };
  walk(manifest.exports);
  for (const field of [manifest.main, manifest.types, ...Object.values(manifest.bin ?? {})]) if (field) walk(field);
  return [...targets];
}

/** The @inst packages `names` need at run time: their dependencies, transitively, themselves included. */
export function instClosure(names: readonly string[], packages: readonly WorkspacePackage[]): string[] {
  const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg.manifest]));
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const manifest = byName.get(name);
    if (!manifest) throw new Error(`${name} is not a publishable workspace package`);
    seen.add(name);
    const required = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
    for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...required]) if (dep.startsWith('@inst/')) visit(dep);
  };
  for (const name of names) visit(name);
  return [...seen].sort();
}

/** Environment for npm: node-gyp builds better-sqlite3 against the local Node headers when they are there. */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
  // Whatever pnpm set for the workspace (ignore-scripts, a store dir …) must not reach the consumer's npm.
  for (const key of Object.keys(env)) if (/^(npm|pnpm)_(config|package|lifecycle)_/i.test(key) && !/^npm_config_(fund|audit|update_notifier|nodedir|cache|registry)$/.test(key)) delete env[key];
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  return env;
}

/**
 * A fresh npm project in `dir` depending on the tarballs of `instPackages` (the whole @inst closure, so npm never
 * asks the registry for an @inst package) and on `registryDeps` (name → range), installed with npm.
 */
export async function installConsumer(
  dir: string,
  instPackages: readonly string[],
  tarballs: ReadonlyMap<string, string>,
  registryDeps: Record<string, string>,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const dependencies: Record<string, string> = { ...registryDeps };
  for (const name of instPackages) {
    const tarball = tarballs.get(name);
    if (!tarball) throw new Error(`no tarball for ${name}`);
    dependencies[name] = `file:${tarball}`;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'inst-pack-check-consumer', version: '1.0.0', private: true, type: 'module', dependencies }, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    env: npmEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Package directories named `name` anywhere under `dir`/node_modules (nested installs included). */
export function findInstalled(dir: string, name: string): string[] {
  const found: string[] = [];
  const visit = (modules: string): void => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const path = join(modules, entry);
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(path)) {
          if (`${entry}/${scoped}` === name) found.push(join(path, scoped));
          visit(join(path, scoped, 'node_modules'));
        }
        continue;
      }
      if (entry === name) found.push(path);
      visit(join(path, 'node_modules'));
    }
  };
  visit(join(dir, 'node_modules'));
  return found;
}

/** TypeScript configurations a consumer's file is checked under. */
export const TS_RESOLUTIONS = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

/**
 * `tsc --noEmit` of `file` in `dir` with the given resolution, strict, library declarations checked too
 * (a type the public API names from an uninstalled package fails here). Returns tsc's output; throws on errors.
 */
export async function typecheckConsumer(dir: string, file: string, resolution: keyof typeof TS_RESOLUTIONS): Promise<void> {
  const config = `tsconfig.${resolution}.json`;
  writeFileSync(
    join(dir, config),
    JSON.stringify({
      compilerOptions: {
        ...TS_RESOLUTIONS[resolution],
        target: 'es2022',
        lib: ['es2023', 'esnext.disposable'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: [file],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', config], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc (${resolution}) failed in ${dir}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

/** Runs `node file` in `dir` and parses the JSON line it prints last. */
export async function runConsumer(dir: string, file: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await run(process.execPath, [file], { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
    const last = stdout.trim().split('\n').at(-1) ?? '';
    return JSON.parse(last) as Record<string, unknown>;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`node ${file} failed in ${dir}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}
