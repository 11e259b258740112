import { defineLibraryConfig } from '@inst/tsup-config';

export default defineLibraryConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  external: ['vitest'],
});
