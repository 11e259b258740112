import { defineLibraryConfig } from '@inst/tsup-config';

export default defineLibraryConfig();
