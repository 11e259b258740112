/**
 * Ticks of schedules and sensors (Dagster's tick members). Without schedule storage the reads answer empty
 * (`[]`, an empty map, undefined, false), `purgeTicks` does nothing, and the writes (`createTick`, `updateTick`)
 * throw ScheduleStorageNotAvailableError — as Dagster does.
 */
import type { InstigatorTick, TickData, TickStatus } from '@inst/types';
import { checkTimestamp, opt, requireScheduleStorage } from './internal';
import type { SchedulingInstanceOps } from './ops';


/**
 * Whether `getBatchTicks` can be used: there is schedule storage and its batch queries are available. A Promise,
 * unlike Dagster's property, because finding out reads the database.
 */
export async function supportsBatchTickQueries(ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>): Promise<boolean> {
  const storage = ops.scheduleStorage;
  return storage ? storage.supportsBatchQueries() : false;
}

/**
 * The newest ticks of many schedules or sensors in one query, by selector id (only selectors with ticks are keys),
 * at most `limit` each, optionally of some statuses. An empty map without schedule storage.
 */
export async function getBatchTicks(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  selectorIds: readonly string[],
  limit?: number | null,
  statuses?: Iterable<TickStatus> | null,
): Promise<Map<string, InstigatorTick[]>> {
  const storage = ops.scheduleStorage;
  if (!storage) return new Map();
  return storage.getBatchTicks(selectorIds, opt(limit), opt(statuses));
}

/** The tick of an instigator within one second of `timestamp` (seconds), or undefined (also without schedule storage). */
export async function getTick(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  originId: string,
  selectorId: string,
  timestamp: number,
): Promise<InstigatorTick | undefined> {
  const storage = ops.scheduleStorage;
  if (!storage) return undefined;
  checkTimestamp(timestamp, 'timestamp');
  const [match] = await storage.getTicks(originId, selectorId, timestamp + 1, timestamp - 1, 1);
  return match;
}

/**
 * Ticks of one schedule or sensor, newest first: strictly before `before` and after `after` (seconds), at most
 * `limit`, optionally of some statuses. `[]` without schedule storage.
 */
export async function getTicks(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  originId: string,
  selectorId: string,
  before?: number | null,
  after?: number | null,
  limit?: number | null,
  statuses?: Iterable<TickStatus> | null,
): Promise<InstigatorTick[]> {
  const storage = ops.scheduleStorage;
  if (!storage) return [];
  return storage.getTicks(originId, selectorId, opt(before), opt(after), opt(limit), opt(statuses));
}

/** Stores a new tick and returns it with its id. Needs schedule storage. */
export async function createTick(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  tickData: TickData,
): Promise<InstigatorTick> {
  return requireScheduleStorage(ops, 'createTick').createTick(tickData);
}

/** Replaces a stored tick (same id) and returns it. Needs schedule storage. */
export async function updateTick(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  tick: InstigatorTick,
): Promise<InstigatorTick> {
  return requireScheduleStorage(ops, 'updateTick').updateTick(tick);
}

/**
 * Deletes the ticks of one schedule or sensor older than `before` (seconds), only of `tickStatuses` when given.
 * Does nothing without schedule storage. `before` must be a finite number.
 */
export async function purgeTicks(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage'>,
  originId: string,
  selectorId: string,
  before: number,
  tickStatuses?: Iterable<TickStatus> | null,
): Promise<void> {
  const storage = ops.scheduleStorage;
  if (!storage) return;
  checkTimestamp(before, 'before');
  await storage.purgeTicks(originId, selectorId, before, opt(tickStatuses));
}

/**
 * How often (seconds) an in-flight tick checks whether it should stop; undefined — never — as in Dagster OSS. A hook
 * for instance subclasses (Dagster+ overrides it).
 */
export function getTickTerminationCheckInterval(_ops?: unknown): number | undefined {
  return undefined;
}
