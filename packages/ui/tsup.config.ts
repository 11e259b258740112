import { defineLibraryConfig } from '@inst/tsup-config';

// The server (index). The browser bundle is built by scripts/build-client.mjs into dist/client (tsup's clean runs first in `build`? no: build-client runs before tsup, so tsup must not clean it).
export default defineLibraryConfig({ entry: { index: 'src/index.ts' } });
