/*
 * The `inst` binary's entry: runs the program on process.argv with the process's streams, turns the first
 * Ctrl-C (SIGINT) into an abort signal every long operation watches (it stops at a safe point and exits 130),
 * and a second Ctrl-C into an immediate exit.
 */
import { runCli } from './program';

// `pnpm --filter @inst/cli run inst …` runs in the package folder; paths on the command line are the caller's.
if (process.env.npm_lifecycle_event === 'inst' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const controller = new AbortController();
const onSigint = () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onSigint);
process.on('SIGTERM', onSigint);

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }, controller.signal);
process.exit(code);
