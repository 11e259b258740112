/**
 * The code server's entry (a child process started by {@link ChildProcessCodeLocation}): loads the location's
 * `.env` into its environment, imports the location's module, and answers requests over the IPC channel. It
 * exits when its parent disconnects.
 */
import { deserializeValue, serializeValue } from '@inst/serdes';
import { SerializableErrorInfo } from '@inst/types';
import { injectEnvVars } from './env-file';
import { definitionsHandlers, isDefinitions, type DefinitionsHandlers } from './handlers';
import { importDefinitions } from './module-loader';
import type { CodeServerMessage, CodeServerRequest } from './protocol';
import type { CodeLocationTarget } from './target';

function send(message: CodeServerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

const target = JSON.parse(process.argv[2] ?? '{}') as CodeLocationTarget;
process.on('disconnect', () => process.exit(0));

let handlers: DefinitionsHandlers | undefined;
try {
  process.chdir(target.workingDirectory);
  const envVars = injectEnvVars(target.workingDirectory);
  const defs = await importDefinitions(target, isDefinitions);
  handlers = definitionsHandlers(defs, target.locationName);
  await send({ kind: 'ready', pid: process.pid, envVars });
} catch (error) {
  await send({ kind: 'loadError', error: serializeValue(SerializableErrorInfo.fromError(error)) });
  process.exit(1);
}

process.on('message', (message: CodeServerRequest) => {
  if (message?.kind !== 'request' || !handlers) return;
  void answer(handlers, message);
});

async function answer(on: DefinitionsHandlers, request: CodeServerRequest): Promise<void> {
  try {
    const args = deserializeValue(request.args) as unknown[];
    const method = on[request.method as keyof DefinitionsHandlers] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof method !== 'function') throw new Error(`Unknown code server method ${request.method}`);
    const result = await method.apply(on, args);
    await send({ kind: 'response', id: request.id, ok: true, result: serializeValue(result ?? null) });
  } catch (error) {
    await send({ kind: 'response', id: request.id, ok: false, error: serializeValue(SerializableErrorInfo.fromError(error)) });
  }
}
