/**
 * Cursors over the event log (`_core/event_api.py`).
 */
import { InvalidArgumentError, InvalidCursorError } from '@inst/errors';
import { defineEnum, pyJsonString, type EnumValue } from '@inst/serdes';
import type { EventLogRecord } from './events';

/** What an event log cursor counts: storage ids, or an offset into a run's events. */
export const EventLogCursorType = defineEnum('EventLogCursorType', { OFFSET: 'OFFSET', STORAGE_ID: 'STORAGE_ID' });
/** A member value of {@link EventLogCursorType}. */
export type EventLogCursorType = EnumValue<typeof EventLogCursorType>;

/**
 * A position in the event log. Its string form is what Dagster hands out: the standard base64 of Python's
 * `json.dumps({"type": "STORAGE_ID", "value": 68})`.
 */
export class EventLogCursor {
  readonly cursorType: EventLogCursorType;
  readonly value: number;

  constructor(cursorType: EventLogCursorType, value: number) {
    if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`event log cursor value must be an integer, got ${value}`);
    this.cursorType = cursorType;
    this.value = value;
    Object.freeze(this);
  }

  static fromStorageId(storageId: number): EventLogCursor {
    return new EventLogCursor(EventLogCursorType.STORAGE_ID, storageId);
  }

  static fromOffset(offset: number): EventLogCursor {
    return new EventLogCursor(EventLogCursorType.OFFSET, offset);
  }

  /** Reads a cursor string; throws InvalidCursorError when it is not one. */
  static parse(text: string): EventLogCursor {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw new InvalidCursorError(text, `Invalid event log cursor ${JSON.stringify(text)}: not base64`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    } catch (cause) {
      throw new InvalidCursorError(text, `Invalid event log cursor ${JSON.stringify(text)}: not JSON`, { cause });
    }
    const { type, value } = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if ((type !== EventLogCursorType.OFFSET && type !== EventLogCursorType.STORAGE_ID) || typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new InvalidCursorError(text, `Invalid event log cursor ${JSON.stringify(text)}: expected {"type": "OFFSET" | "STORAGE_ID", "value": <int>}`);
    }
    return new EventLogCursor(type, value);
  }

  isOffsetCursor(): boolean {
    return this.cursorType === EventLogCursorType.OFFSET;
  }

  isIdCursor(): boolean {
    return this.cursorType === EventLogCursorType.STORAGE_ID;
  }

  /** The offset of an OFFSET cursor (at least 0). */
  offset(): number {
    if (!this.isOffsetCursor()) throw new InvalidArgumentError('not an offset cursor');
    return Math.max(0, this.value);
  }

  /** The storage id of a STORAGE_ID cursor. */
  storageId(): number {
    if (!this.isIdCursor()) throw new InvalidArgumentError('not a storage id cursor');
    return this.value;
  }

  /** Standard base64 of `{"type": "<type>", "value": <value>}` as Python's `json.dumps` writes it. */
  toString(): string {
    return Buffer.from(`{"type": ${pyJsonString(this.cursorType)}, "value": ${this.value}}`, 'utf8').toString('base64');
  }
}

/**
 * An id cursor paired with a run-update time, for run-sharded event log storages (the default SQLite one), where
 * storage ids are not unique across shards. Not serdes.
 */
export class RunShardedEventsCursor {
  readonly id: number;
  readonly runUpdatedAfter: Date;

  constructor(init: { id: number; runUpdatedAfter: Date }) {
    this.id = init.id;
    this.runUpdatedAfter = init.runUpdatedAfter;
    Object.freeze(this);
  }

  static fromEventLogRecord(record: EventLogRecord): RunShardedEventsCursor {
    return new RunShardedEventsCursor({ id: record.storageId, runUpdatedAfter: new Date(record.timestamp * 1000) });
  }
}

/** A cursor of an event records filter: a storage id, or a run-sharded cursor. */
export type EventCursor = number | RunShardedEventsCursor;
