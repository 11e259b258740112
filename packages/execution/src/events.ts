/**
 * Writing a run's events: Dagster's `DagsterEvent.from_job` / `from_step` shapes, stored in order through the
 * instance's `handleNewEvent`.
 */
import type {
  DagsterEventType} from '@inst/types';
import {
  DagsterEvent,
  EventLogEntry,
  FAILURE_EVENTS,
  NodeHandle,
  StepHandle,
  StepKind,
  type DagsterRun,
  type EventSpecificData,
} from '@inst/types';
import type { ExecutionInstanceOps } from './ops';

/** Python's logging levels, which event log entries store. */
export const LogLevel = Object.freeze({ DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const);

/** The step a step event is about. */
export interface EventStep {
  readonly key: string;
  readonly opName: string;
}

/**
 * Writes a run's entries in order. Step code may log without awaiting, so writes are chained; the first failed
 * write is kept and thrown by {@link RunEventWriter.flush} (a framework error), and nothing after it is written.
 */
export class RunEventWriter {
  #chain: Promise<void> = Promise.resolve();
  #error: { error: unknown } | undefined;

  constructor(
    private readonly ops: Pick<ExecutionInstanceOps, 'handleNewEvent'>,
    private readonly run: DagsterRun,
    private readonly now: () => number,
  ) {}

  get failed(): boolean {
    return this.#error !== undefined;
  }

  /** Queues an entry; resolves once it is written (never rejects: see flush). */
  write(level: number, message: string, stepKey: string | null, dagsterEvent: DagsterEvent | null): Promise<void> {
    const entry = new EventLogEntry({
      errorInfo: null,
      level,
      userMessage: message,
      runId: this.run.runId,
      timestamp: this.now(),
      stepKey,
      jobName: this.run.jobName,
      dagsterEvent,
    });
    this.#chain = this.#chain.then(async () => {
      if (this.#error) return;
      try {
        await this.ops.handleNewEvent(entry);
      } catch (error) {
        this.#error = { error };
      }
    });
    return this.#chain;
  }

  /** Writes a DagsterEvent at Dagster's level for it: ERROR for failures, DEBUG otherwise. */
  event(event: DagsterEvent): Promise<void> {
    const level = FAILURE_EVENTS.has(event.eventType) ? LogLevel.ERROR : LogLevel.DEBUG;
    return this.write(level, event.message ?? '', event.stepKey, event);
  }

  /** Waits for every queued write; throws the first write error. */
  async flush(): Promise<void> {
    await this.#chain;
    if (this.#error) throw this.#error.error;
  }
}

/** Builds the events of one run. */
export class EventFactory {
  constructor(private readonly run: DagsterRun) {}

  /** `DagsterEvent.from_job`. */
  job(type: DagsterEventType, message: string, data: EventSpecificData | null = null): DagsterEvent {
    return new DagsterEvent({ eventTypeValue: type, jobName: this.run.jobName, message, eventSpecificData: data, pid: process.pid });
  }

  /** `DagsterEvent.from_step`: the step handle, COMPUTE kind and the step's logging tags. */
  step(step: EventStep, type: DagsterEventType, message: string | null, data: EventSpecificData | null = null): DagsterEvent {
    const nodeHandle = NodeHandle.fromString(step.opName);
    return new DagsterEvent({
      eventTypeValue: type,
      jobName: this.run.jobName,
      stepHandle: new StepHandle({ nodeHandle, key: step.key }),
      nodeHandle,
      stepKindValue: StepKind.COMPUTE,
      loggingTags: this.loggingTags(step),
      eventSpecificData: data,
      message,
      pid: process.pid,
    });
  }

  /** Dagster's step event tags: its logging metadata without the run tags, every value str()-ed. */
  loggingTags(step: EventStep): Record<string, string> {
    return {
      job_name: this.run.jobName,
      op_name: step.opName,
      resource_fn_name: 'None',
      resource_name: 'None',
      run_id: this.run.runId,
      step_key: step.key,
    };
  }
}
