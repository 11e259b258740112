// Regenerates the "Namespaced API" table of README.md from src/namespaces/map.ts:
//   pnpm exec tsx scripts/namespace-table.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NAMESPACED_API_SECTION } from '../src/namespaces/readme-section';
import { withNamespaceTable } from '../src/namespaces/table';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readmePath, withNamespaceTable(readFileSync(readmePath, 'utf8'), NAMESPACED_API_SECTION));
