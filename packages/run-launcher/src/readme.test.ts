// The README's example, kept runnable.
import {
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
  EventLogEntry,
  type EngineEventData,
} from '@inst/types';
import { expect, it } from 'vitest';
import {
  countResumeRunAttempts,
  DefaultRunCoordinator,
  defineJob,
  InProcessRunLauncher,
  launchRun,
  submitRun,
  type RunLauncherInstanceOps,
} from './index';

// --- README example start
const etl = defineJob('etl', [
  {
    key: 'extract',
    fn: async (context) => {
      await context.log.info('extracting');
      return [1, 2, 3];
    },
  },
  {
    key: 'load',
    deps: ['extract'],
    fn: async (context) => {
      const rows = context.inputs.extract as number[];
      await context.reportAssetMaterialization({ assetKey: ['warehouse', 'numbers'], metadata: { rows: rows.length } });
    },
  },
]);

/** A tiny in-memory instance; @inst/core's Instance does the same over real storage. */
class TinyInstance implements RunLauncherInstanceOps {
  readonly runs = new Map<string, DagsterRun>();
  readonly eventLog: EventLogEntry[] = [];
  readonly runCoordinator = new DefaultRunCoordinator();
  readonly runLauncher = new InProcessRunLauncher({ jobs: [etl] });
  readonly runMonitoringEnabled = false;
  readonly runMonitoringMaxResumeRunAttempts = 0;

  constructor() {
    this.runCoordinator.registerInstance(this);
    this.runLauncher.registerInstance(this);
  }

  // The instance's own methods delegate to the domain functions, passing the instance as the ops.
  submitRun(runId: string) {
    return submitRun(this, runId);
  }
  launchRun(runId: string) {
    return launchRun(this, runId);
  }
  countResumeRunAttempts(runId: string) {
    return countResumeRunAttempts(this, runId);
  }

  async getRunById(runId: string) {
    return this.runs.get(runId);
  }
  async handleNewEvent(entry: EventLogEntry) {
    this.eventLog.push(entry);
    const status = entry.dagsterEvent && EVENT_TYPE_TO_PIPELINE_RUN_STATUS.get(entry.dagsterEvent.eventType);
    const run = this.runs.get(entry.runId);
    if (status && run) this.runs.set(run.runId, run.withStatus(status));
  }
  async reportDagsterEvent(event: DagsterEvent, runId: string, level: string | number = 20) {
    const { jobName, stepKey } = event;
    await this.handleNewEvent(new EventLogEntry({ level, userMessage: '', runId, timestamp: Date.now() / 1000, jobName, stepKey, dagsterEvent: event }));
  }
  async reportEngineEvent(message: string, run?: DagsterRun | null, data?: EngineEventData | null) {
    const event = new DagsterEvent({ eventTypeValue: DagsterEventType.ENGINE_EVENT, jobName: run?.jobName ?? '', message, eventSpecificData: data ?? null });
    await this.reportDagsterEvent(event, run?.runId ?? '', data?.error ? 40 : 20);
  }
  async reportRunFailed(run: DagsterRun, message?: string | null) {
    const event = new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_FAILURE, jobName: run.jobName, message: message ?? 'Marked as failed.' });
    await this.reportDagsterEvent(event, run.runId, 40);
  }
  async allLogs(runId: string, ofType?: DagsterEventType | Iterable<DagsterEventType> | null) {
    const types = ofType == null ? null : new Set<string>(typeof ofType === 'string' ? [ofType] : ofType);
    return this.eventLog.filter((entry) => entry.runId === runId && (!types || types.has(entry.dagsterEventType ?? '')));
  }
}

async function example() {
  const instance = new TinyInstance();
  instance.runs.set('run-1', new DagsterRun({ runId: 'run-1', jobName: 'etl' }));

  const run = await instance.submitRun('run-1');
  console.log(run.status); // SUCCESS: NOT_STARTED → STARTING → STARTED → SUCCESS, moved by the stored events
  console.log(instance.eventLog.map((entry) => entry.dagsterEventType ?? 'log'));
  // PIPELINE_STARTING, PIPELINE_START, ENGINE_EVENT, STEP_START, log, STEP_OUTPUT, HANDLED_OUTPUT, STEP_SUCCESS,
  // STEP_START, LOADED_INPUT, STEP_INPUT, ASSET_MATERIALIZATION, STEP_SUCCESS, ENGINE_EVENT, PIPELINE_SUCCESS
  return instance;
}
// --- README example end

it('runs the README example', async () => {
  const logged: unknown[] = [];
  const original = console.log;
  console.log = (value: unknown) => logged.push(value);
  try {
    const instance = await example();
    expect(instance.runs.get('run-1')?.status).toBe('SUCCESS');
  } finally {
    console.log = original;
  }
  expect(logged).toEqual([
    'SUCCESS',
    [
      'PIPELINE_STARTING',
      'PIPELINE_START',
      'ENGINE_EVENT',
      'STEP_START',
      'log',
      'STEP_OUTPUT',
      'HANDLED_OUTPUT',
      'STEP_SUCCESS',
      'STEP_START',
      'LOADED_INPUT',
      'STEP_INPUT',
      'ASSET_MATERIALIZATION',
      'STEP_SUCCESS',
      'ENGINE_EVENT',
      'PIPELINE_SUCCESS',
    ],
  ]);
});
