import { defineInstProject } from '@inst/vitest-config';

export default defineInstProject();
