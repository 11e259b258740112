/**
 * Test support (not exported): an in-memory schedule storage and backfill store, and a fake SchedulingInstanceOps
 * whose public methods call this package's functions with the ops itself, as the facade's adapter does.
 */
import { BackfillNotFoundError, InvariantViolationError } from '@inst/errors';
import type { RunStorage, ScheduleStorage } from '@inst/storage';
import {
  InstigatorState,
  InstigatorTick,
  InstigatorType,
  RegisteredCodeLocationOrigin,
  RemoteRepositoryOrigin,
  ScheduleInstigatorData,
  SensorInstigatorData,
  SerializableErrorInfo,
  TickData,
  TickStatus,
  type BulkActionStatus,
  type BulkActionsFilter,
  type InstigatorStatus,
  type PartitionBackfill,
  type RemoteInstigatorOrigin,
} from '@inst/types';
import {
  addInstigatorState,
  allInstigatorState,
  deleteInstigatorState,
  getInstigatorState,
  updateInstigatorState,
} from './instigator-state';
import type { Scheduler, SchedulingInstanceOps } from './ops';
import { purgeTicks } from './ticks';

/** Instigator states keyed by origin id, and ticks in a list, as Dagster's SQL schedule storage keeps them. */
export class FakeScheduleStorage {
  readonly states = new Map<string, InstigatorState>();
  ticks: InstigatorTick[] = [];
  batchQueries = true;
  wiped = 0;
  readonly calls: string[] = [];
  #nextTickId = 1;

  async allInstigatorState(
    repositoryOriginId?: string,
    repositorySelectorId?: string,
    instigatorType?: InstigatorType,
    instigatorStatuses?: Iterable<InstigatorStatus>,
  ): Promise<InstigatorState[]> {
    this.calls.push('allInstigatorState');
    const statuses = instigatorStatuses ? new Set(instigatorStatuses) : undefined;
    return [...this.states.values()].filter(
      (state) =>
        (repositoryOriginId === undefined || state.repositoryOriginId === repositoryOriginId) &&
        (repositorySelectorId === undefined || state.repositorySelectorId === repositorySelectorId) &&
        (instigatorType === undefined || state.instigatorType === instigatorType) &&
        (statuses === undefined || statuses.has(state.status)),
    );
  }

  async getInstigatorState(originId: string, selectorId: string): Promise<InstigatorState | undefined> {
    this.calls.push('getInstigatorState');
    const state = this.states.get(originId);
    return state && state.selectorId === selectorId ? state : undefined;
  }

  async addInstigatorState(state: InstigatorState): Promise<InstigatorState> {
    this.calls.push('addInstigatorState');
    if (this.states.has(state.instigatorOriginId)) throw new InvariantViolationError(`InstigatorState ${state.instigatorOriginId} is already present in storage`);
    this.states.set(state.instigatorOriginId, state);
    return state;
  }

  async updateInstigatorState(state: InstigatorState): Promise<InstigatorState> {
    this.calls.push('updateInstigatorState');
    if (!this.states.has(state.instigatorOriginId)) throw new InvariantViolationError(`InstigatorState ${state.instigatorOriginId} is not present in storage`);
    this.states.set(state.instigatorOriginId, state);
    return state;
  }

  async deleteInstigatorState(originId: string, _selectorId: string): Promise<void> {
    this.calls.push('deleteInstigatorState');
    if (!this.states.delete(originId)) throw new InvariantViolationError(`InstigatorState ${originId} is not present in storage`);
  }

  async supportsBatchQueries(): Promise<boolean> {
    return this.batchQueries;
  }

  async getBatchTicks(selectorIds: readonly string[], limit?: number, statuses?: Iterable<TickStatus>): Promise<Map<string, InstigatorTick[]>> {
    const result = new Map<string, InstigatorTick[]>();
    for (const selectorId of selectorIds) {
      const ticks = this.#select((tick) => tick.selectorId === selectorId, statuses, limit);
      if (ticks.length > 0) result.set(selectorId, ticks);
    }
    return result;
  }

