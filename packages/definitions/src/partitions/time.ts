/**
 * Wall-clock time in an IANA time zone, and the subset of Python's strftime / strptime that partition keys use
 * (`%Y %m %d %H %M %S %z %%`). Timestamps are epoch seconds.
 */
import { InvalidArgumentError } from '@inst/errors';

/** The wall-clock fields of an instant in a zone. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timezone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch (cause) {
      throw new InvalidArgumentError(`Unknown time zone ${timezone}`, { cause, ids: { timezone } });
    }
    formatters.set(timezone, fmt);
  }
  return fmt;
}

/** Throws InvalidArgumentError for a time zone Intl does not know. */
export function checkTimezone(timezone: string): void {
  formatterFor(timezone);
}

/** The wall-clock fields of `timestamp` in `timezone`. */
export function wallTime(timestamp: number, timezone: string): WallTime {
  const parts = formatterFor(timezone).formatToParts(new Date(Math.floor(timestamp) * 1000));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') % 24, minute: get('minute'), second: get('second') };
}

/** The zone's UTC offset at `timestamp`, in seconds east of UTC. */
export function utcOffsetSeconds(timestamp: number, timezone: string): number {
  const w = wallTime(timestamp, timezone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000;
  return asUtc - Math.floor(timestamp);
}

/**
 * The instant a wall time names in a zone. An ambiguous time (fall back) is its first occurrence; a time in a
 * spring-forward gap moves forward by the gap, as Python's `datetime.replace(tzinfo=…)` with fold=0 then
 * normalizing does.
 */
export function wallTimeToTimestamp(w: WallTime, timezone: string): number {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000;
  // Try the offsets in effect a day either side; the earliest instant that maps back to the wall time wins.
  const candidates = new Set([utcOffsetSeconds(naive - 86400, timezone), utcOffsetSeconds(naive, timezone), utcOffsetSeconds(naive + 86400, timezone)]);
  const matches = [...candidates].map((offset) => naive - offset).filter((ts) => sameWall(wallTime(ts, timezone), w)).sort((a, b) => a - b);
  if (matches.length > 0) return matches[0]!;
  // In a gap: use the offset before the gap.
  return naive - utcOffsetSeconds(naive - 86400, timezone);
}

function sameWall(a: WallTime, b: WallTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  return `${sign}${pad(Math.floor(abs / 3600))}${pad(Math.floor((abs % 3600) / 60))}`;
}

/** Python's `datetime.strftime(fmt)` of `timestamp` in `timezone`, for the directives partition keys use. */
export function strftime(timestamp: number, timezone: string, fmt: string): string {
  const w = wallTime(timestamp, timezone);
  return fmt.replace(/%([YmdHMSzfj%])/g, (_, d: string) => {
    switch (d) {
      case 'Y':
        return pad(w.year, 4);
      case 'm':
        return pad(w.month);
      case 'd':
        return pad(w.day);
      case 'H':
        return pad(w.hour);
      case 'M':
        return pad(w.minute);
      case 'S':
        return pad(w.second);
      case 'f':
        return '000000';
      case 'z':
        return formatOffset(utcOffsetSeconds(timestamp, timezone));
      case 'j': {
        const start = Date.UTC(w.year, 0, 1);
        return pad(Math.floor((Date.UTC(w.year, w.month - 1, w.day) - start) / 86400000) + 1, 3);
      }
      default:
        return '%';
    }
  });
}

/**
 * Python's `datetime.strptime(text, fmt)` read as a wall time in `timezone` (or at the parsed `%z` offset), as
 * epoch seconds; undefined when the text does not match the format.
 */
export function strptime(text: string, timezone: string, fmt: string): number | undefined {
  let pattern = '^';
  const order: string[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '%' && i + 1 < fmt.length) {
      const d = fmt[++i]!;
      if (d === '%') pattern += '%';
      else if (d === 'Y') {
        pattern += '(\\d{4})';
        order.push('Y');
      } else if ('mdHMS'.includes(d)) {
        pattern += '(\\d{1,2})';
        order.push(d);
      } else if (d === 'z') {
        pattern += '([+-]\\d{2}:?\\d{2}|Z)';
        order.push('z');
      } else if (d === 'f') {
        pattern += '(\\d{1,6})';
        order.push('f');
      }
      else return undefined;
    } else {
      pattern += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  const match = new RegExp(`${pattern}$`).exec(text);
  if (!match) return undefined;
  const w: WallTime = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  let offset: number | undefined;
  order.forEach((d, index) => {
    const v = match[index + 1]!;
    if (d === 'Y') w.year = Number(v);
    else if (d === 'm') w.month = Number(v);
    else if (d === 'd') w.day = Number(v);
    else if (d === 'H') w.hour = Number(v);
    else if (d === 'M') w.minute = Number(v);
    else if (d === 'S') w.second = Number(v);
    else if (d === 'z') {
      if (v === 'Z') offset = 0;
      else {
        const digits = v.replace(':', '');
        const sign = digits.startsWith('-') ? -1 : 1;
        offset = sign * (Number(digits.slice(1, 3)) * 3600 + Number(digits.slice(3, 5)) * 60);
      }
    }
  });
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.day > daysInMonth(w.year, w.month) || w.hour > 23 || w.minute > 59 || w.second > 59) return undefined;
  if (offset !== undefined) return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000 - offset;
  return wallTimeToTimestamp(w, timezone);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
