/**
 * Cron ticks in a time zone with Dagster's semantics (`dagster._utils.schedules.cron_string_iterator`), on top of
 * croner: a fixed-time tick in a spring-forward gap runs at the first valid time after it (croner's rule, and
 * Dagster's); a fixed-time tick in a fall-back overlap runs at the SECOND occurrence of the wall time (Dagster's
 * documented rule, which croner does not follow, so it is applied here); hourly-or-faster schedules run at both.
 */
import { Cron } from 'croner';
import { InvalidArgumentError } from '@inst/errors';
import { checkTimezone, utcOffsetSeconds, wallTime } from './time';

const DAGSTER_ALIASES: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

/** Whether a cron string is one Dagster accepts: five fields (or an `@` alias), each croner can parse. */
export function isValidCronSchedule(cronSchedule: string): boolean {
  const expr = DAGSTER_ALIASES[cronSchedule.trim()] ?? cronSchedule.trim();
  if (expr.split(/\s+/).length !== 5) return false;
  try {
    new Cron(expr, { paused: true, legacyMode: true });
    return true;
  } catch {
    return false;
  }
}

/** Throws unless {@link isValidCronSchedule}. */
export function checkCronSchedule(cronSchedule: string, what = 'schedule'): string {
  if (typeof cronSchedule !== 'string' || !isValidCronSchedule(cronSchedule)) {
    throw new InvalidArgumentError(`Found invalid cron schedule '${String(cronSchedule)}' for ${what}.`, { ids: { cronSchedule: String(cronSchedule) } });
  }
  return cronSchedule;
}

const cache = new Map<string, Cron>();

function cronFor(cronSchedule: string, timezone: string): Cron {
  const key = `${timezone}\u0000${cronSchedule}`;
  let cron = cache.get(key);
  if (!cron) {
    checkTimezone(timezone);
    const expr = DAGSTER_ALIASES[cronSchedule.trim()] ?? cronSchedule.trim();
    // legacyMode: day-of-month and day-of-week are OR-ed, as in Vixie cron and Dagster.
    cron = new Cron(expr, { paused: true, timezone, legacyMode: true });
    cache.set(key, cron);
  }
  return cron;
}

/** Whether the hour field names fixed hours (not `*` or a step), so a fall-back overlap runs once, the second time. */
function hasFixedHour(cronSchedule: string): boolean {
  const expr = DAGSTER_ALIASES[cronSchedule.trim()] ?? cronSchedule.trim();
  const fields = expr.split(/\s+/);
  return !/[*/]/.test(fields[1] ?? '*');
}

/** The second occurrence of the tick's wall time when the tick falls in a fall-back overlap, else the tick. */
function secondOccurrence(tick: number, timezone: string): number {
  const shift = utcOffsetSeconds(tick, timezone) - utcOffsetSeconds(tick + 3 * 3600, timezone);
  if (shift <= 0) return tick;
  const later = tick + shift;
  const a = wallTime(tick, timezone);
  const b = wallTime(later, timezone);
  return a.hour === b.hour && a.minute === b.minute && a.day === b.day ? later : tick;
}

/** Cron ticks (epoch seconds) at or after `startTimestamp`, ascending, forever. */
export function* cronTicks(cronSchedule: string, timezone: string, startTimestamp: number): Generator<number> {
  const cron = cronFor(cronSchedule, timezone);
  const fixedHour = hasFixedHour(cronSchedule);
  let cursor = new Date(Math.ceil(startTimestamp) * 1000 - 1000);
  let last = -Infinity;
  for (;;) {
    const next = cron.nextRun(cursor);
    if (!next) return;
    let tick = next.getTime() / 1000;
    cursor = next;
    if (fixedHour) tick = secondOccurrence(tick, timezone);
    if (tick < startTimestamp || tick <= last) continue;
    last = tick;
    yield tick;
  }
}

/** Cron ticks (epoch seconds) at or before `endTimestamp`, descending, forever. */
export function* reverseCronTicks(cronSchedule: string, timezone: string, endTimestamp: number): Generator<number> {
  const cron = cronFor(cronSchedule, timezone);
  const fixedHour = hasFixedHour(cronSchedule);
  let reference = new Date(Math.floor(endTimestamp) * 1000 + 1000);
  let last = Infinity;
  for (;;) {
    const batch = cron.previousRuns(16, reference);
    if (batch.length === 0) return;
    for (const run of batch) {
      let tick = run.getTime() / 1000;
      if (fixedHour) tick = secondOccurrence(tick, timezone);
      reference = run;
      if (tick > endTimestamp || tick >= last) continue;
      last = tick;
      yield tick;
    }
  }
}

/** The first tick at or after `timestamp`. */
export function nextCronTick(cronSchedule: string, timezone: string, timestamp: number): number {
  for (const tick of cronTicks(cronSchedule, timezone, timestamp)) return tick;
  throw new InvalidArgumentError(`Cron schedule ${cronSchedule} has no tick after ${timestamp}`);
}
