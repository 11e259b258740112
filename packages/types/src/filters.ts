/**
 * Query filters over runs and the event log (`_core/storage/dagster_run.py`, `_core/event_api.py`).
 */
import { InvalidArgumentError, InvalidFilterError } from '@inst/errors';
import { initRecord, registerRecord, t } from '@inst/serdes';
import { AssetKey } from './assets';
import { EventLogCursor, type EventCursor } from './cursors';
import { DagsterEventType, EVENT_TYPE_TO_PIPELINE_RUN_STATUS } from './events';
import { DagsterRun, type DagsterRunStatus } from './runs';

/** Init of {@link RunsFilter}. */
export interface RunsFilterInit {
  /** Run ids; when given, not empty. */
  runIds?: readonly string[] | null;
  jobName?: string | null;
  statuses?: readonly DagsterRunStatus[] | null;
  /** Every tag must match; a list value matches any of its values. */
  tags?: Readonly<Record<string, string | readonly string[]>> | null;
  snapshotId?: string | null;
  updatedAfter?: Date | null;
  updatedBefore?: Date | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  /** Leave out runs launched by backfills as sub-runs. */
  excludeSubruns?: boolean | null;
}

/** Which runs a run query returns; all given fields must match. Not serdes. */
export class RunsFilter {
  readonly runIds: readonly string[] | null;
  readonly jobName: string | null;
  readonly statuses: readonly DagsterRunStatus[];
  readonly tags: Readonly<Record<string, string | readonly string[]>>;
  readonly snapshotId: string | null;
  readonly updatedAfter: Date | null;
  readonly updatedBefore: Date | null;
  readonly createdAfter: Date | null;
  readonly createdBefore: Date | null;
  readonly excludeSubruns: boolean | null;

  constructor(init: RunsFilterInit = {}) {
    if (init.runIds && init.runIds.length === 0) throw new InvalidFilterError('runIds', 'When filtering on run ids, a non-empty list must be used.');
    this.runIds = init.runIds ?? null;
    this.jobName = init.jobName ?? null;
    this.statuses = init.statuses ?? [];
    this.tags = init.tags ?? {};
    this.snapshotId = init.snapshotId ?? null;
    this.updatedAfter = init.updatedAfter ?? null;
    this.updatedBefore = init.updatedBefore ?? null;
    this.createdAfter = init.createdAfter ?? null;
    this.createdBefore = init.createdBefore ?? null;
    this.excludeSubruns = init.excludeSubruns ?? null;
    Object.freeze(this);
  }

  static forSchedule(schedule: { name: string }): RunsFilter {
    return new RunsFilter({ tags: DagsterRun.tagsForSchedule(schedule) });
  }
  static forSensor(sensor: { name: string }): RunsFilter {
    return new RunsFilter({ tags: DagsterRun.tagsForSensor(sensor) });
  }
  static forBackfill(backfillId: string): RunsFilter {
    return new RunsFilter({ tags: DagsterRun.tagsForBackfillId(backfillId) });
  }
}

/** Init of {@link EventRecordsFilter}. */
export interface EventRecordsFilterInit {
  eventType: DagsterEventType;
  assetKey?: AssetKey | null;
  /** Only events of these partitions (with `assetKey`). */
  assetPartitions?: readonly string[] | null;
  afterCursor?: EventCursor | null;
  beforeCursor?: EventCursor | null;
  afterTimestamp?: number | null;
  beforeTimestamp?: number | null;
  storageIds?: readonly number[] | null;
}

/** Which event records `getEventRecords` returns. */
export class EventRecordsFilter {
  declare readonly eventType: DagsterEventType;
  declare readonly assetKey: AssetKey | null;
  declare readonly assetPartitions: readonly string[] | null;
  declare readonly afterCursor: EventCursor | null;
  declare readonly beforeCursor: EventCursor | null;
  declare readonly afterTimestamp: number | null;
  declare readonly beforeTimestamp: number | null;
  declare readonly storageIds: readonly number[] | null;

  constructor(init: EventRecordsFilterInit) {
    if (!Object.values(DagsterEventType).includes(init.eventType)) throw new InvalidFilterError('eventType', `${String(init.eventType)} is not a DagsterEventType`);
    initRecord(this, init);
  }

  /** Event records filters have no tags (kept for Dagster's interface). */
  get tags(): null {
    return null;
  }

  /**
   * The `[beforeCursor, afterCursor]` storage ids of a cursor string: ascending queries continue after it,
   * descending ones before it. Throws InvalidCursorError for a cursor that is not a storage-id cursor.
   */
  static getCursorParams(cursor: string | null | undefined, ascending = false): [number | null, number | null] {
    if (!cursor) return [null, null];
    const parsed = EventLogCursor.parse(cursor);
    if (!parsed.isIdCursor()) throw new InvalidFilterError('cursor', `Invalid cursor for fetching event records: ${cursor}`);
    return ascending ? [null, parsed.storageId()] : [parsed.storageId(), null];
  }
}
registerRecord(EventRecordsFilter, {
  name: 'EventRecordsFilter',
  fields: {
    eventType: { type: t.enum(DagsterEventType) },
    assetKey: { type: t.nullable(t.record(AssetKey)) },
    assetPartitions: { type: t.nullable(t.list(t.str)) },
    afterCursor: { type: t.any },
    beforeCursor: { type: t.any },
    afterTimestamp: { type: t.nullable(t.float) },
    beforeTimestamp: { type: t.nullable(t.float) },
    storageIds: { type: t.nullable(t.list(t.int)) },
  },
});

