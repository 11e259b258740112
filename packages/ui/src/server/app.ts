/* The UI's Hono app: the JSON API over an instance, the event streams, and the prebuilt page. */
import type { Workspace } from '@inst/code-location';
import type { Instance } from '@inst/core';
import { InstError } from '@inst/errors';
import { Hono } from 'hono';
import { UiActionError } from './actions';
import { mountAssets } from './assets';
import { mountAutomation } from './automation';
import { UiRequestError } from './http';
import { mountRuns } from './runs';
import { hostGuard, mutationGuard, securityHeaders } from './security';
import { clientAssets } from './static';

export interface UiAppOptions {
  /** The token mutating requests must carry. */
  readonly token: string;
  /** The host the server is bound to (a loopback host also refuses requests for other host names). */
  readonly host: string;
  /** Code locations, for asset groups and partition keys (without: what the event log knows). */
  readonly workspace?: Workspace;
  /** The clock (epoch seconds) next ticks are computed from; default the wall clock. */
  readonly now?: () => number;
}

/** The HTTP status of an InstError: an unknown run is a 404, a bad cursor or filter a 400, anything else a 500. */
function statusOf(code: string): 400 | 404 | 500 {
  if (code === 'RUN_NOT_FOUND') return 404;
  return code === 'INVALID_CURSOR' || code === 'INVALID_FILTER' || code === 'INVALID_ARGUMENT' ? 400 : 500;
}

export function createUiApp(instance: Instance, options: UiAppOptions): Hono {
  const app = new Hono();
  app.use('*', securityHeaders, hostGuard(options.host), mutationGuard(options.token));
  app.onError((error, c) => {
    if (error instanceof UiActionError) return c.json({ error: { code: error.reason, message: error.message } }, error.httpStatus);
    if (error instanceof UiRequestError) return c.json({ error: { code: error.code, message: error.message } }, 400);
    if (InstError.isInstance(error)) return c.json({ error: { code: error.code, message: error.message } }, statusOf(error.code));
    return c.json({ error: { code: 'ERROR', message: error instanceof Error ? error.message : String(error) } }, 500);
  });
  mountRuns(app, instance);
  mountAssets(app, instance, options.workspace);
  mountAutomation(app, instance, options.now ?? (() => Date.now() / 1000));
  app.all('/api/*', (c) => c.json({ error: { code: 'NOT_FOUND', message: `no API route ${c.req.method} ${c.req.path}` } }, 404));

  const assets = clientAssets();
  app.get('/assets/:file', (c) => {
    const asset = assets.files.get(c.req.param('file'));
    if (!asset) return c.text('not found', 404);
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'no-cache' });
  });
  // A run's page for a run that does not exist is a 404 (the shell still loads and says so).
  app.get('/runs/:runId', async (c) => c.html(assets.page(options.token), (await instance.getRunRecordById(c.req.param('runId'))) ? 200 : 404));
  // Every other path is a page of the app (client-side routing): the shell, with the token in a meta tag.
  app.get('*', (c) => c.html(assets.page(options.token)));
  return app;
}
