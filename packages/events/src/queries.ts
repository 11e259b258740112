import type { EventTypeSelection } from '@inst/storage';
import {
  DagsterEventType,
  PIPELINE_EVENTS,
  type EventLogConnection,
  type EventLogEntry,
  type EventLogRecord,
  type EventRecordsFilter,
  type EventRecordsResult,
  type RunStatusChangeRecordsFilter,
} from '@inst/types';
import type { EventsInstanceOps } from './ops';
import { warnOnce } from '@inst/errors';

/**
 * Entries of a run after a cursor (Dagster's legacy integer offset: the entries after the first `cursor + 1`; a
 * cursor string works too), optionally of some types and at most `limit`.
 */
export async function logsAfter(
  ops: Pick<EventsInstanceOps, 'eventLogStorage'>,
  runId: string,
  cursor?: number | null,
  ofType?: EventTypeSelection | null,
  limit?: number | null,
): Promise<EventLogEntry[]> {
  return ops.eventLogStorage.getLogsForRun(runId, cursor ?? undefined, ofType ?? undefined, limit ?? undefined);
}

/** Every entry of a run, optionally of one type or a set of types. */
export async function allLogs(ops: Pick<EventsInstanceOps, 'eventLogStorage'>, runId: string, ofType?: EventTypeSelection | null): Promise<EventLogEntry[]> {
  return ops.eventLogStorage.getLogsForRun(runId, undefined, ofType ?? undefined);
}

/** A page of a run's records (storage ids, a cursor and whether more follow), ascending by default. */
export async function getRecordsForRun(
  ops: Pick<EventsInstanceOps, 'eventLogStorage'>,
  runId: string,
  cursor?: string | null,
  ofType?: EventTypeSelection | null,
  limit?: number | null,
  ascending = true,
): Promise<EventLogConnection> {
  return ops.eventLogStorage.getRecordsForRun(runId, cursor ?? undefined, ofType ?? undefined, limit ?? undefined, ascending);
}

/**
 * Event records matching a filter, newest first unless `ascending`.
 *
 * @deprecated Dagster deprecates it (removal in 2.0): use `fetchMaterializations`, `fetchObservations` or
 * {@link fetchRunStatusChanges}. Like Dagster, it warns (once per message) when one of those fits the filter, and
 * when a planned-materialization filter names partitions (planned events of partition subsets are not returned).
 */
export async function getEventRecords(
  ops: Pick<EventsInstanceOps, 'eventLogStorage'>,
  eventRecordsFilter: EventRecordsFilter,
  limit?: number | null,
  ascending = false,
): Promise<EventLogRecord[]> {
  warnOnce('"getEventRecords" is deprecated and will be removed in 2.0.', 'DeprecationWarning');
  const eventType = eventRecordsFilter.eventType;
  if (eventType === DagsterEventType.ASSET_MATERIALIZATION_PLANNED && eventRecordsFilter.assetPartitions?.length) {
    warnOnce(
      'Asset materialization planned events with partitions subsets will not be returned when the event records filter contains the asset_partitions argument',
    );
  } else if (eventType === DagsterEventType.ASSET_MATERIALIZATION) {
    warnOnce('Use fetchMaterializations instead of getEventRecords to fetch materialization events.');
  } else if (eventType === DagsterEventType.ASSET_OBSERVATION) {
    warnOnce('Use fetchObservations instead of getEventRecords to fetch observation events.');
  } else if (PIPELINE_EVENTS.has(eventType)) {
    warnOnce('Use fetchRunStatusChanges instead of getEventRecords to fetch run status change events.');
  }
  return ops.eventLogStorage.getEventRecords(eventRecordsFilter, limit ?? undefined, ascending);
}

/**
 * A page of run status change records (RUN_* events) for an event type or a filter: the records, the cursor after
 * them, and whether more follow. Newest first unless `ascending`.
 */
export async function fetchRunStatusChanges(
  ops: Pick<EventsInstanceOps, 'eventLogStorage'>,
  recordsFilter: DagsterEventType | RunStatusChangeRecordsFilter,
  limit: number,
  cursor?: string | null,
  ascending = false,
): Promise<EventRecordsResult> {
  return ops.eventLogStorage.fetchRunStatusChanges(recordsFilter, limit, cursor ?? undefined, ascending);
}