/** Combines a filter's storage-id bounds with a cursor's (the tighter bound wins). */
function boundsWithCursor(
  filter: { beforeStorageId: number | null; afterStorageId: number | null },
  cursor: string | null | undefined,
  ascending: boolean,
): { beforeCursor: number | null; afterCursor: number | null } {
  const [beforeFromCursor, afterFromCursor] = EventRecordsFilter.getCursorParams(cursor, ascending);
  const beforeCursor =
    filter.beforeStorageId && beforeFromCursor ? Math.min(filter.beforeStorageId, beforeFromCursor) : (beforeFromCursor || filter.beforeStorageId);
  const afterCursor =
    filter.afterStorageId && afterFromCursor ? Math.max(filter.afterStorageId, afterFromCursor) : (afterFromCursor || filter.afterStorageId);
  return { beforeCursor: beforeCursor ?? null, afterCursor: afterCursor ?? null };
}

/** Init of {@link AssetRecordsFilter}. */
export interface AssetRecordsFilterInit {
  assetKey: AssetKey;
  assetPartitions?: readonly string[] | null;
  afterTimestamp?: number | null;
  beforeTimestamp?: number | null;
  afterStorageId?: number | null;
  beforeStorageId?: number | null;
  storageIds?: readonly number[] | null;
}

/** Which asset event records `fetchMaterializations` / `fetchObservations` return. */
export class AssetRecordsFilter {
  declare readonly assetKey: AssetKey;
  declare readonly assetPartitions: readonly string[] | null;
  declare readonly afterTimestamp: number | null;
  declare readonly beforeTimestamp: number | null;
  declare readonly afterStorageId: number | null;
  declare readonly beforeStorageId: number | null;
  declare readonly storageIds: readonly number[] | null;

  constructor(init: AssetRecordsFilterInit) {
    initRecord(this, init);
  }

  get tags(): null {
    return null;
  }

  /** The event records filter of this filter for one asset event type, continuing from a cursor string. */
  toEventRecordsFilter(eventType: DagsterEventType, cursor?: string | null, ascending = false): EventRecordsFilter {
    return new EventRecordsFilter({
      eventType,
      assetKey: this.assetKey,
      assetPartitions: this.assetPartitions,
      ...boundsWithCursor(this, cursor, ascending),
      afterTimestamp: this.afterTimestamp,
      beforeTimestamp: this.beforeTimestamp,
      storageIds: this.storageIds,
    });
  }
}
registerRecord(AssetRecordsFilter, {
  name: 'AssetRecordsFilter',
  fields: {
    assetKey: { type: t.record(AssetKey) },
    assetPartitions: { type: t.nullable(t.list(t.str)) },
    afterTimestamp: { type: t.nullable(t.float) },
    beforeTimestamp: { type: t.nullable(t.float) },
    afterStorageId: { type: t.nullable(t.int) },
    beforeStorageId: { type: t.nullable(t.int) },
    storageIds: { type: t.nullable(t.list(t.int)) },
  },
});

/** Init of {@link RunStatusChangeRecordsFilter}. */
export interface RunStatusChangeRecordsFilterInit {
  /** A run status event type (a key of EVENT_TYPE_TO_PIPELINE_RUN_STATUS). */
  eventType: DagsterEventType;
  afterTimestamp?: number | null;
  beforeTimestamp?: number | null;
  afterStorageId?: number | null;
  beforeStorageId?: number | null;
  storageIds?: readonly number[] | null;
  jobNames?: readonly string[] | null;
}

/** Which run status change events `fetchRunStatusChanges` returns. */
export class RunStatusChangeRecordsFilter {
  declare readonly eventType: DagsterEventType;
  declare readonly afterTimestamp: number | null;
  declare readonly beforeTimestamp: number | null;
  declare readonly afterStorageId: number | null;
  declare readonly beforeStorageId: number | null;
  declare readonly storageIds: readonly number[] | null;
  declare readonly jobNames: readonly string[] | null;

  constructor(init: RunStatusChangeRecordsFilterInit) {
    if (!EVENT_TYPE_TO_PIPELINE_RUN_STATUS.has(init.eventType)) {
      throw new InvalidArgumentError('Invalid event type for run status change event filter');
    }
    initRecord(this, init);
  }

  /** The event records filter of this filter without its job names, continuing from a cursor string. */
  toEventRecordsFilterWithoutJobNames(cursor?: string | null, ascending = false): EventRecordsFilter {
    return new EventRecordsFilter({
      eventType: this.eventType,
      ...boundsWithCursor(this, cursor, ascending),
      afterTimestamp: this.afterTimestamp,
      beforeTimestamp: this.beforeTimestamp,
      storageIds: this.storageIds,
    });
  }
}
registerRecord(RunStatusChangeRecordsFilter, {
  name: 'RunStatusChangeRecordsFilter',
  fields: {
    eventType: { type: t.enum(DagsterEventType) },
    afterTimestamp: { type: t.nullable(t.float) },
    beforeTimestamp: { type: t.nullable(t.float) },
    afterStorageId: { type: t.nullable(t.int) },
    beforeStorageId: { type: t.nullable(t.int) },
    storageIds: { type: t.nullable(t.list(t.int)) },
    jobNames: { type: t.nullable(t.list(t.str)) },
  },
});
