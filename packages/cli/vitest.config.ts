import { defineInstProject } from '@inst/vitest-config';

// Process tests: each spawns the binary; generous timeouts for a loaded machine (they only fail when stuck).
export default defineInstProject({ globalSetup: ['./test/global-setup.ts'], testTimeout: 180_000, hookTimeout: 180_000 });
