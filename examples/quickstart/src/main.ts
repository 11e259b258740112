import { resolve } from 'node:path';
import { runQuickstart } from './quickstart';

// INIT_CWD is where `npm run` / `pnpm` was invoked (the repository root for `npm run demo`).
const home = resolve(process.env.INIT_CWD ?? process.cwd(), '.inst');
// `--ui`: keep the daemon host and the web UI (on port 3000, or INST_UI_PORT) running after the two runs, until Ctrl-C.
const serve = process.argv.includes('--ui');
const stop = new AbortController();
if (serve) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
await runQuickstart(home, console.log, {
  uiPort: serve ? Number(process.env.INST_UI_PORT ?? 3000) : 0,
  ...(serve ? { serveUntil: stop.signal } : {}),
});
