// @ts-check
import { defineConfig } from 'tsup';

/**
 * The build every published package uses: ESM, type declarations, Node 20.
 * @param {{ entry?: Record<string, string> | string[], external?: string[] }} [options]
 */
export function defineLibraryConfig(options = {}) {
  return defineConfig({
    entry: options.entry ?? { index: 'src/index.ts' },
    format: ['esm'],
    dts: { compilerOptions: { customConditions: [] } },
    sourcemap: true,
    clean: true,
    platform: 'node',
    target: 'node20',
    external: options.external ?? [],
  });
}
