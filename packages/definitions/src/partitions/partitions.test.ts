import { describe, expect, it } from 'vitest';
import { serializeValue, sha1Hex } from '@inst/serdes';
import {
  dailyPartitions,
  dynamicPartitions,
  hourlyPartitions,
  monthlyPartitions,
  multiPartitionKey,
  multiPartitions,
  staticPartitions,
  weeklyPartitions,
} from './definitions';
import { cronTicks, reverseCronTicks } from './cron';
import { strftime, strptime } from './time';

const at = (iso: string): number => Date.parse(iso) / 1000;

describe('time-window partitions', () => {
  it('daily keys end before now; endOffset extends them', () => {
    const daily = dailyPartitions({ start: '2024-01-01' });
    expect(daily.getPartitionKeys({ now: at('2024-01-04T05:00:00Z') })).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
    const ahead = dailyPartitions({ start: '2024-01-01', endOffset: 1 });
    expect(ahead.getPartitionKeys({ now: at('2024-01-04T05:00:00Z') })).toEqual(['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04']);
    const behind = dailyPartitions({ start: '2024-01-01', endOffset: -1 });
    expect(behind.getPartitionKeys({ now: at('2024-01-04T05:00:00Z') })).toEqual(['2024-01-01', '2024-01-02']);
    const ended = dailyPartitions({ start: '2024-01-01', end: '2024-01-03' });
    expect(ended.getPartitionKeys({ now: at('2024-02-01T00:00:00Z') })).toEqual(['2024-01-01', '2024-01-02']);
  });

  it('hourly, weekly and monthly keys use Dagster formats and cron ticks', () => {
    expect(hourlyPartitions({ start: '2024-01-01-00:00' }).getPartitionKeys({ now: at('2024-01-01T03:30:00Z') })).toEqual([
      '2024-01-01-00:00',
      '2024-01-01-01:00',
      '2024-01-01-02:00',
    ]);
    // 2024-01-01 is a Monday: weekly partitions start on the first Sunday.
    expect(weeklyPartitions({ start: '2024-01-01' }).getPartitionKeys({ now: at('2024-01-22T00:00:00Z') })).toEqual(['2024-01-07', '2024-01-14']);
    expect(monthlyPartitions({ start: '2024-01-15' }).getPartitionKeys({ now: at('2024-04-02T00:00:00Z') })).toEqual(['2024-02-01', '2024-03-01']);
  });

  it('keys are wall-clock dates in the timezone', () => {
    const ny = dailyPartitions({ start: '2024-03-09', timezone: 'America/New_York' });
    const keys = ny.getPartitionKeys({ now: at('2024-03-12T12:00:00Z') });
    expect(keys).toEqual(['2024-03-09', '2024-03-10', '2024-03-11']);
    // The DST day is 23 hours long.
    const window = ny.timeWindowForPartitionKey('2024-03-10');
    expect(window.end - window.start).toBe(23 * 3600);
    expect(window.start).toBe(at('2024-03-10T05:00:00Z'));
  });

  it('hasPartitionKey checks format, alignment and bounds', () => {
    const daily = dailyPartitions({ start: '2024-01-01' });
    const ctx = { now: at('2024-01-04T05:00:00Z') };
    expect(daily.hasPartitionKey('2024-01-03', ctx)).toBe(true);
    expect(daily.hasPartitionKey('2024-01-04', ctx)).toBe(false);
    expect(daily.hasPartitionKey('2023-12-31', ctx)).toBe(false);
    expect(daily.hasPartitionKey('2024-1-03', ctx)).toBe(false);
    expect(daily.hasPartitionKey('garbage', ctx)).toBe(false);
    expect(weeklyPartitions({ start: '2024-01-01' }).hasPartitionKey('2024-01-08', { now: at('2024-03-01T00:00:00Z') })).toBe(false);
  });

  it('serializes subsets as TimeWindowPartitionsSubset.serialize() does, merging adjacent windows', () => {
    const daily = dailyPartitions({ start: '2024-01-01' });
    const text = daily.serializeSubset(new Set(['2024-01-01', '2024-01-02', '2024-01-05']));
    expect(text).toBe(`{"version": 1, "time_windows": [[${at('2024-01-01T00:00:00Z')}.0, ${at('2024-01-03T00:00:00Z')}.0], [${at('2024-01-05T00:00:00Z')}.0, ${at('2024-01-06T00:00:00Z')}.0]], "num_partitions": 3}`);
    expect([...daily.deserializeSubset(text)].sort()).toEqual(['2024-01-01', '2024-01-02', '2024-01-05']);
    expect(daily.serializeSubset(new Set())).toBe('{"version": 1, "time_windows": [], "num_partitions": 0}');
    // The old bare-list form is read too.
    expect([...daily.deserializeSubset(`[[${at('2024-01-02T00:00:00Z')}, ${at('2024-01-03T00:00:00Z')}]]`)]).toEqual(['2024-01-02']);
  });

  it('the serdes subset on a run is a raw TimeWindowPartitionsDefinition with TimeWindow records', () => {
    const daily = dailyPartitions({ start: '2024-01-01' });
    const subset = daily.runPartitionsSubset('2024-01-02', '2024-01-03');
    expect(serializeValue(subset)).toBe(
      '{"__class__": "TimeWindowPartitionsSubset", "included_time_windows": [{"__class__": "TimeWindow", "end": {"__class__": "TimestampWithTimezone", "timestamp": 1704326400.0, "timezone": "UTC"}, "start": {"__class__": "TimestampWithTimezone", "timestamp": 1704153600.0, "timezone": "UTC"}}], "num_partitions": 2, "partitions_def": {"__class__": "TimeWindowPartitionsDefinition", "cron_schedule": "0 0 * * *", "end": null, "end_offset": 0, "fmt": "%Y-%m-%d", "start": {"__class__": "TimestampWithTimezone", "timestamp": 1704067200.0, "timezone": "UTC"}, "timezone": "UTC"}}',
    );
  });

  it('its id is the SHA-1 of its Python repr', () => {
    const daily = dailyPartitions({ start: '2024-01-01' });
    const repr =
      "DailyPartitionsDefinition(start_ts=TimestampWithTimezone(timestamp=1704067200.0, timezone='UTC'), timezone='UTC', end_ts=None, fmt='%Y-%m-%d', end_offset=0, cron_schedule='0 0 * * *')";
    expect(daily.pyRepr()).toBe(repr);
    expect(daily.serializableUniqueIdentifier()).toBe(sha1Hex(repr));
    expect(dailyPartitions({ start: '2024-01-02' }).serializableUniqueIdentifier()).not.toBe(daily.serializableUniqueIdentifier());
  });
});

