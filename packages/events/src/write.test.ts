import { ConfigError, RunNotFoundError } from '@inst/errors';
import {
  DagsterEvent,
  DagsterEventBatchMetadata,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  EventLogEntry,
  RUN_TAGS,
  RunFailureReason,
} from '@inst/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeOps, eventEntry, logEntry } from './fake-ops.test-support';
import { addEventListener, eventBatchSizeFromEnv, handleNewEvent, shouldRetryRun, shouldStoreEvent, storeEvent } from './write';

const E = DagsterEventType;

function run(runId: string, init: Partial<ConstructorParameters<typeof DagsterRun>[0]> = {}): DagsterRun {
  return new DagsterRun({ jobName: 'etl', runId, status: DagsterRunStatus.STARTED, ...init });
}

function assetFailedEntry(runId: string): EventLogEntry {
  return new EventLogEntry({
    runId,
    userMessage: '',
    level: 40,
    timestamp: 1_700_000_000,
    errorInfo: null,
    dagsterEvent: new DagsterEvent({ eventTypeValue: E.ASSET_FAILED_TO_MATERIALIZE, jobName: 'etl' }),
  });
}

afterEach(() => vi.restoreAllMocks());

describe('handleNewEvent', () => {
  it('stores the entry, then calls the run’s listeners in order with it', async () => {
    const ops = createFakeOps();
    const seen: string[] = [];
    addEventListener(ops, 'r1', (entry) => void seen.push(`a:${entry.userMessage}`));
    addEventListener(ops, 'r1', async (entry) => {
      // The entry is already stored when listeners run.
      seen.push(`b:${entry.userMessage}:${ops.events.entries('r1').length}`);
    });
    addEventListener(ops, 'r2', () => void seen.push('other run'));

    await handleNewEvent(ops, logEntry('r1', 'hello'));
    await handleNewEvent(ops, logEntry('r1', 'again'));

    expect(ops.events.entries('r1').map((e) => e.userMessage)).toEqual(['hello', 'again']);
    expect(seen).toEqual(['a:hello', 'b:hello:1', 'a:again', 'b:again:2']);
  });

  it('stores entries of every level, DEBUG included (Dagster filters no levels here)', async () => {
    const ops = createFakeOps();
    await handleNewEvent(ops, logEntry('r1', 'debug line', 1_700_000_000, 10));
    await handleNewEvent(ops, eventEntry('r1', E.ASSET_MATERIALIZATION_PLANNED));
    expect(ops.events.entries('r1').map((e) => e.level)).toEqual([10, 20]);
  });

  it('a listener can be removed with the function addEventListener returns', async () => {
    const ops = createFakeOps();
    const cb = vi.fn();
    const remove = addEventListener(ops, 'r1', cb);
    await handleNewEvent(ops, logEntry('r1', 'one'));
    remove();
    remove();
    await handleNewEvent(ops, logEntry('r1', 'two'));
    expect(cb).toHaveBeenCalledTimes(1);
    expect(ops.eventListeners.has('r1')).toBe(false);
  });

  it('moves the run for a run-status event, with the entry’s time as update time', async () => {
    const ops = createFakeOps();
    ops.runs.add(run('r1', { status: DagsterRunStatus.STARTING }));
    await handleNewEvent(ops, eventEntry('r1', E.RUN_START, 1_700_000_123.25));
    await handleNewEvent(ops, eventEntry('r1', E.ENGINE_EVENT));

    expect(ops.runs.handledEvents).toHaveLength(1);
    expect(ops.runs.handledEvents[0]!.event.eventType).toBe(E.RUN_START);
    expect(ops.runs.handledEvents[0]!.updateTimestamp?.getTime()).toBe(1_700_000_123_250);
    expect(ops.runs.runs.get('r1')!.status).toBe(DagsterRunStatus.STARTED);
  });

  it('leaves run status to a storage that handles run events itself', async () => {
    const ops = createFakeOps();
    ops.events.handlesRunEventsInStoreEvent = true;
    ops.runs.add(run('r1'));
    await handleNewEvent(ops, eventEntry('r1', E.RUN_SUCCESS));
    expect(ops.runs.handledEvents).toEqual([]);
    expect(ops.events.entries('r1')).toHaveLength(1);
  });

  it('drops an ASSET_FAILED_TO_MATERIALIZE event the storage cannot store: nothing stored, no listener', async () => {
    const ops = createFakeOps();
    const cb = vi.fn();
    addEventListener(ops, 'r1', cb);
    await handleNewEvent(ops, assetFailedEntry('r1'));
    expect(ops.events.records).toEqual([]);
    expect(cb).not.toHaveBeenCalled();

    ops.events.canStoreAssetFailureEvents = true;
    await handleNewEvent(ops, assetFailedEntry('r1'));
    expect(ops.events.records).toHaveLength(1);
    expect(cb).toHaveBeenCalledTimes(1);
  });

  it('asks ops.shouldStoreEvent, so an instance override is seen', async () => {
    const ops = createFakeOps({ overrides: { shouldStoreEvent: (event) => event.userMessage !== 'secret' } });
    await handleNewEvent(ops, logEntry('r1', 'secret'));
    await handleNewEvent(ops, logEntry('r1', 'public'));
    expect(ops.events.entries('r1').map((e) => e.userMessage)).toEqual(['public']);
  });

  it('fails without updating the run or calling listeners when the store fails', async () => {
    const ops = createFakeOps();
    ops.runs.add(run('r1'));
    ops.events.failStores = true;
    const cb = vi.fn();
    addEventListener(ops, 'r1', cb);
    await expect(handleNewEvent(ops, eventEntry('r1', E.RUN_SUCCESS))).rejects.toThrow('disk full');
    expect(ops.runs.runs.get('r1')!.status).toBe(DagsterRunStatus.STARTED);
    expect(cb).not.toHaveBeenCalled();
  });
});

