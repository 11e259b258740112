import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance } from '@inst/core';
import { BulkActionStatus, DagsterRunStatus, RUN_TAGS, RunsFilter, TickStatus } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { tempHome } from './support';

const here = dirname(fileURLToPath(import.meta.url));
const T0 = Date.parse('2024-01-01T00:00:00Z') / 1000;

/** One daemon iteration in a real OS process; `killAt` makes it SIGKILL itself at that crash point. */
function pass(mode: 'sensor' | 'backfill' | 'asset-backfill', home: string, now: number, killAt?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@inst/source', '--import', 'tsx', join(here, 'crash-worker.ts'), mode, home, String(now)], {
      cwd: join(here, '..'),
      env: { ...process.env, ...(killAt ? { KILL_AT: killAt } : {}) },
      stdio: 'ignore',
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function withInstance<T>(home: string, fn: (instance: Instance) => Promise<T>): Promise<T> {
  const instance = await Instance.fromConfig(home);
  try {
    return await fn(instance);
  } finally {
    await instance.dispose();
  }
}

describe('sensor daemon process SIGKILLed mid-tick', () => {
  for (const point of ['TICK_HELD', 'RUN_CREATED', 'RUN_SUBMITTED']) {
    it(`killed at ${point}, restarted: the tick resumes, each run exists once, the cursor continues`, async () => {
      const home = tempHome();
      try {
        expect((await pass('sensor', home, T0, point)).signal).toBe('SIGKILL');
        expect((await pass('sensor', home, T0 + 31)).code).toBe(0); // resumes the interrupted tick
        expect((await pass('sensor', home, T0 + 62)).code).toBe(0); // a new tick: same run keys, cursor moves on
        await withInstance(home, async (instance) => {
          const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.SENSOR_NAME]: 'the_sensor' } }));
          expect(runs.map((r) => r.tags[RUN_TAGS.RUN_KEY]).sort()).toEqual(['a', 'b']);
          const [state] = await instance.allInstigatorState();
          const ticks = await instance.getTicks(state!.instigatorOriginId, state!.selectorId);
          expect(ticks.map((t) => t.tickData.status)).toEqual([TickStatus.SKIPPED, TickStatus.SUCCESS]); // newest first
          expect([...ticks[1]!.tickData.runKeys].sort()).toEqual(['a', 'b']);
          // A run launched before the kill is recorded by its run key only (Dagster's SkippedSensorRun on resume).
          const recorded = new Set(ticks[1]!.tickData.runIds);
          expect(runs.filter((r) => !recorded.has(r.runId)).map((r) => r.tags[RUN_TAGS.RUN_KEY])).toEqual(point === 'RUN_SUBMITTED' ? ['a'] : []);
          expect([...ticks[0]!.tickData.runKeys].sort()).toEqual(['a', 'b']); // deduplicated by run key, not run again
          // Evaluated twice (the resumed tick is not re-evaluated): the cursor went 0 → 1 → 2.
          expect(state && (await instance.getInstigatorState(state.instigatorOriginId, state.selectorId))!.sensorInstigatorData?.cursor).toBe('2');
        });
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }, 120_000);
  }
});

describe('backfill daemon process SIGKILLed mid-backfill', () => {
  for (const killAt of ['RUN_CREATED:40', 'CHUNK_SUBMITTED:2']) {
    it(`killed at ${killAt}, restarted: continues from its stored checkpoint, one run per partition`, async () => {
      const home = tempHome();
      try {
        expect((await pass('backfill', home, T0, killAt)).signal).toBe('SIGKILL');
        const checkpoint = await withInstance(home, async (instance) => {
          const backfill = (await instance.getBackfill('killtest'))!;
          expect(backfill.status).toBe(BulkActionStatus.REQUESTED);
          const runs = await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'killtest' } }));
          expect(runs).toBeGreaterThan(0);
          expect(runs).toBeLessThan(100);
          return backfill.lastSubmittedPartitionName;
        });
        expect(checkpoint).toBe('p024'); // the first chunk's checkpoint was stored; the second was cut off
        expect((await pass('backfill', home, T0 + 30)).code).toBe(0);
        await withInstance(home, async (instance) => {
          const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'killtest' } }));
          const partitions = runs.map((r) => r.tags[RUN_TAGS.PARTITION_NAME]);
          expect(partitions).toHaveLength(100);
          expect(new Set(partitions).size).toBe(100);
          expect((await instance.getBackfill('killtest'))!.lastSubmittedPartitionName).toBe('p099');
        });
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }, 180_000);
  }
});

describe('asset backfill daemon process SIGKILLed mid-chunk', () => {
  it('killed right after creating its second run, restarted: every root partition has one run, all submitted', async () => {
    const home = tempHome();
    try {
      expect((await pass('asset-backfill', home, T0, 'RUN_CREATED:2')).signal).toBe('SIGKILL');
      await withInstance(home, async (instance) => {
        expect(await instance.getRunsCount(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'killtest' } }))).toBe(2);
      });
      expect((await pass('asset-backfill', home, T0 + 30)).code).toBe(0);
      await withInstance(home, async (instance) => {
        const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: 'killtest' } }));
        expect(runs.map((r) => r.tags[RUN_TAGS.PARTITION_NAME]).sort()).toEqual(['apac', 'eu', 'us']);
        expect(runs.every((r) => [...(r.assetSelection ?? [])].map((k) => k.toUserString()).join() === 'upstream')).toBe(true);
        expect(runs.every((r) => r.status === DagsterRunStatus.QUEUED)).toBe(true);
        expect((await instance.getBackfill('killtest'))!.status).toBe(BulkActionStatus.REQUESTED);
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);
});
