#!/usr/bin/env node
/**
 * `inst-daemon-host`: runs the daemon host for the instance in `--home` (default `INST_HOME` / `DAGSTER_HOME`) until
 * SIGTERM or SIGINT. `inst daemon run` does the same through {@link runDaemonHost}.
 */
import { parseArgs } from 'node:util';
import { Instance } from '@inst/core';
import { runDaemonHost } from './host';
import './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      'lease-retry': { type: 'string' },
      wait: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const instance = values.home ? await Instance.fromConfig(values.home) : await Instance.get();
  const { createJsonLogger } = await import('./logger');
  const log = createJsonLogger({ level: values['log-level'] as 'debug' | 'info' | 'warn' | 'error' });
  try {
    await runDaemonHost({
      instance,
      log,
      waitForOtherHost: values.wait,
      ...(values['heartbeat-interval'] ? { heartbeatIntervalSeconds: Number(values['heartbeat-interval']) } : {}),
      ...(values['lease-retry'] ? { leaseRetrySeconds: Number(values['lease-retry']) } : {}),
      onReady: (info) => process.stdout.write(`${JSON.stringify({ ready: true, ...info })}\n`),
    });
  } finally {
    await instance.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