describe('handleNewEvent: dagster/will_retry', () => {
  async function failRun(ops: ReturnType<typeof createFakeOps>, runId: string): Promise<DagsterRun> {
    await handleNewEvent(ops, eventEntry(runId, E.RUN_FAILURE));
    return ops.runs.runs.get(runId)!;
  }

  it('tags a failed run true when retries are on and the group has room', async () => {
    const ops = createFakeOps({ runRetriesEnabled: true, runRetriesMaxRetries: 2 });
    ops.runs.add(run('r1'));
    const failed = await failRun(ops, 'r1');
    expect(failed.status).toBe(DagsterRunStatus.FAILURE);
    expect(failed.tags[RUN_TAGS.WILL_RETRY]).toBe('true');
  });

  it('tags false once the group holds max_retries retries', async () => {
    const ops = createFakeOps({ runRetriesEnabled: true, runRetriesMaxRetries: 2 });
    ops.runs.add(run('root', { status: DagsterRunStatus.FAILURE }));
    ops.runs.add(run('retry1', { rootRunId: 'root', parentRunId: 'root', status: DagsterRunStatus.FAILURE }));
    ops.runs.add(run('retry2', { rootRunId: 'root', parentRunId: 'retry1' }));
    expect((await failRun(ops, 'retry2')).tags[RUN_TAGS.WILL_RETRY]).toBe('false');
  });

  it('does not tag when run retries are off, nor runs that succeed', async () => {
    const off = createFakeOps({ runRetriesEnabled: false, runRetriesMaxRetries: 3 });
    off.runs.add(run('r1'));
    expect(RUN_TAGS.WILL_RETRY in (await failRun(off, 'r1')).tags).toBe(false);

    const on = createFakeOps({ runRetriesEnabled: true, runRetriesMaxRetries: 3 });
    on.runs.add(run('r2'));
    await handleNewEvent(on, eventEntry('r2', E.RUN_SUCCESS));
    expect(on.runs.runs.get('r2')!.tags).toEqual({});
  });

  it('honours retry_on_asset_or_op_failure for step failures, the run tag over the setting', async () => {
    const ops = createFakeOps({ runRetriesEnabled: true, runRetriesMaxRetries: 1, runRetriesRetryOnAssetOrOpFailure: false });
    ops.runs.add(run('step', { tags: { [RUN_TAGS.RUN_FAILURE_REASON]: RunFailureReason.STEP_FAILURE } }));
    ops.runs.add(run('other', { tags: { [RUN_TAGS.RUN_FAILURE_REASON]: RunFailureReason.RUN_EXCEPTION } }));
    ops.runs.add(run('tagged', { tags: { [RUN_TAGS.RUN_FAILURE_REASON]: RunFailureReason.STEP_FAILURE, [RUN_TAGS.RETRY_ON_ASSET_OR_OP_FAILURE]: 'True' } }));
    expect((await failRun(ops, 'step')).tags[RUN_TAGS.WILL_RETRY]).toBe('false');
    expect((await failRun(ops, 'other')).tags[RUN_TAGS.WILL_RETRY]).toBe('true');
    expect((await failRun(ops, 'tagged')).tags[RUN_TAGS.WILL_RETRY]).toBe('true');
  });

  it('reads dagster/max_retries over the setting, and warns and says false for a bad value', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const ops = createFakeOps({ runRetriesEnabled: true, runRetriesMaxRetries: 0 });
    ops.runs.add(run('three', { tags: { [RUN_TAGS.MAX_RETRIES]: ' 3 ' } }));
    ops.runs.add(run('zero', { tags: { [RUN_TAGS.MAX_RETRIES]: '0' } }));
    ops.runs.add(run('bad', { tags: { [RUN_TAGS.MAX_RETRIES]: 'three' } }));
    expect((await failRun(ops, 'three')).tags[RUN_TAGS.WILL_RETRY]).toBe('true');
    expect((await failRun(ops, 'zero')).tags[RUN_TAGS.WILL_RETRY]).toBe('false');
    expect((await failRun(ops, 'bad')).tags[RUN_TAGS.WILL_RETRY]).toBe('false');
    expect(warn).toHaveBeenCalledWith("Error parsing int from tag dagster/max_retries, won't retry the run.", { type: 'UserWarning' });
  });
});

