import { InvalidArgumentError } from '@inst/errors';
import {
  DagsterEvent,
  DagsterEventType,
  EngineEventData,
  EventLogEntry,
  type DagsterEventBatchMetadata,
  type DagsterRun,
} from '@inst/types';
import { coerceLogLevel, LogLevel } from './log-levels';
import type { EventsInstanceOps, NamedSource } from './ops';

/**
 * Emits an ENGINE_EVENT outside a job's execution (Dagster's `report_engine_event`) and returns it. Needs
 * `dagsterRun`, or both `jobName` and `runId` (which win over the run's). The message is prefixed with `[cls.name]`
 * when `cls` is given; the entry is at ERROR level when the data carries an error, else INFO. It is written through
 * `ops.reportDagsterEvent`. Throws InvalidArgumentError, writing nothing, when neither run nor job name and run id
 * are given.
 */
export async function reportEngineEvent(
  ops: Pick<EventsInstanceOps, 'reportDagsterEvent'>,
  message: string,
  dagsterRun?: DagsterRun | null,
  engineEventData?: EngineEventData | null,
  cls?: NamedSource | null,
  stepKey?: string | null,
  jobName?: string | null,
  runId?: string | null,
): Promise<DagsterEvent> {
  if (!dagsterRun && !(jobName && runId)) {
    throw new InvalidArgumentError('Must include either dagster_run or job_name and run_id', {
      ids: { runId: runId ?? undefined, jobName: jobName ?? undefined },
    });
  }
  const resolvedRunId = runId || dagsterRun!.runId;
  const resolvedJobName = jobName || dagsterRun!.jobName;
  const data = engineEventData ?? new EngineEventData({});
  const fullMessage = cls ? `[${cls.name}] ${message}` : message;
  const logLevel = data.error ? LogLevel.ERROR : LogLevel.INFO;

  const dagsterEvent = new DagsterEvent({
    eventTypeValue: DagsterEventType.ENGINE_EVENT,
    jobName: resolvedJobName,
    message: fullMessage,
    eventSpecificData: data,
    stepKey: stepKey ?? null,
  });
  await ops.reportDagsterEvent(dagsterEvent, resolvedRunId, logLevel);
  return dagsterEvent;
}

/**
 * Wraps a DagsterEvent in an EventLogEntry of the run (Dagster's `report_dagster_event`): the given level (a number
 * or a name, default INFO), the event's job name and step key, an empty user message (the entry's `message` is the
 * event's), and `timestamp` in Unix seconds (now when absent or 0); then hands it to `ops.handleNewEvent` with the
 * batch metadata. Throws InvalidArgumentError, writing nothing, for an unknown level name.
 */
export async function reportDagsterEvent(
  ops: Pick<EventsInstanceOps, 'handleNewEvent'>,
  dagsterEvent: DagsterEvent,
  runId: string,
  logLevel: number | string = LogLevel.INFO,
  batchMetadata?: DagsterEventBatchMetadata | null,
  timestamp?: number | null,
): Promise<void> {
  const entry = new EventLogEntry({
    userMessage: '',
    level: coerceLogLevel(logLevel),
    jobName: dagsterEvent.jobName,
    runId,
    errorInfo: null,
    // Python's `timestamp or get_current_timestamp()`: 0 counts as absent too.
    timestamp: timestamp || Date.now() / 1000,
    stepKey: dagsterEvent.stepKey,
    dagsterEvent,
  });
  await ops.handleNewEvent(entry, { batchMetadata: batchMetadata ?? null });
}
