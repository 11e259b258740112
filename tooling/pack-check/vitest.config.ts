import { defineInstProject } from '@inst/vitest-config';

// npm installs (better-sqlite3 compiles from source) on a shared two-core machine: bounds only say "stuck".
export default defineInstProject({ testTimeout: 600_000, hookTimeout: 900_000 });
