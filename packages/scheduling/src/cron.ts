/**
 * Cron schedules in a timezone with Dagster's semantics (`_utils/schedules.py`), on top of croner.
 *
 * croner enumerates the cron's matches as wall-clock (naive) times; this module turns each wall-clock time into the
 * instant(s) Dagster runs at in the schedule's timezone:
 * - a wall-clock time that does not exist (spring forward): non-hourly schedules run at the end of the gap (02:30 →
 *   03:00), hourly schedules (hour field `*`) skip it;
 * - a wall-clock time that happens twice (fall back): non-hourly schedules run once, at the later instant; hourly
 *   schedules run at both.
 * Only local hours 1–3 are treated as possible DST hours, as in Dagster. A schedule may be a list of cron strings
 * (their union, equal times once).
 */
import { Cron } from 'croner';
import { InvalidArgumentError } from '@inst/errors';

const DAYLIGHT_SAVINGS_HOURS = new Set([1, 2, 3]);
const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall-clock time of an instant in `timezone`, as milliseconds of the same wall-clock time read in UTC. */
export function wallClockMs(instantMs: number, timezone: string): number {
  if (timezone === 'UTC') return instantMs;
  const parts = formatter(timezone).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) + (instantMs % 1000 + 1000) % 1000;
}

function offsetMs(instantMs: number, timezone: string): number {
  return wallClockMs(instantMs, timezone) - instantMs;
}

/** The instants whose wall-clock time in `timezone` is `wallMs` (none, one, or two), ascending. */
export function instantsOfWallClock(wallMs: number, timezone: string): number[] {
  const found = new Set<number>();
  for (const probe of [wallMs - 14 * HOUR_MS, wallMs - 3 * HOUR_MS, wallMs + 3 * HOUR_MS, wallMs + 14 * HOUR_MS]) {
    const candidate = wallMs - offsetMs(probe, timezone);
    if (wallClockMs(candidate, timezone) === wallMs) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/** Whether a cron string's hour field is `*` (Dagster's `is_hourly`). */
function isHourly(cron: string): boolean {
  return cron.trim().split(/\s+/)[1] === '*';
}

/** Whether `cron` is a valid 5-field cron string (Dagster: croniter-valid with exactly 5 fields). */
export function isValidCronString(cron: string): boolean {
  if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== 5) return false;
  try {
    new Cron(cron, { timezone: 'UTC', paused: true });
    return true;
  } catch {
    return false;
  }
}

/** Whether every entry of a schedule's cron (a string or a list) is valid, and a list is not empty. */
export function isValidCronSchedule(cronSchedule: string | readonly string[]): boolean {
  const list = typeof cronSchedule === 'string' ? [cronSchedule] : [...cronSchedule];
  return list.length > 0 && list.every(isValidCronString);
}

function validTimezone(timezone: string): string {
  try {
    formatter(timezone);
    return timezone;
  } catch {
    throw new InvalidArgumentError(`Invalid execution timezone ${timezone}`);
  }
}

/** Execution times (epoch seconds, ascending) of one cron string from `startSeconds` (inclusive). */
function* singleCronIterator(cron: string, timezone: string, startSeconds: number): Generator<number> {
  if (!isValidCronString(cron)) throw new InvalidArgumentError(`Invalid cron string: ${JSON.stringify(cron)}`);
  const pattern = new Cron(cron, { timezone: 'UTC', paused: true });
  const hourly = isHourly(cron);
  const startMs = Math.round(startSeconds * 1000);
  // Begin a day early in wall-clock terms so times moved forward by a DST rule, or repeated after a fall-back, are
  // not missed — unless the offset is the same over the 26 hours either side of `start` (no transition near it),
  // when just before `start` will do (an every-minute schedule then steps once per call, not 1,440 times).
  const offset = offsetMs(startMs, timezone);
  const steady = [-26, -13, 13, 26].every((hours) => offsetMs(startMs + hours * HOUR_MS, timezone) === offset);
  let wall = new Date(wallClockMs(startMs, timezone) - (steady ? 0 : 24 * HOUR_MS) - 1000);
  const pending: number[] = [];
  let last = -Infinity;
  for (;;) {
    const next = pattern.nextRun(wall);
    if (!next) break;
    wall = next;
    const wallMs = next.getTime();
    // Everything pending earlier than the earliest instant this (or any later) wall-clock time can map to is final.
    const lowerBound = wallMs - Math.max(offsetMs(wallMs - 14 * HOUR_MS, timezone), offsetMs(wallMs + 14 * HOUR_MS, timezone));
    pending.sort((a, b) => a - b);
    while (pending.length > 0 && pending[0]! < lowerBound) {
      const instant = pending.shift()!;
      if (instant > last && instant >= startMs) {
        last = instant;
        yield instant / 1000;
      }
    }
    const instants = instantsOfWallClock(wallMs, timezone);
    const hour = new Date(wallMs).getUTCHours();
    if (instants.length === 0) {
      if (hourly || !DAYLIGHT_SAVINGS_HOURS.has(hour)) continue;
      // End of the gap: the start of the hour read with the offset from before the transition.
      const hourStart = wallMs - (wallMs % HOUR_MS);
      pending.push(hourStart - offsetMs(wallMs - 14 * HOUR_MS, timezone));
    } else if (instants.length === 2 && !hourly && DAYLIGHT_SAVINGS_HOURS.has(hour)) {
      pending.push(instants[1]!);
    } else {
      pending.push(...instants);
    }
  }
}

/**
 * The execution times of a schedule (Dagster's `schedule_execution_time_iterator`): epoch seconds, ascending, from
 * `startSeconds` inclusive, for a cron string or a list of them in `timezone` (default UTC). Infinite.
 */
export function* scheduleExecutionTimeIterator(
  startSeconds: number,
  cronSchedule: string | readonly string[],
  timezone?: string | null,
): Generator<number> {
  const tz = validTimezone(timezone || 'UTC');
  const crons = typeof cronSchedule === 'string' ? [cronSchedule] : [...cronSchedule];
  if (crons.length === 0) throw new InvalidArgumentError('A schedule needs at least one cron string');
  if (crons.length === 1) {
    yield* singleCronIterator(crons[0]!, tz, startSeconds);
    return;
  }
  const iterators = crons.map((cron) => singleCronIterator(cron, tz, startSeconds));
  const heads = iterators.map((it) => it.next());
  let last = -Infinity;
  for (;;) {
    let min = Infinity;
    for (const head of heads) if (!head.done && head.value < min) min = head.value;
    if (min === Infinity) return;
    for (let i = 0; i < heads.length; i++) {
      while (!heads[i]!.done && heads[i]!.value === min) heads[i] = iterators[i]!.next();
    }
    if (min > last) {
      last = min;
      yield min;
    }
  }
}

/** The execution times in `[startSeconds, endSeconds]` (both inclusive), capped at `limit`. */
export function scheduleExecutionTimesBetween(
  cronSchedule: string | readonly string[],
  timezone: string | null | undefined,
  startSeconds: number,
  endSeconds: number,
  limit = 100_000,
): number[] {
  const times: number[] = [];
  for (const t of scheduleExecutionTimeIterator(startSeconds, cronSchedule, timezone)) {
    if (t > endSeconds || times.length >= limit) break;
    times.push(t);
  }
  return times;
}
