import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstError } from '@inst/errors';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import { AssetKey, type DagsterRun } from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ARGUMENTS, PARAMETER_NAMES, SYNC_MEMBERS, any } from '../src/arguments';
import { Instance } from '../src/index';
import { ACCEPTED_CASES, BAD_INPUT_CASES, type CaseContext } from './bad-input.cases';

/** Everything a bad call could have written, read back; it must not change across the bad-input table. */
async function snapshotOf(instance: Instance, run: DagsterRun): Promise<unknown> {
  return {
    runs: (await instance.getRunIds()).length,
    log: (await instance.allLogs(run.runId)).map((e) => [e.userMessage, e.dagsterEventType]),
    runless: (await instance.allLogs('')).length,
    tags: (await instance.getRunById(run.runId))?.tags,
    assets: (await instance.allAssetKeys()).map((k) => k.toUserString()),
    partitions: await instance.getDynamicPartitions('corr_def'),
    heartbeats: [...(await instance.getDaemonHeartbeats()).keys()],
    backfills: (await instance.getBackfills()).length,
    states: (await instance.allInstigatorState()).length,
  };
}

const PG = await pgAvailable();

describe.each([['SQLite', false], ...(PG ? [['Postgres', true] as const] : [])] as const)('bad input at the facade boundary (%s)', (_backend, postgres) => {
  let home: string;
  let ctx: CaseContext;
  let before: unknown;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-bad-input-'));
    let overrides: Record<string, unknown> = {};
    if (postgres) {
      const scratch = await createScratchDatabase('inst_corr_bad_input');
      drop = () => scratch.drop();
      overrides = { storage: { postgres: { postgres_url: scratch.url } } };
    }
    const instance = await Instance.localTemp(home, overrides);
    const run = await instance.createRun({ jobName: 'corr_job' });
    await instance.reportEngineEvent('a good event', run);
    ctx = { instance, run };
    before = await snapshotOf(instance, run);
  });

  afterAll(async () => {
    await ctx.instance.dispose();
    await drop?.();
    rmSync(home, { recursive: true, force: true });
  });

  it.each(BAD_INPUT_CASES.map((c) => [c.name, c] as const))('%s → InvalidArgumentError', async (_name, c) => {
    let error: unknown;
    try {
      const result = c.call(ctx);
      // An async generator only runs on the first next().
      if (result && typeof (result as AsyncIterator<unknown>).next === 'function' && !(result instanceof Promise)) await (result as AsyncIterator<unknown>).next();
      await result;
    } catch (caught) {
      error = caught;
    }
    expect(error, 'the call was accepted').toBeDefined();
    expect(InstError.isInstance(error) ? (error as InstError).code : `${(error as Error).name}: ${(error as Error).message}`).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toContain(c.param);
  });

  /*
   * Generated, for every member with a schema: its first parameter given a Symbol (acceptable to no check), and
   * one argument more than it takes. Each is refused naming the member's parameter, by rejecting (or throwing, for
   * the synchronous members), and writes nothing (checked by the test below).
   */
  const STATICS = new Set(['ephemeral', 'localTemp', 'fromConfig', 'fromRef']);
  const generated = Object.entries(MEMBER_ARGUMENTS).flatMap(([member, checks]) => [
    ...(checks.length > 0 && checks[0] !== any
      ? [[`${member}(${PARAMETER_NAMES[member]?.[0] ?? 'argument 1'}) given a Symbol`, member, [Symbol('bad')], `${member}(${PARAMETER_NAMES[member]?.[0] ?? 'argument 1'})`] as const]
      : []),
    [`${member} given ${checks.length + 1} arguments`, member, Array.from({ length: checks.length + 1 }, () => Symbol('extra')), `${member}()`] as const,
  ]);

  it.each(generated)('generated: %s → InvalidArgumentError', async (_name, member, args, param) => {
    const target = (STATICS.has(member) ? Instance : ctx.instance) as unknown as Record<string, (...a: unknown[]) => unknown>;
    let result: unknown;
    let thrown: unknown;
    try {
      result = target[member]!.call(target, ...args);
    } catch (error) {
      thrown = error;
    }
    if (SYNC_MEMBERS.has(member)) {
      expect(thrown, 'a synchronous member throws').toBeDefined();
    } else {
      expect(thrown, 'a Promise-returning member rejects rather than throwing').toBeUndefined();
      thrown = await (result as Promise<unknown>).then(() => undefined, (error: unknown) => error);
    }
    // A runless asset event of the wrong type is Dagster's DagsterInvariantViolationError (checked by the domain).
    if (args.length === 1 && (member === 'reportRunlessAssetEvent' || member === '_reportRunlessAssetEvent')) {
      expect((thrown as InstError).code).toBe('INVARIANT_VIOLATION');
      return;
    }
    expect((thrown as InstError).code).toBe('INVALID_ARGUMENT');
    expect((thrown as Error).message).toContain(param);
  });

  it('the bad calls wrote nothing, and the run log is still readable through every read path', async () => {
    expect(await snapshotOf(ctx.instance, ctx.run)).toEqual(before);
    const { instance, run } = ctx;
    expect((await instance.getRecordsForRun(run.runId)).records.length).toBeGreaterThan(0);
    expect((await instance.logsAfter(run.runId)).length).toBeGreaterThan(0);
    expect(await instance.hasAssetKey(new AssetKey(['corr', 'asset']))).toBe(false);
  });

  it('a Promise-returning member rejects (it does not throw synchronously) on a bad argument', () => {
    let thrown = false;
    let promise: Promise<unknown> | undefined;
    try {
      promise = ctx.instance.getRunById(5 as never);
    } catch {
      thrown = true;
    }
    expect(thrown).toBe(false);
    return expect(promise).rejects.toThrow(/getRunById\(runId\)/);
  });

  it.each(ACCEPTED_CASES.map((c) => [c.name, c] as const))('accepted: %s (stored and read back exactly)', async (_name, c) => {
    const result = await c.call(ctx);
    await c.accepted!.readBack(ctx, result);
  });

  it('new AssetKey(123) is an InvalidArgumentError, not a TypeError', () => {
    expect(() => new AssetKey(123 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new AssetKey(['a', 1] as never)).toThrow(/path\[1\]/);
  });
});
