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
      // Generous bounds: a timeout only says a test is stuck. Tests spawn real processes (code servers, run
      // workers, daemons) and CI shares two cores among every package's tests, so 30 s was reached by
      // healthy tests on a loaded machine.
      testTimeout: 180_000,
      hookTimeout: 180_000,
      ...test,
    },
  });
}
