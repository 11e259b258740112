/**
 * Section 5 — memory: reading every event of the large run, through `getRecordsForRun` pages and through
 * `watchRunEvents`, in a fresh child process each, sampling its RSS; the peak growth over the baseline after
 * opening, against the raw driver paging the same rows.
 */
import { Child } from '../child-process';
import type { MemoryMethod } from '../child-protocol';
import type { SectionContext } from '../context';
import { MB } from '../stats';
import { READ_LIMITS } from '../config';

async function inChild(ctx: SectionContext, method: MemoryMethod): Promise<{ mb: number; retainedMb: number; count: number; seconds: number }> {
  const dataset = await ctx.dataset();
  const child = new Child({
    mode: 'memory',
    spec: dataset.handle.spec,
    runId: dataset.bigRunId,
    count: dataset.loaded.bigRunEvents,
    method,
    pageSize: READ_LIMITS.recordsPage,
  });
  try {
    const answer = await child.next();
    if (answer.type !== 'memory') throw new Error(`unexpected child answer ${answer.type}`);
    return { mb: answer.peakGrowthBytes / MB, retainedMb: answer.retainedHeapBytes / MB, count: answer.count, seconds: answer.ms / 1000 };
  } finally {
    await child.close();
  }
}

export async function memorySection(ctx: SectionContext): Promise<void> {
  const dataset = await ctx.dataset();
  await dataset.load({ bigRunEvents: dataset.levelSizes(1).bigRunEvents }, ctx.log);
  const expected = dataset.loaded.bigRunEvents;
  const raw = await inChild(ctx, 'raw-page');
  ctx.log(`  raw paging: ${raw.mb.toFixed(1)} MB, ${raw.count} events, ${raw.seconds.toFixed(1)} s`);
  for (const [method, name] of [
    ['inst-page', `getRecordsForRun pages of ${READ_LIMITS.recordsPage}`],
    ['inst-watch', 'watchRunEvents from the start'],
  ] as const) {
    const inst = await inChild(ctx, method);
    ctx.log(`  ${method}: ${inst.mb.toFixed(1)} MB, ${inst.count} events, ${inst.seconds.toFixed(1)} s`);
    const complete = inst.count === expected;
    ctx.record({
      kind: 'memory',
      section: 'memory',
      backend: ctx.backend.name,
      name: `read a ${expected.toLocaleString('en-US')}-event run: ${name}`,
      instMb: inst.mb,
      rawMb: raw.mb,
      ratio: raw.mb > 0 ? inst.mb / raw.mb : null,
      events: inst.count,
      instSeconds: inst.seconds,
      rawSeconds: raw.seconds,
      rawName: `raw SELECT pages of ${READ_LIMITS.recordsPage} by cursor, JSON.parse`,
      target: { text: 'peak RSS growth < 100 MB (for 1M events)', met: complete && inst.mb < 100 },
      note: `${complete ? '' : `read only ${inst.count} of ${expected} events; `}heap retained after a full GC: ${inst.retainedMb.toFixed(1)} MB (raw ${raw.retainedMb.toFixed(1)} MB)`,
    });
  }
}
