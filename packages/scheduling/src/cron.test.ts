import { describe, expect, it } from 'vitest';
import { isValidCronSchedule, scheduleExecutionTimeIterator, scheduleExecutionTimesBetween } from './cron';

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const sec = (isoString: string) => Date.parse(isoString) / 1000;
const between = (cron: string | string[], tz: string, from: string, to: string) =>
  scheduleExecutionTimesBetween(cron, tz, sec(from), sec(to)).map(iso);

// Golden cases from Dagster's documented DST behaviour and dagster_tests/scheduler_tests/test_scheduler_timezones.py.
describe('scheduleExecutionTimeIterator in America/New_York', () => {
  const NY = 'America/New_York';
  it('daily schedule inside the spring-forward gap runs at the end of the gap (02:30 -> 03:00)', () => {
    expect(between('30 2 * * *', NY, '2019-03-09T00:00:00Z', '2019-03-12T00:00:00Z')).toEqual([
      '2019-03-09T07:30:00Z', // 02:30 EST
      '2019-03-10T07:00:00Z', // 03:00 EDT (02:30 does not exist)
      '2019-03-11T06:30:00Z', // 02:30 EDT
    ]);
  });
  it('daily schedule at an ambiguous time runs once, at the later instant', () => {
    expect(between('30 1 * * *', NY, '2019-11-02T00:00:00Z', '2019-11-05T00:00:00Z')).toEqual([
      '2019-11-02T05:30:00Z', // 01:30 EDT
      '2019-11-03T06:30:00Z', // the second 01:30 (EST)
      '2019-11-04T06:30:00Z', // 01:30 EST
    ]);
  });
  it('hourly schedule skips the missing hour in spring and runs both repeated hours in fall', () => {
    expect(between('0 * * * *', NY, '2019-03-10T05:00:00Z', '2019-03-10T08:00:00Z')).toEqual([
      '2019-03-10T05:00:00Z', // 00:00 EST
      '2019-03-10T06:00:00Z', // 01:00 EST
      '2019-03-10T07:00:00Z', // 03:00 EDT
      '2019-03-10T08:00:00Z', // 04:00 EDT
    ]);
    expect(between('0 * * * *', NY, '2019-11-03T04:00:00Z', '2019-11-03T07:00:00Z')).toEqual([
      '2019-11-03T04:00:00Z', // 00:00 EDT
      '2019-11-03T05:00:00Z', // 01:00 EDT
      '2019-11-03T06:00:00Z', // 01:00 EST
      '2019-11-03T07:00:00Z', // 02:00 EST
    ]);
  });
  it('half-hourly schedules stay in order across the repeated hour', () => {
    expect(between('*/30 * * * *', NY, '2019-11-03T05:00:00Z', '2019-11-03T07:00:00Z')).toEqual([
      '2019-11-03T05:00:00Z',
      '2019-11-03T05:30:00Z',
      '2019-11-03T06:00:00Z',
      '2019-11-03T06:30:00Z',
      '2019-11-03T07:00:00Z',
    ]);
  });
  it('daily midnight schedule across both transitions keeps local midnight', () => {
    expect(between('0 0 * * *', NY, '2019-03-09T00:00:00Z', '2019-03-12T00:00:00Z')).toEqual([
      '2019-03-09T05:00:00Z',
      '2019-03-10T05:00:00Z',
      '2019-03-11T04:00:00Z',
    ]);
  });
});

describe('cron iterator basics', () => {
  it('is inclusive of the start and defaults to UTC', () => {
    const it = scheduleExecutionTimeIterator(sec('2024-01-01T00:00:00Z'), '0 0 * * *');
    expect(iso(it.next().value as number)).toBe('2024-01-01T00:00:00Z');
    expect(iso(it.next().value as number)).toBe('2024-01-02T00:00:00Z');
  });
  it('emits Feb 29 only in leap years', () => {
    expect(between('0 0 29 2 *', 'UTC', '2023-01-01T00:00:00Z', '2029-01-01T00:00:00Z')).toEqual(['2024-02-29T00:00:00Z', '2028-02-29T00:00:00Z']);
  });
  it('unions a list of cron strings, equal times once', () => {
    expect(between(['0 0 * * *', '0 12 * * *', '0 0 * * *'], 'UTC', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z')).toEqual([
      '2024-01-01T00:00:00Z',
      '2024-01-01T12:00:00Z',
      '2024-01-02T00:00:00Z',
    ]);
  });
  it('validates cron strings: five fields, non-empty lists', () => {
    expect(isValidCronSchedule('0 0 * * *')).toBe(true);
    expect(isValidCronSchedule('0 0 * * * *')).toBe(false);
    expect(isValidCronSchedule('nope')).toBe(false);
    expect(isValidCronSchedule([])).toBe(false);
    expect(() => scheduleExecutionTimeIterator(0, 'bad cron').next()).toThrow(/Invalid cron/);
  });
  it('uses Vixie OR semantics when day-of-month and day-of-week are both set', () => {
    // The 1st of the month OR any Monday.
    expect(between('0 0 1 * MON', 'UTC', '2024-04-01T00:00:00Z', '2024-04-15T00:00:00Z')).toEqual([
      '2024-04-01T00:00:00Z',
      '2024-04-08T00:00:00Z',
      '2024-04-15T00:00:00Z',
    ]);
  });
});
