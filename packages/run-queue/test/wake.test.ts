import { afterEach, describe, expect, it } from 'vitest';
import { QueueWaker, runQueueIteration } from '../src/index';
import { BACKENDS, runChild, submitRun, testHome, type TestHome } from './support';

describe.each(BACKENDS)('queue wake-up on %s', (backend) => {
  let home: TestHome | undefined;
  let waker: QueueWaker | undefined;
  afterEach(async () => {
    await waker?.close();
    await home?.dispose();
    home = undefined;
  });

  it('wakes on an enqueue in this process and in another process, well before the interval', { timeout: 120_000 }, async () => {
    home = await testHome(backend, { run_queue: { dequeue_interval_seconds: 5 } });
    const { instance } = home;
    waker = new QueueWaker(instance);
    // Nothing happening: the wait runs out (false).
    expect(await waker.wait(200)).toBe(false);

    // In this process: the coordinator tells the waker.
    const waiting = waker.wait(60_000);
    const local = await submitRun(instance);
    expect(await waiting).toBe(true);
    expect((await runQueueIteration(instance)).launched).toEqual([local.runId]);

    // Another process submits: seen through the event log (LISTEN on Postgres, a poll on SQLite). The wait's
    // bound is far above the dequeue interval: only a missed wake-up lets it run out.
    const remoteWait = waker.wait(60_000);
    const child = await runChild('submit-child.ts', [home.home]).done;
    expect(child.code, child.stderr).toBe(0);
    expect(await remoteWait).toBe(true);
    expect((await runQueueIteration(instance)).launched).toEqual([child.stdout.trim()]);
  });
});
