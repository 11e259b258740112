import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Instance } from '@inst/core';
import { createScratchDatabase, pgAvailable, type ScratchDatabase } from '@inst/storage-postgres/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_HOST_LOCK_FILE } from '../src/index';
import { startHost, tempHome, waitFor, type HostProcess } from './support';

const started: HostProcess[] = [];
afterAll(() => {
  for (const host of started) if (host.child.exitCode === null) host.child.kill('SIGKILL');
});
function host(home: string, args: string[] = []): HostProcess {
  const h = startHost(home, args);
  started.push(h);
  return h;
}

async function heartbeatOwners(instance: Instance): Promise<Map<string, string | null>> {
  const beats = await instance.getDaemonHeartbeats();
  return new Map([...beats].map(([type, hb]) => [type, hb.daemonId]));
}

describe('daemon host process on SQLite', () => {
  it('heartbeats every required daemon so getDaemonStatuses reads them healthy, refuses a second host, stops on SIGTERM', async () => {
    const home = tempHome();
    const instance = await Instance.fromConfig(home);
    try {
      const required = instance.getRequiredDaemonTypes();
      expect(required.length).toBeGreaterThan(0);
      const before = await instance.getDaemonStatuses();
      expect([...before.values()].every((s) => s.healthy === false)).toBe(true);

      const first = host(home, ['--heartbeat-interval', '1']);
      const { daemonId } = await first.ready;
      await waitFor(async () => {
        const statuses = await instance.getDaemonStatuses();
        return [...statuses.values()].every((s) => s.healthy === true && s.lastHeartbeat?.daemonId === daemonId);
      }, 'every required daemon healthy');
      const statuses = await instance.getDaemonStatuses();
      expect([...statuses.keys()]).toEqual(required);
      expect(existsSync(join(home, SQLITE_HOST_LOCK_FILE))).toBe(true);

      // Heartbeats keep coming: the timestamps move.
      const t0 = (await instance.getDaemonHeartbeats()).get(required[0]!)!.timestamp;
      await waitFor(async () => (await instance.getDaemonHeartbeats()).get(required[0]!)!.timestamp > t0, 'a newer heartbeat');

      const second = host(home);
      const exit = await second.exited;
      expect(exit.code).toBe(1);
      expect(second.stderr()).toContain('Another daemon host (pid');
      expect(second.stderr()).toContain('SQLite storage supports one daemon host per instance home');

      first.child.kill('SIGTERM');
      const firstExit = await first.exited;
      expect(firstExit.code).toBe(0);
      expect(first.stderr()).toContain('Received SIGTERM');
      expect(existsSync(join(home, SQLITE_HOST_LOCK_FILE))).toBe(false);
    } finally {
      await instance.dispose();
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);

  it('takes over the lock file a SIGKILLed host left behind', async () => {
    const home = tempHome();
    try {
      const first = host(home, ['--heartbeat-interval', '1']);
      await first.ready;
      first.child.kill('SIGKILL');
      await first.exited;
      expect(existsSync(join(home, SQLITE_HOST_LOCK_FILE))).toBe(true);
      const second = host(home, ['--heartbeat-interval', '1']);
      await second.ready;
      second.child.kill('SIGINT');
      expect((await second.exited).code).toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);
});

const pgUp = await pgAvailable();

describe.skipIf(!pgUp)('two daemon hosts on Postgres', () => {
  let scratch: ScratchDatabase | undefined;
  afterAll(async () => {
    await scratch?.drop();
  });

  it('shares every daemon through leases; when one host is SIGKILLed the other takes over every daemon', async () => {
    scratch = await createScratchDatabase('inst_daemon_host');
    const yaml = `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`;
    const homeA = tempHome(yaml);
    const homeB = tempHome(yaml);
    const instance = await Instance.fromConfig(homeA);
    try {
      const required = instance.getRequiredDaemonTypes();
      const a = host(homeA, ['--heartbeat-interval', '1', '--lease-retry', '1']);
      const { daemonId: idA } = await a.ready;
      await waitFor(async () => {
        const owners = await heartbeatOwners(instance);
        return required.every((type) => owners.get(type) === idA);
      }, 'host A owning every daemon');

      const b = host(homeB, ['--heartbeat-interval', '1', '--lease-retry', '1']);
      const { daemonId: idB } = await b.ready;
      expect(idB).not.toBe(idA);
      // While A lives, B runs nothing: every heartbeat stays A's across several of B's lease attempts.
      const t = (await instance.getDaemonHeartbeats()).get(required[0]!)!.timestamp;
      await waitFor(async () => (await instance.getDaemonHeartbeats()).get(required[0]!)!.timestamp > t + 3, 'three more seconds of heartbeats');
      const owners = await heartbeatOwners(instance);
      expect(required.map((type) => owners.get(type))).toEqual(required.map(() => idA));

      a.child.kill('SIGKILL');
      await a.exited;
      await waitFor(async () => {
        const now = await heartbeatOwners(instance);
        return required.every((type) => now.get(type) === idB);
      }, 'host B owning every daemon');
      const statuses = await instance.getDaemonStatuses();
      expect([...statuses.values()].every((s) => s.healthy === true)).toBe(true);

      b.child.kill('SIGTERM');
      expect((await b.exited).code).toBe(0);
    } finally {
      await instance.dispose();
      rmSync(homeA, { recursive: true, force: true });
      rmSync(homeB, { recursive: true, force: true });
    }
  }, 180_000);
});
