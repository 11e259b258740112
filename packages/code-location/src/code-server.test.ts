import { fileURLToPath } from 'node:url';
import { JobSnapshot } from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildProcessCodeLocation } from './child-process-code-location';
import { CodeLocationLoadError, UserCodeProcessError, UserCodeUnreachableError } from './errors';

const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const open: ChildProcessCodeLocation[] = [];
function location(dir: string, name = dir): ChildProcessCodeLocation {
  const loc = new ChildProcessCodeLocation({ locationName: name, file: `${fixtures}${dir}/defs.ts`, workingDirectory: `${fixtures}${dir}` }, { output: 'ignore' });
  open.push(loc);
  return loc;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((loc) => loc.dispose()));
});

describe('code server process', () => {
  it('loads a TS module with no build step in its own process and answers with its snapshot', async () => {
    const loc = location('basic');
    const snapshot = await loc.snapshot();
    expect(loc.pid).not.toBeNull();
    expect(loc.pid).not.toBe(process.pid);
    expect(snapshot.locationName).toBe('basic');
    expect(snapshot.repositoryName).toBe('__repository__');
    expect(snapshot.jobs.map((j) => j.name).sort()).toEqual(['__ASSET_JOB', 'by_region', 'etl']);
    const etl = snapshot.jobs.find((j) => j.name === 'etl')!;
    // Records cross the IPC channel as their classes (serdes), ids intact.
    expect(etl.jobSnapshot).toBeInstanceOf(JobSnapshot);
    expect(etl.jobSnapshot.name).toBe('etl');
    expect(snapshot.schedules).toEqual([{ name: 'etl_hourly', jobName: 'etl', cronSchedule: '0 * * * *', executionTimezone: 'UTC', defaultStatus: 'STOPPED' }]);
    expect(snapshot.sensors).toEqual([{ name: 'new_files', jobNames: ['etl'], minIntervalSeconds: 60, defaultStatus: 'STOPPED', sensorType: 'STANDARD' }]);
    expect(snapshot.assetNodes.map((a) => a.assetKey)).toEqual([['regions']]);
    expect(await loc.partitionKeys('by_region')).toEqual(['eu', 'us', 'apac']);
    const plan = await loc.executionPlan('etl', { stepKeysToExecute: ['total'] });
    expect(plan.stepKeysToExecute).toEqual(['total']);
    expect(plan.steps.map((s) => s.key).sort()).toEqual(['extract', 'total']);
  });

  it("loads the location's .env into the code server, where schedules read it", async () => {
    const loc = location('basic');
    expect(await loc.loadedEnvVars()).toEqual(['CODELOC_FIXTURE_SECRET', 'CODELOC_FIXTURE_OTHER', 'CODELOC_FIXTURE_REF']);
    expect(process.env.CODELOC_FIXTURE_SECRET).toBeUndefined();
    const evaluation = await loc.evaluateSchedule('etl_hourly', { scheduledExecutionTime: 1_700_000_000 });
    expect(evaluation.error ?? null).toBeNull();
    expect(evaluation.runRequests).toHaveLength(1);
    expect(evaluation.runRequests[0]!.tags).toEqual({ secret: 's3cret value', tick: '1700000000' });
  });

  it('evaluates a sensor in the code server from a cursor', async () => {
    const loc = location('basic');
    const first = await loc.evaluateSensor('new_files', { cursor: null, lastTickCompletionTime: null, lastRunKey: null, lastSensorStartTime: null });
    expect(first.cursor).toBe('1');
    expect(first.runRequests.map((r) => r.runKey)).toEqual(['file-1']);
    expect(first.runRequests[0]!.tags!.pid).toBe(String(loc.pid));
    const second = await loc.evaluateSensor('new_files', { cursor: first.cursor!, lastTickCompletionTime: 10, lastRunKey: 'file-1', lastSensorStartTime: 5 });
    expect(second.runRequests.map((r) => r.runKey)).toEqual(['file-2']);
  });

  it('reports errors of requests as UserCodeProcessError with the code server stack', async () => {
    const loc = location('basic');
    const error = await loc.executionPlan('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserCodeProcessError);
    expect((error as UserCodeProcessError).userCodeError.message).toMatch(/No job named nope/);
  });

  it('reports a module that throws at import with its own stack', async () => {
    const loc = location('broken');
    const error = await loc.snapshot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeLocationLoadError);
    const load = error as CodeLocationLoadError;
    expect(load.code).toBe('CODE_LOCATION_LOAD_ERROR');
    expect(load.userCodeError.message).toContain('cannot reach the warehouse');
    expect(load.userCodeError.stack.join('')).toMatch(/broken[\\/]defs\.ts:3/);
    expect(load.stack).toMatch(/broken[\\/]defs\.ts:3/);
  });

  it('detects a dead code server and restarts it on the next request', async () => {
    const loc = location('basic');
    await loc.snapshot();
    const first = loc.pid!;
    process.kill(first, 'SIGKILL');
    // A request racing the death rejects typed; the next one starts a new server.
    const outcome = await loc.snapshot().then(
      () => 'answered',
      (e: unknown) => e,
    );
    if (outcome !== 'answered') expect(outcome).toBeInstanceOf(UserCodeUnreachableError);
    await loc.snapshot();
    expect(loc.pid).not.toBe(first);
    expect(loc.serverStarts).toBeGreaterThanOrEqual(2);
  });
});