describe('shouldRetryRun', () => {
  const settings = { runRetriesMaxRetries: 2, runRetriesRetryOnAssetOrOpFailure: true };

  it('is false for a run that did not fail', async () => {
    const getRunGroup = vi.fn();
    expect(await shouldRetryRun({ ...settings, getRunGroup }, run('r1'), null)).toBe(false);
    expect(getRunGroup).not.toHaveBeenCalled();
  });

  it('is false when the run group is gone, and rethrows other errors', async () => {
    const failed = run('r1', { status: DagsterRunStatus.FAILURE });
    const gone = vi.fn().mockRejectedValue(new RunNotFoundError('root'));
    expect(await shouldRetryRun({ ...settings, getRunGroup: gone }, failed, null)).toBe(false);
    const broken = vi.fn().mockRejectedValue(new Error('db down'));
    await expect(shouldRetryRun({ ...settings, getRunGroup: broken }, failed, null)).rejects.toThrow('db down');
  });

  it('treats none/0/empty tag values as false, as Dagster', async () => {
    const failed = (value: string): DagsterRun =>
      run('r1', { status: DagsterRunStatus.FAILURE, tags: { [RUN_TAGS.RETRY_ON_ASSET_OR_OP_FAILURE]: value } });
    const getRunGroup = async (): Promise<[string, DagsterRun[]]> => ['r1', [run('r1')]];
    for (const value of ['none', '0', '', 'FALSE']) {
      expect(await shouldRetryRun({ ...settings, getRunGroup }, failed(value), RunFailureReason.STEP_FAILURE)).toBe(false);
    }
    expect(await shouldRetryRun({ ...settings, getRunGroup }, failed('yes'), RunFailureReason.STEP_FAILURE)).toBe(true);
  });
});

