import { defineLibraryConfig } from '@inst/tsup-config';

export default defineLibraryConfig({
  entry: { index: 'src/index.ts', 'code-server-main': 'src/code-server-main.ts', 'run-worker-main': 'src/run-worker-main.ts' },
});
