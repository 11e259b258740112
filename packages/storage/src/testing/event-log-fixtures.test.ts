import { describe, expect, it } from 'vitest';
import { serializeValue } from '@inst/serdes';
import { E, eventTypes, RETURN_ONE, synthesizeRun, TestClock } from './event-log-fixtures';

describe('event log suite fixtures', () => {
  it('TestClock is strictly increasing and follows the wall clock', () => {
    const clock = new TestClock();
    // The first reading lies between wall-clock readings taken around it (µs rounding aside): no deadline,
    // so a loaded machine cannot fail it.
    const before = Date.now() / 1000;
    const first = clock.next();
    const after = Date.now() / 1000;
    expect(first).toBeGreaterThanOrEqual(before - 1e-6);
    expect(first).toBeLessThanOrEqual(after + 1e-6);
    const times = [first, ...Array.from({ length: 999 }, () => clock.next())];
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });

  it('synthesizeRun emits a job execution’s events in Dagster’s order, ending with the run-ending event', () => {
    const events = synthesizeRun(new TestClock(), 'run', [...RETURN_ONE, { name: 'fails', outcome: 'failure', retries: 1, resources: true }]);
    expect(eventTypes(events)).toEqual([
      E.RUN_START,
      E.ENGINE_EVENT,
      E.STEP_START,
      null,
      E.STEP_OUTPUT,
      E.HANDLED_OUTPUT,
      E.STEP_SUCCESS,
      E.RESOURCE_INIT_STARTED,
      E.RESOURCE_INIT_SUCCESS,
      E.STEP_START,
      null,
      E.STEP_UP_FOR_RETRY,
      E.STEP_RESTARTED,
      E.STEP_FAILURE,
      E.ENGINE_EVENT,
      E.RUN_FAILURE,
    ]);
    expect(events.every((event) => event.runId === 'run')).toBe(true);
    // Every event serializes (they are stored as Dagster writes them).
    for (const event of events) expect(serializeValue(event)).toContain('"__class__": "EventLogEntry"');
  });
});
