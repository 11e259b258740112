import { defineLibraryConfig } from '@inst/tsup-config';

// The server. The browser bundle goes to dist/client by scripts/build-client.mjs, run after tsup (whose clean empties dist).
export default defineLibraryConfig({ entry: { index: 'src/index.ts' } });