  async getTick(tickId: number): Promise<InstigatorTick> {
    const tick = this.ticks.find((candidate) => candidate.tickId === tickId);
    if (!tick) throw new InvariantViolationError(`no tick ${tickId}`);
    return tick;
  }

  async getTicks(originId: string, selectorId: string, before?: number, after?: number, limit?: number, statuses?: Iterable<TickStatus>): Promise<InstigatorTick[]> {
    this.calls.push('getTicks');
    return this.#select(
      (tick) =>
        (tick.selectorId ? tick.selectorId === selectorId : tick.instigatorOriginId === originId) &&
        (before === undefined || tick.timestamp < before) &&
        (after === undefined || tick.timestamp > after),
      statuses,
      limit,
    );
  }

  async createTick(tickData: TickData): Promise<InstigatorTick> {
    const tick = new InstigatorTick({ tickId: this.#nextTickId++, tickData });
    this.ticks.push(tick);
    return tick;
  }

  async updateTick(tick: InstigatorTick): Promise<InstigatorTick> {
    const index = this.ticks.findIndex((candidate) => candidate.tickId === tick.tickId);
    if (index < 0) throw new InvariantViolationError(`no tick ${tick.tickId}`);
    this.ticks[index] = tick;
    return tick;
  }

  async purgeTicks(originId: string, selectorId: string, before: number, tickStatuses?: Iterable<TickStatus>): Promise<void> {
    this.calls.push('purgeTicks');
    const statuses = tickStatuses ? new Set(tickStatuses) : undefined;
    this.ticks = this.ticks.filter(
      (tick) =>
        !(
          (tick.selectorId ? tick.selectorId === selectorId : tick.instigatorOriginId === originId) &&
          tick.timestamp < before &&
          (statuses === undefined || statuses.has(tick.status))
        ),
    );
  }

  async wipe(): Promise<void> {
    this.wiped += 1;
    this.states.clear();
    this.ticks = [];
  }

  #select(match: (tick: InstigatorTick) => boolean, statuses: Iterable<TickStatus> | undefined, limit: number | undefined): InstigatorTick[] {
    const wanted = statuses ? new Set(statuses) : undefined;
    const ticks = this.ticks.filter((tick) => match(tick) && (wanted === undefined || wanted.has(tick.status))).sort((a, b) => b.timestamp - a.timestamp);
    return limit === undefined ? ticks : ticks.slice(0, limit);
  }

  asStorage(): ScheduleStorage {
    return this as unknown as ScheduleStorage;
  }
}

/** Just the backfill part of a run storage. */
export class FakeBackfillStorage {
  readonly backfills = new Map<string, PartitionBackfill>();

  async getBackfills(filters?: BulkActionsFilter, cursor?: string, limit?: number, status?: BulkActionStatus): Promise<PartitionBackfill[]> {
    let backfills = [...this.backfills.values()]
      .filter((backfill) => (status === undefined || backfill.status === status) && (!filters?.statuses || filters.statuses.includes(backfill.status)))
      .sort((a, b) => b.backfillTimestamp - a.backfillTimestamp);
    if (cursor !== undefined) backfills = backfills.slice(backfills.findIndex((backfill) => backfill.backfillId === cursor) + 1);
    return limit === undefined ? backfills : backfills.slice(0, limit);
  }

  async getBackfillsCount(filters?: BulkActionsFilter): Promise<number> {
    return (await this.getBackfills(filters)).length;
  }

  async getBackfill(backfillId: string): Promise<PartitionBackfill | undefined> {
    return this.backfills.get(backfillId);
  }

  async addBackfill(backfill: PartitionBackfill): Promise<void> {
    this.backfills.set(backfill.backfillId, backfill);
  }

  async updateBackfill(backfill: PartitionBackfill): Promise<void> {
    if (!this.backfills.has(backfill.backfillId)) throw new BackfillNotFoundError(backfill.backfillId);
    this.backfills.set(backfill.backfillId, backfill);
  }

  asStorage(): RunStorage {
    return this as unknown as RunStorage;
  }
}

