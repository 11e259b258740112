import { FrozenSet, deserializeValue, serializeValue, UnknownRecord } from '@inst/serdes';
import {
  AssetCheckKey,
  AssetKey,
  DagsterAssetMetadataValue,
  InstigatorState,
  InstigatorStatus,
  InstigatorTick,
  InstigatorType,
  LoadableTargetOrigin,
  ManagedGrpcPythonEnvCodeLocationOrigin,
  RemoteRepositoryOrigin,
  ScheduleInstigatorData,
  SensorInstigatorData,
  SerializableErrorInfo,
  TextMetadataValue,
  TickData,
  TickStatus,
  type AutoMaterializeAssetEvaluationRecord,
  type EntityKey,
} from '@inst/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScheduleStorage } from '../schedule-storage';

/**
 * What a schedule storage can do, as Dagster's TestScheduleStorage hooks say (`can_delete`, `can_purge`,
 * `can_store_auto_materialize_asset_evaluations`, `can_get_single_tick`), plus whether
 * `supportsBatchQueries()` is expected to answer yes. All default to true.
 */
export interface ScheduleStorageCapabilities {
  readonly canDelete: boolean;
  readonly canPurge: boolean;
  readonly canStoreAutoMaterializeAssetEvaluations: boolean;
  readonly canGetSingleTick: boolean;
  readonly batchQueries: boolean;
}

/** Options of {@link describeScheduleStorage}. */
export interface ScheduleStorageSuiteOptions {
  /** A fresh, empty storage; the suite disposes it after each test. */
  readonly create: () => Promise<ScheduleStorage>;
  readonly capabilities?: Partial<ScheduleStorageCapabilities>;
}

const DEFAULT_CAPABILITIES: ScheduleStorageCapabilities = {
  canDelete: true,
  canPurge: true,
  canStoreAutoMaterializeAssetEvaluations: true,
  canGetSingleTick: true,
  batchQueries: true,
};

// ---------------------------------------------------------------- Dagster's fixtures

/** Dagster's `fake_repo_target()`: module `fake`, attribute `fake` (its location name is `fake:fake`). */
function fakeRepoTarget(executablePath = '/usr/bin/python3'): RemoteRepositoryOrigin {
  return new RemoteRepositoryOrigin({
    codeLocationOrigin: new ManagedGrpcPythonEnvCodeLocationOrigin({
      loadableTargetOrigin: new LoadableTargetOrigin({ executablePath, moduleName: 'fake', attribute: 'fake' }),
      locationName: 'fake:fake',
    }),
    repositoryName: 'fake_repo_name',
  });
}

function buildSchedule(name: string, cronSchedule: string, status: InstigatorStatus = InstigatorStatus.STOPPED): InstigatorState {
  return new InstigatorState({
    origin: fakeRepoTarget().getInstigatorOrigin(name),
    instigatorType: InstigatorType.SCHEDULE,
    status,
    instigatorData: new ScheduleInstigatorData({ cronSchedule, startTimestamp: null }),
  });
}

function buildSensor(name: string, status: InstigatorStatus = InstigatorStatus.STOPPED): InstigatorState {
  return new InstigatorState({ origin: fakeRepoTarget().getInstigatorOrigin(name), instigatorType: InstigatorType.SENSOR, status });
}

interface TickOptions {
  readonly status?: TickStatus;
  readonly runId?: string;
  readonly error?: SerializableErrorInfo;
  readonly name?: string;
}

/** Dagster's `build_schedule_tick`: origin id, name and selector id are all the name. */
function buildScheduleTick(timestamp: number, { status = TickStatus.STARTED, runId, error }: TickOptions = {}): TickData {
  return new TickData({
    instigatorOriginId: 'my_schedule',
    instigatorName: 'my_schedule',
    instigatorType: InstigatorType.SCHEDULE,
    status,
    timestamp,
    runIds: runId ? [runId] : [],
    runKeys: [],
    error: error ?? null,
    selectorId: 'my_schedule',
  });
}

/** Dagster's `build_sensor_tick`. */
function buildSensorTick(timestamp: number, { status = TickStatus.STARTED, runId, error, name = 'my_sensor' }: TickOptions = {}): TickData {
  return new TickData({
    instigatorOriginId: name,
    instigatorName: name,
    instigatorType: InstigatorType.SENSOR,
    status,
    timestamp,
    runIds: runId ? [runId] : [],
    error: error ?? null,
    selectorId: name,
  });
}

const testError = (): SerializableErrorInfo => new SerializableErrorInfo({ message: 'Error', stack: [], clsName: 'TestError' });

const SECONDS_PER_DAY = 86_400;
/** A time with microseconds, as Python's `time.time()` gives (float equality must survive storage). */
const NOW = 1_717_243_200.123456;
const nowSeconds = (): number => Date.now() / 1000;

