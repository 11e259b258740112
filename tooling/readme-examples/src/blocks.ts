/**
 * The code blocks of the packages' READMEs, and how one is run: a ```js block with plain `node` (as a user on
 * Node 20 would: no TypeScript-only syntax, no `await using`), a ```ts block with tsx. Both import the built
 * packages through this package's node_modules, so they resolve as an installed package does (no source condition).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's directory (this file is tooling/readme-examples/src/blocks.ts). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(PACKAGE_DIR, '../..');

export interface ReadmeBlock {
  /** `packages/<name>/README.md`. */
  readonly readme: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: 'ts' | 'js';
  /** Words after the language on the fence line, e.g. `no-run`. */
  readonly flags: readonly string[];
  readonly code: string;
}

const FENCE = /^```(ts|typescript|js|javascript)([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;

/**
 * The package directories whose READMEs are checked: those this package depends on (so turbo's ^build has built
 * them before the test). A new package is added to this package's devDependencies.
 */
export function checkedPackageDirs(): string[] {
  const self = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const packagesDir = join(ROOT, 'packages');
  return readdirSync(packagesDir)
    .filter((dir) => {
      const manifest = join(packagesDir, dir, 'package.json');
      return existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name in self.devDependencies;
    })
    .sort();
}

/** Every ```ts / ```js block of every checked packages/*\/README.md, in file order. */
export function readmeBlocks(): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const packagesDir = join(ROOT, 'packages');
  for (const name of checkedPackageDirs()) {
    const file = join(packagesDir, name, 'README.md');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(FENCE)) {
      const lang = match[1]!.startsWith('t') ? 'ts' : 'js';
      blocks.push({
        readme: `packages/${name}/README.md`,
        line: text.slice(0, match.index).split('\n').length,
        lang,
        flags: match[2]!.trim().split(/\s+/).filter(Boolean),
        code: match[3]!,
      });
    }
  }
  return blocks;
}

/** A block's name in test output: `packages/core/README.md:12 (ts)`. */
export function blockName(block: ReadmeBlock): string {
  return `${block.readme}:${block.line} (${block.lang})`;
}

export interface BlockResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the block was killed for not finishing (it hangs). */
  readonly stuck: boolean;
}

/**
 * Runs one block in a fresh working directory under os.tmpdir(), with no INST_HOME / DAGSTER_HOME, and
 * `DATABASE_URL` pointing at a scratch Postgres database when given. A block still running after `stuckAfterMs`
 * is killed and reported as stuck: the bound only detects a hang, it asserts nothing about speed.
 */
export async function runBlock(block: ReadmeBlock, options: { databaseUrl?: string; stuckAfterMs?: number } = {}): Promise<BlockResult> {
  const runDir = join(PACKAGE_DIR, '.run');
  mkdirSync(runDir, { recursive: true });
  const base = `${block.readme.split('/')[1]}-${block.line}`;
  const file = join(runDir, `${base}.${block.lang === 'ts' ? 'ts' : 'mjs'}`);
  writeFileSync(file, block.code);
  const cwd = mkdtempSync(join(tmpdir(), `inst-readme-${base}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env.INST_HOME;
  delete env.DAGSTER_HOME;
  delete env.VITEST;
  delete env.NODE_ENV;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const args = block.lang === 'ts' ? [join(PACKAGE_DIR, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file] : [file];
  try {
    return await new Promise<BlockResult>((resolvePromise, reject) => {
      const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let stuck = false;
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        stuck = true;
        child.kill('SIGKILL');
      }, options.stuckAfterMs ?? 150_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolvePromise({ code, signal, stdout, stderr, stuck });
      });
    });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** One TypeScript error in a README block: where (README and line) and what. */
export interface BlockTypeError {
  readonly block: string;
  readonly message: string;
}

/**
 * Type-checks ```ts blocks as a user's strict TypeScript project would (`module` / `moduleResolution` NodeNext,
 * ESM, Node's types), against the built packages' declarations (no source condition): one program over all blocks,
 * each its own module. Returns every error, named by README and line.
 */
export async function typeCheckBlocks(blocks: readonly ReadmeBlock[]): Promise<BlockTypeError[]> {
  const ts = (await import('typescript')).default;
  const dir = join(PACKAGE_DIR, '.typecheck');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, ReadmeBlock>();
  for (const block of blocks) {
    const file = join(dir, `${block.readme.split('/')[1]}-${block.line}.ts`);
    // `export {}` keeps each block a module of its own (top-level names of two blocks never clash).
    writeFileSync(file, `${block.code}\nexport {};\n`);
    files.set(resolve(file), block);
  }
  const program = ts.createProgram([...files.keys()], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const block = diagnostic.file ? files.get(resolve(diagnostic.file.fileName)) : undefined;
    if (!diagnostic.file || !block) return { block: diagnostic.file?.fileName ?? '(program)', message: text };
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    // The block's first code line is the line after its fence.
    return { block: `${block.readme}:${block.line + 1 + line}`, message: `TS${diagnostic.code}: ${text}` };
  });
}
