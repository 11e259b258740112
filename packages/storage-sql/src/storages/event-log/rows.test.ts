import { DUMP_VERSIONS, loadDump } from '@inst/fixtures';
import { deserializeValue, serializeValue } from '@inst/serdes';
import { EventLogEntry } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { parseEntry } from './rows.js';

/** Reads every member, all the way down (so every lazily decoded field decodes). */
function touch(value: unknown): unknown {
  if (value instanceof Set || value instanceof Map) for (const item of value) touch(item);
  else if (typeof value === 'object' && value !== null) for (const key of Object.keys(value)) touch((value as Record<string, unknown>)[key]);
  return value;
}

describe.each(DUMP_VERSIONS)('parseEntry on the events of Dagster dump %s', (version) => {
  const rows = loadDump(version).table('event_logs').rows;

  it('reads, lazily, the same entry as eager reading and writes back the stored bytes', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const where = `event_logs ${row.id}`;
      const entry = parseEntry(row.event!, 'event_logs', Number(row.id));
      expect(entry, where).toBeInstanceOf(EventLogEntry);
      // Written back before any nested field is read, then after every field is read.
      expect(serializeValue(entry), where).toBe(row.event);
      const lazy = touch(parseEntry(row.event!, 'event_logs', Number(row.id)));
      expect(lazy, where).toEqual(deserializeValue(row.event!, { as: EventLogEntry }));
      expect(serializeValue(lazy), where).toBe(row.event);
    }
  });
});
