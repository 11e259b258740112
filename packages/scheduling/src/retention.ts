/**
 * The daemons' purge of ticks older than the retention settings (which `@inst/settings` computes from the
 * `retention` config; the domain reads them through `ops.getTickRetentionSettings`).
 */
import { InvalidArgumentError } from '@inst/errors';
import { InstigatorType, TickStatus } from '@inst/types';
import { checkTimestamp, nowSeconds } from './internal';
import type { SchedulingInstanceOps } from './ops';

/**
 * Origin and selector ids of the auto-materialize ticks written before auto-materialize ran as sensors (Dagster's
 * `_PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID` / `_SELECTOR_ID`): the only ticks kept by the `auto_materialize` retention.
 */
export const PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID = 'asset_daemon_origin';
/** See {@link PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID}. */
export const PRE_SENSOR_AUTO_MATERIALIZE_SELECTOR_ID = 'asset_daemon_selector';

const TICK_STATUSES = [TickStatus.STARTED, TickStatus.SKIPPED, TickStatus.SUCCESS, TickStatus.FAILURE] as const;

const INSTIGATOR_TYPES: readonly string[] = [InstigatorType.SCHEDULE, InstigatorType.SENSOR, InstigatorType.AUTO_MATERIALIZE];

function checkInstigatorType(instigatorType: unknown): InstigatorType {
  if (typeof instigatorType !== 'string' || !INSTIGATOR_TYPES.includes(instigatorType)) {
    throw new InvalidArgumentError(`Unexpected instigator type ${String(instigatorType)}`, { ids: { instigatorType: String(instigatorType) } });
  }
  return instigatorType as InstigatorType;
}

/** One purge `purgeTicksByRetention` made: an instigator's ticks of some statuses older than `before`. */
export interface TickPurge {
  /** The instigator's origin id. */
  readonly originId: string;
  /** The instigator's selector id. */
  readonly selectorId: string;
  /** Unix seconds: ticks that started strictly before are deleted. */
  readonly before: number;
  /** The statuses purged. */
  readonly tickStatuses: readonly TickStatus[];
}

/**
 * Applies the tick retention of one instigator type, as Dagster's daemons do after each tick: for every number of
 * days greater than 0 in `ops.getTickRetentionSettings(instigatorType)`, the ticks of the statuses kept that long
 * and older than `now - days` are purged (`ops.purgeTicks`); -1 and 0 keep ticks forever.
 *
 * Which ticks: SCHEDULE and SENSOR — those of every stored state of that type (`ops.allInstigatorState`; the daemons
 * only reach running ones, this reaches stopped ones too; sensors run by the asset daemon use the SENSOR retention
 * as well). AUTO_MATERIALIZE — the ticks of the asset daemon from before it ran as sensors, under the fixed
 * {@link PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID} ids.
 *
 * Nothing is read or purged without schedule storage. `now` is Unix seconds (default: now). Returns the purges made.
 */
export async function purgeTicksByRetention(
  ops: Pick<SchedulingInstanceOps, 'scheduleStorage' | 'getTickRetentionSettings' | 'allInstigatorState' | 'purgeTicks'>,
  instigatorType: InstigatorType,
  now: number = nowSeconds(),
): Promise<TickPurge[]> {
  checkInstigatorType(instigatorType);
  checkTimestamp(now, 'now');
  if (!ops.scheduleStorage) return [];

  // Statuses grouped by their number of days, so each instigator gets one purge per cut-off (as the daemons do).
  const byDays = new Map<number, TickStatus[]>();
  const settings = ops.getTickRetentionSettings(instigatorType);
  for (const status of TICK_STATUSES) {
    const days = settings[status];
    if (typeof days !== 'number' || !(days > 0)) continue;
    byDays.set(days, [...(byDays.get(days) ?? []), status]);
  }
  if (byDays.size === 0) return [];

  const targets =
    instigatorType === InstigatorType.AUTO_MATERIALIZE
      ? [{ originId: PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID, selectorId: PRE_SENSOR_AUTO_MATERIALIZE_SELECTOR_ID }]
      : (await ops.allInstigatorState(undefined, undefined, instigatorType)).map((state) => ({
          originId: state.instigatorOriginId,
          selectorId: state.selectorId,
        }));

  const cutoffs = [...byDays].sort(([a], [b]) => a - b).map(([days, tickStatuses]) => ({ before: now - days * 86_400, tickStatuses }));
  const purges: TickPurge[] = [];
  for (const { originId, selectorId } of targets) {
    for (const { before, tickStatuses } of cutoffs) {
      await ops.purgeTicks(originId, selectorId, before, tickStatuses);
      purges.push({ originId, selectorId, before, tickStatuses });
    }
  }
  return purges;
}
