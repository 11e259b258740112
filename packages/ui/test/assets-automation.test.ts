/*
 * The assets and automation pages in Debian's Chromium: assets by prefix and group, an asset's materialization
 * history chart, checks and partition grid (one partition in progress: its run is still going); schedules and
 * sensors started and stopped from the page, tick history with a skip reason and an error, backfill progress per
 * partition, daemon health from the heartbeats.
 */
import { writeFileSync } from 'node:fs';
import { AssetKey, InstigatorStatus, InstigatorType, TickData, TickStatus, type DagsterRun, type InstigatorState } from '@inst/types';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startFixture, until, type Fixture } from './support';
import { seedAssets, seedAutomation, type SeededAutomation } from './seed';

describe('assets pages', () => {
  let fixture: Fixture;
  let browser: Browser;
  let release: string;
  let inProgress: DagsterRun;

  beforeAll(async () => {
    [fixture, browser] = await Promise.all([startFixture(), launchBrowser()]);
    ({ release, inProgress } = await seedAssets(fixture));
  });

  afterAll(async () => {
    if (release) writeFileSync(release, '');
    if (inProgress) await fixture.finished(inProgress.runId).catch(() => undefined);
    await browser?.close();
    await fixture?.dispose();
  });

  it('lists assets by key prefix and by group, with the latest materialization', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/assets`);
    const keys = () => page.locator('[data-testid=asset-row] td:first-child').allInnerTexts();
    await until('three assets', async () => (await keys()).length === 3);
    expect(await keys()).toEqual(['finance / costs', 'finance / sales', 'warehouse / orders']);

    await page.fill('[data-testid=prefix-filter]', 'finance');
    await page.press('[data-testid=prefix-filter]', 'Enter');
    await until('the finance assets', async () => (await keys()).join() === 'finance / costs,finance / sales');
    expect(new URL(page.url()).searchParams.get('prefix')).toBe('finance');

    await page.selectOption('[data-testid=group-filter]', 'finance');
    await until('the finance group', async () => (await keys()).join() === 'finance / sales');
    // Its latest materialization: the second p1 run.
    const row = page.locator('[data-testid=asset-row]');
    expect(await row.locator('td:nth-child(5)').innerText()).toBe('p1');
    const latestRun = (await fixture.instance.fetchMaterializations(new AssetKey(['finance', 'sales']), 1)).records[0]!.eventLogEntry.runId;
    expect(await row.locator('td:nth-child(4)').innerText()).toBe(latestRun.slice(0, 8));
    await page.close();
  });

  it('shows the partition grid with an in-progress partition, the history chart and the checks', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/asset?key=finance%2Fsales`);
    const status = (p: string) => page.locator(`[data-testid=partition][data-partition=${p}]`).getAttribute('data-status');
    await page.locator('[data-testid=partition-grid]').waitFor();
    expect(await status('p1')).toBe('MATERIALIZED');
    expect(await status('p2')).toBe('IN_PROGRESS');
    expect(await status('p3')).toBe('FAILED');
    expect(await status('p4')).toBe('MISSING');
    // The run of p2 is still going: that is what makes it in progress.
    expect((await fixture.instance.getRunById(inProgress.runId))!.isFinished).toBe(false);

    // The numeric metadata value over time: one chart of `rows`, drawn (a canvas) from the two materializations.
    const chart = page.locator('[data-testid=metadata-chart][data-label=rows]');
    await chart.locator('canvas').waitFor();
    expect(await chart.getAttribute('data-points')).toBe('10,25');

    // The check ran with each materialization; its latest execution is the one planned by p2's run, still going.
    const check = page.locator('[data-testid=check-row]');
    await check.waitFor();
    expect(await check.locator('td:first-child').innerText()).toBe('positive_rows');
    expect(await check.locator('td:nth-child(2)').innerText()).toBe('PLANNED');
    expect(await check.locator('td:nth-child(4)').innerText()).toBe(inProgress.runId.slice(0, 8));

    // The history, newest first.
    const history = await page.locator('[data-testid=materializations-table] tbody tr td:nth-child(4)').allInnerTexts();
    expect(history.map((m) => m.split(', ')[0])).toEqual(['rows: 25', 'rows: 10']);
    await page.close();
  });
});