/** Runs `fn` with `Date` frozen at `epochMs` (Dagster's `freeze_time`); timers stay real. */
async function withFrozenTime<T>(epochMs: number, fn: () => T | Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(epochMs);
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

// ---------------------------------------------------------------- automation condition evaluations

/*
 * @inst/types has no classes for Dagster's declarative-automation records, so they are built as serdes
 * UnknownRecords with Dagster's storage names and fields: what Python writes, byte for byte.
 */

function conditionSnapshot(): UnknownRecord {
  return new UnknownRecord('AssetConditionSnapshot', {
    class_name: 'foo',
    description: 'bar',
    unique_id: '',
    label: null,
    name: null,
    operator_type: 'identity',
  });
}

/** `SerializableEntitySubset(key=…, value=…)`, stored as `AssetSubset`. */
function entitySubset(key: EntityKey, value: boolean | UnknownRecord): UnknownRecord {
  return new UnknownRecord('AssetSubset', { asset_key: key, value });
}

/** `StaticPartitionsDefinition(...).empty_subset().with_partition_keys(keys)`. */
function partitionsSubset(keys: readonly string[]): UnknownRecord {
  return new UnknownRecord('DefaultPartitionsSubset', { subset: new Set(keys) });
}

/** `AssetSubsetWithMetadata(subset, metadata)`. */
function subsetWithMetadata(subset: UnknownRecord, metadata: Record<string, unknown>): UnknownRecord {
  return new UnknownRecord('AssetSubsetWithMetadata', { subset, metadata });
}

/** `AutomationConditionEvaluation(...).with_run_ids(set())`. */
function evaluation(trueSubset: UnknownRecord, subsetsWithMetadata: readonly UnknownRecord[] = []): UnknownRecord {
  return new UnknownRecord('AssetConditionEvaluationWithRunIds', {
    evaluation: new UnknownRecord('AssetConditionEvaluation', {
      condition_snapshot: conditionSnapshot(),
      start_timestamp: 0,
      end_timestamp: 1,
      true_subset: trueSubset,
      candidate_subset: trueSubset,
      subsets_with_metadata: [...subsetsWithMetadata],
      child_evaluations: [],
      metadata: null,
    }),
    run_ids: new FrozenSet<string>(),
  });
}

const assetEvaluation = (name: string, requested: boolean): UnknownRecord => evaluation(entitySubset(new AssetKey(name), requested));

/** `record.get_evaluation_with_run_ids().evaluation`. */
function storedEvaluation(record: AutoMaterializeAssetEvaluationRecord): UnknownRecord {
  const withRunIds = deserializeValue(record.serializedEvaluationBody);
  if (!(withRunIds instanceof UnknownRecord) || !(withRunIds.fields.evaluation instanceof UnknownRecord)) {
    throw new Error(`not an evaluation with run ids: ${record.serializedEvaluationBody}`);
  }
  return withRunIds.fields.evaluation;
}

const innerEvaluation = (withRunIds: UnknownRecord): unknown => withRunIds.fields.evaluation;
const trueSubsetOf = (stored: UnknownRecord): UnknownRecord => stored.fields.true_subset as UnknownRecord;
/** `evaluation.key`. */
const evaluationKey = (stored: UnknownRecord): unknown => trueSubsetOf(stored).fields.asset_key;
/** `evaluation.true_subset.size`. */
function trueSubsetSize(stored: UnknownRecord): number {
  const value = trueSubsetOf(stored).fields.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return ((value as UnknownRecord).fields.subset as Set<string>).size;
}

// ---------------------------------------------------------------- the suite

/**
 * Dagster's TestScheduleStorage (`dagster/_utils/test/schedule_storage.py`), every test under its Dagster
 * name, plus inst's checks of typed errors and of writes that fail leaving nothing behind.
 */
export function describeScheduleStorage(name: string, options: ScheduleStorageSuiteOptions): void {
  const caps: ScheduleStorageCapabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };

  describe(`ScheduleStorage: ${name}`, () => {
    let storage: ScheduleStorage;
    const repo = fakeRepoTarget();
    const allSchedules = (statuses?: Iterable<InstigatorStatus>): Promise<InstigatorState[]> =>
      storage.allInstigatorState(repo.getId(), repo.getSelectorId(), InstigatorType.SCHEDULE, statuses);
    const allStates = (): Promise<InstigatorState[]> => storage.allInstigatorState(repo.getId(), repo.getSelectorId());
    const names = (states: readonly InstigatorState[]): string[] => states.map((s) => s.instigatorName).sort();
    const scheduleData = (state: InstigatorState): ScheduleInstigatorData => state.instigatorData as ScheduleInstigatorData;

    beforeEach(async () => {
      storage = await options.create();
    });
    afterEach(async () => {
      await storage.dispose();
    });

    // ------------------------------------------------------------ schedules

    it('test_basic_schedule_storage: a stored schedule is listed with its cron and no start timestamp', async () => {
      await storage.addInstigatorState(buildSchedule('my_schedule', '* * * * *'));
      const schedules = await allSchedules();
      expect(schedules).toHaveLength(1);
      expect(schedules[0]!.instigatorName).toBe('my_schedule');
      expect(scheduleData(schedules[0]!).cronSchedule).toBe('* * * * *');
      expect(scheduleData(schedules[0]!).startTimestamp).toBeNull();
    });

    it('test_instigator_status_backcompat: AUTOMATICALLY_RUNNING reads back as DECLARED_IN_CODE', async () => {
      await storage.addInstigatorState(buildSchedule('my_instigator_status_backcompat', '* * * * *', InstigatorStatus.AUTOMATICALLY_RUNNING));
      const schedules = await allSchedules();
      expect(schedules).toHaveLength(1);
      expect(schedules[0]!.instigatorName).toBe('my_instigator_status_backcompat');
      expect(scheduleData(schedules[0]!).cronSchedule).toBe('* * * * *');
      expect(scheduleData(schedules[0]!).startTimestamp).toBeNull();
      expect(schedules[0]!.status).toBe(InstigatorStatus.DECLARED_IN_CODE);
    });

    it('test_add_multiple_schedules: states are filtered by status', async () => {
      await storage.addInstigatorState(buildSchedule('my_schedule', '* * * * *', InstigatorStatus.RUNNING));
      await storage.addInstigatorState(buildSchedule('my_schedule_2', '* * * * *', InstigatorStatus.STOPPED));
      await storage.addInstigatorState(buildSchedule('my_schedule_3', '* * * * *', InstigatorStatus.DECLARED_IN_CODE));

      expect(names(await allSchedules())).toEqual(['my_schedule', 'my_schedule_2', 'my_schedule_3']);
      expect(names(await allSchedules(new Set([InstigatorStatus.RUNNING, InstigatorStatus.DECLARED_IN_CODE])))).toEqual([
        'my_schedule',
        'my_schedule_3',
      ]);
      expect(names(await allSchedules(new Set([InstigatorStatus.STOPPED])))).toEqual(['my_schedule_2']);
    });

    it('test_get_schedule_state: a state is found by origin id and selector id', async () => {
      const state = buildSchedule('my_schedule', '* * * * *');
      await storage.addInstigatorState(state);
      const schedule = await storage.getInstigatorState(state.instigatorOriginId, state.selectorId);
      expect(schedule?.instigatorName).toBe('my_schedule');
      expect(scheduleData(schedule!).startTimestamp).toBeNull();
      expect(serializeValue(schedule)).toBe(serializeValue(state));
    });

    it('test_get_schedule_state_not_found: unknown ids give undefined', async () => {
      await storage.addInstigatorState(buildSchedule('my_schedule', '* * * * *'));
      expect(await storage.getInstigatorState('fake_id', 'fake_selector')).toBeUndefined();
    });

    it('test_update_schedule: status and data are replaced, start timestamp set then cleared', async () => {
      const schedule = buildSchedule('my_schedule', '* * * * *');
      await storage.addInstigatorState(schedule);
      const nowTime = NOW;
      await storage.updateInstigatorState(
        schedule
          .withStatus(InstigatorStatus.RUNNING)
          .withData(new ScheduleInstigatorData({ cronSchedule: scheduleData(schedule).cronSchedule, startTimestamp: nowTime })),
      );

      let schedules = await allSchedules();
      expect(schedules).toHaveLength(1);
      expect(schedules[0]!.instigatorName).toBe('my_schedule');
      expect(schedules[0]!.status).toBe(InstigatorStatus.RUNNING);
      expect(scheduleData(schedules[0]!).startTimestamp).toBe(nowTime);

      await storage.updateInstigatorState(
        schedules[0]!.withStatus(InstigatorStatus.STOPPED).withData(new ScheduleInstigatorData({ cronSchedule: scheduleData(schedules[0]!).cronSchedule })),
      );
      schedules = await allSchedules();
      expect(schedules).toHaveLength(1);
      expect(schedules[0]!.instigatorName).toBe('my_schedule');
      expect(schedules[0]!.status).toBe(InstigatorStatus.STOPPED);
      expect(scheduleData(schedules[0]!).startTimestamp).toBeNull();
    });

    it('test_update_schedule_not_found: updating a missing state throws', async () => {
      await expect(storage.updateInstigatorState(buildSchedule('my_schedule', '* * * * *'))).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
    });

    it.skipIf(!caps.canDelete)('test_delete_schedule_state: a deleted state is gone', async () => {
      const schedule = buildSchedule('my_schedule', '* * * * *');
      await storage.addInstigatorState(schedule);
      await storage.deleteInstigatorState(schedule.instigatorOriginId, schedule.selectorId);
      expect(await allSchedules()).toEqual([]);
      expect(await storage.getInstigatorState(schedule.instigatorOriginId, schedule.selectorId)).toBeUndefined();
    });

    it.skipIf(!caps.canDelete)('test_delete_schedule_not_found: deleting a missing state throws', async () => {
      const schedule = buildSchedule('my_schedule', '* * * * *');
      await expect(storage.deleteInstigatorState(schedule.instigatorOriginId, schedule.selectorId)).rejects.toMatchObject({
        code: 'INVARIANT_VIOLATION',
      });
    });

    it('test_add_schedule_with_same_name: adding the same origin twice throws', async () => {
      const schedule = buildSchedule('my_schedule', '* * * * *');
      await storage.addInstigatorState(schedule);
      await expect(storage.addInstigatorState(schedule)).rejects.toMatchObject({
        code: 'INVARIANT_VIOLATION',
        message: expect.stringContaining('already present') as unknown,
      });
    });

    // ------------------------------------------------------------ schedule ticks

    it('test_create_tick: a created tick is listed with its exact timestamp', async () => {
      const created = await storage.createTick(buildScheduleTick(NOW));
      const ticks = await storage.getTicks('my_schedule', 'my_schedule');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickId).toBe(created.tickId);
      expect(ticks[0]!.instigatorName).toBe('my_schedule');
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.STARTED);
      expect(ticks[0]!.runIds).toEqual([]);
      expect(ticks[0]!.error).toBeNull();
    });

    it('test_update_tick_to_success: status, run ids and end timestamp are stored', async () => {
      const tick = await storage.createTick(buildScheduleTick(NOW));
      expect(tick.endTimestamp).toBeNull();
      const frozenMs = Date.UTC(2024, 5, 1, 12, 0, 5, 250);
      const updated = await withFrozenTime(frozenMs, () => tick.withStatus(TickStatus.SUCCESS).withRunInfo('1234'));
      expect(updated.status).toBe(TickStatus.SUCCESS);
      expect(updated.endTimestamp).toBe(frozenMs / 1000);
      await storage.updateTick(updated);

      const ticks = await storage.getTicks('my_schedule', 'my_schedule');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.instigatorName).toBe('my_schedule');
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.SUCCESS);
      expect(ticks[0]!.runIds).toEqual(['1234']);
      expect(ticks[0]!.error).toBeNull();
      expect(ticks[0]!.endTimestamp).toBe(frozenMs / 1000);
    });

    it('test_update_tick_to_skip: a skipped tick is stored', async () => {
      const tick = await storage.createTick(buildScheduleTick(NOW));
      expect(tick.endTimestamp).toBeNull();
      const frozenMs = Date.UTC(2024, 5, 1, 12, 0, 6);
      const updated = await withFrozenTime(frozenMs, () => tick.withStatus(TickStatus.SKIPPED));
      expect(updated.status).toBe(TickStatus.SKIPPED);
      expect(updated.endTimestamp).toBe(frozenMs / 1000);
      await storage.updateTick(updated);

      const ticks = await storage.getTicks('my_schedule', 'my_schedule');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.SKIPPED);
      expect(ticks[0]!.runIds).toEqual([]);
      expect(ticks[0]!.error).toBeNull();
      expect(ticks[0]!.endTimestamp).toBe(frozenMs / 1000);
    });

    it('test_update_tick_to_failure: the error is stored and read back equal', async () => {
      const tick = await storage.createTick(buildScheduleTick(NOW));
      const frozenMs = Date.UTC(2024, 5, 1, 12, 0, 7);
      const updated = await withFrozenTime(frozenMs, () => tick.withStatus(TickStatus.FAILURE, { error: testError() }));
      expect(updated.status).toBe(TickStatus.FAILURE);
      expect(updated.endTimestamp).toBe(frozenMs / 1000);
      await storage.updateTick(updated);

      const ticks = await storage.getTicks('my_schedule', 'my_schedule');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickId).toBeGreaterThan(0);
      expect(ticks[0]!.instigatorName).toBe('my_schedule');
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.FAILURE);
      expect(ticks[0]!.runIds).toEqual([]);
      expect(ticks[0]!.error).toEqual(testError());
    });

    // ------------------------------------------------------------ sensors

    it('test_basic_storage: a sensor state is listed without a type filter', async () => {
      await storage.addInstigatorState(buildSensor('my_sensor'));
      const states = await allStates();
      expect(names(states)).toEqual(['my_sensor']);
      expect(states[0]!.instigatorType).toBe(InstigatorType.SENSOR);
    });

    it('test_add_multiple_states: every sensor is listed', async () => {
      await storage.addInstigatorState(buildSensor('my_sensor'));
      await storage.addInstigatorState(buildSensor('my_sensor_2'));
      await storage.addInstigatorState(buildSensor('my_sensor_3'));
      expect(names(await allStates())).toEqual(['my_sensor', 'my_sensor_2', 'my_sensor_3']);
    });

    it('test_get_instigator_state: a sensor state is found by its ids', async () => {
      const state = buildSensor('my_sensor');
      await storage.addInstigatorState(state);
      expect((await storage.getInstigatorState(state.instigatorOriginId, state.selectorId))?.instigatorName).toBe('my_sensor');
    });

    it('test_get_instigator_state_not_found: unknown ids give undefined', async () => {
      await storage.addInstigatorState(buildSensor('my_sensor'));
      expect(await storage.getInstigatorState('fake_id', 'fake_selector')).toBeUndefined();
    });

    it('test_update_state: the status is replaced', async () => {
      const state = buildSensor('my_sensor');
      await storage.addInstigatorState(state);
      await storage.updateInstigatorState(state.withStatus(InstigatorStatus.RUNNING));
      let states = await allStates();
      expect(names(states)).toEqual(['my_sensor']);
      expect(states[0]!.status).toBe(InstigatorStatus.RUNNING);

      await storage.updateInstigatorState(states[0]!.withStatus(InstigatorStatus.STOPPED));
      states = await allStates();
      expect(names(states)).toEqual(['my_sensor']);
      expect(states[0]!.status).toBe(InstigatorStatus.STOPPED);
    });

    it('test_update_state_not_found: updating a missing state throws', async () => {
      await expect(storage.updateInstigatorState(buildSensor('my_sensor'))).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
    });

    it.skipIf(!caps.canDelete)('test_delete_instigator_state: a deleted sensor is gone', async () => {
      const state = buildSensor('my_sensor');
      await storage.addInstigatorState(state);
      await storage.deleteInstigatorState(state.instigatorOriginId, state.selectorId);
      expect(await allStates()).toEqual([]);
    });

    it.skipIf(!caps.canDelete)('test_delete_state_not_found: deleting a missing sensor throws', async () => {
      const state = buildSensor('my_sensor');
      await expect(storage.deleteInstigatorState(state.instigatorOriginId, state.selectorId)).rejects.toMatchObject({
        code: 'INVARIANT_VIOLATION',
      });
    });

    it('test_add_state_with_same_name: adding the same sensor twice throws', async () => {
      const state = buildSensor('my_sensor');
      await storage.addInstigatorState(state);
      await expect(storage.addInstigatorState(state)).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
    });

    // ------------------------------------------------------------ sensor ticks

    it('test_create_sensor_tick: the returned tick id is the stored one', async () => {
      const tick = await storage.createTick(buildSensorTick(NOW));
      const ticks = await storage.getTicks('my_sensor', 'my_sensor');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickId).toBe(tick.tickId);
      expect(ticks[0]!.instigatorName).toBe('my_sensor');
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.STARTED);
      expect(ticks[0]!.runIds).toEqual([]);
      expect(ticks[0]!.error).toBeNull();
    });

    it('test_get_sensor_tick: after / before are strict bounds; a tick is found by id', async () => {
      const now = nowSeconds();
      const fiveDaysAgo = now - 5 * SECONDS_PER_DAY;
      const fourDaysAgo = now - 4 * SECONDS_PER_DAY;
      const oneDayAgo = now - SECONDS_PER_DAY;
      const fiveDaysAgoTick = await storage.createTick(buildSensorTick(fiveDaysAgo, { status: TickStatus.SKIPPED }));
      await storage.createTick(buildSensorTick(fourDaysAgo, { status: TickStatus.SKIPPED }));
      await storage.createTick(buildSensorTick(oneDayAgo, { status: TickStatus.SKIPPED }));

      const timestamps = async (before?: number, after?: number): Promise<number[]> =>
        (await storage.getTicks('my_sensor', 'my_sensor', before, after)).map((t) => t.timestamp);
      expect(await timestamps()).toEqual([oneDayAgo, fourDaysAgo, fiveDaysAgo]);
      expect(await timestamps(undefined, fiveDaysAgo + 1)).toEqual([oneDayAgo, fourDaysAgo]);
      expect(await timestamps(oneDayAgo - 1)).toEqual([fourDaysAgo, fiveDaysAgo]);
      expect(await timestamps(oneDayAgo - 1, fiveDaysAgo + 1)).toEqual([fourDaysAgo]);
      // Strict: a bound equal to a tick's timestamp leaves that tick out.
      expect(await timestamps(undefined, fourDaysAgo)).toEqual([oneDayAgo]);
      expect(await timestamps(fourDaysAgo)).toEqual([fiveDaysAgo]);

      if (caps.canGetSingleTick) {
        const found = await storage.getTick(fiveDaysAgoTick.tickId);
        expect(found.tickId).toBe(fiveDaysAgoTick.tickId);
        expect(found.timestamp).toBe(fiveDaysAgo);
      }
    });

    it('test_update_sensor_tick_to_success: a successful sensor tick is stored', async () => {
      const tick = await storage.createTick(buildSensorTick(NOW));
      const updated = tick.withStatus(TickStatus.SUCCESS).withRunInfo('1234');
      expect(updated.status).toBe(TickStatus.SUCCESS);
      await storage.updateTick(updated);

      const ticks = await storage.getTicks('my_sensor', 'my_sensor');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickId).toBeGreaterThan(0);
      expect(ticks[0]!.instigatorName).toBe('my_sensor');
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.SUCCESS);
      expect(ticks[0]!.runIds).toEqual(['1234']);
      expect(ticks[0]!.error).toBeNull();
    });

    it('test_update_sensor_tick_to_skip: a skipped sensor tick is stored', async () => {
      const tick = await storage.createTick(buildSensorTick(NOW));
      const updated = tick.withStatus(TickStatus.SKIPPED);
      expect(updated.status).toBe(TickStatus.SKIPPED);
      await storage.updateTick(updated);

      const ticks = await storage.getTicks('my_sensor', 'my_sensor');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickId).toBeGreaterThan(0);
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.SKIPPED);
      expect(ticks[0]!.runIds).toEqual([]);
      expect(ticks[0]!.error).toBeNull();
    });

    it('test_update_sensor_tick_to_failure: a failed sensor tick keeps its error', async () => {
      const tick = await storage.createTick(buildSensorTick(NOW));
      const updated = tick.withStatus(TickStatus.FAILURE, { error: testError() });
      expect(updated.status).toBe(TickStatus.FAILURE);
      await storage.updateTick(updated);

      const ticks = await storage.getTicks('my_sensor', 'my_sensor');
      expect(ticks).toHaveLength(1);
      expect(ticks[0]!.tickId).toBeGreaterThan(0);
      expect(ticks[0]!.timestamp).toBe(NOW);
      expect(ticks[0]!.status).toBe(TickStatus.FAILURE);
      expect(ticks[0]!.runIds).toEqual([]);
      expect(ticks[0]!.error).toEqual(testError());
    });

    it.skipIf(!caps.canPurge)('test_purge_ticks: only older ticks of the given statuses are deleted', async () => {
      const now = nowSeconds();
      await storage.createTick(buildSensorTick(now - 5 * 60, { status: TickStatus.SKIPPED }));
      const fourMinutesAgo = await storage.createTick(buildSensorTick(now - 4 * 60, { status: TickStatus.SUCCESS, runId: 'fake_run_id' }));
      const oneMinuteAgo = await storage.createTick(buildSensorTick(now - 60, { status: TickStatus.SKIPPED }));
      let ticks = await storage.getTicks('my_sensor', 'my_sensor');
      expect(ticks).toHaveLength(3);
      expect(ticks[0]!.tickId).toBe(oneMinuteAgo.tickId);

      await storage.purgeTicks('my_sensor', 'my_sensor', now - 2 * 60, [TickStatus.SKIPPED]);
      ticks = await storage.getTicks('my_sensor', 'my_sensor');
      expect(ticks.map((t) => t.tickId)).toEqual([oneMinuteAgo.tickId, fourMinutesAgo.tickId]);
    });

    it('test_ticks_filtered: ticks are filtered by status', async () => {
      await storage.createTick(buildSensorTick(NOW, { status: TickStatus.STARTED }));
      await storage.createTick(buildSensorTick(NOW + 1, { status: TickStatus.SUCCESS }));
      await storage.createTick(buildSensorTick(NOW + 2, { status: TickStatus.SKIPPED }));
      await storage.createTick(
        buildSensorTick(NOW + 3, { status: TickStatus.FAILURE, error: new SerializableErrorInfo({ message: 'foobar', stack: [], clsName: null, cause: null }) }),
      );

      const statuses = async (filter?: TickStatus[]): Promise<TickStatus[]> =>
        (await storage.getTicks('my_sensor', 'my_sensor', undefined, undefined, undefined, filter)).map((t) => t.status);
      expect(await statuses()).toHaveLength(4);
      expect(await statuses([TickStatus.STARTED])).toEqual([TickStatus.STARTED]);
      expect(await statuses([TickStatus.SUCCESS])).toEqual([TickStatus.SUCCESS]);
      expect(await statuses([TickStatus.SKIPPED])).toEqual([TickStatus.SKIPPED]);
      expect(await statuses([TickStatus.FAILURE])).toEqual([TickStatus.FAILURE]);
      // everything but skips
      expect(await statuses([TickStatus.STARTED, TickStatus.SUCCESS, TickStatus.FAILURE])).toEqual([
        TickStatus.FAILURE,
        TickStatus.SUCCESS,
        TickStatus.STARTED,
      ]);
    });

    it('test_ticks_batched: the newest tick of each selector', async () => {
      expect(await storage.supportsBatchQueries()).toBe(caps.batchQueries);
      if (!caps.batchQueries) return;
      await storage.createTick(buildSensorTick(NOW, { status: TickStatus.SUCCESS, name: 'sensor_one' }));
      const b = await storage.createTick(buildSensorTick(NOW + 1, { status: TickStatus.SUCCESS, name: 'sensor_one' }));
      await storage.createTick(buildSensorTick(NOW + 2, { status: TickStatus.SUCCESS, name: 'sensor_two' }));
      const d = await storage.createTick(buildSensorTick(NOW + 3, { status: TickStatus.SUCCESS, name: 'sensor_two' }));

      const ticksBySelector = await storage.getBatchTicks(['sensor_one', 'sensor_two'], 1);
      expect([...ticksBySelector.keys()].sort()).toEqual(['sensor_one', 'sensor_two']);
      expect(ticksBySelector.get('sensor_one')!.map((t) => t.tickId)).toEqual([b.tickId]);
      expect(ticksBySelector.get('sensor_two')!.map((t) => t.tickId)).toEqual([d.tickId]);
    });

    // ------------------------------------------------------------ automation condition evaluations

    it.skipIf(!caps.canStoreAutoMaterializeAssetEvaluations)(
      'test_auto_materialize_asset_evaluations: upserts by (key, evaluation id), newest first with a cursor',
      async () => {
        for (let attempt = 0; attempt < 2; attempt++) {
          // test idempotency
          await storage.addAutoMaterializeAssetEvaluations(10, [assetEvaluation('asset_one', false), assetEvaluation('asset_two', true)]);

          let res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_one'), 100);
          expect(res).toHaveLength(1);
          expect(evaluationKey(storedEvaluation(res[0]!))).toEqual(new AssetKey('asset_one'));
          expect(res[0]!.key).toEqual(new AssetKey('asset_one'));
          expect(res[0]!.evaluationId).toBe(10);
          expect(trueSubsetSize(storedEvaluation(res[0]!))).toBe(0);

          res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_two'), 100);
          expect(res).toHaveLength(1);
          expect(evaluationKey(storedEvaluation(res[0]!))).toEqual(new AssetKey('asset_two'));
          expect(res[0]!.evaluationId).toBe(10);
          expect(trueSubsetSize(storedEvaluation(res[0]!))).toBe(1);

          res = await storage.getAutoMaterializeEvaluationsForEvaluationId(10);
          expect(res).toHaveLength(2);
          expect(evaluationKey(storedEvaluation(res[0]!))).toEqual(new AssetKey('asset_one'));
          expect(res[0]!.evaluationId).toBe(10);
          expect(trueSubsetSize(storedEvaluation(res[0]!))).toBe(0);
          expect(evaluationKey(storedEvaluation(res[1]!))).toEqual(new AssetKey('asset_two'));
          expect(res[1]!.evaluationId).toBe(10);
          expect(trueSubsetSize(storedEvaluation(res[1]!))).toBe(1);
        }

        await storage.addAutoMaterializeAssetEvaluations(11, [assetEvaluation('asset_one', true)]);
        let res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_one'), 100);
        expect(res.map((r) => r.evaluationId)).toEqual([11, 10]);
        res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_one'), 1);
        expect(res.map((r) => r.evaluationId)).toEqual([11]);
        res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_one'), 1, 11);
        expect(res.map((r) => r.evaluationId)).toEqual([10]);

        // add a mix of keys - one that already is using the unique index and one that is not
        const evalOne = assetEvaluation('asset_one', true);
        const evalAssetThree = assetEvaluation('asset_three', true);
        await storage.addAutoMaterializeAssetEvaluations(11, [evalOne, evalAssetThree]);

        res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_one'), 100);
        expect(res).toHaveLength(2);
        expect(res[0]!.evaluationId).toBe(11);
        expect(serializeValue(storedEvaluation(res[0]!))).toBe(serializeValue(innerEvaluation(evalOne)));

        res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_three'), 100);
        expect(res).toHaveLength(1);
        expect(res[0]!.evaluationId).toBe(11);
        expect(serializeValue(storedEvaluation(res[0]!))).toBe(serializeValue(innerEvaluation(evalAssetThree)));
        // The body is Dagster's serialization, byte for byte.
        expect(res[0]!.serializedEvaluationBody).toBe(serializeValue(evalAssetThree));
      },
    );

    it.skipIf(!caps.canStoreAutoMaterializeAssetEvaluations)(
      'test_auto_materialize_asset_evaluations_with_partitions: a partition subset and its metadata round-trip',
      async () => {
        const assetSubset = entitySubset(new AssetKey('asset_two'), partitionsSubset(['a']));
        const withMetadata = subsetWithMetadata(assetSubset, {
          foo: new TextMetadataValue({ text: 'bar' }),
          baz: new DagsterAssetMetadataValue({ assetKey: new AssetKey('asset_one') }),
        });
        await storage.addAutoMaterializeAssetEvaluations(10, [evaluation(assetSubset, [withMetadata])]);

        const res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_two'), 100);
        expect(res).toHaveLength(1);
        const stored = storedEvaluation(res[0]!);
        expect(evaluationKey(stored)).toEqual(new AssetKey('asset_two'));
        expect(res[0]!.evaluationId).toBe(10);
        expect(trueSubsetSize(stored)).toBe(1);
        const storedSubsets = stored.fields.subsets_with_metadata as unknown[];
        expect(serializeValue(storedSubsets[0])).toBe(serializeValue(withMetadata));
        const metadata = (storedSubsets[0] as UnknownRecord).fields.metadata as Record<string, unknown>;
        expect(metadata.foo).toEqual(new TextMetadataValue({ text: 'bar' }));
        expect(metadata.baz).toEqual(new DagsterAssetMetadataValue({ assetKey: new AssetKey('asset_one') }));
      },
    );

    it.skipIf(!caps.canStoreAutoMaterializeAssetEvaluations)(
      'test_automation_condition_evaluations_check_key: stored under the check key, not the asset key',
      async () => {
        const checkKey = new AssetCheckKey({ assetKey: new AssetKey('asset_two'), name: 'check_one' });
        await storage.addAutoMaterializeAssetEvaluations(10, [evaluation(entitySubset(checkKey, true))]);

        expect(await storage.getAutoMaterializeAssetEvaluations(checkKey.assetKey, 100)).toEqual([]);
        const res = await storage.getAutoMaterializeAssetEvaluations(checkKey, 100);
        expect(res).toHaveLength(1);
        expect(res[0]!.key).toEqual(checkKey);
        expect(evaluationKey(storedEvaluation(res[0]!))).toEqual(checkKey);
        expect(res[0]!.evaluationId).toBe(10);
        expect(trueSubsetSize(storedEvaluation(res[0]!))).toBe(1);
      },
    );

    it.skipIf(!caps.canPurge || !caps.canStoreAutoMaterializeAssetEvaluations)(
      'test_purge_asset_evaluations: evaluations created before the bound are deleted',
      async () => {
        await storage.addAutoMaterializeAssetEvaluations(11, [assetEvaluation('asset_one', true)]);
        await storage.purgeAssetEvaluations(nowSeconds() - 10 * 3600);
        expect(await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_one'), 100)).toHaveLength(1);
        await storage.purgeAssetEvaluations(nowSeconds() + 10 * 60);
        expect(await storage.getAutoMaterializeAssetEvaluations(new AssetKey('asset_one'), 100)).toEqual([]);
      },
    );

    it.skipIf(!caps.canStoreAutoMaterializeAssetEvaluations)(
      "test_auto_materialize_asset_evaluations_timestamp_uses_python_utc_clock: the record's timestamp is the writer's UTC clock",
      async () => {
        const frozenMs = Date.UTC(2024, 2, 10, 7, 30, 15, 125);
        await withFrozenTime(frozenMs, () => storage.addAutoMaterializeAssetEvaluations(42, [assetEvaluation('ts_asset', false)]));
        const res = await storage.getAutoMaterializeAssetEvaluations(new AssetKey('ts_asset'), 100);
        expect(res).toHaveLength(1);
        expect(res[0]!.timestamp).toBe(frozenMs / 1000);
      },
    );

    // ------------------------------------------------------------ inst: typed errors, atomic writes, details

    describe('inst', () => {
      it('a failed duplicate add leaves the stored state as it was', async () => {
        const running = buildSensor('my_sensor', InstigatorStatus.RUNNING);
        await storage.addInstigatorState(running);
        const error = await storage.addInstigatorState(running.withStatus(InstigatorStatus.STOPPED)).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'INVARIANT_VIOLATION', name: 'InvariantViolationError' });
        const states = await allStates();
        expect(states).toHaveLength(1);
        expect(states[0]!.status).toBe(InstigatorStatus.RUNNING);
        expect((await storage.getInstigatorState(running.instigatorOriginId, running.selectorId))?.status).toBe(InstigatorStatus.RUNNING);
      });

      it('a failed update or delete of a missing state writes nothing', async () => {
        const other = buildSensor('other_sensor', InstigatorStatus.RUNNING);
        await storage.addInstigatorState(other);
        const missing = buildSensor('my_sensor', InstigatorStatus.RUNNING);
        await expect(storage.updateInstigatorState(missing)).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
        await expect(storage.deleteInstigatorState(missing.instigatorOriginId, missing.selectorId)).rejects.toMatchObject({
          code: 'INVARIANT_VIOLATION',
        });
        expect(await storage.getInstigatorState(missing.instigatorOriginId, missing.selectorId)).toBeUndefined();
        expect(names(await allStates())).toEqual(['other_sensor']);
      });

      it('a state round-trips byte for byte, sensor data included', async () => {
        const state = buildSensor('my_sensor', InstigatorStatus.RUNNING).withData(
          new SensorInstigatorData({ lastTickTimestamp: NOW, lastRunKey: 'key', minInterval: 30, cursor: 'c1' }),
        );
        await storage.addInstigatorState(state);
        expect(serializeValue(await storage.getInstigatorState(state.instigatorOriginId, state.selectorId))).toBe(serializeValue(state));
        expect(serializeValue((await allStates())[0])).toBe(serializeValue(state));
      });

      it('filters by repository and instigator type', async () => {
        await storage.addInstigatorState(buildSchedule('my_schedule', '0 * * * *'));
        await storage.addInstigatorState(buildSensor('my_sensor'));
        const otherRepo = new RemoteRepositoryOrigin({ codeLocationOrigin: repo.codeLocationOrigin, repositoryName: 'other_repo' });
        await storage.addInstigatorState(
          new InstigatorState({ origin: otherRepo.getInstigatorOrigin('elsewhere'), instigatorType: InstigatorType.SENSOR, status: InstigatorStatus.RUNNING }),
        );
        expect(names(await storage.allInstigatorState())).toEqual(['elsewhere', 'my_schedule', 'my_sensor']);
        expect(names(await allStates())).toEqual(['my_schedule', 'my_sensor']);
        expect(names(await storage.allInstigatorState(repo.getId(), repo.getSelectorId(), InstigatorType.SENSOR))).toEqual(['my_sensor']);
        expect(names(await storage.allInstigatorState(otherRepo.getId(), otherRepo.getSelectorId()))).toEqual(['elsewhere']);
        expect(names(await storage.allInstigatorState(undefined, undefined, InstigatorType.SENSOR, [InstigatorStatus.RUNNING]))).toEqual(['elsewhere']);
      });

      it.skipIf(!caps.canDelete)('deleting one of two origins of the same selector keeps the other', async () => {
        const first = buildSensor('my_sensor', InstigatorStatus.RUNNING);
        const second = new InstigatorState({
          origin: fakeRepoTarget('/opt/other/python').getInstigatorOrigin('my_sensor'),
          instigatorType: InstigatorType.SENSOR,
          status: InstigatorStatus.STOPPED,
        });
        expect(second.selectorId).toBe(first.selectorId);
        expect(second.instigatorOriginId).not.toBe(first.instigatorOriginId);
        await storage.addInstigatorState(first);
        await storage.addInstigatorState(second);
        await storage.deleteInstigatorState(first.instigatorOriginId, first.selectorId);
        const remaining = await storage.getInstigatorState(second.instigatorOriginId, second.selectorId);
        expect(serializeValue(remaining)).toBe(serializeValue(second));
      });

      it('ticks are scoped to their instigator, newest first, limited, and round-trip byte for byte', async () => {
        const first = await storage.createTick(buildSensorTick(NOW, { status: TickStatus.SKIPPED }));
        const second = await storage.createTick(buildSensorTick(NOW + 10, { status: TickStatus.SUCCESS, runId: 'run_1' }));
        await storage.createTick(buildSensorTick(NOW + 5, { name: 'other_sensor' }));
        expect((await storage.getTicks('my_sensor', 'my_sensor')).map((t) => t.tickId)).toEqual([second.tickId, first.tickId]);
        expect((await storage.getTicks('my_sensor', 'my_sensor', undefined, undefined, 1)).map((t) => t.tickId)).toEqual([second.tickId]);
        const stored = await storage.getTicks('my_sensor', 'my_sensor');
        expect(serializeValue(stored[0]!.tickData)).toBe(serializeValue(second.tickData));
        if (caps.canGetSingleTick) expect(serializeValue((await storage.getTick(first.tickId)).tickData)).toBe(serializeValue(first.tickData));
      });

      it('a tick stored without a selector id is found by its origin id', async () => {
        const data = new TickData({
          instigatorOriginId: 'my_sensor',
          instigatorName: 'my_sensor',
          instigatorType: InstigatorType.SENSOR,
          status: TickStatus.STARTED,
          timestamp: NOW,
        });
        const tick = await storage.createTick(data);
        expect((await storage.getTicks('my_sensor', 'another_selector')).map((t) => t.tickId)).toEqual([tick.tickId]);
        expect(await storage.getTicks('another_origin', 'another_selector')).toEqual([]);
      });

      it('batch ticks honour limit and statuses, and leave out selectors without ticks', async () => {
        if (!caps.batchQueries) return;
        const a1 = await storage.createTick(buildSensorTick(NOW, { status: TickStatus.SKIPPED, name: 'sensor_a' }));
        const a2 = await storage.createTick(buildSensorTick(NOW + 1, { status: TickStatus.SUCCESS, name: 'sensor_a' }));
        const a3 = await storage.createTick(buildSensorTick(NOW + 2, { status: TickStatus.SKIPPED, name: 'sensor_a' }));
        const batch = await storage.getBatchTicks(['sensor_a', 'sensor_none'], 2);
        expect([...batch.keys()]).toEqual(['sensor_a']);
        expect(batch.get('sensor_a')!.map((t) => t.tickId)).toEqual([a3.tickId, a2.tickId]);
        const skipped = await storage.getBatchTicks(['sensor_a'], 5, [TickStatus.SKIPPED]);
        expect(skipped.get('sensor_a')!.map((t) => t.tickId)).toEqual([a3.tickId, a1.tickId]);
        expect((await storage.getBatchTicks([], 1)).size).toBe(0);
      });

      it('getTick and updateTick of an unknown tick throw InvariantViolationError', async () => {
        const tick = await storage.createTick(buildSensorTick(NOW));
        if (caps.canGetSingleTick) await expect(storage.getTick(tick.tickId + 1000)).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
        const stray = new InstigatorTick({ tickId: tick.tickId + 1000, tickData: tick.withStatus(TickStatus.SKIPPED).tickData });
        await expect(storage.updateTick(stray)).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
        expect((await storage.getTicks('my_sensor', 'my_sensor')).map((t) => t.status)).toEqual([TickStatus.STARTED]);
      });

      it.skipIf(!caps.canStoreAutoMaterializeAssetEvaluations)(
        'an evaluation batch with an evaluation naming no key throws InvalidArgumentError and stores none',
        async () => {
          const keyless = new UnknownRecord('AssetConditionEvaluationWithRunIds', { evaluation: null, run_ids: new FrozenSet<string>() });
          await expect(storage.addAutoMaterializeAssetEvaluations(7, [assetEvaluation('asset_one', true), keyless])).rejects.toMatchObject({
            code: 'INVALID_ARGUMENT',
          });
          expect(await storage.getAutoMaterializeEvaluationsForEvaluationId(7)).toEqual([]);
          await storage.addAutoMaterializeAssetEvaluations(7, []);
          expect(await storage.getAutoMaterializeEvaluationsForEvaluationId(7)).toEqual([]);
        },
      );

      it('wipe removes states, ticks and evaluations', async () => {
        await storage.addInstigatorState(buildSensor('my_sensor'));
        await storage.createTick(buildSensorTick(NOW));
        if (caps.canStoreAutoMaterializeAssetEvaluations) await storage.addAutoMaterializeAssetEvaluations(1, [assetEvaluation('asset_one', true)]);
        await storage.wipe();
        expect(await storage.allInstigatorState()).toEqual([]);
        expect(await storage.getTicks('my_sensor', 'my_sensor')).toEqual([]);
        expect(await storage.getAutoMaterializeEvaluationsForEvaluationId(1)).toEqual([]);
        // Still usable after a wipe.
        await storage.addInstigatorState(buildSensor('my_sensor'));
        expect(names(await allStates())).toEqual(['my_sensor']);
      });

      it('a fresh storage has its data migrations built; migrate and optimize build what is missing', async () => {
        expect(await storage.hasBuiltIndex('schedule_jobs_selector_id')).toBe(true);
        expect(await storage.hasBuiltIndex('no_such_index')).toBe(false);
        await storage.migrate();
        await storage.optimize();
        expect(await storage.hasBuiltIndex('schedule_jobs_selector_id')).toBe(true);
        expect(await storage.hasBuiltIndex('schedule_ticks_selector_id')).toBe(true);
      });

      it('a forced rebuild keeps every state and tick readable', async () => {
        const state = buildSensor('my_sensor', InstigatorStatus.RUNNING);
        await storage.addInstigatorState(state);
        const tick = await storage.createTick(buildSensorTick(NOW));
        await storage.migrate({ forceRebuildAll: true });
        await storage.optimize({ forceRebuildAll: true });
        expect(serializeValue(await storage.getInstigatorState(state.instigatorOriginId, state.selectorId))).toBe(serializeValue(state));
        expect((await storage.getTicks('my_sensor', 'my_sensor')).map((t) => t.tickId)).toEqual([tick.tickId]);
      });

      it('upgrade on a current storage changes nothing; alembicVersion names the head', async () => {
        await storage.addInstigatorState(buildSensor('my_sensor'));
        await storage.upgrade();
        expect(names(await allStates())).toEqual(['my_sensor']);
        const version = await storage.alembicVersion();
        expect(version?.head).toMatch(/^[0-9a-f]{12}$/);
        expect(version?.current).toBe(version?.head);
      });

      it('dispose is safe twice, and a disposed storage throws DisposedError', async () => {
        await storage.dispose();
        await storage.dispose();
        await expect(storage.allInstigatorState()).rejects.toMatchObject({ code: 'DISPOSED' });
        await expect(storage.createTick(buildSensorTick(NOW))).rejects.toMatchObject({ code: 'DISPOSED' });
      });
    });
  });
}
