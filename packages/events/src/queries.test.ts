import { AssetKey, DagsterEventType, EventLogCursor, EventRecordsFilter, RunStatusChangeRecordsFilter } from '@inst/types';
import { describe, expect, it, vi } from 'vitest';
import { createFakeOps, eventEntry, logEntry } from './fake-ops.test-support';
import { allLogs, fetchRunStatusChanges, getEventRecords, getRecordsForRun, logsAfter } from './queries';

const E = DagsterEventType;

async function seeded(): Promise<ReturnType<typeof createFakeOps>> {
  const ops = createFakeOps();
  await ops.events.storeEvent(logEntry('r1', 'first'));
  await ops.events.storeEvent(eventEntry('r1', E.RUN_START));
  await ops.events.storeEvent(eventEntry('r1', E.STEP_START));
  await ops.events.storeEvent(eventEntry('r1', E.RUN_SUCCESS));
  await ops.events.storeEvent(eventEntry('r2', E.RUN_FAILURE));
  return ops;
}

describe('run queries', () => {
  it('allLogs returns the run’s entries, optionally of some types', async () => {
    const ops = await seeded();
    expect((await allLogs(ops, 'r1')).map((e) => e.dagsterEventType)).toEqual([null, E.RUN_START, E.STEP_START, E.RUN_SUCCESS]);
    expect((await allLogs(ops, 'r1', new Set([E.RUN_START, E.RUN_SUCCESS]))).map((e) => e.dagsterEventType)).toEqual([E.RUN_START, E.RUN_SUCCESS]);
  });

  it('logsAfter passes the legacy integer cursor, type and limit to the storage', async () => {
    const ops = await seeded();
    const after = await logsAfter(ops, 'r1', 0, null, 2);
    expect(after.map((e) => e.dagsterEventType)).toEqual([E.RUN_START, E.STEP_START]);
    expect(ops.events.calls.at(-1)).toEqual({ method: 'getLogsForRun', args: ['r1', 0, undefined, 2] });
  });

  it('getRecordsForRun pages ascending by default with storage-id cursors', async () => {
    const ops = await seeded();
    const first = await getRecordsForRun(ops, 'r1', null, null, 2);
    expect(first.records.map((r) => r.storageId)).toEqual([1, 2]);
    expect(first.hasMore).toBe(true);
    expect(first.cursor).toBe(EventLogCursor.fromStorageId(2).toString());
    const rest = await getRecordsForRun(ops, 'r1', first.cursor);
    expect(rest.records.map((r) => r.storageId)).toEqual([3, 4]);
    const newestFirst = await getRecordsForRun(ops, 'r1', undefined, E.RUN_SUCCESS, undefined, false);
    expect(newestFirst.records.map((r) => r.storageId)).toEqual([4]);
  });
});

describe('getEventRecords (deprecated)', () => {
  it('returns the storage’s records and warns, once per message, where a fetch method fits', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const ops = await seeded();
    const records = await getEventRecords(ops, new EventRecordsFilter({ eventType: E.RUN_SUCCESS }), 5);
    expect(records.map((r) => r.storageId)).toEqual([4]);
    expect(ops.events.calls.at(-1)).toEqual({ method: 'getEventRecords', args: [expect.any(EventRecordsFilter), 5, false] });

    await getEventRecords(ops, new EventRecordsFilter({ eventType: E.RUN_SUCCESS }));
    await getEventRecords(ops, new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION }));
    await getEventRecords(ops, new EventRecordsFilter({ eventType: E.ASSET_OBSERVATION }));
    await getEventRecords(ops, new EventRecordsFilter({ eventType: E.ASSET_MATERIALIZATION_PLANNED, assetKey: new AssetKey('a'), assetPartitions: ['p1'] }));
    await getEventRecords(ops, new EventRecordsFilter({ eventType: E.STEP_START }));

    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      '"getEventRecords" is deprecated and will be removed in 2.0.',
      'Use fetchRunStatusChanges instead of getEventRecords to fetch run status change events.',
      'Use fetchMaterializations instead of getEventRecords to fetch materialization events.',
      'Use fetchObservations instead of getEventRecords to fetch observation events.',
      'Asset materialization planned events with partitions subsets will not be returned when the event records filter contains the asset_partitions argument',
    ]);
    warn.mockRestore();
  });
});

describe('fetchRunStatusChanges', () => {
  it('delegates an event type or a filter with limit, cursor and order', async () => {
    const ops = await seeded();
    const byType = await fetchRunStatusChanges(ops, E.RUN_SUCCESS, 10);
    expect(byType.records.map((r) => r.runId)).toEqual(['r1']);
    expect(byType.hasMore).toBe(false);
    const filter = new RunStatusChangeRecordsFilter({ eventType: E.RUN_FAILURE });
    const byFilter = await fetchRunStatusChanges(ops, filter, 1, 'abc', true);
    expect(byFilter.records.map((r) => r.runId)).toEqual(['r2']);
    expect(ops.events.calls.at(-1)).toEqual({ method: 'fetchRunStatusChanges', args: [filter, 1, 'abc', true] });
  });
});