/** A scheduler that records its calls. */
export class RecordingScheduler implements Scheduler {
  readonly className = 'RecordingScheduler';
  readonly requiredDaemonType = null;
  wipes = 0;
  debugInfo(): string {
    return 'recording scheduler';
  }
  getLogsPath(instance: { schedulesDirectory(): string }, scheduleOriginId: string): string {
    return `${instance.schedulesDirectory()}/${scheduleOriginId}.log`;
  }
  wipe(): void {
    this.wipes += 1;
  }
}

export interface FakeOps extends SchedulingInstanceOps {
  readonly schedules: FakeScheduleStorage | undefined;
  readonly backfillStore: FakeBackfillStorage;
}

/** A fake instance: components and settings as given, public methods wired to this package's functions. */
export function createFakeOps(
  options: {
    /** false: an ephemeral instance without schedule storage. */
    scheduleStorage?: boolean;
    scheduler?: Scheduler | undefined;
    /** Days to keep ticks per status, by instigator type; Dagster's defaults otherwise. */
    tickRetention?: Partial<Record<InstigatorType, Record<TickStatus, number>>>;
    schedulesDirectory?: string;
    overrides?: Partial<SchedulingInstanceOps>;
  } = {},
): FakeOps {
  const schedules = options.scheduleStorage === false ? undefined : new FakeScheduleStorage();
  const backfillStore = new FakeBackfillStorage();
  const ops: FakeOps = {
    schedules,
    backfillStore,
    scheduleStorage: schedules?.asStorage(),
    runStorage: backfillStore.asStorage(),
    scheduler: 'scheduler' in options ? options.scheduler : new RecordingScheduler(),
    schedulesDirectory: () => options.schedulesDirectory ?? '/inst/home/schedules',
    getTickRetentionSettings: (instigatorType) =>
      options.tickRetention?.[instigatorType] ?? { STARTED: -1, SKIPPED: instigatorType === 'SCHEDULE' ? -1 : 7, SUCCESS: -1, FAILURE: -1 },
    allInstigatorState: (...args) => allInstigatorState(ops, ...args),
    getInstigatorState: (originId, selectorId) => getInstigatorState(ops, originId, selectorId),
    addInstigatorState: (state) => addInstigatorState(ops, state),
    updateInstigatorState: (state) => updateInstigatorState(ops, state),
    deleteInstigatorState: (originId, selectorId) => deleteInstigatorState(ops, originId, selectorId),
    purgeTicks: (originId, selectorId, before, statuses) => purgeTicks(ops, originId, selectorId, before, statuses),
    ...options.overrides,
  };
  return ops;
}

/** The origin of a schedule or sensor named `name` in repository `repo` of location `loc`. */
export function originOf(name: string, repositoryName = 'repo', locationName = 'loc'): RemoteInstigatorOrigin {
  return new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName }), repositoryName }).getInstigatorOrigin(name);
}

/** A stored schedule state. */
export function scheduleState(name: string, status: InstigatorStatus, cronSchedule: string | readonly string[] = '0 * * * *', startTimestamp: number | null = null): InstigatorState {
  return new InstigatorState({
    origin: originOf(name),
    instigatorType: InstigatorType.SCHEDULE,
    status,
    instigatorData: new ScheduleInstigatorData({ cronSchedule, startTimestamp }),
  });
}

/** A stored sensor state. */
export function sensorState(name: string, status: InstigatorStatus, data: ConstructorParameters<typeof SensorInstigatorData>[0] = {}): InstigatorState {
  return new InstigatorState({ origin: originOf(name), instigatorType: InstigatorType.SENSOR, status, instigatorData: new SensorInstigatorData(data) });
}

/** Tick data of an instigator state at `timestamp` (seconds). */
export function tickOf(state: InstigatorState, status: TickStatus, timestamp: number): TickData {
  return new TickData({
    instigatorOriginId: state.instigatorOriginId,
    instigatorName: state.instigatorName,
    instigatorType: state.instigatorType,
    selectorId: state.selectorId,
    status,
    timestamp,
    ...(status === TickStatus.FAILURE ? { error: new SerializableErrorInfo({ message: 'boom', stack: [], clsName: 'Error' }) } : {}),
  });
}
