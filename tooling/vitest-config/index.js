// @ts-check
import { defineConfig } from 'vitest/config';

/**
 * The vitest project every package uses: sources of sibling packages through the
 * "@inst/source" condition, tests beside the code as *.test.ts.
 * @param {import('vitest/config').UserConfig['test']} [test]
 */
export function defineInstProject(test = {}) {
  return defineConfig({
    resolve: { conditions: ['@inst/source'] },
    ssr: { resolve: { conditions: ['@inst/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
