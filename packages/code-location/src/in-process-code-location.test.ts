import { Definitions, defineJob, defineOp, defineSchedule } from '@inst/definitions';
import { InProcessCodeLocationOrigin } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { inProcessCodeLocation } from './in-process-code-location';

const hello = defineOp({ name: 'hello' }, () => 'hi');
const job = defineJob({ name: 'hello_job', ops: [hello] });
const defs = new Definitions({ jobs: [job], schedules: [defineSchedule({ name: 'daily_hello', job, cron: '0 0 * * *', tags: () => ({ pid: String(process.pid) }) })] });

describe('inProcessCodeLocation', () => {
  it('answers the CodeLocation interface in this process', async () => {
    const location = inProcessCodeLocation(defs, 'local');
    expect(location.origin).toBeInstanceOf(InProcessCodeLocationOrigin);
    expect(location.origin.locationName).toBe('local');
    const snapshot = await location.snapshot();
    expect(snapshot.jobs.map((j) => j.name)).toEqual(['hello_job']);
    const evaluation = await location.evaluateSchedule('daily_hello', { scheduledExecutionTime: 86_400 });
    expect(evaluation.runRequests[0]!.tags).toEqual({ pid: String(process.pid) });
    await location.dispose();
    await expect(location.snapshot()).rejects.toThrow(/disposed/);
  });

  it('refuses something that is not a Definitions', () => {
    expect(() => inProcessCodeLocation({}, 'x')).toThrow(/needs a Definitions/);
  });
});
