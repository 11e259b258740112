import { InvalidArgumentError } from '@inst/errors';
import { serializeValue } from '@inst/serdes';
import {
  DagsterEvent,
  DagsterEventBatchMetadata,
  DagsterEventType,
  DagsterRun,
  EngineEventData,
  EventLogEntry,
  SerializableErrorInfo,
} from '@inst/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeOps } from './fake-ops.test-support';
import { reportDagsterEvent, reportEngineEvent } from './report';

const run = new DagsterRun({ jobName: 'nightly', runId: 'run-1' });

afterEach(() => vi.useRealTimers());

describe('reportEngineEvent', () => {
  it('stores an INFO ENGINE_EVENT of the run and returns the event', async () => {
    const ops = createFakeOps();
    class QueuedRunCoordinator {}
    const event = await reportEngineEvent(ops, 'Run dequeued', run, null, QueuedRunCoordinator, 'step_a');

    expect(event.eventType).toBe(DagsterEventType.ENGINE_EVENT);
    expect(event.jobName).toBe('nightly');
    expect(event.message).toBe('[QueuedRunCoordinator] Run dequeued');
    expect(event.stepKey).toBe('step_a');
    expect(event.eventSpecificData).toBeInstanceOf(EngineEventData);

    const [entry] = ops.events.entries('run-1');
    expect(entry!.dagsterEvent).toBe(event);
    expect(entry!.level).toBe(20);
    expect(entry!.jobName).toBe('nightly');
    expect(entry!.stepKey).toBe('step_a');
    expect(entry!.message).toBe('[QueuedRunCoordinator] Run dequeued');
  });

  it('is at ERROR level when the data carries an error', async () => {
    const ops = createFakeOps();
    const data = new EngineEventData({ error: SerializableErrorInfo.fromError(new Error('boom')) });
    await reportEngineEvent(ops, 'Launch failed', run, data);
    expect(ops.events.entries('run-1')[0]!.level).toBe(40);
  });

  it('takes job name and run id without a run, and they win over the run’s', async () => {
    const ops = createFakeOps();
    await reportEngineEvent(ops, 'no run', null, null, null, null, 'job_x', 'run-2');
    await reportEngineEvent(ops, 'override', run, null, null, null, 'job_y', 'run-3');
    expect(ops.events.entries('run-2')[0]!.jobName).toBe('job_x');
    expect(ops.events.entries('run-3')[0]!.jobName).toBe('job_y');
    expect(ops.events.entries('run-1')).toEqual([]);
  });

  it('throws InvalidArgumentError and writes nothing without a run or job name and run id', async () => {
    const ops = createFakeOps();
    const attempt = reportEngineEvent(ops, 'lost', null, null, null, null, 'job_only');
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', ids: { jobName: 'job_only' } });
    expect(ops.events.records).toEqual([]);
  });

  it('goes through ops.reportDagsterEvent, so an override is seen', async () => {
    const calls: unknown[][] = [];
    const ops = createFakeOps({ overrides: { reportDagsterEvent: async (...args) => void calls.push(args) } });
    const event = await reportEngineEvent(ops, 'hi', run);
    expect(calls).toEqual([[event, 'run-1', 20]]);
    expect(ops.events.records).toEqual([]);
  });
});

describe('reportDagsterEvent', () => {
  const event = new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_CANCELING, jobName: 'nightly', message: 'Sending run termination request.' });

  it('wraps the event in an entry of the run and hands it to handleNewEvent', async () => {
    const ops = createFakeOps();
    ops.runs.add(run);
    await reportDagsterEvent(ops, event, 'run-1', 'warn', null, 1_700_000_000.5);

    const [entry] = ops.events.entries('run-1');
    expect(entry).toBeInstanceOf(EventLogEntry);
    expect(entry!.level).toBe(30);
    expect(entry!.timestamp).toBe(1_700_000_000.5);
    expect(entry!.userMessage).toBe('');
    expect(entry!.message).toBe('Sending run termination request.');
    expect(entry!.runId).toBe('run-1');
    expect(entry!.jobName).toBe('nightly');
    // It went through handleNewEvent: the run moved.
    expect(ops.runs.runs.get('run-1')!.status).toBe('CANCELING');
  });

  it('stamps the current time in seconds when no timestamp (or 0) is given', async () => {
    vi.useFakeTimers({ now: 1_700_000_123_456, toFake: ['Date'] });
    const ops = createFakeOps();
    await reportDagsterEvent(ops, event, 'run-1');
    await reportDagsterEvent(ops, event, 'run-1', undefined, undefined, 0);
    expect(ops.events.entries('run-1').map((e) => [e.timestamp, e.level])).toEqual([
      [1_700_000_123.456, 20],
      [1_700_000_123.456, 20],
    ]);
  });

  it('passes the batch metadata on', async () => {
    const seen: unknown[] = [];
    const ops = createFakeOps({ overrides: { handleNewEvent: async (_entry, options) => void seen.push(options?.batchMetadata) } });
    const batch = new DagsterEventBatchMetadata({ id: 'b1', isEnd: true });
    await reportDagsterEvent(ops, event, 'run-1', 20, batch);
    expect(seen).toEqual([batch]);
  });

  it('throws InvalidArgumentError and writes nothing for an unknown level name', async () => {
    const ops = createFakeOps();
    await expect(reportDagsterEvent(ops, event, 'run-1', 'LOUD')).rejects.toThrow(InvalidArgumentError);
    expect(ops.events.records).toEqual([]);
  });

  it('builds the entry Dagster stores', async () => {
    const ops = createFakeOps();
    const engine = await reportEngineEvent(ops, 'hello', null, null, null, null, 'job', 'run-9');
    const entry = ops.events.entries('run-9')[0]!;
    // Python writes a float timestamp and an int level; the message lives on the DagsterEvent.
    const json = JSON.parse(serializeValue(entry)) as Record<string, unknown>;
    expect(json).toMatchObject({ __class__: 'EventLogEntry', level: 20, user_message: '', run_id: 'run-9', pipeline_name: 'job', step_key: null });
    expect(json.dagster_event).toMatchObject({ __class__: 'DagsterEvent', event_type_value: 'ENGINE_EVENT', message: 'hello', pipeline_name: 'job' });
    expect(engine.message).toBe('hello');
  });
});
