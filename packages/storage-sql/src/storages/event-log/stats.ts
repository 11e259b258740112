import {
  DagsterEventType,
  DagsterRunStatsSnapshot,
  EngineEventData,
  type EventLogEntry,
  type ExpectationResult,
  MARKER_EVENTS,
  PIPELINE_EVENTS,
  RunStepKeyStatsSnapshot,
  RunStepMarker,
  StepEventStatus,
  StepExpectationResultData,
} from '@inst/types';
import { fromSqlTimestamp } from '../../values.js';
import type { EventLogContext } from './context.js';
import { parseEntry, placeholders } from './rows.js';

/*
 * Run and step statistics from a run's events (Dagster's `_core/execution/stats.py`).
 */

const E = DagsterEventType;

/** Event types the run stats count (Dagster's RUN_STATS_EVENT_TYPES). */
const RUN_STATS_EVENT_TYPES: readonly DagsterEventType[] = [...PIPELINE_EVENTS, E.STEP_FAILURE, E.STEP_SUCCESS, E.ASSET_MATERIALIZATION, E.STEP_EXPECTATION_RESULT];

/** Event types the step stats read (Dagster's STEP_STATS_EVENT_TYPES). */
const STEP_STATS_EVENT_TYPES: ReadonlySet<DagsterEventType> = new Set([
  E.STEP_START,
  E.STEP_FAILURE,
  E.STEP_RESTARTED,
  E.STEP_SUCCESS,
  E.STEP_SKIPPED,
  E.ASSET_MATERIALIZATION,
  E.STEP_EXPECTATION_RESULT,
  E.STEP_UP_FOR_RETRY,
  ...MARKER_EVENTS,
]);

/**
 * Counts and times of a run: counts per event type and the last time of each run event, read with
 * one aggregate query as Dagster's SQL storage does.
 */
export async function getStatsForRun(ctx: EventLogContext, runId: string): Promise<DagsterRunStatsSnapshot> {
  const db = await ctx.connections.readRun(runId);
  const rows = db
    ? await db.all<{ dagster_event_type: string; n: number | bigint; last: string | null }>(
        `SELECT dagster_event_type, COUNT(*) AS n, MAX("timestamp") AS last FROM event_logs
          WHERE run_id = ? AND dagster_event_type IN (${placeholders(RUN_STATS_EVENT_TYPES.length)}) GROUP BY dagster_event_type`,
        [runId, ...RUN_STATS_EVENT_TYPES],
      )
    : [];
  const counts = new Map(rows.map((row) => [row.dagster_event_type, Number(row.n)]));
  const times = new Map(rows.map((row) => [row.dagster_event_type, row.last === null ? null : fromSqlTimestamp(row.last)]));
  const time = (type: DagsterEventType): number | null => times.get(type) ?? null;
  return new DagsterRunStatsSnapshot({
    runId,
    stepsSucceeded: counts.get(E.STEP_SUCCESS) ?? 0,
    stepsFailed: counts.get(E.STEP_FAILURE) ?? 0,
    materializations: counts.get(E.ASSET_MATERIALIZATION) ?? 0,
    expectations: counts.get(E.STEP_EXPECTATION_RESULT) ?? 0,
    enqueuedTime: time(E.RUN_ENQUEUED),
    launchTime: time(E.RUN_STARTING),
    startTime: time(E.RUN_START),
    endTime: time(E.RUN_SUCCESS) ?? time(E.RUN_FAILURE) ?? time(E.RUN_CANCELED),
  });
}

export async function getStepStatsForRun(ctx: EventLogContext, runId: string, stepKeys?: readonly string[]): Promise<RunStepKeyStatsSnapshot[]> {
  const db = await ctx.connections.readRun(runId);
  if (!db) return [];
  const types = [...STEP_STATS_EVENT_TYPES];
  const params: unknown[] = [runId, ...types];
  let sql = `SELECT id, event FROM event_logs WHERE run_id = ? AND step_key IS NOT NULL AND dagster_event_type IN (${placeholders(types.length)})`;
  if (stepKeys && stepKeys.length > 0) {
    sql += ` AND step_key IN (${placeholders(stepKeys.length)})`;
    params.push(...stepKeys);
  }
  const rows = await db.all<{ id: number | bigint; event: string }>(`${sql} ORDER BY id ASC`, params);
  return buildRunStepStats(
    runId,
    rows.map((row) => parseEntry(row.event, 'event_logs', Number(row.id))),
  );
}

