import { expect, it } from 'vitest';
import { InvalidFilterError, NotSupportedError } from '@inst/errors';
import { deserializeValue } from '@inst/serdes';
import {
  AssetKey,
  EngineEventData,
  EventLogCursor,
  EventLogEntry,
  EventRecordsFilter,
  ExpectationResult,
  RunShardedEventsCursor,
  RunStatusChangeRecordsFilter,
  StepEventStatus,
  StepExpectationResultData,
  StepFailureData,
  StepMaterializationData,
  StepSuccessData,
  AssetMaterialization,
} from '@inst/types';
import type { EventHandlerFn } from '../event-log-storage';
import type { EventLogSuiteEnv } from './event-log-storage-suite';
import {
  assetOp,
  dagsterEntry,
  E,
  engineEvent,
  eventTypes,
  eventually,
  materialization,
  newRunId,
  pause,
  RETURN_ONE,
  runEvent,
  stepEvent,
  storageIds,
  storeAll,
  storeRun,
  synthesizeRun,
} from './event-log-fixtures';

/** Dagster's `_stats_records`: four steps ending SUCCESS, FAILURE, SKIPPED and SUCCESS. */
function statsRecords(runId: string, now: number): EventLogEntry[] {
  return [
    stepEvent(runId, 'A', now - 325, E.STEP_START),
    stepEvent(runId, 'A', now - 225, E.STEP_SUCCESS, new StepSuccessData({ durationMs: 100000.0 })),
    stepEvent(runId, 'B', now - 225, E.STEP_START),
    stepEvent(runId, 'B', now - 175, E.STEP_FAILURE, new StepFailureData({ error: null, userFailureData: null })),
    stepEvent(runId, 'C', now - 175, E.STEP_START),
    stepEvent(runId, 'C', now - 150, E.STEP_SKIPPED),
    stepEvent(runId, 'D', now - 150, E.STEP_START),
    stepEvent(runId, 'D', now - 125, E.ASSET_MATERIALIZATION, new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: 'mat_1' }) })),
    stepEvent(runId, 'D', now - 100, E.STEP_EXPECTATION_RESULT, new StepExpectationResultData({ expectationResult: new ExpectationResult({ success: true, label: 'exp 1' }) })),
    stepEvent(runId, 'D', now - 75, E.ASSET_MATERIALIZATION, new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: 'mat_2' }) })),
    stepEvent(runId, 'D', now - 50, E.STEP_EXPECTATION_RESULT, new StepExpectationResultData({ expectationResult: new ExpectationResult({ success: false, label: 'exp 2' }) })),
    stepEvent(runId, 'D', now - 25, E.ASSET_MATERIALIZATION, new StepMaterializationData({ materialization: new AssetMaterialization({ assetKey: 'mat_3' }) })),
    stepEvent(runId, 'D', now, E.STEP_SUCCESS, new StepSuccessData({ durationMs: 150000.0 })),
  ];
}

/** An op materializing `["path", "to", "asset_one"]` (Dagster's `materialize_one`). */
const MATERIALIZE_ONE = [
  assetOp('materialize_one', (clock, runId, stepKey) => [
    materialization(clock, runId, new AssetKey(['path', 'to', 'asset_one']), { stepKey, metadata: { text: 'hello', json: { hello: 'world' }, one_float: 1.5, one_int: 1 } }),
  ]),
];

