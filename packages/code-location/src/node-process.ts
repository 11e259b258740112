/**
 * How this package starts Node child processes that may load TypeScript: `--import tsx` (no build step for user
 * code), and — when this package itself runs from its sources — `--conditions=@inst/source`, so workspace
 * packages resolve to their sources as in the tests.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** Whether this module runs from its TypeScript sources (tests, tsx) rather than from the build. */
export const RUNNING_FROM_SOURCE = /\.(c|m)?ts$/.test(new URL(import.meta.url).pathname);

/** The `execArgv` of a child that can import TS and JS modules: tsx's loader, plus the source condition from sources. */
export function childExecArgv(extra: readonly string[] = []): string[] {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return ['--import', tsx, ...(RUNNING_FROM_SOURCE ? ['--conditions=@inst/source'] : []), ...extra];
}

/**
 * The `execArgv` of a run worker. From the sources, as {@link childExecArgv}. Built, without tsx's loader: it
 * slows every import (the worker's own packages are JavaScript) to about three times the cost, which is most of a
 * worker's start; the worker registers it with {@link useTypeScriptLoader} just before it loads user code.
 */
export function runWorkerExecArgv(extra: readonly string[] = []): string[] {
  return RUNNING_FROM_SOURCE ? childExecArgv(extra) : [...extra];
}

let typeScriptLoader: Promise<void> | undefined;

/** Registers tsx's loader in this process (once), so that the imports after it can load TypeScript. */
export function useTypeScriptLoader(): Promise<void> {
  typeScriptLoader ??= RUNNING_FROM_SOURCE
    ? Promise.resolve() // started with --import tsx
    : import('tsx/esm/api').then(({ register }) => void register());
  return typeScriptLoader;
}

/** The path of one of this package's entry modules (`code-server-main`, `run-worker-main`), source or built. */
export function entryModulePath(name: string): string {
  return fileURLToPath(new URL(`./${name}${RUNNING_FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url));
}

/** Keeps the last `limit` characters written to a stream, for error messages about a process that died. */
export class OutputTail {
  #text = '';
  constructor(readonly limit = 8192) {}
  push(chunk: Buffer | string): void {
    this.#text = (this.#text + chunk.toString()).slice(-this.limit);
  }
  get text(): string {
    return this.#text;
  }
}
