import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildProcessCodeLocation } from './child-process-code-location';
import { CodeLocationLoadError, UserCodeUnreachableError } from './errors';

const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const open: ChildProcessCodeLocation[] = [];
function location(dir: string, name = dir): ChildProcessCodeLocation {
  const loc = new ChildProcessCodeLocation({ locationName: name, file: `${fixtures}${dir}/defs.ts`, workingDirectory: `${fixtures}${dir}` }, { output: 'ignore' });
  open.push(loc);
  return loc;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((loc) => loc.dispose()));
});

describe('code server process', () => {
  it('loads a TS module in its own process, with its .env', async () => {
    const loc = location('basic');
    const snapshot = await loc.snapshot();
    expect(snapshot.locationName).toBe('basic');
    expect(loc.pid).not.toBe(process.pid);
    expect(await loc.loadedEnvVars()).toEqual(['CODELOC_FIXTURE_SECRET', 'CODELOC_FIXTURE_OTHER', 'CODELOC_FIXTURE_REF']);
  });

  it('reports a module that throws at import with its own stack', async () => {
    const loc = location('broken');
    const error = await loc.snapshot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeLocationLoadError);
    const load = error as CodeLocationLoadError;
    expect(load.code).toBe('CODE_LOCATION_LOAD_ERROR');
    expect(load.userCodeError.message).toContain('cannot reach the warehouse');
    expect(load.userCodeError.stack.join('')).toMatch(/broken[\\/]defs\.ts:3/);
  });

  it('detects a dead code server and restarts it on the next request', async () => {
    const loc = location('basic');
    await loc.snapshot();
    const first = loc.pid!;
    process.kill(first, 'SIGKILL');
    // Requests in flight when it dies reject typed; the next one starts a new server.
    const outcome = await loc.snapshot().then(
      () => 'answered',
      (e: unknown) => e,
    );
    if (outcome !== 'answered') expect(outcome).toBeInstanceOf(UserCodeUnreachableError);
    await loc.snapshot();
    expect(loc.pid).not.toBe(first);
    expect(loc.serverStarts).toBeGreaterThanOrEqual(2);
  });
});
