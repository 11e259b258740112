import { expect, it } from 'vitest';
import { CorruptRowError, InvalidArgumentError, InvalidCursorError, InvalidFilterError, InvariantViolationError } from '@inst/errors';
import type {
  EventRecordsFilter} from '@inst/types';
import {
  AssetCheckExecutionRecordStatus,
  AssetCheckKey,
  AssetKey,
  ConcurrencySlotStatus,
  EventLogCursor,
  type EventLogEntry,
} from '@inst/types';
import type { WatchedEvent } from '../event-log-storage';
import type { EventLogSuiteEnv } from './event-log-storage-suite';
import {
  checkEvaluation,
  checkPlanned,
  E,
  engineEvent,
  eventually,
  materialization,
  newRunId,
  pause,
  planned,
  RETURN_ONE,
  runEvent,
  storeAll,
  storeRun,
  synthesizeRun,
} from './event-log-fixtures';

const S = AssetCheckExecutionRecordStatus;

/** Tests of dynamic partitions, concurrency pools, asset checks, watching as a stream, typed errors and atomic writes. */
export function defineMoreTests({ storage, clock, caps, options }: EventLogSuiteEnv): void {
  const itIf = (condition: boolean) => (condition ? it : it.skip);

  // ---------------------------------------------------------------------------- dynamic partitions

  it('test_add_dynamic_partitions: keys keep insertion order; adding is idempotent; [] is a no-op', async () => {
    expect(await storage().getDynamicPartitions('foo')).toEqual([]);
    await storage().addDynamicPartitions('foo', ['foo', 'bar', 'baz']);
    expect(await storage().getDynamicPartitions('foo')).toEqual(['foo', 'bar', 'baz']);
    await storage().addDynamicPartitions('foo', ['foo']);
    expect(await storage().getDynamicPartitions('foo')).toEqual(['foo', 'bar', 'baz']);
    await storage().addDynamicPartitions('foo', ['foo', 'qux']);
    expect(await storage().getDynamicPartitions('foo')).toEqual(['foo', 'bar', 'baz', 'qux']);
    expect(await storage().getDynamicPartitions('baz')).toEqual([]);
    await storage().addDynamicPartitions('foo', []);
    expect(await storage().getDynamicPartitions('foo')).toEqual(['foo', 'bar', 'baz', 'qux']);
  });

  it('test_delete_dynamic_partitions: deleting is idempotent; an unknown definition is a no-op', async () => {
    await storage().addDynamicPartitions('foo', ['foo', 'bar', 'baz']);
    expect(new Set(await storage().getDynamicPartitions('foo'))).toEqual(new Set(['foo', 'bar', 'baz']));
    await storage().deleteDynamicPartition('foo', 'foo');
    expect(new Set(await storage().getDynamicPartitions('foo'))).toEqual(new Set(['bar', 'baz']));
    await storage().deleteDynamicPartition('foo', 'foo');
    expect(new Set(await storage().getDynamicPartitions('foo'))).toEqual(new Set(['bar', 'baz']));
    await storage().deleteDynamicPartition('bar', 'foo');
    expect(await storage().getDynamicPartitions('baz')).toEqual([]);
    expect(new Set(await storage().getDynamicPartitions('foo'))).toEqual(new Set(['bar', 'baz']));
  });

  it('test_has_dynamic_partition: true only for a stored key of that definition', async () => {
    expect(await storage().hasDynamicPartition('foo', 'foo')).toBe(false);
    await storage().addDynamicPartitions('foo', ['foo', 'bar', 'baz']);
    expect(await storage().hasDynamicPartition('foo', 'foo')).toBe(true);
    expect(await storage().hasDynamicPartition('foo', 'qux')).toBe(false);
    expect(await storage().hasDynamicPartition('bar', 'foo')).toBe(false);
  });

  it('getPaginatedDynamicPartitions: pages in both directions with storage-id cursors', async () => {
    await storage().addDynamicPartitions('foo', ['a', 'b', 'c', 'd', 'e']);
    const pages = async (ascending: boolean) => {
      const seen: string[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await storage().getPaginatedDynamicPartitions('foo', 2, ascending, cursor);
        seen.push([...page.results]);
        if (!page.hasMore) break;
        cursor = page.cursor ?? undefined;
      }
      return seen;
    };
    expect(await pages(true)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(await pages(false)).toEqual([['e', 'd'], ['c', 'b'], ['a']]);
    await expect(storage().getPaginatedDynamicPartitions('foo', 2, true, 'not a cursor')).rejects.toBeInstanceOf(InvalidCursorError);
  });

  // ---------------------------------------------------------------------------- concurrency

  const concurrency = () => storage().supportsGlobalConcurrencyLimits;
  const claim = async (key: string, runId: string, stepKey: string, priority = 0) => (await storage().claimConcurrencySlot(key, runId, stepKey, priority)).slotStatus;
  const info = (key: string) => storage().getConcurrencyInfo(key);

  it('test_concurrency: claims up to the limit, blocks beyond, frees a run’s slots to the waiting steps', async (ctx) => {
    if (!concurrency()) ctx.skip();
    const [one, two, three] = [newRunId(), newRunId(), newRunId()];
    expect(await storage().getConcurrencyKeys()).toEqual(new Set());
    await storage().setConcurrencySlots('foo', 3);
    await storage().setConcurrencySlots('bar', 1);
    expect(await storage().getConcurrencyKeys()).toEqual(new Set(['foo', 'bar']));
    for (const key of ['foo', 'bar']) expect(await info(key)).toMatchObject({ pendingStepCount: 0, assignedStepCount: 0 });
    expect(await claim('foo', one, 'step_1')).toBe(ConcurrencySlotStatus.CLAIMED);
    expect(await claim('foo', two, 'step_2')).toBe(ConcurrencySlotStatus.CLAIMED);
    expect(await claim('foo', one, 'step_3')).toBe(ConcurrencySlotStatus.CLAIMED);
    expect(await claim('bar', two, 'step_4')).toBe(ConcurrencySlotStatus.CLAIMED);
    expect(await info('foo')).toMatchObject({ pendingStepCount: 0, assignedStepCount: 3 });
    expect(await info('bar')).toMatchObject({ pendingStepCount: 0, assignedStepCount: 1 });
    expect(await claim('foo', three, 'step_5')).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('bar', three, 'step_6')).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await info('foo')).toMatchObject({ pendingStepCount: 1, assignedStepCount: 3 });
    expect(await info('bar')).toMatchObject({ pendingStepCount: 1, assignedStepCount: 1 });
    await storage().freeConcurrencySlotsForRun(two);
    expect(await info('foo')).toMatchObject({ pendingStepCount: 0, assignedStepCount: 3 });
    expect(await info('bar')).toMatchObject({ pendingStepCount: 0, assignedStepCount: 1 });
    expect(await claim('foo', three, 'step_5')).toBe(ConcurrencySlotStatus.CLAIMED);
    expect(await claim('bar', three, 'step_6')).toBe(ConcurrencySlotStatus.CLAIMED);
    expect(await claim('foo', three, 'step_7')).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', three, 'step_8')).toBe(ConcurrencySlotStatus.BLOCKED);
  });

  it('test_concurrency_priority: freed slots go to the highest priority, then the oldest waiting step', async (ctx) => {
    if (!concurrency()) ctx.skip();
    const runId = newRunId();
    await storage().setConcurrencySlots('foo', 5);
    await storage().setConcurrencySlots('bar', 1);
    for (let i = 1; i <= 5; i++) expect(await claim('foo', runId, `step_${i}`)).toBe(ConcurrencySlotStatus.CLAIMED);
    expect(await claim('foo', runId, 'a', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'b', 2)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'c', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    await storage().freeConcurrencySlotForStep(runId, 'step_1');
    expect(await claim('foo', runId, 'd', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'a', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'c', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'd', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'b', 2)).toBe(ConcurrencySlotStatus.CLAIMED);
    await storage().freeConcurrencySlotForStep(runId, 'step_2');
    expect(await claim('foo', runId, 'c', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'd', 0)).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await claim('foo', runId, 'a', 0)).toBe(ConcurrencySlotStatus.CLAIMED);
    for (const step of ['step_3', 'step_4', 'step_5']) await storage().freeConcurrencySlotForStep(runId, step);
    expect(await claim('foo', runId, 'e')).toBe(ConcurrencySlotStatus.CLAIMED);
  });

  it('test_concurrency_allocate_from_pending: info lists claimed and pending steps; new slots go to waiting steps', async (ctx) => {
    if (!concurrency()) ctx.skip();
    const runId = newRunId();
    await storage().setConcurrencySlots('foo', 1);
    expect(await claim('foo', runId, 'a')).toBe(ConcurrencySlotStatus.CLAIMED);
    for (const step of ['b', 'c', 'd', 'e']) expect(await claim('foo', runId, step)).toBe(ConcurrencySlotStatus.BLOCKED);
    let fooInfo = await info('foo');
    expect(fooInfo.activeSlotCount).toBe(1);
    expect(fooInfo.activeRunIds).toEqual(new Set([runId]));
    expect(fooInfo.claimedSlots.map((s) => s.stepKey)).toEqual(['a']);
    expect(fooInfo.pendingSteps).toHaveLength(5);
    expect(fooInfo.pendingSteps.filter((s) => s.assignedTimestamp).map((s) => s.stepKey)).toEqual(['a']);
    expect(fooInfo.pendingSteps.every((s) => s.enqueuedTimestamp instanceof Date)).toBe(true);
    const assigned = async (step: string) => (await storage().checkConcurrencyClaim('foo', runId, step)).assignedTimestamp !== null;
    expect([await assigned('a'), await assigned('b'), await assigned('c'), await assigned('d'), await assigned('e')]).toEqual([true, false, false, false, false]);
    await storage().setConcurrencySlots('foo', 2);
    fooInfo = await info('foo');
    expect(fooInfo.activeSlotCount).toBe(1);
    expect(fooInfo.activeRunIds).toEqual(new Set([runId]));
    expect([await assigned('a'), await assigned('b'), await assigned('c'), await assigned('d'), await assigned('e')]).toEqual([true, true, false, false, false]);
    await storage().freeConcurrencySlotForStep(runId, 'b');
    expect([await assigned('a'), await assigned('c'), await assigned('d'), await assigned('e')]).toEqual([true, true, false, false]);
  });

  it('test_invalid_concurrency_limit: limits outside 0..1000 are refused with InvalidArgumentError', async (ctx) => {
    if (!concurrency()) ctx.skip();
    await expect(storage().setConcurrencySlots('foo', -1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(storage().setConcurrencySlots('foo', 1001)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(storage().setConcurrencySlots('foo', 1.5)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await storage().getConcurrencyKeys()).toEqual(new Set());
    await storage().setConcurrencySlots('foo', 1000);
    expect((await info('foo')).slotCount).toBe(1000);
  });

  it('test_slot_downsize: claimed slots above a lowered limit stay until freed', async (ctx) => {
    if (!concurrency()) ctx.skip();
    const runId = newRunId();
    await storage().setConcurrencySlots('foo', 5);
    for (const step of ['a', 'b', 'c']) expect(await claim('foo', runId, step)).toBe(ConcurrencySlotStatus.CLAIMED);
    await storage().setConcurrencySlots('foo', 1);
    for (const step of ['a', 'b', 'c']) expect((await storage().checkConcurrencyClaim('foo', runId, step)).isClaimed).toBe(true);
    const fooInfo = await info('foo');
    expect(fooInfo.slotCount).toBe(1);
    expect(fooInfo.activeSlotCount).toBe(3);
    await storage().freeConcurrencySlotsForRun(runId);
    expect(await info('foo')).toMatchObject({ slotCount: 1, activeSlotCount: 0 });
  });

  it('test_slot_upsize: raising the limit assigns waiting steps', async (ctx) => {
    if (!concurrency()) ctx.skip();
    const runId = newRunId();
    await storage().setConcurrencySlots('foo', 1);
    expect(await claim('foo', runId, 'a')).toBe(ConcurrencySlotStatus.CLAIMED);
    for (const step of ['b', 'c', 'd', 'e']) expect(await claim('foo', runId, step)).toBe(ConcurrencySlotStatus.BLOCKED);
    const check = (step: string) => storage().checkConcurrencyClaim('foo', runId, step);
    expect((await check('a')).isClaimed).toBe(true);
    for (const step of ['b', 'c', 'd', 'e']) expect((await check(step)).isAssigned).toBe(false);
    expect(await info('foo')).toMatchObject({ slotCount: 1, activeSlotCount: 1, pendingStepCount: 4, assignedStepCount: 1 });
    await storage().setConcurrencySlots('foo', 4);
    expect((await check('a')).isClaimed).toBe(true);
    for (const step of ['b', 'c', 'd']) expect((await check(step)).isAssigned).toBe(true);
    expect((await check('e')).isAssigned).toBe(false);
    expect(await info('foo')).toMatchObject({ slotCount: 4, activeSlotCount: 1, pendingStepCount: 1, assignedStepCount: 4 });
  });

  it('test_concurrency_run_ids: runs holding or waiting for slots; freed by freeing and by deleting the run’s events', async (ctx) => {
    if (!concurrency()) ctx.skip();
    const [one, two] = [newRunId(), newRunId()];
    await storage().setConcurrencySlots('foo', 1);
    await storage().claimConcurrencySlot('foo', one, 'a');
    await storage().claimConcurrencySlot('foo', two, 'b');
    await storage().claimConcurrencySlot('foo', one, 'c');
    expect(await storage().getConcurrencyRunIds()).toEqual(new Set([one, two]));
    await storage().freeConcurrencySlotsForRun(one);
    expect(await storage().getConcurrencyRunIds()).toEqual(new Set([two]));
    await storage().deleteEvents(two);
    expect(await storage().getConcurrencyRunIds()).toEqual(new Set());
  });

  // No wall-clock deadline (issue #10: it timed out at 30 s on a loaded machine): each claimer polls
  // until it holds a slot, bounded by a number of tries that only a stuck claim exhausts, and the
  // test's own timeout is a generous overall bound.
  it('test_threaded_concurrency: a hundred concurrent claimers end with every slot free', { timeout: 600_000 }, async (ctx) => {
    if (!concurrency()) ctx.skip();
    const runId = newRunId();
    await storage().setConcurrencySlots('foo', 5);
    let maxHeld = 0;
    let held = 0;
    const occupy = async (stepKey: string) => {
      let status = await storage().claimConcurrencySlot('foo', runId, stepKey);
      for (let tries = 0; status.slotStatus !== ConcurrencySlotStatus.CLAIMED && tries < 100_000; tries++) {
        await pause(5);
        status = await storage().claimConcurrencySlot('foo', runId, stepKey);
      }
      expect(status.slotStatus).toBe(ConcurrencySlotStatus.CLAIMED);
      maxHeld = Math.max(maxHeld, ++held);
      await pause(1);
      held--;
      await storage().freeConcurrencySlotForStep(runId, stepKey);
    };
    await Promise.all(Array.from({ length: 100 }, (_, i) => occupy(String(i))));
    expect(maxHeld).toBeLessThanOrEqual(5);
    expect(await info('foo')).toMatchObject({ slotCount: 5, activeSlotCount: 0, pendingStepCount: 0, assignedStepCount: 0 });
  });

  it('test_zero_concurrency: a zero limit lists the key and blocks claims; deleting the limit removes it', async (ctx) => {
    if (!concurrency()) ctx.skip();
    const runId = newRunId();
    expect(await storage().getConcurrencyKeys()).toEqual(new Set());
    await storage().setConcurrencySlots('foo', 0);
    expect(await storage().getConcurrencyKeys()).toEqual(new Set(['foo']));
    expect(await info('foo')).toMatchObject({ slotCount: 0, activeSlotCount: 0, pendingStepCount: 0, assignedStepCount: 0 });
    expect(await claim('foo', runId, 'a')).toBe(ConcurrencySlotStatus.BLOCKED);
    expect(await info('foo')).toMatchObject({ slotCount: 0, activeSlotCount: 0, pendingStepCount: 1, assignedStepCount: 0 });
    await storage().deleteConcurrencyLimit('foo');
    expect(await storage().getConcurrencyKeys()).toEqual(new Set());
  });

  it('test_get_concurrency: an unknown key has no slots and no limit; the limit follows setConcurrencySlots', async (ctx) => {
    if (!concurrency()) ctx.skip();
    expect(await storage().getConcurrencyKeys()).toEqual(new Set());
    expect(await info('foo')).toMatchObject({ slotCount: 0, limit: null });
    await storage().setConcurrencySlots('foo', 0);
    expect(await storage().getConcurrencyKeys()).toEqual(new Set(['foo']));
    expect(await info('foo')).toMatchObject({ slotCount: 0, limit: 0 });
    await storage().setConcurrencySlots('foo', 1);
    expect(await storage().getConcurrencyKeys()).toEqual(new Set(['foo']));
    expect(await info('foo')).toMatchObject({ slotCount: 1, limit: 1 });
  });

  const defaults = caps.canSetConcurrencyDefaults && options.setDefaultPoolLimit !== undefined;
  const setDefault = async (limit: number | null) => options.setDefaultPoolLimit!(storage(), limit);

  itIf(defaults)('test_default_concurrency: a key is initialized from the default pool limit, when there is one', async (ctx) => {
    if (!concurrency()) ctx.skip();
    expect(await storage().initializeConcurrencyLimitToDefault('foo')).toBe(false);
    await setDefault(1);
    expect(await storage().getConcurrencyKeys()).toEqual(new Set());
    expect(await storage().initializeConcurrencyLimitToDefault('foo')).toBe(true);
    expect(await storage().getConcurrencyKeys()).toEqual(new Set(['foo']));
    expect(await info('foo')).toMatchObject({ slotCount: 1, usingDefaultLimit: true });
  });

  itIf(defaults)('test_changing_default_concurrency_key: re-initializing follows the default; no default removes the limit', async (ctx) => {
    if (!concurrency()) ctx.skip();
    expect(await storage().initializeConcurrencyLimitToDefault('foo')).toBe(false);
    await setDefault(1);
    expect(await storage().initializeConcurrencyLimitToDefault('foo')).toBe(true);
    expect((await info('foo')).slotCount).toBe(1);
    await setDefault(2);
    expect(await storage().initializeConcurrencyLimitToDefault('foo')).toBe(true);
    expect((await info('foo')).slotCount).toBe(2);
    await setDefault(null);
    expect(await storage().initializeConcurrencyLimitToDefault('foo')).toBe(false);
    expect((await info('foo')).slotCount).toBe(0);
  });

  it('test_get_pool_limits: each pool with its limit and whether it came from the default', async (ctx) => {
    if (!concurrency()) ctx.skip();
    await storage().setConcurrencySlots('foo', 4);
    let limits = await storage().getPoolLimits();
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({ name: 'foo', limit: 4, fromDefault: false });
    if (!defaults) return;
    await setDefault(1);
    expect(await storage().initializeConcurrencyLimitToDefault('bar')).toBe(true);
    limits = await storage().getPoolLimits();
    expect(limits).toHaveLength(2);
    expect(limits.find((l) => l.name === 'bar')).toMatchObject({ name: 'bar', limit: 1, fromDefault: true });
  });

  // ---------------------------------------------------------------------------- asset checks

  const myAsset = new AssetKey(['my_asset']);
  const checkKey1 = new AssetCheckKey({ assetKey: myAsset, name: 'my_check' });
  const checkKey2 = new AssetCheckKey({ assetKey: myAsset, name: 'my_check_2' });

  it('test_asset_checks: planned executions, their evaluation in the same run, history with status and cursor, latest per key', async () => {
    const [r1, r2, r3] = [newRunId(), newRunId(), newRunId()];
    for (const assetKey of [myAsset, new AssetKey(['my_other_asset'])]) await storage().storeEvent(checkPlanned(clock(), r1, assetKey, 'my_check'));
    let checks = await storage().getAssetCheckExecutionHistory(checkKey1, 10);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ status: S.PLANNED, runId: r1 });
    expect(checks[0]!.event?.dagsterEventType).toBe(E.ASSET_CHECK_EVALUATION_PLANNED);
    expect(await storage().getAssetCheckExecutionHistory(checkKey1, 10, undefined, new Set([S.PLANNED]))).toHaveLength(1);
    expect(await storage().getAssetCheckExecutionHistory(checkKey1, 10, undefined, new Set([S.SUCCEEDED, S.FAILED]))).toHaveLength(0);
    let latest = await storage().getLatestAssetCheckExecutionByKey([checkKey1, checkKey2]);
    expect(latest.size).toBe(1);
    expect(latest.get(checkKey1)).toMatchObject({ status: S.PLANNED, runId: r1 });

    await storage().storeEvent(checkEvaluation(clock(), r1, myAsset, 'my_check', true, { storageId: 42, runId: 'bizbuz' }));
    checks = await storage().getAssetCheckExecutionHistory(checkKey1, 10);
    expect(checks).toHaveLength(1);
    expect(checks[0]!.status).toBe(S.SUCCEEDED);
    expect(checks[0]!.event!.dagsterEvent!.assetCheckEvaluationData.targetMaterializationData!.storageId).toBe(42);
    expect(await storage().getAssetCheckExecutionHistory(checkKey1, 10, undefined, new Set([S.SUCCEEDED]))).toHaveLength(1);
    expect(await storage().getAssetCheckExecutionHistory(checkKey1, 10, undefined, new Set([S.FAILED, S.PLANNED]))).toHaveLength(0);
    latest = await storage().getLatestAssetCheckExecutionByKey([checkKey1, checkKey2]);
    expect(latest.size).toBe(1);
    expect(latest.get(checkKey1)!.status).toBe(S.SUCCEEDED);
    expect(latest.get(checkKey1)!.event!.dagsterEvent!.assetCheckEvaluationData.targetMaterializationData!.storageId).toBe(42);

    await storage().storeEvent(checkPlanned(clock(), r2, myAsset, 'my_check'));
    checks = await storage().getAssetCheckExecutionHistory(checkKey1, 10);
    expect(checks.map((c) => [c.status, c.runId])).toEqual([
      [S.PLANNED, r2],
      [S.SUCCEEDED, r1],
    ]);
    checks = await storage().getAssetCheckExecutionHistory(checkKey1, 1);
    expect(checks.map((c) => c.runId)).toEqual([r2]);
    checks = await storage().getAssetCheckExecutionHistory(checkKey1, 1, checks[0]!.id);
    expect(checks.map((c) => c.runId)).toEqual([r1]);
    latest = await storage().getLatestAssetCheckExecutionByKey([checkKey1, checkKey2]);
    expect(latest.size).toBe(1);
    expect(latest.get(checkKey1)).toMatchObject({ status: S.PLANNED, runId: r2 });

    await storage().storeEvent(checkPlanned(clock(), r3, myAsset, 'my_check_2'));
    latest = await storage().getLatestAssetCheckExecutionByKey([checkKey1, checkKey2]);
    expect(latest.size).toBe(2);
    expect(latest.get(checkKey1)).toMatchObject({ status: S.PLANNED, runId: r2 });
    expect(latest.get(checkKey2)).toMatchObject({ status: S.PLANNED, runId: r3 });
  });

  it('test_duplicate_asset_check_planned_events: an evaluation matching two planned rows is an InvariantViolationError, stored nowhere', async () => {
    const runId = newRunId();
    for (let i = 0; i < 2; i++) await storage().storeEvent(checkPlanned(clock(), runId, myAsset, 'my_check'));
    const evaluation = checkEvaluation(clock(), runId, myAsset, 'my_check', true, { storageId: 42, runId });
    await expect(storage().storeEvent(evaluation)).rejects.toBeInstanceOf(InvariantViolationError);
    await expect(storage().storeEvent(evaluation)).rejects.toThrow(/Updated 2 rows for asset check evaluation/);
    // The failed write left nothing behind: no evaluation row in the run, both executions still planned.
    expect(await storage().getLogsForRun(runId, undefined, E.ASSET_CHECK_EVALUATION)).toEqual([]);
    expect((await storage().getAssetCheckExecutionHistory(checkKey1, 10)).map((c) => c.status)).toEqual([S.PLANNED, S.PLANNED]);
  });

  it('test_asset_check_evaluation_without_planned_event: an evaluation with no planned row inserts one', async () => {
    const runId = newRunId();
    expect((await storage().getAssetCheckSummaryRecords([checkKey1])).get(checkKey1)!.lastCheckExecutionRecord).toBeNull();
    await storage().storeEvent(checkEvaluation(clock(), runId, myAsset, 'my_check', true, { storageId: 42, runId }));
    const record = (await storage().getAssetCheckSummaryRecords([checkKey1])).get(checkKey1)!.lastCheckExecutionRecord;
    expect(record).toMatchObject({ status: S.SUCCEEDED, runId });
    expect(record!.event!.dagsterEventType).toBe(E.ASSET_CHECK_EVALUATION);
  });

  it('test_yield_asset_check_evaluation_from_op: an evaluation yielded by an op (no plan, no target) succeeds', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [
      { name: 'yield_asset_check_evaluation', events: (c, id) => [checkEvaluation(c, id, myAsset, 'my_check', true, null)] },
    ]);
    const record = (await storage().getAssetCheckSummaryRecords([checkKey1])).get(checkKey1)!.lastCheckExecutionRecord;
    expect(record).toMatchObject({ status: S.SUCCEEDED, runId });
    expect(record!.event!.dagsterEventType).toBe(E.ASSET_CHECK_EVALUATION);
  });

  it('test_asset_check_summary_record: latest and latest completed execution of each check', async () => {
    const [r0, r1] = [newRunId(), newRunId()];
    let summaries = await storage().getAssetCheckSummaryRecords([checkKey1, checkKey2]);
    expect(summaries.size).toBe(2);
    for (const record of summaries.values()) expect(record).toMatchObject({ lastCheckExecutionRecord: null, lastRunId: null });
    await storage().storeEvent(checkPlanned(clock(), r0, myAsset, 'my_check'));
    await storage().storeEvent(checkPlanned(clock(), r0, myAsset, 'my_check_2'));
    summaries = await storage().getAssetCheckSummaryRecords([checkKey1, checkKey2]);
    for (const record of summaries.values()) {
      expect(record.lastRunId).toBe(r0);
      expect(record.lastCheckExecutionRecord?.status).toBe(S.PLANNED);
    }
    await storage().storeEvent(checkEvaluation(clock(), r0, myAsset, 'my_check', true, { storageId: 42, runId: r0 }));
    summaries = await storage().getAssetCheckSummaryRecords([checkKey1, checkKey2]);
    const first = summaries.get(checkKey1)!;
    expect(first.lastCheckExecutionRecord).toMatchObject({ status: S.SUCCEEDED, runId: r0 });
    expect(first.lastCompletedCheckExecutionRecord).toEqual(first.lastCheckExecutionRecord);
    expect(first.lastCompletedRunId).toBe(r0);
    expect(summaries.get(checkKey2)!.lastCheckExecutionRecord).toMatchObject({ status: S.PLANNED, runId: r0 });
    await storage().storeEvent(checkEvaluation(clock(), r0, myAsset, 'my_check_2', false, { storageId: 42, runId: r0 }));
    summaries = await storage().getAssetCheckSummaryRecords([checkKey2]);
    expect(summaries.size).toBe(1);
    expect(summaries.get(checkKey2)!.lastCheckExecutionRecord).toMatchObject({ status: S.FAILED, runId: r0 });
    await storage().storeEvent(checkPlanned(clock(), r1, myAsset, 'my_check'));
    summaries = await storage().getAssetCheckSummaryRecords([checkKey1]);
    const updated = summaries.get(checkKey1)!;
    expect(updated.lastCheckExecutionRecord).toMatchObject({ status: S.PLANNED, runId: r1 });
    expect(updated.lastCompletedCheckExecutionRecord).toEqual(first.lastCheckExecutionRecord);
    expect(updated.lastCompletedRunId).toBe(r0);
  });

  it('wipeAsset keeps the asset’s check executions, as Dagster’s wipe_asset does', async () => {
    await storage().storeEvent(checkPlanned(clock(), newRunId(), myAsset, 'my_check'));
    await storage().storeEvent(materialization(clock(), newRunId(), myAsset));
    await storage().wipeAsset(myAsset);
    expect(await storage().getAssetCheckExecutionHistory(checkKey1, 10)).toHaveLength(1);
  });

  it('test_fetch_failed_materializations: empty unless the storage keeps failure records', async () => {
    const runId = newRunId();
    const result = await storage().fetchFailedMaterializations(new AssetKey('asset_1'), 10);
    if (!storage().canStoreAssetFailureEvents) expect(result).toMatchObject({ records: [], hasMore: false });
    expect(await storage().getLogsForRun(runId)).toHaveLength(0);
  });

  // ---------------------------------------------------------------------------- watching as a stream

  itIf(caps.canWatch)('watch(runId, { after, signal }) yields every later event once, in order, and ends on the signal', async () => {
    const runId = newRunId();
    await storage().storeEvent(engineEvent(clock(), runId, 'before'));
    const start = (await storage().getRecordsForRun(runId)).cursor;
    const controller = new AbortController();
    const seen: WatchedEvent[] = [];
    const consuming = (async () => {
      for await (const event of storage().watch(runId, { after: start, signal: controller.signal })) seen.push(event);
    })();
    for (const message of ['1', '2', '3']) await storage().storeEvent(engineEvent(clock(), runId, message));
    await storage().storeEventBatch([materialization(clock(), runId, 'x'), materialization(clock(), runId, 'y')]);
    await eventually(() => seen.length >= 5);
    controller.abort();
    await consuming;
    expect(seen.map((e) => e.record.eventLogEntry.userMessage || e.record.assetKey?.toString())).toEqual(['1', '2', '3', '["x"]', '["y"]']);
    const ids = seen.map((e) => e.record.storageId);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(seen.map((e) => e.cursor)).toEqual(ids.map((id) => EventLogCursor.fromStorageId(id).toString()));
    // Resuming from a yielded cursor continues after it.
    const resumed: WatchedEvent[] = [];
    const again = new AbortController();
    const consumingAgain = (async () => {
      for await (const event of storage().watch(runId, { after: seen[2]!.cursor, signal: again.signal })) resumed.push(event);
    })();
    await eventually(() => resumed.length >= 2);
    again.abort();
    await consumingAgain;
    expect(resumed.map((e) => e.record.storageId)).toEqual(ids.slice(3));
  });

  itIf(caps.canWatch)('the callback watch ends after a run-ending event; dispose ends every watch', async () => {
    const runId = newRunId();
    const received: EventLogEntry[] = [];
    storage().watch(runId, null, (entry) => void received.push(entry));
    const events = synthesizeRun(clock(), runId, RETURN_ONE);
    await storeAll(storage(), events);
    await eventually(() => received.length >= events.length);
    await storage().storeEvent(engineEvent(clock(), runId, 'after the end'));
    await pause(30);
    expect(received).toHaveLength(events.length);
    expect(received[received.length - 1]!.dagsterEventType).toBe(E.RUN_SUCCESS);
  });

  // ---------------------------------------------------------------------------- typed errors

  it('typed errors: bad cursors, filters, limits and event types are refused', async () => {
    const runId = newRunId();
    await storage().storeEvent(engineEvent(clock(), runId, 'x'));
    await expect(storage().getRecordsForRun(runId, 'not a cursor')).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(storage().fetchMaterializations(new AssetKey('a'), 10, 'bad')).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(storage().fetchMaterializations(new AssetKey('a'), 10, EventLogCursor.fromOffset(3).toString())).rejects.toBeInstanceOf(InvalidFilterError);
    await expect(storage().getEventRecords({ eventType: E.ASSET_MATERIALIZATION } as unknown as EventRecordsFilter)).rejects.toBeInstanceOf(InvalidFilterError);
    await expect(storage().fetchMaterializations('a' as unknown as AssetKey, 10)).rejects.toBeInstanceOf(InvalidFilterError);
    await expect(storage().fetchMaterializations(new AssetKey('a'), 100_000)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(storage().fetchRunStatusChanges(E.STEP_SUCCESS, 10)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(storage().getLogsForRun(runId, undefined, 'NOT_A_TYPE' as typeof E.STEP_SUCCESS)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(storage().getLogsForAllRunsByLogId(-2)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(storage().storeEvent({ runId } as unknown as EventLogEntry)).rejects.toBeInstanceOf(InvalidArgumentError);
    if (caps.canWatch) expect(() => storage().watch(runId, { after: EventLogCursor.fromOffset(1).toString() })).toThrow(InvalidArgumentError);
  });

  itIf(options.rawSql !== undefined)('a run row that does not hold an EventLogEntry is a CorruptRowError naming the table and id', async () => {
    const runId = newRunId();
    await storage().storeEvent(engineEvent(clock(), runId, 'x'));
    const db = await options.rawSql!.forRun(storage(), runId);
    const [row] = await db.all<{ id: number }>('SELECT id FROM event_logs WHERE run_id = ?', [runId]);
    await db.run('UPDATE event_logs SET event = ? WHERE id = ?', ['{"broken', row!.id]);
    const error = await storage().getLogsForRun(runId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRowError);
    expect(error).toMatchObject({ table: 'event_logs', rowId: Number(row!.id) });
  });

  // ---------------------------------------------------------------------------- nothing half-written

  it('test_transaction: a failing batch leaves no rows behind (events, asset keys, tags, checks)', async () => {
    const runId = newRunId();
    await storage().storeEvent(engineEvent(clock(), runId, 'kept'));
    await storage().storeEvent(checkPlanned(clock(), runId, myAsset, 'my_check'));
    await storage().storeEvent(checkPlanned(clock(), runId, myAsset, 'my_check'));
    const batch = [
      materialization(clock(), runId, 'batched', { partition: 'p', tags: { 'dagster/data_version': 'v1' } }),
      planned(clock(), runId, 'batched_planned'),
      checkEvaluation(clock(), runId, myAsset, 'my_check', true),
    ];
    await expect(storage().storeEventBatch(batch)).rejects.toBeInstanceOf(InvariantViolationError);
    expect((await storage().getLogsForRun(runId)).map((e) => e.dagsterEventType)).toEqual([E.ENGINE_EVENT, E.ASSET_CHECK_EVALUATION_PLANNED, E.ASSET_CHECK_EVALUATION_PLANNED]);
    expect(await storage().allAssetKeys()).toEqual([]);
    expect(await storage().getEventTagsForAsset(new AssetKey('batched'))).toEqual([]);
    expect(await storage().getMaterializedPartitions(new AssetKey('batched'))).toEqual(new Set());
    expect((await storage().getAssetCheckExecutionHistory(checkKey1, 10)).map((c) => c.status)).toEqual([S.PLANNED, S.PLANNED]);
  });

  it('a batch that cannot be serialized writes nothing', async () => {
    const runId = newRunId();
    class Unregistered {}
    const batch = [materialization(clock(), runId, 'ok'), planned(clock(), runId, 'bad', { partitionsSubset: new Unregistered() })];
    await expect(storage().storeEventBatch(batch)).rejects.toThrow();
    expect(await storage().getLogsForRun(runId)).toEqual([]);
    expect(await storage().allAssetKeys()).toEqual([]);
  });

  it('a batch spanning runs stores each event in its run, in one write', async () => {
    const [one, two] = [newRunId(), newRunId()];
    await storage().storeEventBatch([
      materialization(clock(), one, 'a', { partition: '1' }),
      runEvent(clock(), two, E.RUN_SUCCESS),
      materialization(clock(), two, 'a', { partition: '2' }),
      engineEvent(clock(), one, 'x'),
    ]);
    expect((await storage().getLogsForRun(one)).map((e) => e.dagsterEventType)).toEqual([E.ASSET_MATERIALIZATION, E.ENGINE_EVENT]);
    expect((await storage().getLogsForRun(two)).map((e) => e.dagsterEventType)).toEqual([E.RUN_SUCCESS, E.ASSET_MATERIALIZATION]);
    expect(await storage().getMaterializedPartitions(new AssetKey('a'))).toEqual(new Set(['1', '2']));
    expect((await storage().fetchRunStatusChanges(E.RUN_SUCCESS, 10)).records.map((r) => r.runId)).toEqual([two]);
    const [record] = await storage().getAssetRecords([new AssetKey('a')]);
    expect(record!.assetEntry.lastRunId).toBe(two);
  });

  it('dispose is safe to call twice', async () => {
    await storage().dispose();
    await storage().dispose();
  });

  it('upgrade and alembicVersion: a fresh storage is at the head revision and upgrading changes nothing', async () => {
    await storage().storeEvent(engineEvent(clock(), newRunId(), 'x'));
    const before = await storage().alembicVersion();
    expect(before?.current).toBe(before?.head);
    await storage().upgrade();
    expect(await storage().alembicVersion()).toEqual(before);
    await storage().reindexAssets({ forceRebuildAll: true });
    expect(await storage().hasSecondaryIndex('asset_key_index_columns')).toBe(true);
  });
}
