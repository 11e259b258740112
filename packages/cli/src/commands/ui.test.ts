// `inst ui` as installed (bin/inst.js): serves the page and the API on 127.0.0.1, refuses a mutation without the
// page's token, stops on Ctrl-C.
import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { collectResult, makeHome, spawnInst } from '../../test/support';

it('inst ui serves the UI on 127.0.0.1 until Ctrl-C', async () => {
  const home = makeHome('ui');
  const child = spawnInst(['--home', home, 'ui', '--port', '0', '--json'], { bin: true });
  const done = collectResult(child);
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        try {
          resolve(JSON.parse(out) as { url: string });
        } catch {
          // not the whole document yet
        }
      });
      child.on('exit', (code) => reject(new Error(`inst ui exited ${code}: ${err}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await (await fetch(`${url}/runs/x`)).text();
    const token = /name="inst-ui-token" content="([0-9a-f]{64})"/.exec(page)?.[1];
    expect(token).toBeDefined();
    expect(await (await fetch(`${url}/api/runs`)).json()).toEqual({ runs: [], cursor: null });
    expect((await fetch(`${url}/api/runs/nope/cancel`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${url}/api/runs/nope/cancel`, { method: 'POST', headers: { 'x-inst-ui-token': token! } })).status).toBe(404);
  } finally {
    child.kill('SIGINT');
  }
  const result = await done;
  expect(result.stderr).toContain('inst ui: stopped');
  expect(result.code).toBe(0);
  rmSync(home, { recursive: true, force: true });
});
