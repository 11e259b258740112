import { describe, expect, it } from 'vitest';
import { ExclusiveLeases, reloadableWorkspace, runDaemonHost, silentLogger, type DaemonDefinition } from '../src/index';
import type { CodeLocationLike, WorkspaceLike } from '../src/workspace';
import { fakeLocation, tempInstance } from './fixtures';

/** A location whose snapshot names its version, or fails when `broken`. */
function versioned(name: string, version: number, broken = false): CodeLocationLike & { disposed: boolean } {
  const base = fakeLocation({ name, snapshot: { jobs: [{ name: `job_v${version}` }] } });
  const location = {
    ...base,
    disposed: false,
    snapshot: async () => {
      if (broken) throw new Error(`${name} v${version} does not load`);
      return base.snapshot();
    },
    dispose: async () => {
      location.disposed = true;
    },
  };
  return location;
}

describe('reloadable workspace', () => {
  it('takes new versions of locations, keeps the last good one of a failing location, drops removed ones', async () => {
    let generation: () => CodeLocationLike[] = () => [versioned('a', 1), versioned('b', 1), versioned('c', 1)];
    const workspace = await reloadableWorkspace(async (): Promise<WorkspaceLike> => ({ locations: generation() }));
    const first = [...workspace.locations] as (CodeLocationLike & { disposed: boolean })[];

    generation = () => [versioned('a', 2), versioned('b', 2, true)]; // c is removed, b is broken
    const result = await workspace.reload();
    expect(result.reloaded).toEqual(['a']);
    expect(result.failed.map((f) => f.name)).toEqual(['b']);
    expect(result.removed).toEqual(['c']);
    const jobs = await Promise.all(workspace.locations.map(async (l) => `${l.name}:${(await l.snapshot()).jobs![0]!.name}`));
    expect(jobs).toEqual(['a:job_v2', 'b:job_v1']);
    // Replaced versions are disposed at the next reload, so an iteration using them can finish.
    expect(first.map((l) => l.disposed)).toEqual([false, false, false]);

    generation = () => {
      throw new Error('workspace.yaml does not parse');
    };
    const broken = await workspace.reload();
    expect(broken.failed.map((f) => f.name).sort()).toEqual(['a', 'b']);
    expect(workspace.locations.map((l) => l.name)).toEqual(['a', 'b']);
    expect(first.map((l) => l.disposed)).toEqual([true, false, true]);
    await workspace.dispose!();
    expect(first[1]!.disposed).toBe(true);
  });

  it('is reloaded by the daemon host on its interval', async () => {
    const instance = await tempInstance();
    let loads = 0;
    const workspace = await reloadableWorkspace(async () => {
      loads++;
      return { locations: [versioned('a', loads)] };
    });
    const controller = new AbortController();
    const seen = new Set<string>();
    const watcher: DaemonDefinition = {
      daemonType: 'SENSOR',
      intervalSeconds: 0.02,
      async runIteration(ctx) {
        for (const location of ctx.workspace!.locations) seen.add((await location.snapshot()).jobs![0]!.name);
        if (seen.size >= 3) controller.abort(); // two reloads seen by a daemon's iterations
      },
    };
    try {
      await runDaemonHost({ instance, workspace, daemons: [watcher], signal: controller.signal, handleProcessSignals: false, leases: new ExclusiveLeases(), workspaceReloadIntervalSeconds: 0.05, log: silentLogger });
      expect([...seen].slice(0, 3)).toEqual(['job_v1', 'job_v2', 'job_v3']);
    } finally {
      await workspace.dispose!();
      await instance.dispose();
    }
  });
});
