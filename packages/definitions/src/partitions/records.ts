/**
 * Dagster's serdes records for partitions and partition subsets, as runs (`DagsterRun.partitions_subset`) and
 * planned events (`AssetMaterializationPlannedData.partitions_subset`) store them:
 * `TimeWindowPartitionsSubset` (with its raw `TimeWindowPartitionsDefinition` and `TimeWindow`s of
 * `TimestampWithTimezone`s), `DefaultPartitionsSubset`, `KeyRangesPartitionsSubset` and `PartitionKeyRange`.
 */
import { initRecord, registerRecord, t } from '@inst/serdes';

/** The fields a partitions record is built from (every field optional, as in its serdes form). */
export type RecordInit<T> = { -readonly [K in keyof T]?: T[K] };

/** A timestamp with the time zone it was taken in (Dagster's `TimestampWithTimezone`). */
export class TimestampWithTimezone {
  declare readonly timestamp: number;
  declare readonly timezone: string;
  constructor(init: RecordInit<TimestampWithTimezone>) {
    initRecord(this, init);
  }
}
registerRecord(TimestampWithTimezone, { name: 'TimestampWithTimezone', fields: { timestamp: { type: t.float }, timezone: { type: t.str } } });

/** A time window as stored (Dagster's `PersistedTimeWindow`, stored as `TimeWindow`). */
export class PersistedTimeWindow {
  declare readonly start: TimestampWithTimezone;
  declare readonly end: TimestampWithTimezone;
  constructor(init: RecordInit<PersistedTimeWindow>) {
    initRecord(this, init);
  }
}
registerRecord(PersistedTimeWindow, {
  name: 'PersistedTimeWindow',
  storageName: 'TimeWindow',
  fields: { start: { type: t.record(TimestampWithTimezone) }, end: { type: t.record(TimestampWithTimezone) } },
});

/** A time-window partitions definition as stored (Dagster's raw `TimeWindowPartitionsDefinition`). */
export class TimeWindowPartitionsDefinitionRecord {
  declare readonly start: TimestampWithTimezone;
  declare readonly timezone: string;
  declare readonly end: TimestampWithTimezone | null;
  declare readonly fmt: string;
  declare readonly endOffset: number;
  declare readonly cronSchedule: string;
  constructor(init: RecordInit<TimeWindowPartitionsDefinitionRecord>) {
    initRecord(this, init);
  }
}
registerRecord(TimeWindowPartitionsDefinitionRecord, {
  name: 'TimeWindowPartitionsDefinition',
  fields: {
    start: { type: t.record(TimestampWithTimezone) },
    timezone: { type: t.str },
    end: { type: t.nullable(t.record(TimestampWithTimezone)) },
    fmt: { type: t.str },
    endOffset: { type: t.int },
    cronSchedule: { type: t.str },
  },
});

/** The windows of a time-window partitions definition that a subset holds (Dagster's `TimeWindowPartitionsSubset`). */
export class TimeWindowPartitionsSubset {
  declare readonly partitionsDef: TimeWindowPartitionsDefinitionRecord;
  declare readonly numPartitions: number | null;
  declare readonly includedTimeWindows: readonly PersistedTimeWindow[];
  constructor(init: RecordInit<TimeWindowPartitionsSubset>) {
    initRecord(this, init);
  }
}
registerRecord(TimeWindowPartitionsSubset, {
  name: 'TimeWindowPartitionsSubset',
  fields: {
    partitionsDef: { type: t.record(TimeWindowPartitionsDefinitionRecord) },
    numPartitions: { type: t.nullable(t.int) },
    includedTimeWindows: { type: t.list(t.record(PersistedTimeWindow)) },
  },
});

/** A set of partition keys (Dagster's `DefaultPartitionsSubset`). */
export class DefaultPartitionsSubset {
  declare readonly subset: ReadonlySet<string>;
  constructor(init: RecordInit<DefaultPartitionsSubset>) {
    initRecord(this, init);
  }
}
registerRecord(DefaultPartitionsSubset, { name: 'DefaultPartitionsSubset', fields: { subset: { type: t.set(t.str) } } });

/** An inclusive range of partition keys (Dagster's `PartitionKeyRange`). */
export class PartitionKeyRange {
  declare readonly start: string;
  declare readonly end: string;
  constructor(init: RecordInit<PartitionKeyRange>) {
    initRecord(this, init);
  }
}
registerRecord(PartitionKeyRange, { name: 'PartitionKeyRange', fields: { start: { type: t.str }, end: { type: t.str } } });

/** Ranges of keys of a named dynamic partitions definition (Dagster's `KeyRangesPartitionsSubset`). */
export class KeyRangesPartitionsSubset {
  declare readonly keyRanges: readonly PartitionKeyRange[];
  declare readonly partitionsDefName: string;
  constructor(init: RecordInit<KeyRangesPartitionsSubset>) {
    initRecord(this, init);
  }
}
registerRecord(KeyRangesPartitionsSubset, {
  name: 'KeyRangesPartitionsSubset',
  fields: { keyRanges: { type: t.list(t.record(PartitionKeyRange)) }, partitionsDefName: { type: t.str } },
});
