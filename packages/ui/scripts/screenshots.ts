/*
 * Takes the README's screenshots (docs/*.png, 1280x800) in Debian's Chromium against a seeded temporary home: runs
 * that executed in worker processes (one with a retried and a failed step), assets with partitions and a check,
 * schedules, sensors, a backfill and daemon heartbeats. Run: `pnpm --filter @inst/ui screenshots`.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DagsterRunStatus } from '@inst/types';
import { seedAssets, seedAutomation } from '../test/seed';
import { launchBrowser, startFixture, until } from '../test/support';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };

const fixture = await startFixture();
const browser = await launchBrowser();
const assets = await seedAssets(fixture);
try {
  const { instance } = fixture;
  await instance.createRun({ jobName: 'etl', tags: { team: 'data', env: 'prod' }, status: DagsterRunStatus.SUCCESS });
  await instance.createRun({ jobName: 'report', tags: { team: 'ml' }, status: DagsterRunStatus.CANCELED });
  const flaky = await fixture.finished((await fixture.launch('flaky_job', { tags: { kind: 'flaky' } })).runId);
  await seedAutomation(instance, Date.now() / 1000);

  mkdirSync(DOCS, { recursive: true });
  const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const shots: [name: string, path: string, ready: string][] = [
    ['runs', '/', '[data-testid=live].on'],
    ['run', `/runs/${flaky.runId}`, '[data-testid=gantt-step][data-step-key=broken][data-status=failure]'],
    ['assets', '/assets', '[data-testid=asset-row]'],
    ['asset', '/asset?key=finance%2Fsales', '[data-testid=metadata-chart] canvas'],
    ['automation', '/automation', '[data-testid=backfill]'],
  ];
  for (const [name, path, ready] of shots) {
    await page.goto(`${fixture.ui.url}${path}`);
    await page.locator(ready).first().waitFor();
    if (name === 'run') await until('the captured logs', async () => (await page.locator('[data-testid=stdout]').innerText()).length > 0);
    const file = `${DOCS}${name}.png`;
    writeFileSync(file, await page.screenshot({ type: 'png' }));
    console.log(`${file}: ${Math.round(statSync(file).size / 1024)} KB`);
  }
} finally {
  writeFileSync(assets.release, '');
  await fixture.finished(assets.inProgress.runId).catch(() => undefined);
  await browser.close();
  await fixture.dispose();
}
