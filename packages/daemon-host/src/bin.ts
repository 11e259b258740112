#!/usr/bin/env node
/**
 * `inst-daemon-host`: runs the daemon host for the instance in `--home` (default `INST_HOME` / `DAGSTER_HOME`) until
 * SIGTERM or SIGINT, over the code locations of `-w workspace.yaml` or `-f file` / `-m module` (Dagster's flag names). `inst daemon run` does the same through {@link runDaemonHost}.
 */
import { parseArgs } from 'node:util';
import { loadWorkspace } from '@inst/code-location';
import { Instance } from '@inst/core';
import { runDaemonHost } from './host';
import { reloadableWorkspace } from './workspace-reload';
import './index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      'lease-retry': { type: 'string' },
      wait: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      workspace: { type: 'string', short: 'w' },
      'python-file': { type: 'string', short: 'f', multiple: true },
      'module-name': { type: 'string', short: 'm', multiple: true },
      'working-directory': { type: 'string', short: 'd' },
    },
  });
  const instance = values.home ? await Instance.fromConfig(values.home) : await Instance.get();
  const { createJsonLogger } = await import('./logger');
  const log = createJsonLogger({ level: values['log-level'] as 'debug' | 'info' | 'warn' | 'error' });
  const hasWorkspace = values.workspace || values['python-file']?.length || values['module-name']?.length;
  // Reloaded every 60 s by the host (Dagster's workspace reload), so changed user code is picked up.
  const workspace = hasWorkspace
    ? await reloadableWorkspace(() => loadWorkspace({
        ...(values.workspace ? { workspaceFile: values.workspace } : {}),
        ...(values['python-file']?.length ? { file: values['python-file'] } : {}),
        ...(values['module-name']?.length ? { module: values['module-name'] } : {}),
        ...(values['working-directory'] ? { workingDirectory: values['working-directory'] } : {}),
      }))
    : null;
  try {
    await runDaemonHost({
      instance,
      workspace,
      log,
      waitForOtherHost: values.wait,
      ...(values['heartbeat-interval'] ? { heartbeatIntervalSeconds: Number(values['heartbeat-interval']) } : {}),
      ...(values['lease-retry'] ? { leaseRetrySeconds: Number(values['lease-retry']) } : {}),
      onReady: (info) => process.stdout.write(`${JSON.stringify({ ready: true, ...info })}\n`),
    });
  } finally {
    await workspace?.dispose?.();
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
