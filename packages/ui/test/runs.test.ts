/*
 * The runs pages in Debian's Chromium, against a temporary home whose runs execute in real worker processes:
 * filters, escaping, the live event log (an event stored by another OS process), the Gantt, captured logs,
 * cancel, and the token that mutating requests need.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DagsterRunStatus, RunsFilter, type DagsterRun } from '@inst/types';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_ENTRY, launchBrowser, openPage, runInAnotherProcess, startFixture, until, type Fixture } from './support';

const XSS = '<script>alert(1)</script>';

describe('runs pages', () => {
  let fixture: Fixture;
  let browser: Browser;
  let flaky: DagsterRun;

  beforeAll(async () => {
    [fixture, browser] = await Promise.all([startFixture(), launchBrowser()]);
    const { instance } = fixture;
    // Stored runs for the list: statuses and tags (one tag value is markup).
    await instance.createRun({ jobName: 'etl', tags: { team: 'data' }, status: DagsterRunStatus.SUCCESS });
    await instance.createRun({ jobName: 'etl', tags: { team: 'ml' }, status: DagsterRunStatus.FAILURE });
    await instance.createRun({ jobName: 'report', tags: { team: 'data', note: XSS }, status: DagsterRunStatus.FAILURE });
    // A real run with a retried step and a failed one.
    flaky = await fixture.launch('flaky_job', { tags: { kind: 'flaky' } });
    flaky = await fixture.finished(flaky.runId);
  });

  afterAll(async () => {
    await browser?.close();
    await fixture?.dispose();
  });

  it('filters the run list by status and by tag, in the URL', async () => {
    const { page } = await openPage(browser, fixture.ui.url);
    await page.waitForSelector('[data-testid=run-row]');
    await page.selectOption('[data-testid=status-filter]', 'FAILURE');
    await until('only failed runs listed', async () => {
      const statuses = await page.locator('[data-testid=run-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
      return statuses.length === 3 && statuses.every((s) => s === 'FAILURE');
    });
    expect(new URL(page.url()).searchParams.getAll('status')).toEqual(['FAILURE']);

    await page.fill('[data-testid=tag-filter]', 'team=data');
    await page.press('[data-testid=tag-filter]', 'Enter');
    await until('failed runs tagged team=data', async () => {
      const jobs = await page.locator('[data-testid=run-row] td:nth-child(2)').allInnerTexts();
      return jobs.length === 1 && jobs[0] === 'report';
    });
    expect(new URL(page.url()).searchParams.getAll('tag')).toEqual(['team=data']);

    // The URL alone reproduces the view.
    const again = await openPage(browser, `${fixture.ui.url}/?status=SUCCESS&tag=team%3Ddata`);
    await until('one successful data run', async () => (await again.page.locator('[data-testid=run-row]').count()) === 1);
    expect(await again.page.locator('[data-testid=run-row]').getAttribute('data-status')).toBe('SUCCESS');
    await page.close();
    await again.page.close();
  });

  it(`renders a tag value of ${XSS} as text, and no dialog opens`, async () => {
    const { page, dialogs } = await openPage(browser, `${fixture.ui.url}/?tag=${encodeURIComponent(`note=${XSS}`)}`);
    const tag = page.locator('[data-testid=tag]', { hasText: 'note=' });
    await tag.waitFor();
    expect(await tag.innerText()).toBe(`note=${XSS}`);
    // No script element came from the data: the page's only script is its bundle.
    expect(await page.locator('script').count()).toBe(1);
    const run = await page.locator('[data-testid=run-row]').getAttribute('data-run-id');
    await page.goto(`${fixture.ui.url}/runs/${run}`);
    await page.locator('[data-testid=run-tags]', { hasText: XSS }).waitFor();
    expect(await page.locator('script').count()).toBe(1);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('updates the list as runs are created, without a reload', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/?tag=wave%3D1`);
    await page.locator('[data-testid=live].on').waitFor();
    expect(await page.locator('[data-testid=run-row]').count()).toBe(0);
    const run = await fixture.instance.createRun({ jobName: 'late', tags: { wave: '1' }, status: DagsterRunStatus.NOT_STARTED });
    await page.locator(`[data-testid=run-row][data-run-id="${run.runId}"]`).waitFor();
    await page.close();
  });

  it('shows an event stored by another OS process in the open run page, without a reload', async () => {
    const run = await fixture.instance.createRun({ jobName: 'watched', status: DagsterRunStatus.STARTED });
    const { page } = await openPage(browser, `${fixture.ui.url}/runs/${run.runId}`);
    await page.locator('.live.on').waitFor();
    const marker = `written by process ${Math.random().toString(36).slice(2)}`;
    const out = await runInAnotherProcess(
      [
        `import { Instance } from ${JSON.stringify(CORE_ENTRY)};`,
        `const instance = await Instance.fromConfig(${JSON.stringify(fixture.home)});`,
        `const run = await instance.getRunById(${JSON.stringify(run.runId)});`,
        `await instance.reportEngineEvent(${JSON.stringify(marker)}, run);`,
        'await instance.dispose();',
        'process.stdout.write(String(process.pid));',
      ].join('\n'),
      fixture.home,
    );
    expect(Number(out)).not.toBe(process.pid);
    // The page was not reloaded: the event arrived over its stream.
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await page.locator('[data-testid=event-row]', { hasText: marker }).waitFor();
    expect(navigations).toEqual([]);
    await page.close();
  });

  it('draws the Gantt with a retried step and a failed step, and shows captured output', async () => {
    expect(flaky.status).toBe(DagsterRunStatus.FAILURE);
    const { page } = await openPage(browser, `${fixture.ui.url}/runs/${flaky.runId}`);
    await page.locator('[data-testid=run-status]', { hasText: 'FAILURE' }).waitFor();
    const retried = page.locator('[data-testid=gantt-step][data-step-key=flaky]');
    await until('the flaky step with two attempts', async () => (await retried.getAttribute('data-attempts').catch(() => null)) === '2');
    expect(await retried.locator('[data-testid=gantt-attempt]').evaluateAll((bars) => bars.map((b) => b.getAttribute('data-status')))).toEqual(['retry', 'success']);
    const failed = page.locator('[data-testid=gantt-step][data-step-key=broken]');
    expect(await failed.getAttribute('data-status')).toBe('failure');

    // Filter the log by step and type.
    await page.selectOption('[data-testid=step-filter]', 'broken');
    await page.selectOption('[data-testid=type-filter]', 'STEP_FAILURE');
    await until('one STEP_FAILURE row of broken', async () => (await page.locator('[data-testid=event-row]').count()) === 1);
    expect(await page.locator('[data-testid=event-row]').innerText()).toContain('broken: always fails');
    await page.selectOption('[data-testid=type-filter]', '');
    await page.selectOption('[data-testid=step-filter]', '');
    await page.selectOption('[data-testid=level-filter]', 'ERROR');
    await until('only error rows', async () => {
      const levels = await page.locator('[data-testid=event-row] td:nth-child(2)').allInnerTexts();
      return levels.length > 0 && levels.every((l) => l === 'ERROR' || l === 'CRITICAL');
    });

    // Captured stdout/stderr of each step (each attempt of flaky has its own capture).
    await page.locator('[data-testid=capture]', { hasText: 'broken' }).click();
    await page.locator('[data-testid=stderr]', { hasText: 'broken: about to fail' }).waitFor();
    await page.locator('[data-testid=capture]', { hasText: 'flaky' }).first().click();
    await page.locator('[data-testid=stdout]', { hasText: 'flaky: attempt 1' }).waitFor();
    expect(await page.locator('[data-testid=stderr]').innerText()).toContain('flaky: first attempt fails');
    await page.close();
  });

  it('pages the run list by cursor, the page size and cursor in the URL', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/?job=etl&limit=1`);
    const rows = () => page.locator('[data-testid=run-row]').evaluateAll((r) => r.map((row) => row.getAttribute('data-run-id')));
    const first = await until('the first page of one etl run', async () => ((await rows()).length === 1 ? rows() : null));
    await page.click('[data-testid=next-page]');
    const second = await until('the second page', async () => {
      const ids = await rows();
      return ids.length === 1 && ids[0] !== first[0] ? ids : null;
    });
    expect(new URL(page.url()).searchParams.get('cursor')).toBe(first[0]);
    // Two etl runs: the second page is the last one.
    expect(await page.locator('[data-testid=next-page]').count()).toBe(0);
    const etl = (await fixture.instance.getRuns(new RunsFilter({ jobName: 'etl' }))).map((r) => r.runId);
    expect([...first, ...second]).toEqual(etl);
    await page.click('[data-testid=first-page]');
    await until('back on the first page', async () => (await rows())[0] === first[0]);
    await page.close();
  });

  it('opens a run on its newest events and loads older ones on request', async () => {
    const run = await fixture.instance.createRun({ jobName: 'chatty', status: DagsterRunStatus.STARTED });
    for (let i = 0; i < 25; i++) await fixture.instance.reportEngineEvent(`line ${i}`, run);
    const { page } = await openPage(browser, `${fixture.ui.url}/runs/${run.runId}?tail=10`);
    const messages = () => page.locator('[data-testid=event-row] .message').allInnerTexts();
    await until('the newest 10 events', async () => (await messages()).length === 10);
    expect((await messages())[0]).toBe('line 15');
    await page.click('[data-testid=load-older]');
    await until('10 more', async () => (await messages()).length === 20);
    expect((await messages())[0]).toBe('line 5');
    await page.click('[data-testid=load-older]');
    await until('all 25', async () => (await messages()).length === 25);
    expect(await messages()).toEqual(Array.from({ length: 25 }, (_, i) => `line ${i}`));
    expect(await page.locator('[data-testid=load-older]').count()).toBe(0);
    // New events still stream in after the window.
    await fixture.instance.reportEngineEvent('line 25', run);
    await until('the live event', async () => (await messages()).at(-1) === 'line 25');
    await page.close();
  });

  it('answers an unknown run with 404: the JSON API and the page', async () => {
    for (const path of ['', '/events', '/stream', '/compute-logs/x']) {
      const response = await fetch(`${fixture.ui.url}/api/runs/no-such-run${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code, path).toBe('RUN_NOT_FOUND');
    }
    const page = await browser.newPage();
    const response = await page.goto(`${fixture.ui.url}/runs/no-such-run`);
    expect(response?.status()).toBe(404);
    await page.locator('[data-testid=run-not-found]', { hasText: 'no-such-run' }).waitFor();
    await page.close();
  });

  it('re-executes a failed run from failure from its page: a new run of the failed step', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/runs/${flaky.runId}`);
    await page.click('[data-testid=reexecute-failed]');
    await until('the new run page', () => !page.url().endsWith(flaky.runId) && page.url().includes('/runs/'));
    const childId = new URL(page.url()).pathname.split('/').at(-1)!;
    const child = await fixture.finished(childId);
    expect(child.parentRunId).toBe(flaky.runId);
    expect(child.rootRunId).toBe(flaky.runId);
    expect(child.stepKeysToExecute).toEqual(['broken']);
    expect(child.tags['dagster/is_resume_retry']).toBe('true');
    // The page follows the new run: only broken runs again (and fails again).
    await page.locator('[data-testid=run-status]', { hasText: 'FAILURE' }).waitFor();
    await page.locator('[data-testid=gantt-step][data-step-key=broken]').waitFor();
    expect(await page.locator('[data-testid=gantt-step][data-step-key=flaky]').count()).toBe(0);
    await page.close();
  });

  it('cancels a running run from its page: it ends CANCELED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inst-ui-cancel-'));
    const release = join(dir, 'never');
    const run = await fixture.launch('slow_job', { runConfig: { release } });
    const { page } = await openPage(browser, `${fixture.ui.url}/runs/${run.runId}`);
    await page.locator('[data-testid=event-row]', { hasText: 'waits: started' }).or(page.locator('[data-testid=gantt-attempt][data-status=running]')).first().waitFor();
    await page.click('[data-testid=cancel]');
    await page.locator('[data-testid=run-status]', { hasText: 'CANCELED' }).waitFor();
    expect((await fixture.finished(run.runId)).status).toBe(DagsterRunStatus.CANCELED);
    expect(existsSync(release)).toBe(false);
    await page.close();
  });

  it('refuses a mutating request without the token, or from another site', async () => {
    const run = await fixture.instance.createRun({ jobName: 'guarded', status: DagsterRunStatus.NOT_STARTED });
    const url = `${fixture.ui.url}/api/runs/${run.runId}/cancel`;
    const bare = await fetch(url, { method: 'POST' });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('BAD_TOKEN');
    const wrong = await fetch(url, { method: 'POST', headers: { 'x-inst-ui-token': 'f'.repeat(64) } });
    expect(wrong.status).toBe(403);
    const crossSite = await fetch(url, { method: 'POST', headers: { 'x-inst-ui-token': fixture.ui.token, origin: 'http://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { error: { code: string } }).error.code).toBe('CROSS_SITE');
    // A page of another origin (another port) cannot cancel it either: it has no token, and a form post is cross-site.
    const { page } = await openPage(browser, `${fixture.ui.url}/`);
    const status = await page.evaluate(async (target) => (await fetch(target, { method: 'POST' })).status, url);
    expect(status).toBe(403);
    expect((await fixture.instance.getRunById(run.runId))!.status).toBe(DagsterRunStatus.NOT_STARTED);
    // With the page's token the same request works.
    const ok = await fetch(url, { method: 'POST', headers: { 'x-inst-ui-token': fixture.ui.token } });
    expect(ok.status).toBe(200);
    expect((await fixture.instance.getRunById(run.runId))!.status).toBe(DagsterRunStatus.CANCELED);
    // A request for another host name (DNS rebinding) is refused.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(`${fixture.ui.url}/api/runs`, { headers: { host: `attacker.example:${fixture.ui.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    await page.close();
  });
});