/** Tests of one run's events: storing, paging, stats, watching, cross-run records and ids. */
export function defineRunTests({ storage, clock, caps, options }: EventLogSuiteEnv): void {
  const itIf = (condition: boolean) => (condition ? it : it.skip);

  it('test_init_log_storage: isPersistent tells whether the storage outlives the process', () => {
    expect(storage().isPersistent).toBe(caps.isPersistent);
  });

  it('test_log_storage_run_not_found: an unknown run has no logs', async () => {
    expect(await storage().getLogsForRun(newRunId())).toEqual([]);
  });

  it('test_event_log_storage_store_events_and_wipe: a stored event is read back; wipe removes it', async () => {
    const runId = newRunId();
    expect(await storage().getLogsForRun(runId)).toHaveLength(0);
    await storage().storeEvent(engineEvent(clock(), runId, ''));
    expect(await storage().getLogsForRun(runId)).toHaveLength(1);
    expect((await storage().getStatsForRun(runId)).runId).toBe(runId);
    if (caps.canWipeEventLog) {
      await storage().wipe();
      expect(await storage().getLogsForRun(runId)).toHaveLength(0);
    }
  });

  it('test_event_log_storage_store_with_multiple_runs: each run keeps its own events and stats', async () => {
    const runs = [newRunId(), newRunId(), newRunId()];
    for (const runId of runs) {
      expect(await storage().getLogsForRun(runId)).toHaveLength(0);
      await storage().storeEvent(dagsterEntry(runId, E.STEP_SUCCESS, { timestamp: clock().next(), data: new StepSuccessData({ durationMs: 100.0 }) }));
    }
    for (const runId of runs) {
      expect(await storage().getLogsForRun(runId)).toHaveLength(1);
      expect((await storage().getStatsForRun(runId)).stepsSucceeded).toBe(1);
    }
    if (caps.canWipeEventLog) {
      await storage().wipe();
      for (const runId of runs) expect(await storage().getLogsForRun(runId)).toHaveLength(0);
    }
  });

  itIf(caps.canWatch)('test_event_log_storage_watch: a watch from a cursor sees only later events until endWatch', async () => {
    const runId = newRunId();
    const watched: EventLogEntry[] = [];
    const watcher: EventHandlerFn = (entry) => void watched.push(entry);
    await storage().storeEvent(engineEvent(clock(), runId, '1'));
    expect(await storage().getLogsForRun(runId)).toHaveLength(1);
    const connection = await storage().getRecordsForRun(runId);
    expect(connection.records).toHaveLength(1);
    storage().watch(runId, connection.cursor, watcher);

    for (const message of ['2', '3', '4']) await storage().storeEvent(engineEvent(clock(), runId, message));

    const firstTwo = await storage().getRecordsForRun(runId, undefined, undefined, 2);
    expect(firstTwo.records).toHaveLength(2);
    const lastTwo = await storage().getRecordsForRun(runId, undefined, undefined, 2, false);
    expect(lastTwo.records).toHaveLength(2);
    expect(await storage().getLogsForRun(runId, undefined, undefined, 2, true)).toEqual(firstTwo.records.map((r) => r.eventLogEntry));
    expect(await storage().getLogsForRun(runId, undefined, undefined, 2, false)).toEqual(lastTwo.records.map((r) => r.eventLogEntry));
    expect((await storage().getRecordsForRun(runId, firstTwo.cursor, undefined, 2)).records).toEqual([...lastTwo.records].reverse());
    expect((await storage().getRecordsForRun(runId, lastTwo.cursor, undefined, 2, false)).records).toEqual([...firstTwo.records].reverse());

    await eventually(() => watched.length >= 3);
    expect(watched).toHaveLength(3);
    expect(await storage().getLogsForRun(runId)).toHaveLength(4);

    storage().endWatch(runId, watcher);
    await storage().storeEvent(engineEvent(clock(), runId, '5'));
    await pause(30);
    expect(await storage().getLogsForRun(runId)).toHaveLength(5);
    expect(watched).toHaveLength(3);

    await storage().deleteEvents(runId);
    expect(await storage().getLogsForRun(runId)).toHaveLength(0);
    expect(watched).toHaveLength(3);
    expect(watched.map((entry) => Number(entry.userMessage))).toEqual([2, 3, 4]);
  });

  it('test_event_log_storage_storage_id_pagination: storage-id cursors and of_type page one run, undisturbed by another', async () => {
    const runId = newRunId();
    const otherRunId = newRunId();
    for (const [message, id] of [
      ['A', runId],
      ['0', otherRunId],
      ['B', runId],
      ['1', otherRunId],
      ['C', runId],
      ['2', otherRunId],
      ['D', runId],
    ] as const) {
      await storage().storeEvent(engineEvent(clock(), id, message));
    }
    const messages = (records: readonly { eventLogEntry: EventLogEntry }[]) => records.map((r) => r.eventLogEntry.userMessage);
    expect(messages((await storage().getRecordsForRun(runId, undefined, undefined, undefined, false)).records)).toEqual(['D', 'C', 'B', 'A']);
    const ascending = await storage().getRecordsForRun(runId, undefined, undefined, undefined, true);
    expect(messages(ascending.records)).toEqual(['A', 'B', 'C', 'D']);
    const ids = storageIds(ascending.records);
    expect(ids).toHaveLength(4);
    const cursor = (id: number) => EventLogCursor.fromStorageId(id).toString();
    expect(await storage().getLogsForRun(runId)).toHaveLength(4);
    expect(await storage().getLogsForRun(runId, cursor(ids[0]!))).toHaveLength(3);
    expect(await storage().getLogsForRun(runId, cursor(ids[1]!))).toHaveLength(2);
    expect(await storage().getLogsForRun(runId, cursor(ids[2]!))).toHaveLength(1);
    expect(await storage().getLogsForRun(runId, cursor(ids[3]!))).toHaveLength(0);
    expect(messages((await storage().getRecordsForRun(runId, undefined, E.ENGINE_EVENT, undefined, true)).records)).toEqual(['A', 'B', 'C', 'D']);
    expect(messages((await storage().getRecordsForRun(runId, undefined, E.ENGINE_EVENT, 2, true)).records)).toEqual(['A', 'B']);
    expect(messages((await storage().getRecordsForRun(runId, undefined, E.ENGINE_EVENT, undefined, false)).records)).toEqual(['D', 'C', 'B', 'A']);
    expect(messages((await storage().getRecordsForRun(runId, undefined, E.ENGINE_EVENT, 2, false)).records)).toEqual(['D', 'C']);
  });

  itIf(caps.supportsOffsetCursorQueries)('test_event_log_storage_offset_pagination: a legacy offset n skips n + 1 events; -1 skips none', async () => {
    const runId = newRunId();
    const otherRunId = newRunId();
    for (const [message, id] of [
      ['A', runId],
      ['0', otherRunId],
      ['B', runId],
      ['1', otherRunId],
      ['C', runId],
      ['2', otherRunId],
      ['D', runId],
    ] as const) {
      await storage().storeEvent(engineEvent(clock(), id, message));
    }
    expect(await storage().getLogsForRun(runId)).toHaveLength(4);
    expect(await storage().getLogsForRun(runId, -1)).toHaveLength(4);
    expect(await storage().getLogsForRun(runId, 0)).toHaveLength(3);
    expect(await storage().getLogsForRun(runId, 1)).toHaveLength(2);
    expect((await storage().getLogsForRun(runId, 2)).map((e) => e.userMessage)).toEqual(['D']);
    expect(await storage().getLogsForRun(runId, 3)).toHaveLength(0);
  });

  it('test_event_log_delete: deleteEvents removes the run’s events', async () => {
    const runId = newRunId();
    await storage().storeEvent(engineEvent(clock(), runId, '0'));
    expect(await storage().getLogsForRun(runId)).toHaveLength(1);
    await storage().deleteEvents(runId);
    expect(await storage().getLogsForRun(runId)).toHaveLength(0);
  });

  it('test_event_log_get_stats_without_start_and_success: stats of a run without run events are empty, not an error', async () => {
    const runId = newRunId();
    const stats = await storage().getStatsForRun(runId);
    expect(stats).toMatchObject({ runId, stepsSucceeded: 0, stepsFailed: 0, materializations: 0, expectations: 0, startTime: null, endTime: null });
  });

  it('test_event_log_get_stats_for_run: enqueued, launch and start times come from the run events', async () => {
    const runId = newRunId();
    const enqueuedTime = Date.now() / 1000;
    const launchedTime = enqueuedTime + 20;
    const startTime = launchedTime + 50;
    await storage().storeEvent(runEvent(clock(), runId, E.RUN_ENQUEUED, 'nonce', enqueuedTime));
    await storage().storeEvent(runEvent(clock(), runId, E.RUN_STARTING, 'nonce', launchedTime));
    await storage().storeEvent(runEvent(clock(), runId, E.RUN_START, 'nonce', startTime));
    const stats = await storage().getStatsForRun(runId);
    expect(stats.enqueuedTime).toBeCloseTo(enqueuedTime, 5);
    expect(stats.launchTime).toBeCloseTo(launchedTime, 5);
    expect(stats.startTime).toBeCloseTo(startTime, 5);
    expect(stats.endTime).toBeNull();
  });

  it('test_event_log_step_stats_retry_with_no_start: a retry alone gives one step with no status', async () => {
    const runId = newRunId();
    await storage().storeEvent(stepEvent(runId, 'E', Date.now() / 1000 - 150, E.STEP_UP_FOR_RETRY));
    const stepStats = await storage().getStepStatsForRun(runId);
    expect(stepStats).toHaveLength(1);
    expect(stepStats[0]!.status).toBeNull();
    expect(stepStats[0]!.attempts).toBe(1);
  });

  it('test_event_log_step_stats: status, times, attempts, materializations and expectations per step', async () => {
    const runId = newRunId();
    await storeAll(storage(), statsRecords(runId, Math.round(Date.now() / 1000)));
    const stepStats = await storage().getStepStatsForRun(runId);
    expect(stepStats).toHaveLength(4);
    const byKey = (key: string) => stepStats.find((s) => s.stepKey === key)!;
    const expectStep = (key: string, status: StepEventStatus, duration: number) => {
      const stats = byKey(key);
      expect(stats.status).toBe(status);
      expect(stats.endTime! - stats.startTime!).toBeCloseTo(duration, 5);
      expect(stats.attemptsList).toHaveLength(1);
    };
    expectStep('A', StepEventStatus.SUCCESS, 100);
    expectStep('B', StepEventStatus.FAILURE, 50);
    expectStep('C', StepEventStatus.SKIPPED, 25);
    expectStep('D', StepEventStatus.SUCCESS, 150);
    expect(byKey('D').materializationEvents).toHaveLength(3);
    expect(byKey('D').expectationResults.map((r) => r.label)).toEqual(['exp 1', 'exp 2']);
  });

  it('test_secondary_index: Dagster’s event-log data migrations are built on a fresh storage; others can be marked', async () => {
    for (const name of ['asset_key_table']) expect(await storage().hasSecondaryIndex(name)).toBe(true);
    expect(await storage().hasSecondaryIndex('_A')).toBe(false);
    expect(await storage().hasSecondaryIndex('_B')).toBe(false);
    await storage().enableSecondaryIndex('_A');
    expect(await storage().hasSecondaryIndex('_A')).toBe(true);
    expect(await storage().hasSecondaryIndex('_B')).toBe(false);
    await storage().enableSecondaryIndex('_B');
    expect(await storage().hasSecondaryIndex('_A')).toBe(true);
    expect(await storage().hasSecondaryIndex('_B')).toBe(true);
  });

  itIf(options.rawSql !== undefined)('test_basic_event_store: the stored rows hold serialized EventLogEntry values of the same types', async () => {
    const runId = newRunId();
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    const db = await options.rawSql!.forRun(storage(), runId);
    const rows = await db.all<{ event: string }>('SELECT event FROM event_logs WHERE run_id = ?', [runId]);
    const outEvents = rows.map((row) => deserializeValue(row.event, { as: EventLogEntry }) as EventLogEntry);
    const count = (types: (string | null)[]) => [...types].map(String).sort();
    expect(outEvents.length).toBeGreaterThan(0);
    expect(count(eventTypes(outEvents))).toEqual(count(eventTypes(events)));
  });

  it('test_basic_get_logs_for_run: logs come back in the order stored', async () => {
    const runId = newRunId();
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    expect(eventTypes(await storage().getLogsForRun(runId))).toEqual(eventTypes(events));
  });

  it('test_get_logs_for_run_cursor_limit: pages of two with storage-id cursors rebuild the log', async () => {
    const runId = newRunId();
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    const ids = storageIds((await storage().getRecordsForRun(runId, undefined, undefined, undefined, true)).records);
    const out: EventLogEntry[] = [];
    let offset = -1;
    for (let fuse = 0; fuse < 50; fuse++) {
      const cursor = offset >= 0 ? EventLogCursor.fromStorageId(ids[offset]!).toString() : undefined;
      const chunk = await storage().getLogsForRun(runId, cursor, undefined, 2);
      if (chunk.length === 0) break;
      expect(chunk.length).toBeLessThanOrEqual(2);
      out.push(...chunk);
      offset += chunk.length;
    }
    expect(eventTypes(out)).toEqual(eventTypes(events));
  });

  itIf(caps.supportsOffsetCursorQueries)('test_get_logs_for_run_cursor_offset_limit: pages of two with offset cursors rebuild the log', async () => {
    const runId = newRunId();
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    const out: EventLogEntry[] = [];
    let cursor = -1;
    for (let fuse = 0; fuse < 50; fuse++) {
      const chunk = await storage().getLogsForRun(runId, cursor, undefined, 2);
      if (chunk.length === 0) break;
      expect(chunk.length).toBeLessThanOrEqual(2);
      out.push(...chunk);
      cursor += chunk.length;
    }
    expect(eventTypes(out)).toEqual(eventTypes(events));
  });

  it('test_wipe_sql_backed_event_log: wipe removes a run’s logs', async () => {
    const runId = newRunId();
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    expect(eventTypes(await storage().getLogsForRun(runId))).toEqual(eventTypes(events));
    if (caps.canWipeEventLog) {
      await storage().wipe();
      expect(await storage().getLogsForRun(runId)).toEqual([]);
    }
  });

  it('test_delete_sql_backed_event_log: deleteEvents removes a run’s logs', async () => {
    const runId = newRunId();
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    expect(eventTypes(await storage().getLogsForRun(runId))).toEqual(eventTypes(events));
    await storage().deleteEvents(runId);
    expect(await storage().getLogsForRun(runId)).toEqual([]);
  });

  it('test_get_logs_for_run_of_type: of_type takes one event type or several (RUN_SUCCESS is stored as PIPELINE_SUCCESS)', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, RETURN_ONE);
    expect(eventTypes(await storage().getLogsForRun(runId, undefined, E.RUN_SUCCESS))).toEqual([E.RUN_SUCCESS]);
    expect(eventTypes(await storage().getLogsForRun(runId, undefined, E.STEP_SUCCESS))).toEqual([E.STEP_SUCCESS]);
    expect(eventTypes(await storage().getLogsForRun(runId, undefined, new Set([E.STEP_SUCCESS, E.RUN_SUCCESS])))).toEqual([E.STEP_SUCCESS, E.RUN_SUCCESS]);
  });

  it('test_basic_get_logs_for_run_cursor: cursor -1 returns every log', async () => {
    const runId = newRunId();
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    expect(eventTypes(await storage().getLogsForRun(runId, -1))).toEqual(eventTypes(events));
  });

  it('test_basic_get_logs_for_run_multiple_runs: events and stats stay with their run', async () => {
    const [one, two] = [newRunId(), newRunId()];
    const eventsOne = await storeRun(storage(), clock(), one, RETURN_ONE);
    const eventsTwo = await storeRun(storage(), clock(), two, RETURN_ONE);
    for (const [runId, events] of [
      [one, eventsOne],
      [two, eventsTwo],
    ] as const) {
      const out = await storage().getLogsForRun(runId);
      expect(out).toHaveLength(events.length);
      expect(new Set(eventTypes(out))).toEqual(new Set(eventTypes(events)));
      expect(new Set(out.map((e) => e.runId))).toEqual(new Set([runId]));
      expect((await storage().getStatsForRun(runId)).stepsSucceeded).toBe(1);
    }
  });

  it('test_basic_get_logs_for_run_multiple_runs_cursors: cursor -1 per run returns that run’s events', async () => {
    const [one, two] = [newRunId(), newRunId()];
    const eventsOne = await storeRun(storage(), clock(), one, RETURN_ONE);
    const eventsTwo = await storeRun(storage(), clock(), two, RETURN_ONE);
    const outOne = await storage().getLogsForRun(one, -1);
    expect(outOne).toHaveLength(eventsOne.length);
    expect(new Set(outOne.map((e) => e.runId))).toEqual(new Set([one]));
    const outTwo = await storage().getLogsForRun(two, -1);
    expect(outTwo).toHaveLength(eventsTwo.length);
    expect(new Set(eventTypes(outTwo))).toEqual(new Set(eventTypes(eventsOne)));
    expect(new Set(outTwo.map((e) => e.runId))).toEqual(new Set([two]));
  });

  itIf(caps.canWatch)('test_event_watcher_single_run_event: a watch from the start receives every event of the run', async () => {
    const runId = newRunId();
    const received: EventLogEntry[] = [];
    storage().watch(runId, null, (entry) => void received.push(entry));
    const events = await storeRun(storage(), clock(), runId, RETURN_ONE);
    await eventually(() => received.length >= events.length);
    await pause(20);
    expect(received).toHaveLength(events.length);
    expect(received.every((e) => e instanceof EventLogEntry)).toBe(true);
    expect(eventTypes(received)).toEqual(eventTypes(events));
  });

  itIf(caps.canWatch)('test_event_watcher_filter_run_event: a watch receives only its run’s events', async () => {
    const [one, two] = [newRunId(), newRunId()];
    const received: EventLogEntry[] = [];
    storage().watch(two, null, (entry) => void received.push(entry));
    await storeRun(storage(), clock(), one, RETURN_ONE);
    const eventsTwo = await storeRun(storage(), clock(), two, RETURN_ONE);
    await eventually(() => received.length >= eventsTwo.length);
    await pause(20);
    expect(received).toHaveLength(eventsTwo.length);
    expect(new Set(received.map((e) => e.runId))).toEqual(new Set([two]));
  });

  itIf(caps.canWatch)('test_event_watcher_filter_two_runs_event: two watches each receive their run’s events', async () => {
    const [one, two] = [newRunId(), newRunId()];
    const receivedOne: EventLogEntry[] = [];
    const receivedTwo: EventLogEntry[] = [];
    storage().watch(one, null, (entry) => void receivedOne.push(entry));
    storage().watch(two, null, (entry) => void receivedTwo.push(entry));
    const eventsOne = await storeRun(storage(), clock(), one, RETURN_ONE);
    const eventsTwo = await storeRun(storage(), clock(), two, RETURN_ONE);
    await eventually(() => receivedOne.length >= eventsOne.length && receivedTwo.length >= eventsTwo.length);
    expect(receivedOne).toHaveLength(eventsOne.length);
    expect(receivedTwo).toHaveLength(eventsTwo.length);
    expect(new Set(receivedOne.map((e) => e.runId))).toEqual(new Set([one]));
    expect(new Set(receivedTwo.map((e) => e.runId))).toEqual(new Set([two]));
  });

  it('test_correct_timezone: stored times are UTC (the entry and the run stats agree with the clock)', async () => {
    const runId = newRunId();
    const now = Date.now() / 1000;
    await storage().storeEvent(dagsterEntry(runId, E.RUN_START, { timestamp: now, data: new EngineEventData({ metadata: { pid: 999 } }) }));
    const logs = await storage().getLogsForRun(runId);
    expect(logs).toHaveLength(1);
    const stats = await storage().getStatsForRun(runId);
    expect(Math.trunc(logs[0]!.timestamp)).toBe(Math.trunc(stats.startTime!));
    expect(Math.trunc(logs[0]!.timestamp)).toBe(Math.trunc(now));
    expect(stats.startTime).toBeCloseTo(now, 5);
  });

  it('test_run_step_stats: a succeeded and a failed step, one attempt each', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'should_succeed' }, { name: 'should_fail', outcome: 'failure' }]);
    const stepStats = [...(await storage().getStepStatsForRun(runId))].sort((a, b) => a.endTime! - b.endTime!);
    expect(stepStats).toHaveLength(2);
    expect(stepStats[0]).toMatchObject({ stepKey: 'should_succeed', status: StepEventStatus.SUCCESS, attempts: 1 });
    expect(stepStats[0]!.endTime!).toBeGreaterThan(stepStats[0]!.startTime!);
    expect(stepStats[0]!.attemptsList).toHaveLength(1);
    expect(stepStats[1]).toMatchObject({ stepKey: 'should_fail', status: StepEventStatus.FAILURE, attempts: 1 });
    expect(stepStats[1]!.endTime!).toBeGreaterThan(stepStats[0]!.startTime!);
    expect(stepStats[1]!.attemptsList).toHaveLength(1);
  });

  it('test_run_step_stats_with_retries: three retries make four attempts; step_keys filters', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'should_succeed' }, { name: 'should_retry', outcome: 'failure', retries: 3 }]);
    const stepStats = await storage().getStepStatsForRun(runId, ['should_retry']);
    expect(stepStats).toHaveLength(1);
    expect(stepStats[0]).toMatchObject({ stepKey: 'should_retry', status: StepEventStatus.FAILURE, attempts: 4 });
    expect(stepStats[0]!.endTime!).toBeGreaterThan(stepStats[0]!.startTime!);
    expect(stepStats[0]!.attemptsList).toHaveLength(4);
  });

  it('test_run_step_stats_with_in_progress: steps without an end are IN_PROGRESS with an open attempt', async () => {
    // Skipped in Dagster (its expectations predate IN_PROGRESS); these are today's semantics.
    const runId = newRunId();
    const now = Date.now() / 1000;
    await storeAll(storage(), [
      stepEvent(runId, 'A', now - 325, E.STEP_START),
      stepEvent(runId, 'C', now - 175, E.STEP_START),
      stepEvent(runId, 'C', now - 150, E.STEP_SKIPPED),
      stepEvent(runId, 'D', now - 150, E.STEP_START),
      stepEvent(runId, 'D', now - 150, E.STEP_UP_FOR_RETRY),
      stepEvent(runId, 'E', now - 150, E.STEP_START),
      stepEvent(runId, 'E', now - 150, E.STEP_UP_FOR_RETRY),
      stepEvent(runId, 'E', now - 125, E.STEP_RESTARTED),
    ]);
    const stepStats = await storage().getStepStatsForRun(runId);
    expect(stepStats.map((s) => s.stepKey)).toEqual(['A', 'C', 'D', 'E']);
    expect(stepStats[0]).toMatchObject({ status: StepEventStatus.IN_PROGRESS, endTime: null, attempts: 1, attemptsList: [] });
    expect(stepStats[0]!.partialAttemptStart).toBeCloseTo(now - 325, 5);
    expect(stepStats[1]).toMatchObject({ status: StepEventStatus.SKIPPED, attempts: 1 });
    expect(stepStats[1]!.endTime!).toBeGreaterThan(stepStats[1]!.startTime!);
    expect(stepStats[1]!.attemptsList).toHaveLength(1);
    expect(stepStats[2]).toMatchObject({ status: StepEventStatus.IN_PROGRESS, endTime: null, attempts: 1, partialAttemptStart: null });
    expect(stepStats[2]!.attemptsList).toHaveLength(1);
    expect(stepStats[3]).toMatchObject({ status: StepEventStatus.IN_PROGRESS, endTime: null, attempts: 2 });
    expect(stepStats[3]!.attemptsList).toHaveLength(1);
  });

  it('test_run_step_stats_with_resource_markers: resource initialization shows as a marker of the step', async () => {
    const runId = newRunId();
    await storeRun(storage(), clock(), runId, [{ name: 'foo_op', resources: true }]);
    const stepStats = await storage().getStepStatsForRun(runId);
    expect(stepStats).toHaveLength(1);
    expect(stepStats[0]).toMatchObject({ stepKey: 'foo_op', status: StepEventStatus.SUCCESS });
    expect(stepStats[0]!.endTime!).toBeGreaterThan(stepStats[0]!.startTime!);
    expect(stepStats[0]!.markers).toHaveLength(1);
    expect(stepStats[0]!.markers[0]!.key).toBe('resources');
    expect(stepStats[0]!.markers[0]!.endTime!).toBeGreaterThanOrEqual(stepStats[0]!.markers[0]!.startTime! + 0.1 - 1e-6);
  });

  for (const cursorKind of ['none', 'run-sharded'] as const) {
    it(`test_get_event_records: RUN_SUCCESS records across runs with an after cursor (${cursorKind} cursor time)`, async (ctx) => {
      if (storage().isRunSharded) ctx.skip(); // test_get_event_records_sqlite covers run-sharded storage
      const runIds = [newRunId(), newRunId(), newRunId()];
      for (const runId of runIds) await storeRun(storage(), clock(), runId, MATERIALIZE_ONE);
      const all = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.RUN_SUCCESS }));
      expect(all).toHaveLength(3);
      expect(all.map((r) => r.runId)).toEqual([...runIds].reverse());
      const minId = all[all.length - 1]!.storageId;
      const after = cursorKind === 'none' ? minId : new RunShardedEventsCursor({ id: minId, runUpdatedAfter: new Date() });
      const later = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.RUN_SUCCESS, afterCursor: after }));
      expect(later.filter((r) => r.storageId <= minId)).toEqual([]);
      expect(later).toHaveLength(2);
      const ascending = await storage().getEventRecords(new EventRecordsFilter({ eventType: E.RUN_SUCCESS, afterCursor: after }), 2, true);
      expect(storageIds(ascending)).toEqual(storageIds(all.slice(0, 2)).reverse());
      expect(new Set(eventTypes(all.map((r) => r.eventLogEntry)))).toEqual(new Set([E.RUN_SUCCESS]));
    });
  }

  it('test_get_run_status_change_events: fetchRunStatusChanges orders, limits, pages and filters run status events', async () => {
    const runIds = [newRunId(), newRunId(), newRunId()];
    for (const runId of runIds) await storeRun(storage(), clock(), runId, MATERIALIZE_ONE);
    const ids = (result: { records: readonly { storageId: number }[] }) => result.records.map((r) => r.storageId);
    let result = await storage().fetchRunStatusChanges(E.RUN_SUCCESS, 100);
    expect(result.records).toHaveLength(3);
    expect(new Set(eventTypes(result.records.map((r) => r.eventLogEntry)))).toEqual(new Set([E.RUN_SUCCESS]));
    expect(result.records[0]!.storageId).toBeGreaterThan(result.records[2]!.storageId);
    const [id3, id2, id1] = ids(result) as [number, number, number];
    const [t3, , t1] = result.records.map((r) => r.timestamp) as [number, number, number];
    expect(result.records.map((r) => r.runId)).toEqual([...runIds].reverse());

    expect(ids(await storage().fetchRunStatusChanges(E.RUN_SUCCESS, 2))).toEqual([id3, id2]);
    result = await storage().fetchRunStatusChanges(E.RUN_SUCCESS, 2, undefined, true);
    expect(ids(result)).toEqual([id1, id2]);
    expect(result.hasMore).toBe(true);
    expect(result.cursor).toBe(EventLogCursor.fromStorageId(id2).toString());
    const cursor2 = EventLogCursor.fromStorageId(id2).toString();
    expect(ids(await storage().fetchRunStatusChanges(E.RUN_SUCCESS, 100, cursor2))).toEqual([id1]);
    expect(ids(await storage().fetchRunStatusChanges(E.RUN_SUCCESS, 100, cursor2, true))).toEqual([id3]);
    const filter = (init: Omit<ConstructorParameters<typeof RunStatusChangeRecordsFilter>[0], 'eventType'>) =>
      new RunStatusChangeRecordsFilter({ eventType: E.RUN_SUCCESS, ...init });
    expect(ids(await storage().fetchRunStatusChanges(filter({ afterStorageId: id1 }), 100))).toEqual([id3, id2]);
    expect(ids(await storage().fetchRunStatusChanges(filter({ beforeStorageId: id3 }), 100))).toEqual([id2, id1]);
    expect(ids(await storage().fetchRunStatusChanges(filter({ afterStorageId: id1, beforeStorageId: id3 }), 100))).toEqual([id2]);
    expect(ids(await storage().fetchRunStatusChanges(filter({ afterTimestamp: t1 }), 100))).toEqual([id3, id2]);
    expect(ids(await storage().fetchRunStatusChanges(filter({ beforeTimestamp: t3 }), 100))).toEqual([id2, id1]);
    expect(ids(await storage().fetchRunStatusChanges(filter({ afterTimestamp: t1, beforeTimestamp: t3 }), 100))).toEqual([id2]);
    expect(ids(await storage().fetchRunStatusChanges(filter({ storageIds: [id1, id3] }), 100))).toEqual([id3, id1]);
  });

  if (caps.supportsRunStatusChangeJobNameFilter) {
    it('test_fetch_run_status_monitor_filters: RunStatusChangeRecordsFilter.jobNames selects runs by job', async () => {
      const runIds = [newRunId(), newRunId(), newRunId()];
      for (const [i, jobName] of ['job_one', 'job_two', 'job_three'].entries()) await storeRun(storage(), clock(), runIds[i]!, RETURN_ONE, { jobName });
      const runsOf = async (jobNames?: string[]) =>
        (await storage().fetchRunStatusChanges(jobNames ? new RunStatusChangeRecordsFilter({ eventType: E.RUN_SUCCESS, jobNames }) : E.RUN_SUCCESS, 100)).records.map(
          (r) => r.runId,
        );
      expect(await runsOf()).toEqual([...runIds].reverse());
      expect(await runsOf(['job_one'])).toEqual([runIds[0]]);
      expect(await runsOf(['job_one', 'job_two'])).toEqual([runIds[1], runIds[0]]);
    });
  } else {
    it('test_fetch_run_status_monitor_filters: job name filters are refused with NotSupportedError', async () => {
      await expect(storage().fetchRunStatusChanges(new RunStatusChangeRecordsFilter({ eventType: E.RUN_SUCCESS, jobNames: ['job_one'] }), 100)).rejects.toBeInstanceOf(
        NotSupportedError,
      );
    });
  }

  it('test_get_event_records_sqlite: run-sharded storage reads non-asset records run by run with a RunShardedEventsCursor', async (ctx) => {
    if (!storage().isRunSharded) ctx.skip();
    const runIds = [newRunId(), newRunId(), newRunId()];
    const successTimes: number[] = [];
    for (const runId of runIds) {
      const events = await storeRun(storage(), clock(), runId, MATERIALIZE_ONE);
      successTimes.push(events[events.length - 1]!.timestamp);
      await pause();
    }
    // Runs updated after the first run ended.
    const afterFirst = new Date(Math.ceil(successTimes[0]! * 1000));
    const filtered = await storage().getEventRecords(
      new EventRecordsFilter({ eventType: E.RUN_SUCCESS, afterCursor: new RunShardedEventsCursor({ id: 0, runUpdatedAfter: afterFirst }) }),
      undefined,
      true,
    );
    expect(eventTypes(filtered.map((r) => r.eventLogEntry))).toEqual([E.RUN_SUCCESS, E.RUN_SUCCESS]);
    expect(filtered.map((r) => r.runId)).toEqual([runIds[1], runIds[2]]);
    await expect(storage().getEventRecords(new EventRecordsFilter({ eventType: E.RUN_SUCCESS, afterCursor: 0 }))).rejects.toThrow(
      /Add a RunShardedEventsCursor to your query filter/,
    );
    await expect(storage().getEventRecords(new EventRecordsFilter({ eventType: E.RUN_SUCCESS, afterCursor: 0 }))).rejects.toBeInstanceOf(InvalidFilterError);
    if (options.rawSql) {
      const index = await options.rawSql.index(storage());
      const mirrored = await index.all('SELECT id FROM event_logs WHERE dagster_event_type IN (?, ?, ?, ?, ?, ?, ?)', [
        E.RUN_START,
        E.RUN_SUCCESS,
        E.RUN_FAILURE,
        E.RUN_ENQUEUED,
        E.RUN_STARTING,
        E.RUN_CANCELING,
        E.RUN_CANCELED,
      ]);
      // START and SUCCESS of each of the three runs are copied into the index.
      expect(mirrored).toHaveLength(6);
    }
  });

  itIf(caps.canWatch)('test_watch_exc_recovery: a throwing callback does not stop other watches', async () => {
    const [errRunId, safeRunId] = [newRunId(), newRunId()];
    const throwing: EventHandlerFn = () => {
      throw new Error('problem in watch callback');
    };
    const received: EventLogEntry[] = [];
    const errEvents = synthesizeRun(clock(), errRunId, RETURN_ONE);
    const safeEvents = synthesizeRun(clock(), safeRunId, RETURN_ONE);
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      storage().watch(errRunId, null, throwing);
      storage().watch(safeRunId, null, (entry) => void received.push(entry));
      await storeAll(storage(), errEvents);
      storage().endWatch(errRunId, throwing);
      await storeAll(storage(), safeEvents);
      await eventually(() => received.length >= safeEvents.length);
    } finally {
      console.warn = warn;
    }
    expect(received).toHaveLength(safeEvents.length);
  });

  itIf(caps.canWatch)('test_watch_unwatch: a callback may end its own watch without blocking the others', async () => {
    // Skipped in Dagster (a deadlock, dagster#5127); it holds here.
    const [errRunId, safeRunId] = [newRunId(), newRunId()];
    let calls = 0;
    const unsubscribe: EventHandlerFn = () => {
      calls++;
      storage().endWatch(errRunId, unsubscribe);
    };
    const received: EventLogEntry[] = [];
    storage().watch(errRunId, null, unsubscribe);
    storage().watch(safeRunId, null, (entry) => void received.push(entry));
    await storeRun(storage(), clock(), errRunId, RETURN_ONE);
    const safeEvents = await storeRun(storage(), clock(), safeRunId, RETURN_ONE);
    await eventually(() => received.length >= safeEvents.length);
    expect(received).toHaveLength(safeEvents.length);
    expect(calls).toBe(1);
  });

  it('test_engine_event_markers: engine events reported for a step carry its step key', async () => {
    const runId = newRunId();
    await storage().storeEvent(dagsterEntry(runId, E.ENGINE_EVENT, { timestamp: clock().next(), stepKey: 'return_one', data: new EngineEventData({ markerStart: 'FOO' }) }));
    await storage().storeEvent(dagsterEntry(runId, E.ENGINE_EVENT, { timestamp: clock().next(), stepKey: 'return_one', data: new EngineEventData({ markerEnd: 'FOO' }) }));
    const logs = await storage().getLogsForRun(runId);
    expect(logs).toHaveLength(2);
    for (const entry of logs) expect(entry.stepKey).toBe('return_one');
  });

  const allRunsByLogId = caps.supportsGetLogsForAllRunsByLogId;
  const multiType = allRunsByLogId && caps.supportsMultipleEventTypeQueries;

  it('test_get_logs_for_all_runs_by_log_id_of_type: RUN_SUCCESS events of every run', async () => {
    for (let i = 0; i < 2; i++) await storeRun(storage(), clock(), newRunId(), RETURN_ONE);
    expect(eventTypes((await storage().getLogsForAllRunsByLogId(undefined, E.RUN_SUCCESS)).values())).toEqual([E.RUN_SUCCESS, E.RUN_SUCCESS]);
  });

  itIf(multiType)('test_get_logs_for_all_runs_by_log_id_by_multi_type: several event types in storage id order', async () => {
    for (let i = 0; i < 2; i++) await storeRun(storage(), clock(), newRunId(), RETURN_ONE);
    expect(eventTypes((await storage().getLogsForAllRunsByLogId(undefined, new Set([E.STEP_SUCCESS, E.RUN_SUCCESS]))).values())).toEqual([
      E.STEP_SUCCESS,
      E.RUN_SUCCESS,
      E.STEP_SUCCESS,
      E.RUN_SUCCESS,
    ]);
  });

  it('test_get_logs_for_all_runs_by_log_id_cursor: an after cursor skips earlier ids', async () => {
    const runIds = [newRunId(), newRunId()];
    for (const runId of runIds) await storeRun(storage(), clock(), runId, RETURN_ONE);
    const byId = await storage().getLogsForAllRunsByLogId(undefined, E.RUN_SUCCESS);
    expect([...byId.values()].map((e) => e.runId)).toEqual(runIds);
    const after = await storage().getLogsForAllRunsByLogId(Math.min(...byId.keys()), E.RUN_SUCCESS);
    expect([...after.values()].map((e) => e.runId)).toEqual([runIds[1]]);
    expect(eventTypes(after.values())).toEqual([E.RUN_SUCCESS]);
  });

  itIf(multiType)('test_get_logs_for_all_runs_by_log_id_cursor_multi_type: an after cursor with several event types', async () => {
    for (let i = 0; i < 2; i++) await storeRun(storage(), clock(), newRunId(), RETURN_ONE);
    const types = new Set([E.STEP_SUCCESS, E.RUN_SUCCESS]);
    const byId = await storage().getLogsForAllRunsByLogId(undefined, types);
    expect(eventTypes(byId.values())).toEqual([E.STEP_SUCCESS, E.RUN_SUCCESS, E.STEP_SUCCESS, E.RUN_SUCCESS]);
    const after = await storage().getLogsForAllRunsByLogId(Math.min(...byId.keys()), types);
    expect(eventTypes(after.values())).toEqual([E.RUN_SUCCESS, E.STEP_SUCCESS, E.RUN_SUCCESS]);
  });

  it('test_get_logs_for_all_runs_by_log_id_limit: a limit keeps the first ids', async () => {
    const runIds = [newRunId(), newRunId(), newRunId(), newRunId()];
    for (const runId of runIds) await storeRun(storage(), clock(), runId, RETURN_ONE);
    const byId = await storage().getLogsForAllRunsByLogId(undefined, E.RUN_SUCCESS, 3);
    expect([...byId.values()].map((e) => e.runId)).toEqual(runIds.slice(0, 3));
    expect(eventTypes(byId.values())).toEqual([E.RUN_SUCCESS, E.RUN_SUCCESS, E.RUN_SUCCESS]);
  });

  itIf(multiType)('test_get_logs_for_all_runs_by_log_id_limit_multi_type: a limit with several event types', async () => {
    for (let i = 0; i < 2; i++) await storeRun(storage(), clock(), newRunId(), RETURN_ONE);
    const byId = await storage().getLogsForAllRunsByLogId(undefined, new Set([E.STEP_SUCCESS, E.RUN_SUCCESS]), 3);
    expect(eventTypes(byId.values())).toEqual([E.STEP_SUCCESS, E.RUN_SUCCESS, E.STEP_SUCCESS]);
  });

  it('test_get_maximum_record_id: ten more run events raise the maximum id by ten', async () => {
    await storage().wipe();
    await storage().storeEvent(runEvent(clock(), newRunId(), E.RUN_SUCCESS, 'my_job'));
    const index = await storage().getMaximumRecordId();
    expect(typeof index).toBe('number');
    for (let i = 0; i < 10; i++) await storage().storeEvent(runEvent(clock(), newRunId(), E.RUN_SUCCESS, 'my_job'));
    expect(await storage().getMaximumRecordId()).toBe(index! + 10);
  });
}
