/**
 * A small in-memory instance for the executor's unit tests: runs in a map, entries in an array, run events
 * moving the run's status as the instance's handleNewEvent does (the storage applies the status an event names).
 */
import { DagsterRun, EVENT_TYPE_TO_PIPELINE_RUN_STATUS, type DagsterEventType, type DagsterRunInit, type EventLogEntry } from '@inst/types';
import type { ComputeLogManager } from './compute-logs/manager';
import type { ExecutionInstanceOps } from './ops';

export class FakeExecutionInstance implements ExecutionInstanceOps {
  readonly runs = new Map<string, DagsterRun>();
  readonly entries: EventLogEntry[] = [];
  computeLogManager: ComputeLogManager | undefined;

  addRun(init: Partial<DagsterRunInit> & { runId: string; jobName: string }): DagsterRun {
    const run = new DagsterRun(init);
    this.runs.set(run.runId, run);
    return run;
  }

  async getRunById(runId: string): Promise<DagsterRun | undefined> {
    return this.runs.get(runId);
  }

  async handleNewEvent(entry: EventLogEntry): Promise<void> {
    this.entries.push(entry);
    const status = entry.dagsterEvent ? EVENT_TYPE_TO_PIPELINE_RUN_STATUS.get(entry.dagsterEvent.eventType) : undefined;
    const run = this.runs.get(entry.runId);
    if (status && run) this.runs.set(run.runId, run.withStatus(status));
  }

  async allLogs(runId: string, ofType?: DagsterEventType | Iterable<DagsterEventType> | null): Promise<EventLogEntry[]> {
    const types = ofType == null ? undefined : new Set<string>(typeof ofType === 'string' ? [ofType] : ofType);
    return this.entries.filter((entry) => entry.runId === runId && (!types || (entry.dagsterEvent !== null && types.has(entry.dagsterEvent.eventType))));
  }

  /** `[event type or "LOG", step key, message]` of a run's entries, in order. */
  timeline(runId: string): [string, string | null, string][] {
    return this.entries.filter((entry) => entry.runId === runId).map((entry) => [entry.dagsterEvent?.eventTypeValue ?? 'LOG', entry.stepKey, entry.message]);
  }

  types(runId: string, stepKey?: string): string[] {
    return this.timeline(runId)
      .filter(([, key]) => stepKey === undefined || key === stepKey)
      .map(([type]) => type);
  }
}
