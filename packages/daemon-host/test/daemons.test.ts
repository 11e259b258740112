import type { Instance } from '@inst/core';
import { computeDaemonStatuses } from '@inst/daemon';
import { afterEach, describe, expect, it } from 'vitest';
import { assetDaemon, ExclusiveLeases, runDaemonHost, silentLogger, type DaemonDefinition } from '../src/index';
import { fakeLocation, tempInstance, workspaceOf } from './fixtures';

let instance: Instance | undefined;
afterEach(async () => {
  await instance?.dispose();
  instance = undefined;
});

/** Runs one daemon in a host for `iterations` iterations on a clock that moves a second per reading. */
async function runFor(inst: Instance, daemon: DaemonDefinition, workspace: ReturnType<typeof workspaceOf>, iterations = 2): Promise<void> {
  const controller = new AbortController();
  let done = 0;
  let t = 1_700_000_000;
  const counted: DaemonDefinition = {
    ...daemon,
    intervalSeconds: 0.01,
    async runIteration(ctx) {
      try {
        await daemon.runIteration(ctx);
      } finally {
        if (++done >= iterations) controller.abort();
      }
    },
  };
  await runDaemonHost({
    instance: inst,
    workspace,
    daemons: [counted],
    signal: controller.signal,
    handleProcessSignals: false,
    leases: new ExclusiveLeases(),
    now: () => (t += 1),
    heartbeatIntervalSeconds: 1,
    log: silentLogger,
  });
}

describe('ASSET daemon', () => {
  it('heartbeats with an error naming the running automation sensors it does not evaluate', async () => {
    instance = await tempInstance();
    const location = fakeLocation({
      snapshot: {
        jobs: [{ name: 'the_job' }],
        sensors: [
          { name: 'automation_sensor', sensorType: 'AUTOMATION', defaultStatus: 'RUNNING' },
          { name: 'stopped_amp', sensorType: 'AUTO_MATERIALIZE', defaultStatus: 'STOPPED' },
          { name: 'plain', sensorType: 'STANDARD', jobNames: ['the_job'], defaultStatus: 'RUNNING' },
        ],
      },
    });
    await runFor(instance, assetDaemon(), workspaceOf(location), 3);
    const heartbeat = (await instance.getDaemonHeartbeats()).get('ASSET');
    expect(heartbeat?.errors?.length).toBeGreaterThan(0);
    const message = heartbeat!.errors![0]!.message;
    expect(message).toContain('test_location:automation_sensor');
    expect(message).not.toContain('stopped_amp');
    expect(message).not.toContain('plain');
    // Dagster's all_daemons_healthy counts heartbeat errors (getDaemonStatuses ignores them, as Dagster's does).
    const statuses = computeDaemonStatuses(await instance.getDaemonHeartbeats(), ['ASSET'], ['ASSET'], { ignoreErrors: false, currTimeSeconds: heartbeat!.timestamp });
    expect(statuses.get('ASSET')?.healthy).toBe(false);
  });

  it('heartbeats without errors when no automation sensor is running', async () => {
    instance = await tempInstance();
    const location = fakeLocation({ snapshot: { jobs: [{ name: 'the_job' }], sensors: [{ name: 'plain', sensorType: 'STANDARD', jobNames: ['the_job'] }] } });
    await runFor(instance, assetDaemon(), workspaceOf(location));
    const heartbeat = (await instance.getDaemonHeartbeats()).get('ASSET');
    expect(heartbeat).toBeDefined();
    expect(heartbeat!.errors ?? []).toEqual([]);
  });
});