describe('automation page', () => {
  let fixture: Fixture;
  let browser: Browser;
  let seeded: SeededAutomation;

  beforeAll(async () => {
    [fixture, browser] = await Promise.all([startFixture(), launchBrowser()]);
    seeded = await seedAutomation(fixture.instance, Date.now() / 1000);
  });

  afterAll(async () => {
    await browser?.close();
    await fixture?.dispose();
  });

  const stored = (state: InstigatorState) => fixture.instance.getInstigatorState(state.instigatorOriginId, state.selectorId);

  it('stops and starts a schedule from the page, changing its stored state', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/automation`);
    const card = page.locator('[data-testid=instigator][data-name=daily_sales]');
    await card.locator('[data-testid=next-tick]', { hasText: 'Z' }).waitFor();
    expect(await card.getAttribute('data-status')).toBe('RUNNING');
    await card.locator('[data-testid=toggle-instigator]').click();
    await page.locator('[data-testid=instigator][data-name=daily_sales][data-status=STOPPED]').waitFor();
    expect((await stored(seeded.schedule))!.status).toBe(InstigatorStatus.STOPPED);
    expect(await card.locator('[data-testid=next-tick]').innerText()).toBe('–');
    await card.locator('[data-testid=toggle-instigator]').click();
    await page.locator('[data-testid=instigator][data-name=daily_sales][data-status=RUNNING]').waitFor();
    expect((await stored(seeded.schedule))!.status).toBe(InstigatorStatus.RUNNING);
    await page.close();
  });

  it('shows tick history with runs, a skip reason and an error', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/automation`);
    const ticks = (name: string) => page.locator(`[data-testid=instigator][data-name=${name}] [data-testid=tick]`);
    await ticks('daily_sales').first().waitFor();
    const scheduleTicks = await ticks('daily_sales').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-status'), r.querySelector('td:nth-child(4)')?.textContent]));
    expect(scheduleTicks).toEqual([
      ['SKIPPED', 'No run requested: the previous run is still going'],
      ['SUCCESS', ''],
    ]);
    expect(await ticks('daily_sales').nth(1).locator('td:nth-child(3)').innerText()).toBe(seeded.tickRun.runId.slice(0, 8));
    const failed = ticks('new_files').first();
    expect(await failed.getAttribute('data-status')).toBe('FAILURE');
    expect(await failed.locator('td:nth-child(4)').innerText()).toContain('SensorError: the bucket is gone');

    // A tick stored while the page is open shows up without a reload.
    const tick = await fixture.instance.createTick(
      new TickData({ instigatorOriginId: seeded.sensor.instigatorOriginId, selectorId: seeded.sensor.selectorId, instigatorName: 'new_files', instigatorType: InstigatorType.SENSOR, status: TickStatus.STARTED, timestamp: Date.now() / 1000 }),
    );
    await fixture.instance.updateTick(tick.withStatus(TickStatus.SKIPPED, { skipReason: 'no new files' }));
    await page.locator('[data-testid=instigator][data-name=new_files] [data-testid=tick][data-status=SKIPPED]', { hasText: 'no new files' }).waitFor();
    await page.close();
  });

  it('shows backfill progress per partition and daemon health from the heartbeats', async () => {
    const { page } = await openPage(browser, `${fixture.ui.url}/automation`);
    const backfill = page.locator('[data-testid=backfill][data-backfill-id=bf-sales]');
    await backfill.waitFor();
    expect(await backfill.locator('[data-testid=backfill-progress]').innerText()).toBe('1 of 4 partitions succeeded, 1 failed, 1 in progress, 1 not started');
    expect(await backfill.locator('[data-testid=backfill-partition]').evaluateAll((cells) => cells.map((c) => `${c.textContent}:${c.getAttribute('data-status')}`))).toEqual([
      'p1:SUCCESS',
      'p2:FAILURE',
      'p3:STARTED',
      'p4:PENDING',
    ]);

    const health = await page.locator('[data-testid=daemon]').evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.querySelector('td')?.textContent, r.getAttribute('data-healthy')])));
    expect(health[seeded.staleDaemon]).toBe('false');
    for (const type of seeded.healthyDaemons) expect(health[type]).toBe('true');
    await page.close();
  });
});
