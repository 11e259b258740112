import { InvalidCursorError, NotSupportedError, RunNotFoundError } from '@inst/errors';
import type { WatchedEvent } from '@inst/storage';
import { DagsterEventType, DagsterRun, DagsterRunStatus, EventLogCursor, type EventLogEntry } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createFakeOps, eventEntry, logEntry } from './fake-ops.test-support';
import { endWatchEventLogs, watchAllRunEvents, watchAllRunEventsWith, watchEventLogs, watchRunEvents } from './watch';
import { handleNewEvent } from './write';

const E = DagsterEventType;

/** Reads `n` events from an iterator. */
async function take(iterator: AsyncIterator<WatchedEvent>, n: number): Promise<WatchedEvent[]> {
  const out: WatchedEvent[] = [];
  while (out.length < n) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const messages = (events: WatchedEvent[]): string[] => events.map((e) => e.record.eventLogEntry.message);

describe('watchRunEvents', () => {
  it('yields stored events after the cursor, then new ones as they are stored, once each and in order', async () => {
    const ops = createFakeOps();
    ops.events.repeatInWatch = true;
    ops.runs.add(new DagsterRun({ jobName: 'etl', runId: 'r1', status: DagsterRunStatus.STARTED }));
    await handleNewEvent(ops, logEntry('r1', 'zero'));
    await handleNewEvent(ops, logEntry('r1', 'one'));
    await handleNewEvent(ops, logEntry('r2', 'elsewhere'));

    const controller = new AbortController();
    const iterator = watchRunEvents(ops, 'r1', { after: EventLogCursor.fromStorageId(1).toString(), signal: controller.signal })[Symbol.asyncIterator]();
    const first = await take(iterator, 1);
    expect(messages(first)).toEqual(['one']);
    expect(first[0]!.cursor).toBe(EventLogCursor.fromStorageId(2).toString());

    const later = take(iterator, 2);
    await handleNewEvent(ops, logEntry('r1', 'two'));
    await handleNewEvent(ops, logEntry('r1', 'three'));
    expect(messages(await later)).toEqual(['two', 'three']);

    const pending = iterator.next();
    controller.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('takes a storage id as the cursor, and yields nothing for an aborted signal', async () => {
    const ops = createFakeOps();
    ops.runs.add(new DagsterRun({ jobName: 'etl', runId: 'r1', status: DagsterRunStatus.STARTED }));
    for (const m of ['a', 'b', 'c']) await handleNewEvent(ops, logEntry('r1', m));
    const controller = new AbortController();
    const iterator = watchRunEvents(ops, 'r1', { after: 2, signal: controller.signal })[Symbol.asyncIterator]();
    expect(messages(await take(iterator, 1))).toEqual(['c']);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);

    const seen: WatchedEvent[] = [];
    for await (const event of watchRunEvents(ops, 'r1', { signal: AbortSignal.abort() })) seen.push(event);
    expect(seen).toEqual([]);
  });

  it('with untilRunEnds, ends after the run’s terminal event', async () => {
    const ops = createFakeOps();
    ops.runs.add(new DagsterRun({ jobName: 'etl', runId: 'r1', status: DagsterRunStatus.STARTING }));
    const collected = (async () => {
      const seen: string[] = [];
      for await (const event of watchRunEvents(ops, 'r1', { untilRunEnds: true })) seen.push(event.record.eventLogEntry.dagsterEventType ?? 'log');
      return seen;
    })();
    await handleNewEvent(ops, eventEntry('r1', E.RUN_START));
    await handleNewEvent(ops, logEntry('r1', 'working'));
    await handleNewEvent(ops, eventEntry('r1', E.RUN_FAILURE));
    await handleNewEvent(ops, logEntry('r1', 'after the end'));
    expect(await collected).toEqual([E.RUN_START, 'log', E.RUN_FAILURE]);
  });

  it('with untilRunEnds on an ended run, yields what is stored after the cursor and ends', async () => {
    const ops = createFakeOps();
    ops.runs.add(new DagsterRun({ jobName: 'etl', runId: 'r1', status: DagsterRunStatus.STARTED }));
    await handleNewEvent(ops, eventEntry('r1', E.RUN_SUCCESS));
    await handleNewEvent(ops, logEntry('r1', 'cleanup 1'));
    await handleNewEvent(ops, logEntry('r1', 'cleanup 2'));
    expect(ops.runs.runs.get('r1')!.status).toBe(DagsterRunStatus.SUCCESS);

    const seen: WatchedEvent[] = [];
    // The terminal event (storage id 1) is before the cursor: the stream must still end.
    for await (const event of watchRunEvents(ops, 'r1', { after: 1, untilRunEnds: true })) seen.push(event);
    expect(messages(seen)).toEqual(['cleanup 1', 'cleanup 2']);
    expect(seen.map((e) => e.cursor)).toEqual([EventLogCursor.fromStorageId(2).toString(), EventLogCursor.fromStorageId(3).toString()]);
  });

  it('fails with RunNotFoundError for a run that is not stored, instead of waiting forever', async () => {
    const ops = createFakeOps();
    const iterator = watchRunEvents(ops, 'nowhere')[Symbol.asyncIterator]();
    const error = await iterator.next().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as RunNotFoundError).runId).toBe('nowhere');
    await expect(watchRunEvents(ops, 'nowhere', { untilRunEnds: true })[Symbol.asyncIterator]().next()).rejects.toThrow(RunNotFoundError);
  });

  it('with waitForRun, waits for a run that is not stored yet and yields its events once they are stored', async () => {
    const ops = createFakeOps();
    const controller = new AbortController();
    const iterator = watchRunEvents(ops, 'later', { waitForRun: true, signal: controller.signal })[Symbol.asyncIterator]();
    const first = take(iterator, 1);
    ops.runs.add(new DagsterRun({ jobName: 'etl', runId: 'later', status: DagsterRunStatus.STARTED }));
    await handleNewEvent(ops, logEntry('later', 'hello'));
    expect(messages(await first)).toEqual(['hello']);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  it('watches the runless events (run id "") without a run', async () => {
    const ops = createFakeOps();
    await handleNewEvent(ops, logEntry('', 'runless'));
    const controller = new AbortController();
    const iterator = watchRunEvents(ops, '', { signal: controller.signal })[Symbol.asyncIterator]();
    expect(messages(await take(iterator, 1))).toEqual(['runless']);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  it('rejects a malformed cursor with InvalidCursorError before reading', async () => {
    const ops = createFakeOps();
    const iterator = watchRunEvents(ops, 'r1', { after: 'not a cursor!' })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow(InvalidCursorError);
    expect(ops.events.calls).toEqual([]);
  });
});

describe('watchEventLogs / endWatchEventLogs', () => {
  it('calls back for new events after the cursor until the watch ends', async () => {
    const ops = createFakeOps();
    await handleNewEvent(ops, logEntry('r1', 'old'));
    const seen: [string, string][] = [];
    const cb = (entry: EventLogEntry, cursor: string): void => void seen.push([entry.userMessage, cursor]);
    watchEventLogs(ops, 'r1', EventLogCursor.fromStorageId(1).toString(), cb);

    await handleNewEvent(ops, logEntry('r1', 'new'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([['new', EventLogCursor.fromStorageId(2).toString()]]);

    endWatchEventLogs(ops, 'r1', cb);
    await handleNewEvent(ops, logEntry('r1', 'unseen'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toHaveLength(1);
  });
});

describe('watchAllRunEvents', () => {
  it('yields the events of every run after the cursor in storage-id order, once each, of the asked types, until aborted', async () => {
    const ops = createFakeOps();
    ops.events.repeatInWatch = true;
    await handleNewEvent(ops, logEntry('r1', 'zero'));
    await handleNewEvent(ops, logEntry('r2', 'one'));
    const controller = new AbortController();
    const iterator = watchAllRunEvents(ops, { after: 1, signal: controller.signal })[Symbol.asyncIterator]();
    const later = take(iterator, 3);
    await handleNewEvent(ops, logEntry('r3', 'two'));
    await handleNewEvent(ops, logEntry('r1', 'three'));
    const got = await later;
    expect(messages(got)).toEqual(['one', 'two', 'three']);
    expect(got.map((e) => e.record.runId)).toEqual(['r2', 'r3', 'r1']);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);

    const typed = watchAllRunEvents(ops, { eventTypes: [E.RUN_SUCCESS], signal: new AbortController().signal })[Symbol.asyncIterator]();
    const success = take(typed, 1);
    await handleNewEvent(ops, eventEntry('r2', E.RUN_SUCCESS));
    expect((await success).map((e) => e.record.eventLogEntry.dagsterEventType)).toEqual([E.RUN_SUCCESS]);
    await typed.return?.();
  });

  it('has a callback form that gets the same events, in order, and settles when aborted', async () => {
    const ops = createFakeOps();
    await handleNewEvent(ops, logEntry('r1', 'zero'));
    const controller = new AbortController();
    const seen: string[] = [];
    const done = watchAllRunEventsWith(
      ops,
      async (watched) => {
        seen.push(`${watched.record.runId}:${watched.record.eventLogEntry.userMessage}`);
        if (seen.length === 3) controller.abort();
      },
      { signal: controller.signal },
    );
    await handleNewEvent(ops, logEntry('r2', 'one'));
    await handleNewEvent(ops, logEntry('r1', 'two'));
    await done;
    expect(seen).toEqual(['r1:zero', 'r2:one', 'r1:two']);
    const failing = watchAllRunEventsWith(ops, () => {
      throw new Error('handler failed');
    });
    await expect(failing).rejects.toThrow('handler failed');
  });

  it('fails with NotSupportedError on a storage without watchAllRuns', async () => {
    const storage = { getRecordsForRun: () => Promise.reject(new Error('not reached')) };
    await expect(watchAllRunEvents({ eventLogStorage: storage as never })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(NotSupportedError);
  });
});
