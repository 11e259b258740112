import { defineInstProject } from '@inst/vitest-config';

// Browser tests: one Chromium per file, files one after another (two cores shared by many packages' tests); the
// global setup builds the client bundle the server serves.
export default defineInstProject({ globalSetup: ['./test/global-setup.ts'], fileParallelism: false });
