import { DagsterRun, DagsterRunStatus } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { DefaultRunCoordinator } from './default-run-coordinator';
import { formatDuration } from './format';
import { InProcessRunLauncher } from './in-process-run-launcher';
import { defineJob } from './job';

describe('defineJob', () => {
  it('keeps the steps in order, with their deps', () => {
    const job = defineJob('etl', [{ key: 'a', fn: () => 1 }, { key: 'b', deps: ['a'], fn: () => 2 }]);
    expect(job.name).toBe('etl');
    expect(job.steps.map((step) => [step.key, step.deps])).toEqual([
      ['a', []],
      ['b', ['a']],
    ]);
    expect(Object.isFrozen(job)).toBe(true);
  });

  it('rejects a bad name, duplicate keys, missing functions and deps on later or unknown steps', () => {
    expect(() => defineJob('', [])).toThrow(/non-empty name/);
    expect(() => defineJob('etl', [{ key: 'a', fn: () => 1 }, { key: 'a', fn: () => 2 }])).toThrow('Job etl: step key a is used twice');
    expect(() => defineJob('etl', [{ key: 'b', deps: ['a'], fn: () => 1 }, { key: 'a', fn: () => 2 }])).toThrow(
      'Job etl: step b depends on a, which is not an earlier step',
    );
    expect(() => defineJob('etl', [{ key: '', fn: () => 1 }])).toThrow(/non-empty key/);
    expect(() => defineJob('etl', [{ key: 'a' } as never])).toThrow('Job etl: step a has no fn');
    try {
      defineJob('etl', [{ key: 'a', fn: () => 1 }, { key: 'a', fn: () => 2 }]);
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', ids: { jobName: 'etl', stepKey: 'a' } });
    }
  });
});

describe('formatDuration', () => {
  it("matches Dagster's format_duration", () => {
    const pairs: [number, string][] = [
      [0.0, '0.0ms'],
      [0.84123, '0.84ms'],
      [5.67822, '5.68ms'],
      [10.123, '10ms'],
      [533.12123, '533ms'],
      [4567.123123, '4.57s'],
      [320000.1232, '5m20s'],
      [3910056.123, '1h5m'],
      [9022312.1233, '2h30m'],
    ];
    for (const [ms, text] of pairs) expect(formatDuration(ms)).toBe(text);
  });
});

describe('DefaultRunCoordinator', () => {
  it('launches through the instance and returns the reloaded run', async () => {
    const stored = new Map<string, DagsterRun>();
    const launched: unknown[] = [];
    const launcher = new InProcessRunLauncher();
    const coordinator = new DefaultRunCoordinator({
      instance: {
        runLauncher: launcher,
        getRunById: async (runId) => stored.get(runId),
        launchRun: async (runId, workspace) => {
          launched.push([runId, workspace]);
          const run = (stored.get(runId) as DagsterRun).withStatus(DagsterRunStatus.STARTED);
          stored.set(runId, run);
          return run;
        },
      },
    });
    const run = new DagsterRun({ runId: 'r1', jobName: 'etl' });
    stored.set('r1', run);

    const result = await coordinator.submitRun({ dagsterRun: run, workspace: 'ws' });

    expect(launched).toEqual([['r1', 'ws']]);
    expect(result.status).toBe(DagsterRunStatus.STARTED);
    await expect(coordinator.submitRun({ dagsterRun: result })).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
    expect(await coordinator.cancelRun('r1')).toBe(false);
  });

  it('needs an instance, and only one', async () => {
    const coordinator = new DefaultRunCoordinator();
    await expect(coordinator.cancelRun('r1')).rejects.toThrow(/no instance/);
    const instance = { runLauncher: new InProcessRunLauncher(), getRunById: async () => undefined, launchRun: async () => new DagsterRun({ runId: 'x', jobName: 'y' }) };
    coordinator.registerInstance(instance);
    coordinator.registerInstance(instance);
    expect(() => coordinator.registerInstance({ ...instance })).toThrow(/already registered/);
  });
});
