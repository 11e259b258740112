/**
 * The sensor daemon (Dagster's `_daemon/sensor.py`): each running sensor of the loaded code locations is evaluated
 * at its minimum interval; its cursor is persisted; run requests are deduplicated by run key; run ids are reserved
 * in the tick body before any run is created, so a daemon killed mid-tick resumes the tick and creates each run once;
 * skip reasons, errors and dynamic-partition requests are recorded on the tick.
 */
import { randomUUID } from 'node:crypto';
import { InstError } from '@inst/errors';
import { currentSensorState } from '@inst/scheduling';
import {
  DagsterRunStatus,
  DynamicPartitionsRequestResult,
  InstigatorState,
  InstigatorStatus,
  InstigatorTick,
  InstigatorType,
  RUN_TAGS,
  RunsFilter,
  SensorInstigatorData,
  SensorType,
  SerializableErrorInfo,
  TickData,
  TickStatus,
  type DagsterRun,
} from '@inst/types';
import { SimulatedCrashError } from './crash';
import type { DaemonContext, DaemonDefinition } from './host';
import { createRunForRequest, loadLocations, remoteSensors, requestTags, type RemoteSensor, type RunCreator } from './locations';
import { finishTick } from './scheduler';
import { purgeInstigatorTicks } from './tick-retention';
import type { RunRequestLike, SensorEvaluationLike } from './workspace';

/** Dagster's sensor loop period (seconds): sensors are checked this often, each evaluated at its own interval. */
export const SENSOR_DAEMON_LOOP_SECONDS = 5;
/** A STARTED tick older than this is not resumed (Dagster's MAX_TIME_TO_RESUME_TICK_SECONDS). */
export const MAX_TIME_TO_RESUME_TICK_SECONDS = 86_400;
/** A failed tick with unsubmitted runs is retried this many times (Dagster's MAX_FAILURE_RESUBMISSION_RETRIES). */
export const MAX_FAILURE_RESUBMISSION_RETRIES = 1;

/** A run-status sensor's reaction to a run (Dagster's `DagsterRunReaction`), optional on a sensor evaluation. */
export interface DagsterRunReactionLike {
  readonly runId: string;
  readonly runStatus?: string | null;
  readonly error?: SerializableErrorInfo | null;
}

/** Crash points for failure-recovery tests. */
export type SensorCrashPoint = 'TICK_CREATED' | 'TICK_HELD' | 'RUN_CREATED' | 'RUN_SUBMITTED';


export { SimulatedCrashError };

/** Options of {@link executeSensorIteration}. */
export interface SensorOptions {
  readonly createRun?: RunCreator;
  readonly crashAt?: (point: SensorCrashPoint, info: { sensorName: string }) => void;
}

/** What a sensor tick did. */
export interface SensorTickResult {
  readonly sensorName: string;
  readonly status: TickStatus;
  readonly runIds: readonly string[];
}

/** The run requests of a tick as stored in its body (`run_requests`), Dagster's field names. */
interface StoredRunRequest {
  run_key: string | null;
  run_config: Record<string, unknown>;
  tags: Record<string, string>;
  job_name: string | null;
  partition_key: string | null;
  asset_selection: string[][] | null;
}

function toStored(request: RunRequestLike): StoredRunRequest {
  return {
    run_key: request.runKey ?? null,
    run_config: request.runConfig ?? {},
    tags: request.tags ?? {},
    job_name: request.jobName ?? null,
    partition_key: request.partitionKey ?? null,
    asset_selection: request.assetSelection ?? null,
  };
}

function fromStored(stored: unknown): RunRequestLike {
  const s = stored as StoredRunRequest;
  return {
    runKey: s.run_key,
    runConfig: s.run_config,
    tags: s.tags,
    ...(s.job_name ? { jobName: s.job_name } : {}),
    partitionKey: s.partition_key,
    ...(s.asset_selection ? { assetSelection: s.asset_selection } : {}),
  };
}

function isUnreachable(error: unknown): boolean {
  return error instanceof InstError && (error.code === 'USER_CODE_UNREACHABLE' || error.code === 'CODE_LOCATION_LOAD_ERROR');
}

const SKIPPED_SENSOR_TYPES = new Set<string>([SensorType.AUTOMATION, SensorType.AUTO_MATERIALIZE]);