describe('cron ticks', () => {
  it('a fixed time in a spring-forward gap runs at the first valid time after it', () => {
    const ticks = cronTicks('30 2 * * *', 'America/New_York', at('2024-03-09T12:00:00Z'));
    expect(ticks.next().value).toBe(at('2024-03-10T07:00:00Z')); // 03:00 EDT
  });
  it('a fixed time in a fall-back overlap runs once, at its second occurrence', () => {
    const ticks = cronTicks('30 1 * * *', 'America/New_York', at('2024-11-02T12:00:00Z'));
    expect(ticks.next().value).toBe(at('2024-11-03T06:30:00Z')); // the second 01:30 (EST)
    expect(ticks.next().value).toBe(at('2024-11-04T06:30:00Z'));
  });
  it('hourly schedules run at both 01:00s', () => {
    const ticks = cronTicks('0 * * * *', 'America/New_York', at('2024-11-03T04:30:00Z'));
    expect([ticks.next().value, ticks.next().value, ticks.next().value]).toEqual([at('2024-11-03T05:00:00Z'), at('2024-11-03T06:00:00Z'), at('2024-11-03T07:00:00Z')]);
  });
  it('reverse ticks go back from a time, including it', () => {
    const ticks = reverseCronTicks('0 0 * * *', 'UTC', at('2024-01-03T00:00:00Z'));
    expect([ticks.next().value, ticks.next().value]).toEqual([at('2024-01-03T00:00:00Z'), at('2024-01-02T00:00:00Z')]);
  });
});

describe('strftime / strptime', () => {
  it('round-trips the partition formats', () => {
    const ts = at('2024-05-06T07:08:00Z');
    expect(strftime(ts, 'UTC', '%Y-%m-%d-%H:%M')).toBe('2024-05-06-07:08');
    expect(strptime('2024-05-06-07:08', 'UTC', '%Y-%m-%d-%H:%M')).toBe(ts);
    expect(strftime(ts, 'Europe/Berlin', '%Y-%m-%dT%H:%M%z')).toBe('2024-05-06T09:08+0200');
    expect(strptime('2024-02-30', 'UTC', '%Y-%m-%d')).toBeUndefined();
  });
});

describe('static, dynamic and multi partitions', () => {
  it('static: the id is the SHA-1 of json.dumps(keys); subsets are DefaultPartitionsSubset', () => {
    const def = staticPartitions(['b', 'a', 'é']);
    expect(def.serializableUniqueIdentifier()).toBe(sha1Hex('["b", "a", "\\u00e9"]'));
    expect(def.serializeSubset(new Set(['b', 'a']))).toBe('{"version": 1, "subset": ["a", "b"]}');
    expect(() => staticPartitions(['a', 'a'])).toThrow(/Duplicate/);
  });
  it('dynamic: keys and id come from the instance', () => {
    const def = dynamicPartitions('customers');
    const ctx = { dynamicPartitions: { customers: ['acme', 'globex'] } };
    expect(def.getPartitionKeys(ctx)).toEqual(['acme', 'globex']);
    expect(def.serializableUniqueIdentifier(ctx)).toBe(sha1Hex('["acme", "globex"]'));
    expect(() => def.getPartitionKeys()).toThrow(/dynamicPartitions/);
    expect(serializeValue(def.runPartitionsSubset('acme', 'globex'))).toBe(
      '{"__class__": "KeyRangesPartitionsSubset", "key_ranges": [{"__class__": "PartitionKeyRange", "end": "globex", "start": "acme"}], "partitions_def_name": "customers"}',
    );
  });
  it('multi: keys joined by | in dimension-name order; the id hashes str() of the dimension ids', () => {
    const color = staticPartitions(['red', 'blue']);
    const date = dailyPartitions({ start: '2024-01-01' });
    const def = multiPartitions({ date, color });
    const now = at('2024-01-03T00:00:00Z');
    expect(def.getPartitionKeys({ now })).toEqual(['red|2024-01-01', 'red|2024-01-02', 'blue|2024-01-01', 'blue|2024-01-02']);
    expect(multiPartitionKey({ date: '2024-01-01', color: 'red' })).toBe('red|2024-01-01');
    expect(def.hasPartitionKey('blue|2024-01-02', { now })).toBe(true);
    expect(def.hasPartitionKey('green|2024-01-02', { now })).toBe(false);
    expect(def.serializableUniqueIdentifier()).toBe(sha1Hex(`{'color': '${color.serializableUniqueIdentifier()}', 'date': '${date.serializableUniqueIdentifier()}'}`));
    expect(def.serializeSubset(new Set(['red|2024-01-02', 'blue|2024-01-01']))).toBe('{"version": 1, "subset": ["blue|2024-01-01", "red|2024-01-02"]}');
    expect(() => multiPartitions({ a: color })).toThrow(/2 partitions definitions/);
  });
});
