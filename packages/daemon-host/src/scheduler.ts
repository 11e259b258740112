/**
 * The scheduler daemon (Dagster's `_scheduler/scheduler.py`): every running schedule of the loaded code locations
 * ticks at each of its cron times in its timezone, with Dagster's tick lifecycle and bodies, idempotent runs (found
 * again by their schedule-name / scheduled-execution-time / run-key tags) and bounded catch-up.
 */
import type { Instance } from '@inst/core';
import { InstError } from '@inst/errors';
import { currentScheduleState, DagsterDaemonScheduler, DEFAULT_MAX_CATCHUP_RUNS, scheduleExecutionTimeIterator } from '@inst/scheduling';
import {
  DagsterRunStatus,
  InstigatorState,
  InstigatorStatus,
  InstigatorTick,
  InstigatorType,
  RUN_TAGS,
  RunsFilter,
  ScheduleInstigatorData,
  SerializableErrorInfo,
  TickData,
  TickStatus,
  type DagsterRun,
} from '@inst/types';
import type { DaemonContext, DaemonDefinition } from './host';
import { createRunForRequest, loadLocations, pythonUtcIsoformat, remoteSchedules, requestTags, type RemoteSchedule, type RunCreator } from './locations';
import { purgeInstigatorTicks } from './tick-retention';

/** Seconds between two writes of a schedule's `last_iteration_timestamp` (Dagster: 3600). */
export const SCHEDULE_CHECKPOINT_INTERVAL_SECONDS = 3600;

/** Crash points for failure-recovery tests (Dagster's debug crash flags). */
export type SchedulerCrashPoint = 'TICK_CREATED' | 'RUN_CREATED' | 'RUN_SUBMITTED' | 'TICK_SUCCESS';

/** Options of {@link launchScheduledRuns}. */
export interface SchedulerOptions {
  /** Default: the instance scheduler's `max_catchup_runs` (5). */
  readonly maxCatchupRuns?: number;
  /** Default: the instance scheduler's `max_tick_retries` (0). */
  readonly maxTickRetries?: number;
  /** How runs are created (default {@link createRunForRequest}). */
  readonly createRun?: RunCreator;
  /** Schedules ticked at once (Dagster's `schedules.num_workers`; default 8): one slow schedule does not delay the others. */
  readonly concurrency?: number;
  /** Test hook: throw at a point of a tick, as if the process died there. */
  readonly crashAt?: (point: SchedulerCrashPoint, info: { scheduleName: string; timestamp: number }) => void;
}

/** What one scheduler iteration did, per schedule. */
export interface ScheduleIterationResult {
  readonly scheduleName: string;
  readonly ticks: readonly { timestamp: number; status: TickStatus; runIds: readonly string[] }[];
}

function settingsOf(instance: Instance, options: SchedulerOptions): { maxCatchupRuns: number; maxTickRetries: number } {
  const scheduler = instance.scheduler as unknown;
  const daemonScheduler = scheduler instanceof DagsterDaemonScheduler ? scheduler : null;
  return {
    maxCatchupRuns: options.maxCatchupRuns ?? daemonScheduler?.maxCatchupRuns ?? DEFAULT_MAX_CATCHUP_RUNS,
    maxTickRetries: options.maxTickRetries ?? daemonScheduler?.maxTickRetries ?? 0,
  };
}

/** A tick with a new status and the end timestamp from the injected clock. */
export function finishTick(tick: InstigatorTick, status: TickStatus, now: number, changes: Record<string, unknown> = {}): InstigatorTick {
  // Dagster's update_state: a SUCCESS or SKIPPED tick resets the failure counts.
  const reset = status === TickStatus.SUCCESS || status === TickStatus.SKIPPED ? { failureCount: 0, consecutiveFailureCount: 0 } : {};
  return new InstigatorTick({ tickId: tick.tickId, tickData: tick.tickData.withStatus(status, { ...reset, ...changes, endTimestamp: now }) });
}