/** One pass of the sensor daemon over every running sensor that is due. */
export async function executeSensorIteration(ctx: DaemonContext, options: SensorOptions = {}): Promise<SensorTickResult[]> {
  const { instance, log } = ctx;
  const loaded = await loadLocations(ctx.workspace, (location, error) =>
    log.error(`Could not load code location ${location.name}; its sensors are not evaluated`, { error: String(error) }),
  );
  const stored = new Map((await instance.allInstigatorState(undefined, undefined, InstigatorType.SENSOR)).map((s) => [s.selectorId, s]));
  const results: SensorTickResult[] = [];
  for (const sensor of loaded.flatMap(remoteSensors)) {
    if (ctx.signal.aborted) break;
    if (sensor.sensorType && SKIPPED_SENSOR_TYPES.has(sensor.sensorType)) continue;
    let state = stored.get(sensor.selectorId) ?? null;
    if (!currentSensorState(toRemoteLike(sensor), state).isRunning) continue;
    const now = ctx.now();
    if (!state) {
      state = await instance.addInstigatorState(
        new InstigatorState({
          origin: sensor.origin,
          instigatorType: InstigatorType.SENSOR,
          status: InstigatorStatus.DECLARED_IN_CODE,
          instigatorData: new SensorInstigatorData({
            minInterval: sensor.minIntervalSeconds || 30,
            lastSensorStartTimestamp: now,
            sensorType: (sensor.sensorType as SensorType | null) ?? SensorType.UNKNOWN,
          }),
        }),
      );
    }
    if (isUnderMinInterval(state, sensor, now)) continue;
    try {
      results.push(await processSensorTick(ctx, sensor, state, options));
    } catch (error) {
      log.error(`Sensor daemon caught an error for sensor ${sensor.name}`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }
  return results;
}

function toRemoteLike(sensor: RemoteSensor) {
  return {
    name: sensor.name,
    origin: sensor.origin,
    selectorId: sensor.selectorId,
    minIntervalSeconds: sensor.minIntervalSeconds,
    sensorType: (sensor.sensorType as SensorType | null) ?? null,
    defaultStatus: sensor.defaultStatus,
  };
}

/** The running AUTOMATION / AUTO_MATERIALIZE sensors of the loaded locations (which this daemon skips), as `location:name`. */
export async function automationSensors(ctx: DaemonContext): Promise<string[]> {
  const loaded = await loadLocations(ctx.workspace, () => undefined);
  if (loaded.length === 0) return [];
  const stored = new Map((await ctx.instance.allInstigatorState(undefined, undefined, InstigatorType.SENSOR)).map((s) => [s.selectorId, s]));
  return loaded
    .flatMap(remoteSensors)
    .filter((sensor) => sensor.sensorType && SKIPPED_SENSOR_TYPES.has(sensor.sensorType))
    .filter((sensor) => currentSensorState(toRemoteLike(sensor), stored.get(sensor.selectorId) ?? null).isRunning)
    .map((sensor) => `${sensor.loaded.location.name}:${sensor.name}`);
}

/** Dagster's `is_under_min_interval`. */
export function isUnderMinInterval(state: InstigatorState, sensor: { minIntervalSeconds: number | null }, now: number): boolean {
  const data = state.sensorInstigatorData;
  const last = Math.max(data?.lastTickTimestamp ?? 0, data?.lastTickStartTimestamp ?? 0);
  if (!last) return false;
  const minInterval = sensor.minIntervalSeconds || 30;
  return now - last < minInterval;
}

function sensorData(state: InstigatorState): SensorInstigatorData {
  return state.sensorInstigatorData ?? new SensorInstigatorData({});
}

function withData(data: SensorInstigatorData, changes: Partial<Record<keyof SensorInstigatorData, unknown>>): SensorInstigatorData {
  return new SensorInstigatorData({
    lastTickTimestamp: data.lastTickTimestamp,
    lastRunKey: data.lastRunKey,
    minInterval: data.minInterval,
    cursor: data.cursor,
    lastTickStartTimestamp: data.lastTickStartTimestamp,
    lastSensorStartTimestamp: data.lastSensorStartTimestamp,
    sensorType: data.sensorType,
    lastTickSuccessTimestamp: data.lastTickSuccessTimestamp,
    ...(changes as object),
  });
}

function unsubmittedReserved(tick: TickData): { runId: string; request: RunRequestLike }[] {
  const submitted = new Set(tick.runIds);
  return tick.reservedRunIds.map((runId, i) => ({ runId, request: fromStored(tick.runRequests[i]) })).filter(({ runId }) => !submitted.has(runId));
}

async function processSensorTick(ctx: DaemonContext, sensor: RemoteSensor, state: InstigatorState, options: SensorOptions): Promise<SensorTickResult> {
  const { instance, log } = ctx;
  const now = ctx.now();
  const original = sensorData(state);
  // mark_sensor_state_for_tick
  const current = state.withData(withData(original, { lastTickStartTimestamp: now, lastTickSuccessTimestamp: null, minInterval: sensor.minIntervalSeconds || 30 }));
  await instance.updateInstigatorState(current);

  const originId = sensor.origin.getId();
  let tick: InstigatorTick | null = null;
  let resume = false;
  if (original.lastTickSuccessTimestamp == null) {
    const [latest] = await instance.getTicks(originId, sensor.selectorId, null, null, 1);
    if (latest) {
      const data = latest.tickData;
      const pending = unsubmittedReserved(data);
      if (data.status === TickStatus.STARTED && pending.length > 0 && now - data.timestamp < MAX_TIME_TO_RESUME_TICK_SECONDS) {
        log.info(`Tick ${latest.tickId} was interrupted part-way through, resuming`);
        tick = latest;
        resume = true;
      } else if (data.status === TickStatus.STARTED) {
        log.info(`Moving dangling STARTED tick ${latest.tickId} into SKIPPED`);
        await instance.updateTick(finishTick(latest, TickStatus.SKIPPED, now));
      } else if (data.status === TickStatus.FAILURE && data.failureCount <= MAX_FAILURE_RESUBMISSION_RETRIES && pending.length > 0) {
        log.info(`Retrying failed tick ${latest.tickId}`);
        tick = await instance.createTick(data.withStatus(TickStatus.STARTED, { error: null, timestamp: now, endTimestamp: null }));
        resume = true;
      }
    }
    if (!tick && latest) {
      const d = latest.tickData;
      const carried = d.status === TickStatus.FAILURE || d.status === TickStatus.STARTED ? d.consecutiveFailureCount || d.failureCount : 0;
      tick = await newTick(ctx, sensor, now, carried);
    }
  }
  tick ??= await newTick(ctx, sensor, now, 0);
  options.crashAt?.('TICK_CREATED', { sensorName: sensor.name });
  tick = await instance.updateTick(
    new InstigatorTick({ tickId: tick.tickId, tickData: tick.tickData.withLogKey([sensor.origin.repositoryOrigin.repositoryName, sensor.name, String(tick.tickId)]) }),
  );

  let finished: InstigatorTick;
  let updateCursorOnFailure = false;
  if (resume) {
    finished = await submitRequests(ctx, sensor, tick, unsubmittedReserved(tick.tickData), options);
  } else {
    let evaluation: SensorEvaluationLike & { dagsterRunReactions?: readonly DagsterRunReactionLike[] };
    try {
      evaluation = await sensor.loaded.location.evaluateSensor(sensor.name, {
        cursor: original.cursor,
        lastTickCompletionTime: original.lastTickTimestamp,
        lastRunKey: original.lastRunKey,
        lastSensorStartTime: original.lastSensorStartTimestamp,
      });
      if (evaluation.error) throw evaluation.error instanceof SerializableErrorInfo ? new SerializedError(evaluation.error) : evaluation.error;
    } catch (error) {
      if (error instanceof SimulatedCrashError) throw error;
      finished = failTick(ctx, sensor, tick, error);
      return finishSensorTick(ctx, sensor, current, finished, false);
    }
    try {
      // Dynamic partitions first, as Dagster does.
      for (const request of evaluation.dynamicPartitionsRequests ?? []) {
        tick = await applyDynamicPartitionsRequest(ctx, tick, request);
      }
      const requests = evaluation.runRequests ?? [];
      const reactions = evaluation.dagsterRunReactions ?? [];
      if (requests.length === 0) {
        let outcome = tick.withCursor(evaluation.cursor ?? null);
        let reactionError: SerializableErrorInfo | null = null;
        for (const reaction of reactions) {
          if (reaction.error) {
            reactionError = reaction.error;
            continue;
          }
          if (reaction.runStatus) {
            const run = await instance.getRunById(reaction.runId);
            if (run) {
              await instance.reportEngineEvent(`Sensor "${sensor.name}" acted on run status ${reaction.runStatus} of run ${run.runId}.`, run);
            }
          }
          outcome = outcome.withOriginRun(reaction.runId);
        }
        if (reactionError) {
          updateCursorOnFailure = true;
          finished = finishTick(outcome, TickStatus.FAILURE, ctx.now(), { error: reactionError, failureCount: tick.tickData.failureCount + 1 });
        } else if (reactions.length > 0) {
          finished = finishTick(outcome, TickStatus.SUCCESS, ctx.now());
        } else {
          finished = finishTick(outcome, TickStatus.SKIPPED, ctx.now(), { skipReason: evaluation.skipMessage ?? null });
        }
      } else {
        // Reserve run ids and write them in the tick before creating anything.
        const reserved = requests.map(() => randomUUID());
        tick = await instance.updateTick(tick.withRunRequests(requests.map(toStored), reserved, evaluation.cursor ?? null));
        options.crashAt?.('TICK_HELD', { sensorName: sensor.name });
        finished = await submitRequests(
          ctx,
          sensor,
          tick,
          reserved.map((runId, i) => ({ runId, request: requests[i]! })),
          options,
        );
      }
    } catch (error) {
      if (error instanceof SimulatedCrashError) throw error;
      finished = failTick(ctx, sensor, tick, error);
    }
  }
  return finishSensorTick(ctx, sensor, current, finished, updateCursorOnFailure);
}

class SerializedError extends Error {
  constructor(readonly info: SerializableErrorInfo) {
    super(info.message);
  }
}

function failTick(ctx: DaemonContext, sensor: RemoteSensor, tick: InstigatorTick, error: unknown): InstigatorTick {
  const unreachable = isUnreachable(error);
  const info =
    error instanceof SerializedError
      ? error.info
      : SerializableErrorInfo.fromError(
          unreachable
            ? new Error(`Unable to reach the user code server for sensor ${sensor.name}. Sensor will resume execution once the server is available.`, { cause: error })
            : error,
        );
  ctx.log.error(`Error occurred during the execution of sensor ${sensor.name}: ${info.message}`);
  return finishTick(tick, TickStatus.FAILURE, ctx.now(), {
    error: info,
    failureCount: tick.tickData.failureCount + (unreachable ? 0 : 1),
    consecutiveFailureCount: tick.tickData.consecutiveFailureCount + 1,
  });
}

async function newTick(ctx: DaemonContext, sensor: RemoteSensor, now: number, consecutiveFailureCount: number): Promise<InstigatorTick> {
  return ctx.instance.createTick(
    new TickData({
      instigatorOriginId: sensor.origin.getId(),
      instigatorName: sensor.name,
      instigatorType: InstigatorType.SENSOR,
      status: TickStatus.STARTED,
      timestamp: now,
      selectorId: sensor.selectorId,
      consecutiveFailureCount,
    }),
  );
}

async function applyDynamicPartitionsRequest(
  ctx: DaemonContext,
  tick: InstigatorTick,
  request: { partitionsDefName: string; add?: string[]; delete?: string[] },
): Promise<InstigatorTick> {
  const { instance } = ctx;
  const name = request.partitionsDefName;
  if (request.add) {
    const existing: string[] = [];
    const missing: string[] = [];
    for (const key of request.add) ((await instance.hasDynamicPartition(name, key)) ? existing : missing).push(key);
    if (missing.length > 0) await instance.addDynamicPartitions(name, missing);
    tick = tick.withDynamicPartitionsRequestResult(new DynamicPartitionsRequestResult({ partitionsDefName: name, addedPartitions: missing, skippedPartitions: existing }));
  }
  if (request.delete) {
    const existing: string[] = [];
    const missing: string[] = [];
    for (const key of request.delete) ((await instance.hasDynamicPartition(name, key)) ? existing : missing).push(key);
    for (const key of existing) await instance.deleteDynamicPartition(name, key);
    tick = tick.withDynamicPartitionsRequestResult(new DynamicPartitionsRequestResult({ partitionsDefName: name, deletedPartitions: existing, skippedPartitions: missing }));
  }
  return tick;
}

/** Creates (or finds) and submits the run of each reserved id; duplicates by run key collapse. */
async function submitRequests(
  ctx: DaemonContext,
  sensor: RemoteSensor,
  tick: InstigatorTick,
  pending: { runId: string; request: RunRequestLike }[],
  options: SensorOptions,
): Promise<InstigatorTick> {
  const { instance, log } = ctx;
  const createRun = options.createRun ?? createRunForRequest;
  // Existing runs by run key: one query per key, kept when the sensor and repository match.
  const existingByKey = new Map<string, DagsterRun>();
  for (const key of new Set(pending.map((p) => p.request.runKey).filter((k): k is string => !!k))) {
    const runs = await instance.getRuns(new RunsFilter({ tags: { [RUN_TAGS.RUN_KEY]: key } }));
    const match = runs.find(
      (run) =>
        run.tags[RUN_TAGS.SENSOR_NAME] === sensor.name &&
        (!run.remoteJobOrigin || run.remoteJobOrigin.repositoryOrigin.getSelectorId() === sensor.loaded.repositoryOrigin.getSelectorId()),
    );
    if (match) existingByKey.set(key, match);
  }
  const skippedKeys: string[] = [];
  let current = tick;
  for (const { runId, request } of pending) {
    if (ctx.signal.aborted) break;
    const key = request.runKey ?? null;
    let run = (key ? existingByKey.get(key) : undefined) ?? (await instance.getRunById(runId)) ?? null;
    if (run && run.status !== DagsterRunStatus.NOT_STARTED) {
      if (key) {
        skippedKeys.push(key);
        current = current.withRunInfo(null, key);
      } else current = current.withRunInfo(run.runId, null);
      await instance.updateTick(current);
      continue;
    }
    if (!run) {
      const jobName = request.jobName ?? sensor.jobNames[0];
      if (!jobName) throw new Error(`Sensor ${sensor.name} returned a RunRequest without a job name, and targets no job`);
      run = await createRun(instance, sensor.loaded, {
        jobName,
        runId,
        tags: {
          ...requestTags(request),
          [RUN_TAGS.SENSOR_NAME]: sensor.name,
          [RUN_TAGS.TICK_ID]: String(tick.tickId),
          ...(key ? { [RUN_TAGS.RUN_KEY]: key } : {}),
        },
        runConfig: request.runConfig ?? {},
        assetSelection: request.assetSelection ?? null,
      });
      options.crashAt?.('RUN_CREATED', { sensorName: sensor.name });
    }
    if (key) existingByKey.set(key, run);
    try {
      await instance.submitRun(run.runId);
    } catch (error) {
      log.error(`Run ${run.runId} created successfully but failed to launch: ${String(error)}`);
    }
    options.crashAt?.('RUN_SUBMITTED', { sensorName: sensor.name });
    current = current.withRunInfo(run.runId, key);
    await instance.updateTick(current);
  }
  if (skippedKeys.length > 0) log.info(`Skipping ${skippedKeys.length} run(s) for sensor ${sensor.name} already completed with run keys: ${JSON.stringify(skippedKeys)}`);
  return finishTick(current, current.tickData.runIds.length > 0 ? TickStatus.SUCCESS : TickStatus.SKIPPED, ctx.now());
}

/** Writes the tick, then the sensor state (Dagster's `SensorLaunchContext._write`), then purges old ticks. */
async function finishSensorTick(
  ctx: DaemonContext,
  sensor: RemoteSensor,
  state: InstigatorState,
  tick: InstigatorTick,
  updateCursorOnFailure: boolean,
): Promise<SensorTickResult> {
  const { instance } = ctx;
  await instance.updateTick(tick);
  const data = tick.tickData;
  const fresh = (await instance.getInstigatorState(state.instigatorOriginId, state.selectorId)) ?? state;
  const previous = sensorData(fresh);
  const failed = data.status === TickStatus.FAILURE;
  const lastRunKey = !failed && data.runKeys.length > 0 ? data.runKeys[data.runKeys.length - 1]! : previous.lastRunKey;
  const cursor = !failed || updateCursorOnFailure ? data.cursor : previous.cursor;
  await instance.updateInstigatorState(
    fresh.withData(
      withData(previous, {
        lastTickTimestamp: data.timestamp,
        lastRunKey,
        minInterval: sensor.minIntervalSeconds || 30,
        cursor,
        lastTickStartTimestamp: Math.max(data.timestamp, previous.lastTickStartTimestamp ?? 0),
        lastTickSuccessTimestamp: failed ? null : ctx.now(),
      }),
    ),
  );
  await purgeInstigatorTicks(instance, InstigatorType.SENSOR, sensor.origin.getId(), sensor.selectorId, ctx.now());
  return { sensorName: sensor.name, status: data.status, runIds: data.runIds };
}

/** The SENSOR daemon: checks every sensor every 5 s and evaluates those past their minimum interval. */
export function sensorDaemon(options: SensorOptions = {}): DaemonDefinition {
  return {
    daemonType: 'SENSOR',
    intervalSeconds: SENSOR_DAEMON_LOOP_SECONDS,
    async runIteration(ctx) {
      await executeSensorIteration(ctx, options);
    },
  };
}
