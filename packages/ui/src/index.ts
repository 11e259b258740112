/**
 * `@inst/ui`: the inst web UI, served over an instance by `inst ui` — runs with their live event logs, step Gantt
 * and captured logs, assets with materialization history and partition status, schedules, sensors, backfills and
 * daemon health. {@link startUiServer} serves it; {@link createUiApp} is the Hono app, for embedding.
 *
 * @packageDocumentation
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Workspace } from '@inst/code-location';
import type { Instance } from '@inst/core';
import { createUiApp } from './server/app';
import { newToken } from './server/security';

export { createUiApp, type UiAppOptions } from './server/app';
export { cancelRun, reexecuteRun, UiActionError } from './server/actions';
export { UiRequestError } from './server/http';
export { TOKEN_HEADER } from './server/security';

export interface UiServerOptions {
  /** The instance the UI shows (and acts on). */
  readonly instance: Instance;
  /** Default 127.0.0.1: only this machine reaches the UI. */
  readonly host?: string;
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** The token mutating requests need (default: a fresh random one per process). */
  readonly token?: string;
  /** Code locations the UI reads asset groups and partition keys from (it never runs their code in its process). */
  readonly workspace?: Workspace;
}

export interface UiServer extends AsyncDisposable {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Stops accepting connections and ends the open event streams. */
  close(): Promise<void>;
}

/** Serves the UI over `instance`; resolves once it listens. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const app = createUiApp(options.instance, { token, host, ...(options.workspace ? { workspace: options.workspace } : {}) });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 3000 }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => resolve());
    });
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, token, close, [Symbol.asyncDispose]: close };
}
