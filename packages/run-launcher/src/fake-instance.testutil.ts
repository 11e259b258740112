/**
 * A small in-memory stand-in for the facade instance, used by the tests: runs in a map, events in an array,
 * run events moving the run's status as the instance's handleNewEvent does, and an ops adapter that calls the
 * fake's public methods (as the facade's adapter calls the instance's).
 */
import {
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  EngineEventData,
  EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
  EventLogEntry,
  type DagsterRunInit,
  type JobFailureData,
} from '@inst/types';
import type { RunCoordinator, RunLauncher } from './contracts';
import { DefaultRunCoordinator } from './default-run-coordinator';
import { InProcessRunLauncher } from './in-process-run-launcher';
import { launchRun, submitRun } from './launch';
import type { RunLauncherInstanceOps, WorkspaceContext } from './ops';
import { countResumeRunAttempts } from './resume';

export class FakeInstance {
  readonly runs = new Map<string, DagsterRun>();
  readonly entries: EventLogEntry[] = [];
  /** Every status each run passed through, in order. */
  readonly statusHistory = new Map<string, DagsterRunStatus[]>();
  runMonitoringEnabled = false;
  runMonitoringMaxResumeRunAttempts = 0;
  /** When set, handleNewEvent throws it (once) for an entry it matches. */
  failWrite: ((entry: EventLogEntry) => boolean) | undefined;
  readonly runCoordinator: RunCoordinator;
  readonly runLauncher: RunLauncher;
  readonly ops: RunLauncherInstanceOps;

  constructor(options: { coordinator?: RunCoordinator; launcher?: RunLauncher } = {}) {
    this.runCoordinator = options.coordinator ?? new DefaultRunCoordinator();
    this.runLauncher = options.launcher ?? new InProcessRunLauncher();
    if (this.runCoordinator instanceof DefaultRunCoordinator) this.runCoordinator.registerInstance(this);
    if (this.runLauncher instanceof InProcessRunLauncher) this.runLauncher.registerInstance(this);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const instance = this;
    this.ops = {
      get runCoordinator() {
        return instance.runCoordinator;
      },
      get runLauncher() {
        return instance.runLauncher;
      },
      get runMonitoringEnabled() {
        return instance.runMonitoringEnabled;
      },
      get runMonitoringMaxResumeRunAttempts() {
        return instance.runMonitoringMaxResumeRunAttempts;
      },
      getRunById: (runId) => instance.getRunById(runId),
      reportEngineEvent: (message, run, data) => instance.reportEngineEvent(message, run, data),
      reportDagsterEvent: (event, runId, level) => instance.reportDagsterEvent(event, runId, level),
      reportRunFailed: (run, message, data) => instance.reportRunFailed(run, message, data),
      handleNewEvent: (entry) => instance.handleNewEvent(entry),
      allLogs: (runId, ofType) => instance.allLogs(runId, ofType),
      countResumeRunAttempts: (runId) => instance.countResumeRunAttempts(runId),
    };
  }

  addRun(init: Partial<DagsterRunInit> & { runId: string; jobName: string }): DagsterRun {
    const run = new DagsterRun(init);
    this.runs.set(run.runId, run);
    this.statusHistory.set(run.runId, [run.status]);
    return run;
  }

  async getRunById(runId: string): Promise<DagsterRun | undefined> {
    return this.runs.get(runId);
  }

  async handleNewEvent(entry: EventLogEntry): Promise<void> {
    if (this.failWrite?.(entry)) {
      this.failWrite = undefined;
      throw new Error('disk full');
    }
    this.entries.push(entry);
    const status = entry.dagsterEvent ? EVENT_TYPE_TO_PIPELINE_RUN_STATUS.get(entry.dagsterEvent.eventType) : undefined;
    const run = this.runs.get(entry.runId);
    if (status && run) {
      this.runs.set(run.runId, run.withStatus(status));
      this.statusHistory.get(run.runId)?.push(status);
    }
  }

  async reportDagsterEvent(event: DagsterEvent, runId: string, logLevel: string | number = 20): Promise<void> {
    await this.handleNewEvent(
      new EventLogEntry({ errorInfo: null, level: logLevel, userMessage: '', runId, timestamp: Date.now() / 1000, stepKey: event.stepKey, jobName: event.jobName, dagsterEvent: event }),
    );
  }

  async reportEngineEvent(message: string, run?: DagsterRun | null, data?: EngineEventData | null): Promise<DagsterEvent> {
    if (!run) throw new Error('the fake needs a run');
    const event = new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: run.jobName, message, eventSpecificData: data ?? new EngineEventData() });
    await this.reportDagsterEvent(event, run.runId, data?.error ? 40 : 20);
    return event;
  }

  async reportRunFailed(run: DagsterRun, message?: string | null, data?: JobFailureData | null): Promise<DagsterEvent> {
    const event = new DagsterEvent({
      eventTypeValue: DagsterEventType.RUN_FAILURE,
      jobName: run.jobName,
      message: message ?? 'This run has been marked as failed from outside the execution context.',
      eventSpecificData: data ?? null,
    });
    await this.reportDagsterEvent(event, run.runId, 40);
    return event;
  }

  async allLogs(runId: string, ofType?: DagsterEventType | Iterable<DagsterEventType> | null): Promise<EventLogEntry[]> {
    const types = ofType == null ? undefined : new Set<string>(typeof ofType === 'string' ? [ofType] : ofType);
    return this.entries.filter((entry) => entry.runId === runId && (!types || (entry.dagsterEvent !== null && types.has(entry.dagsterEvent.eventType))));
  }

  countResumeRunAttempts(runId: string): Promise<number> {
    return countResumeRunAttempts(this.ops, runId);
  }

  launchRun(runId: string, workspace?: WorkspaceContext): Promise<DagsterRun> {
    return launchRun(this.ops, runId, workspace);
  }

  submitRun(runId: string, workspace?: WorkspaceContext): Promise<DagsterRun> {
    return submitRun(this.ops, runId, workspace);
  }

  /** `[event type or "LOG", message]` of a run's entries, in order. */
  timeline(runId: string): [string, string][] {
    return this.entries.filter((entry) => entry.runId === runId).map((entry) => [entry.dagsterEvent?.eventTypeValue ?? 'LOG', entry.message]);
  }

  status(runId: string): DagsterRunStatus | undefined {
    return this.runs.get(runId)?.status;
  }
}

export { DagsterRunStatus };
