import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance } from '@inst/core';
import { RUN_TAGS, RunsFilter, TickStatus } from '@inst/types';
import { expect, it } from 'vitest';
import { tempHome } from './support';

const here = dirname(fileURLToPath(import.meta.url));

function pass(home: string, now: number, killAt?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@inst/source', '--import', 'tsx', join(here, 'scheduler-worker.ts'), home, String(now)], {
      cwd: join(here, '..'),
      env: { ...process.env, ...(killAt ? { KILL_AT: killAt } : {}) },
      stdio: 'ignore',
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

for (const point of ['RUN_CREATED', 'RUN_SUBMITTED']) {
  it(`a scheduler process SIGKILLed at ${point} of a tick and restarted creates no duplicate run`, async () => {
    const home = tempHome();
    const t0 = Date.parse('2024-01-01T00:00:30Z') / 1000;
    try {
      expect((await pass(home, t0)).code).toBe(0); // first pass stores the DECLARED_IN_CODE state, no tick due
      const killed = await pass(home, t0 + 3600, point);
      expect(killed.signal).toBe('SIGKILL');
      expect((await pass(home, t0 + 3660)).code).toBe(0);
      const instance = await Instance.fromConfig(home);
      try {
        const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SCHEDULE_NAME]: 'the_schedule' } }));
        expect(runs.map((r) => r.tags[RUN_TAGS.RUN_KEY]).sort()).toEqual(['a', 'b']);
        const [state] = await instance.allInstigatorState();
        const ticks = await instance.getTicks(state!.instigatorOriginId, state!.selectorId);
        expect(ticks).toHaveLength(1);
        expect(ticks[0]!.tickData.status).toBe(TickStatus.SUCCESS);
        expect([...ticks[0]!.tickData.runIds].sort()).toEqual(runs.map((r) => r.runId).sort());
      } finally {
        await instance.dispose();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
}
