import { defineLibraryConfig } from '@inst/tsup-config';

// index: the in-process API; main: the binary's entry (bin/inst.js imports it when installed from npm).
export default defineLibraryConfig({ entry: { index: 'src/index.ts', main: 'src/main.ts' } });