function isUnreachable(error: unknown): boolean {
  return error instanceof InstError && (error.code === 'USER_CODE_UNREACHABLE' || error.code === 'CODE_LOCATION_LOAD_ERROR');
}

/**
 * One pass of the scheduler (Dagster's `launch_scheduled_runs`): for each running schedule, every due tick.
 */
export async function launchScheduledRuns(ctx: DaemonContext, options: SchedulerOptions = {}): Promise<ScheduleIterationResult[]> {
  const { instance, log } = ctx;
  const now = ctx.now();
  const loaded = await loadLocations(ctx.workspace, (location, error) =>
    log.error(`Could not load code location ${location.name}; its schedules are not evaluated`, { error: String(error) }),
  );
  const stored = new Map((await instance.allInstigatorState(undefined, undefined, InstigatorType.SCHEDULE)).map((s) => [s.selectorId, s]));
  const results: ScheduleIterationResult[] = [];
  const schedules = loaded.flatMap(remoteSchedules);
  let next = 0;
  const worker = async () => {
    while (next < schedules.length && !ctx.signal.aborted) {
      const schedule = schedules[next++]!;
      let state = stored.get(schedule.selectorId) ?? null;
      const current = currentScheduleState(schedule, state);
      if (!current.isRunning) continue;
      try {
        if (!state) {
          // Declared running in code and never stored: store it, starting now.
          state = await instance.addInstigatorState(
            new InstigatorState({
              origin: schedule.origin,
              instigatorType: InstigatorType.SCHEDULE,
              status: InstigatorStatus.DECLARED_IN_CODE,
              instigatorData: new ScheduleInstigatorData({ cronSchedule: schedule.cronSchedule, startTimestamp: now }),
            }),
          );
        }
        results.push(await launchForSchedule(ctx, schedule, state, now, options));
      } catch (error) {
        // One schedule's trouble does not stop the others.
        log.error(`Scheduler caught an error for schedule ${schedule.name}`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return results;
}

async function launchForSchedule(
  ctx: DaemonContext,
  schedule: RemoteSchedule,
  state: InstigatorState,
  now: number,
  options: SchedulerOptions,
): Promise<ScheduleIterationResult> {
  const { instance, log } = ctx;
  const { maxCatchupRuns, maxTickRetries } = settingsOf(instance, options);
  const data = state.instigatorData as ScheduleInstigatorData;
  const [latest] = await instance.getTicks(schedule.origin.getId(), schedule.selectorId, null, null, 1);
  const latestData = latest?.tickData;

  let start: number;
  if (latestData) {
    const redo = latestData.status === TickStatus.STARTED || (latestData.status === TickStatus.FAILURE && latestData.failureCount <= maxTickRetries);
    start = redo ? latestData.timestamp : latestData.timestamp + 1;
  } else start = data.startTimestamp ?? now;
  start = Math.max(start, data.startTimestamp ?? 0);
  if (!latestData || latestData.status !== TickStatus.STARTED) start = Math.max(start, data.lastIterationTimestamp ?? 0);

  let times: number[] = [];
  for (const t of scheduleExecutionTimeIterator(start, schedule.cronSchedule, schedule.executionTimezone)) {
    if (t > now) break;
    times.push(t);
  }
  const ticks: { timestamp: number; status: TickStatus; runIds: readonly string[] }[] = [];
  if (times.length === 0) {
    await checkpoint(instance, state, now);
    return { scheduleName: schedule.name, ticks };
  }
  if (!schedule.hasPartitions && times.length > 1) {
    log.info(`${schedule.name} has no partition set, so not trying to catch up`);
    times = times.slice(-1);
  } else if (times.length > maxCatchupRuns) {
    log.warn(`${schedule.name} has fallen behind, only launching ${maxCatchupRuns} runs`);
    times = times.slice(-maxCatchupRuns);
  }

  for (const t of times) {
    if (ctx.signal.aborted) break;
    let tick: InstigatorTick;
    if (latest && latestData && latestData.timestamp === t && latestData.status !== TickStatus.SUCCESS && latestData.status !== TickStatus.SKIPPED) {
      log.info(
        latestData.status === TickStatus.STARTED
          ? `Resuming previously interrupted schedule execution at ${pythonUtcIsoformat(t)}`
          : `Retrying previously failed schedule execution at ${pythonUtcIsoformat(t)}`,
      );
      tick = latest;
    } else {
      const carried =
        latestData && (latestData.status === TickStatus.FAILURE || latestData.status === TickStatus.STARTED)
          ? latestData.consecutiveFailureCount || latestData.failureCount
          : 0;
      tick = await instance.createTick(
        new TickData({
          instigatorOriginId: schedule.origin.getId(),
          instigatorName: schedule.name,
          instigatorType: InstigatorType.SCHEDULE,
          status: TickStatus.STARTED,
          timestamp: t,
          selectorId: schedule.selectorId,
          consecutiveFailureCount: carried,
        }),
      );
      options.crashAt?.('TICK_CREATED', { scheduleName: schedule.name, timestamp: t });
    }
    tick = await instance.updateTick(
      new InstigatorTick({ tickId: tick.tickId, tickData: tick.tickData.withLogKey([schedule.origin.repositoryOrigin.repositoryName, schedule.name, String(tick.tickId)]) }),
    );
    const finished = await evaluateTick(ctx, schedule, tick, t, options);
    await instance.updateTick(finished);
    await purgeInstigatorTicks(instance, InstigatorType.SCHEDULE, schedule.origin.getId(), schedule.selectorId, ctx.now());
    ticks.push({ timestamp: t, status: finished.tickData.status, runIds: finished.tickData.runIds });
    if (finished.tickData.status === TickStatus.FAILURE) return { scheduleName: schedule.name, ticks }; // retried next pass
  }
  await checkpoint(instance, state, now);
  return { scheduleName: schedule.name, ticks };
}

async function checkpoint(instance: Instance, state: InstigatorState, now: number): Promise<void> {
  const data = state.instigatorData as ScheduleInstigatorData;
  if (data.lastIterationTimestamp != null && now - data.lastIterationTimestamp < SCHEDULE_CHECKPOINT_INTERVAL_SECONDS) return;
  const fresh = (await instance.getInstigatorState(state.instigatorOriginId, state.selectorId)) ?? state;
  const freshData = fresh.instigatorData as ScheduleInstigatorData;
  await instance.updateInstigatorState(
    fresh.withData(new ScheduleInstigatorData({ cronSchedule: freshData.cronSchedule, startTimestamp: freshData.startTimestamp, lastIterationTimestamp: now })),
  );
}

async function evaluateTick(ctx: DaemonContext, schedule: RemoteSchedule, tick: InstigatorTick, t: number, options: SchedulerOptions): Promise<InstigatorTick> {
  const { instance, log } = ctx;
  const failure = (error: SerializableErrorInfo, countsAsFailure: boolean) =>
    finishTick(tick, TickStatus.FAILURE, ctx.now(), {
      error,
      failureCount: tick.tickData.failureCount + (countsAsFailure ? 1 : 0),
      consecutiveFailureCount: tick.tickData.consecutiveFailureCount + 1,
    });
  let evaluation;
  try {
    evaluation = await schedule.loaded.location.evaluateSchedule(schedule.name, {
      scheduledExecutionTime: t,
      ...(schedule.executionTimezone ? { timezone: schedule.executionTimezone } : {}),
    });
  } catch (error) {
    if (isUnreachable(error)) {
      const wrapped = new Error(`Unable to reach the user code server for schedule ${schedule.name}. Schedule will resume execution once the server is available.`, { cause: error });
      return failure(SerializableErrorInfo.fromError(wrapped), false);
    }
    return failure(SerializableErrorInfo.fromError(error), true);
  }
  if (evaluation.error) return failure(evaluation.error instanceof SerializableErrorInfo ? evaluation.error : SerializableErrorInfo.fromError(evaluation.error), true);
  const requests = evaluation.runRequests ?? [];
  if (requests.length === 0) return finishTick(tick, TickStatus.SKIPPED, ctx.now(), { skipReason: evaluation.skipMessage ?? null });
  if (requests.length > 1 && requests.some((r) => !r.runKey)) {
    return failure(SerializableErrorInfo.fromError(new Error('Schedules that return multiple RunRequests must specify a run_key in each RunRequest')), true);
  }

  const createRun = options.createRun ?? createRunForRequest;
  const scheduledTime = pythonUtcIsoformat(t);
  let current = tick;
  for (const request of requests) {
    const jobName = request.jobName ?? schedule.jobName;
    const lookup: Record<string, string> = { [RUN_TAGS.SCHEDULE_NAME]: schedule.name, [RUN_TAGS.SCHEDULED_EXECUTION_TIME]: scheduledTime };
    if (request.runKey) lookup[RUN_TAGS.RUN_KEY] = request.runKey;
    const existing = (await instance.getRuns(new RunsFilter({ tags: lookup }))).find(
      (run: DagsterRun) => !run.remoteJobOrigin || run.remoteJobOrigin.repositoryOrigin.getSelectorId() === schedule.loaded.repositoryOrigin.getSelectorId(),
    );
    let run: DagsterRun;
    if (existing && existing.status !== DagsterRunStatus.NOT_STARTED) {
      log.info(`Run ${existing.runId} already completed for this execution of ${schedule.name}`);
      current = current.withRunInfo(existing.runId, request.runKey ?? null);
      continue;
    } else if (existing) {
      run = existing;
    } else {
      run = await createRun(instance, schedule.loaded, {
        jobName,
        tags: {
          ...requestTags(request),
          [RUN_TAGS.SCHEDULE_NAME]: schedule.name,
          [RUN_TAGS.TICK_ID]: String(tick.tickId),
          [RUN_TAGS.SCHEDULED_EXECUTION_TIME]: scheduledTime,
          ...(request.runKey ? { [RUN_TAGS.RUN_KEY]: request.runKey } : {}),
        },
        runConfig: request.runConfig ?? {},
        assetSelection: request.assetSelection ?? null,
      });
      options.crashAt?.('RUN_CREATED', { scheduleName: schedule.name, timestamp: t });
    }
    if (run.status !== DagsterRunStatus.FAILURE) {
      try {
        await instance.submitRun(run.runId);
      } catch (error) {
        log.error(`Run ${run.runId} created successfully but failed to launch: ${String(error)}`);
      }
    }
    options.crashAt?.('RUN_SUBMITTED', { scheduleName: schedule.name, timestamp: t });
    current = current.withRunInfo(run.runId, request.runKey ?? null);
    await instance.updateTick(current);
  }
  options.crashAt?.('TICK_SUCCESS', { scheduleName: schedule.name, timestamp: t });
  return finishTick(current, TickStatus.SUCCESS, ctx.now());
}

/** Dagster's next scheduler pass: the start of the next wall-clock minute, plus 1 ms. */
export function nextSchedulerIterationTime(iterationStart: number): number {
  return Math.floor(iterationStart / 60) * 60 + 60 + 0.001;
}

/** The SCHEDULER daemon. */
export function schedulerDaemon(options: SchedulerOptions = {}): DaemonDefinition {
  return {
    daemonType: 'SCHEDULER',
    intervalSeconds: 60,
    nextIterationTime: nextSchedulerIterationTime,
    async runIteration(ctx) {
      await launchScheduledRuns(ctx, options);
    },
  };
}
