import { defineLibraryConfig } from '@inst/tsup-config';

export default defineLibraryConfig({ entry: { index: 'src/index.ts', bin: 'src/bin.ts' } });
