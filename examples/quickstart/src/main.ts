import { resolve } from 'node:path';
import { runQuickstart } from './quickstart';

// INIT_CWD is where `npm run` / `pnpm` was invoked (the repository root for `npm run demo`).
const home = resolve(process.env.INIT_CWD ?? process.cwd(), '.inst');
await runQuickstart(home);
