// The README's example, kept runnable.
import { Instance } from '@inst/core';
import { expect, it } from 'vitest';
import { runDaemonHost, type DaemonDefinition } from './index';

async function example() {
  // --- README example start
  const instance = await Instance.localTemp();
  const controller = new AbortController();
  let iterations = 0;
  const counter: DaemonDefinition = {
    daemonType: 'SENSOR', // any Dagster daemon type; the built-ins run when `daemons` is omitted
    intervalSeconds: 0.1,
    async runIteration() {
      iterations++;
      if (iterations === 3) controller.abort(); // stop the host after three iterations
    },
  };
  await runDaemonHost({ instance, daemons: [counter], signal: controller.signal, handleProcessSignals: false, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const statuses = await instance.getDaemonStatuses(['SENSOR']);
  // statuses.get('SENSOR')?.healthy === true: the host wrote Dagster heartbeats
  // --- README example end
  return { instance, statuses, iterations };
}

it('runs the README example', async () => {
  const { instance, statuses, iterations } = await example();
  try {
    expect(iterations).toBe(3);
    expect(statuses.get('SENSOR')?.healthy).toBe(true);
    expect(statuses.get('SENSOR')?.lastHeartbeat?.daemonType).toBe('SENSOR');
  } finally {
    await instance.dispose();
  }
});
