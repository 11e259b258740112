/**
 * How long ticks are kept (Dagster's `get_tick_retention_settings`) and the daemons' purge of older ticks.
 */
import { InvalidArgumentError } from '@inst/errors';
import { InstigatorType, TickStatus } from '@inst/types';
import { checkTimestamp, nowSeconds } from './internal';
import type { PurgeAfterDays, SchedulingInstanceOps, TickRetentionConfig } from './ops';

/**
 * Origin and selector ids of the auto-materialize ticks written before auto-materialize ran as sensors (Dagster's
 * `_PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID` / `_SELECTOR_ID`): the only ticks kept by the `auto_materialize` retention.
 */
export const PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID = 'asset_daemon_origin';
/** See {@link PRE_SENSOR_AUTO_MATERIALIZE_ORIGIN_ID}. */
export const PRE_SENSOR_AUTO_MATERIALIZE_SELECTOR_ID = 'asset_daemon_selector';

const RETENTION_KEYS = {
  [InstigatorType.SCHEDULE]: 'schedule',
  [InstigatorType.SENSOR]: 'sensor',
  [InstigatorType.AUTO_MATERIALIZE]: 'auto_materialize',
} as const satisfies Record<InstigatorType, keyof TickRetentionConfig>;

const TICK_STATUSES = [TickStatus.STARTED, TickStatus.SKIPPED, TickStatus.SUCCESS, TickStatus.FAILURE] as const;

function checkInstigatorType(instigatorType: unknown): InstigatorType {
  if (typeof instigatorType !== 'string' || !Object.hasOwn(RETENTION_KEYS, instigatorType)) {
    throw new InvalidArgumentError(`Unexpected instigator type ${String(instigatorType)}`, { ids: { instigatorType: String(instigatorType) } });
  }
  return instigatorType as InstigatorType;
}

/** Dagster's defaults: schedules keep every tick; sensors and auto-materialize drop SKIPPED ticks after 7 days. */
export function defaultTickRetentionSettings(instigatorType: InstigatorType): Record<TickStatus, number> {
  const skipped = checkInstigatorType(instigatorType) === InstigatorType.SCHEDULE ? -1 : 7;
  return { STARTED: -1, SKIPPED: skipped, SUCCESS: -1, FAILURE: -1 };
}

/**
 * Days to keep ticks of each status (-1 or 0: forever), from `retention.<schedule|sensor|auto_materialize>
 * .purge_after_days` read through `ops.getSettings('retention')`: one number for every status, or a per-status map
 * (`started`, `skipped`, `success`, `failure`) over the defaults. As in Dagster, a value that is 0 or an empty map
 * means the defaults. InvalidArgumentError for an unknown instigator type.
 */
export function getTickRetentionSettings(ops: Pick<SchedulingInstanceOps, 'getSettings'>, instigatorType: InstigatorType): Record<TickStatus, number> {
  const defaults = defaultTickRetentionSettings(instigatorType);
  const block = ops.getSettings('retention')?.[RETENTION_KEYS[instigatorType]];
  const purge: PurgeAfterDays | undefined = block?.purge_after_days;
  if (!purge || (typeof purge === 'object' && Object.keys(purge).length === 0)) return defaults;
  if (typeof purge === 'number') return { STARTED: purge, SKIPPED: purge, SUCCESS: purge, FAILURE: purge };
  const settings = { ...defaults };
  for (const status of TICK_STATUSES) {
    const days = purge[status.toLowerCase() as keyof typeof purge];
    if (days !== undefined) settings[status] = days;
  }
  return settings;
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