describe('handleNewEvent: batches', () => {
  const materialization = (runId: string, n: number): EventLogEntry => eventEntry(runId, E.ASSET_MATERIALIZATION, 1_700_000_000 + n);
  const batch = (id: string, isEnd = false): { batchMetadata: DagsterEventBatchMetadata } => ({ batchMetadata: new DagsterEventBatchMetadata({ id, isEnd }) });

  it('stores at once when batch writing is off, even with batch metadata', async () => {
    const ops = createFakeOps({ eventBatchSize: 0 });
    await handleNewEvent(ops, materialization('r1', 1), batch('b'));
    expect(ops.events.records).toHaveLength(1);
    expect(ops.events.batchCalls).toEqual([]);
    expect(ops.eventBuffer.size).toBe(0);
  });

  it('buffers by batch id and writes one batch when it is full; listeners see events only then', async () => {
    const ops = createFakeOps({ eventBatchSize: 3 });
    const seen: number[] = [];
    addEventListener(ops, 'r1', (entry) => void seen.push(entry.timestamp));

    await handleNewEvent(ops, materialization('r1', 1), batch('b'));
    await handleNewEvent(ops, materialization('r1', 2), batch('b'));
    await handleNewEvent(ops, materialization('r1', 10), batch('other'));
    expect(ops.events.records).toEqual([]);
    expect(seen).toEqual([]);

    await handleNewEvent(ops, materialization('r1', 3), batch('b'));
    expect(ops.events.batchCalls.map((events) => events.map((e) => e.timestamp))).toEqual([[1_700_000_001, 1_700_000_002, 1_700_000_003]]);
    expect(ops.events.entries('r1').map((e) => e.timestamp)).toEqual([1_700_000_001, 1_700_000_002, 1_700_000_003]);
    expect(seen).toEqual([1_700_000_001, 1_700_000_002, 1_700_000_003]);
    expect([...ops.eventBuffer.keys()]).toEqual(['other']);
  });

  it('flushes early at the end of a batch; a batch of one is a plain store', async () => {
    const ops = createFakeOps({ eventBatchSize: 10 });
    await handleNewEvent(ops, materialization('r1', 1), batch('b'));
    await handleNewEvent(ops, materialization('r1', 2), batch('b', true));
    await handleNewEvent(ops, materialization('r1', 3), batch('c', true));
    expect(ops.events.batchCalls).toHaveLength(1);
    expect(ops.events.storeCalls).toBe(1);
    expect(ops.events.entries('r1')).toHaveLength(3);
    expect(ops.eventBuffer.size).toBe(0);
  });

  it('falls back to one store per event when the batch write fails', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const ops = createFakeOps({ eventBatchSize: 2 });
    ops.events.failBatches = true;
    await handleNewEvent(ops, materialization('r1', 1), batch('b'));
    await handleNewEvent(ops, materialization('r1', 2), batch('b'));
    expect(ops.events.batchCalls).toHaveLength(1);
    expect(ops.events.storeCalls).toBe(2);
    expect(ops.events.entries('r1').map((e) => e.timestamp)).toEqual([1_700_000_001, 1_700_000_002]);
    expect(stderr).toHaveBeenCalledWith('Exception while storing event batch: batch rejected\n');
  });

  it('handles run events of a flushed batch after the whole batch is stored', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const ops = createFakeOps({ eventBatchSize: 5 });
    ops.runs.add(run('r1'));
    await handleNewEvent(ops, materialization('r1', 1), batch('b'));
    await handleNewEvent(ops, eventEntry('r1', E.RUN_SUCCESS), batch('b', true));
    // RUN_SUCCESS is not batch-writable: the batch falls back to single writes, then the run moves.
    expect(ops.events.entries('r1')).toHaveLength(2);
    expect(ops.runs.runs.get('r1')!.status).toBe(DagsterRunStatus.SUCCESS);
  });
});

describe('storeEvent and shouldStoreEvent', () => {
  it('storeEvent writes without moving runs or calling listeners', async () => {
    const ops = createFakeOps();
    ops.runs.add(run('r1'));
    const cb = vi.fn();
    addEventListener(ops, 'r1', cb);
    await storeEvent(ops, eventEntry('r1', E.RUN_SUCCESS));
    expect(ops.events.entries('r1')).toHaveLength(1);
    expect(ops.runs.runs.get('r1')!.status).toBe(DagsterRunStatus.STARTED);
    expect(cb).not.toHaveBeenCalled();
  });

  it('storeEvent skips what shouldStoreEvent refuses', async () => {
    const ops = createFakeOps();
    await storeEvent(ops, assetFailedEntry('r1'));
    expect(ops.events.records).toEqual([]);
    expect(shouldStoreEvent(ops, assetFailedEntry('r1'))).toBe(false);
    expect(shouldStoreEvent(ops, logEntry('r1', 'x'))).toBe(true);
  });
});

describe('eventBatchSizeFromEnv', () => {
  it('reads DAGSTER_EVENT_BATCH_SIZE, 0 when unset', () => {
    expect(eventBatchSizeFromEnv({})).toBe(0);
    expect(eventBatchSizeFromEnv({ DAGSTER_EVENT_BATCH_SIZE: '50' })).toBe(50);
    expect(() => eventBatchSizeFromEnv({ DAGSTER_EVENT_BATCH_SIZE: 'lots' })).toThrow(ConfigError);
  });
});