interface StepAccumulator {
  status?: StepEventStatus;
  startTime?: number;
  endTime?: number;
  attempts?: number;
  partialAttemptStart?: number | null;
  materializationEvents: EventLogEntry[];
  expectationResults: ExpectationResult[];
  attemptsList: RunStepMarker[];
}

type Markers = Map<string, { start?: number; end?: number }>;

/** Dagster's `build_run_step_stats_from_events`: per-step status, times, attempts and markers. */
export function buildRunStepStats(runId: string, entries: Iterable<EventLogEntry>): RunStepKeyStatsSnapshot[] {
  const steps = new Map<string, StepAccumulator>();
  // Markers are kept apart: a step with marker events only gets no stats of its own.
  const markersByStep = new Map<string, Markers>();
  const stepOf = (key: string): StepAccumulator => {
    let step = steps.get(key);
    if (!step) {
      step = { materializationEvents: [], expectationResults: [], attemptsList: [] };
      steps.set(key, step);
    }
    return step;
  };
  const openAttempt = (step: StepAccumulator, at: number) => {
    step.attempts = (step.attempts ?? 0) + 1;
    step.partialAttemptStart = at;
  };
  const closeAttempt = (step: StepAccumulator, at: number) => {
    let start = step.partialAttemptStart ?? null;
    // Only when a step is retried before it started.
    if (start === null) {
      step.attempts = (step.attempts ?? 0) + 1;
      start = at;
    }
    step.attemptsList.push(new RunStepMarker({ startTime: start, endTime: at }));
    step.partialAttemptStart = null;
  };
  const finish = (step: StepAccumulator, status: StepEventStatus, at: number) => {
    step.endTime = at;
    step.status = status;
    closeAttempt(step, at);
  };

  for (const entry of entries) {
    const event = entry.dagsterEvent;
    if (!event?.stepKey || !STEP_STATS_EVENT_TYPES.has(event.eventType)) continue;
    const at = entry.timestamp;
    if (MARKER_EVENTS.has(event.eventType)) {
      const data = event.eventSpecificData instanceof EngineEventData ? event.eventSpecificData : null;
      if (!data) continue;
      const markers: Markers = markersByStep.get(event.stepKey) ?? new Map();
      markersByStep.set(event.stepKey, markers);
      if (data.markerStart) markers.set(data.markerStart, { ...markers.get(data.markerStart), start: at });
      if (data.markerEnd) markers.set(data.markerEnd, { ...markers.get(data.markerEnd), end: at });
      continue;
    }
    const step = stepOf(event.stepKey);
    switch (event.eventType) {
      case E.STEP_START:
        step.status = StepEventStatus.IN_PROGRESS;
        step.startTime = at;
        openAttempt(step, at);
        break;
      case E.STEP_RESTARTED:
        openAttempt(step, at);
        break;
      case E.STEP_UP_FOR_RETRY:
        closeAttempt(step, at);
        break;
      case E.STEP_FAILURE:
        finish(step, StepEventStatus.FAILURE, at);
        break;
      case E.STEP_SUCCESS:
        finish(step, StepEventStatus.SUCCESS, at);
        break;
      case E.STEP_SKIPPED:
        finish(step, StepEventStatus.SKIPPED, at);
        break;
      case E.ASSET_MATERIALIZATION:
        step.materializationEvents.push(entry);
        break;
      case E.STEP_EXPECTATION_RESULT:
        if (event.eventSpecificData instanceof StepExpectationResultData) step.expectationResults.push(event.eventSpecificData.expectationResult);
        break;
    }
  }

  return [...steps].map(
    ([stepKey, step]) =>
      new RunStepKeyStatsSnapshot({
        runId,
        stepKey,
        status: step.status ?? null,
        startTime: step.startTime ?? null,
        endTime: step.endTime ?? null,
        materializationEvents: step.materializationEvents,
        expectationResults: step.expectationResults,
        attempts: step.attempts ?? null,
        attemptsList: step.attemptsList,
        markers: [...(markersByStep.get(stepKey) ?? [])].map(([key, marker]) => new RunStepMarker({ startTime: marker.start ?? null, endTime: marker.end ?? null, key })),
        partialAttemptStart: step.partialAttemptStart ?? null,
      }),
  );
}
