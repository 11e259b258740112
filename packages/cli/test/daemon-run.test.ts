import { rmSync } from 'node:fs';
import { Instance } from '@inst/core';
import { afterAll, expect, it } from 'vitest';
import { collectResult, inst, makeHome, spawnInst, waitFor } from './support';

/* `inst daemon run`: the daemon host in a child process writes heartbeats until Ctrl-C, then exits 0. */

const home = makeHome('daemon');
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('runs the daemons until Ctrl-C, writing heartbeats that liveness-check sees', async () => {
  const child = spawnInst(['--home', home, 'daemon', 'run', '--empty-workspace'], { bin: true });
  const done = collectResult(child);
  await using instance = await Instance.fromConfig(home);
  const required = instance.getRequiredDaemonTypes();
  await waitFor(() => beats(instance, required), 'a heartbeat from every required daemon', 150_000);
  const live = await inst(['--home', home, 'daemon', 'liveness-check']);
  expect([live.code, live.stdout.trim()]).toEqual([0, 'Daemon live']);
  child.kill('SIGINT');
  const result = await done;
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('inst daemon: stopped');
});

async function beats(instance: Instance, required: readonly string[]): Promise<boolean> {
  const stored = await instance.getDaemonHeartbeats();
  return required.length > 0 && required.every((type) => stored.has(type));
}
