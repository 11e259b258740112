/**
 * A small in-memory RunsInstanceOps for the tests: maps for runs, snapshots and events, and call logs.
 */
import { RunAlreadyExistsError, RunNotFoundError, SnapshotNotFoundError } from '@inst/errors';
import type { EventLogStorage, EventTypeSelection, RunStorage } from '@inst/storage';
import {
  DagsterEvent,
  DagsterEventType,
  EVENT_TYPE_TO_PIPELINE_RUN_STATUS,
  EventLogEntry,
  ExecutionPlanSnapshot,
  ExecutionStepInputSnap,
  ExecutionStepOutputSnap,
  ExecutionStepSnap,
  JobSnapshot,
  NodeHandle,
  ResolvedFromDynamicStepHandle,
  RunRecord,
  RunsFilter,
  StepHandle,
  StepKind,
  StepOutputHandle,
  StepOutputProperties,
  createExecutionPlanSnapshotId,
  createJobSnapshotId,
  type AssetCheckKey,
  type AssetKey,
  type DagsterRun,
  type PartitionBackfill,
} from '@inst/types';
import { replaceRecord } from '@inst/serdes';
import type { RunsInstanceOps } from '../src/ops';

export class FakeRunStorage {
  readonly runs = new Map<string, DagsterRun>();
  readonly snapshots = new Map<string, JobSnapshot | ExecutionPlanSnapshot>();
  readonly calls: string[] = [];
  /** When set, addRun first stores this run (another process winning the race), then throws. */
  raceWith: DagsterRun | null = null;

  async addRun(run: DagsterRun): Promise<DagsterRun> {
    this.calls.push(`addRun:${run.runId}`);
    if (this.raceWith) {
      this.runs.set(this.raceWith.runId, this.raceWith);
      this.raceWith = null;
    }
    if (this.runs.has(run.runId)) throw new RunAlreadyExistsError(run.runId);
    this.runs.set(run.runId, run);
    return run;
  }
  async getRunRecords(filters?: RunsFilter, limit?: number): Promise<RunRecord[]> {
    let runs = [...this.runs.values()];
    if (filters?.runIds) runs = runs.filter((run) => filters.runIds!.includes(run.runId));
    const records = runs.map(
      (dagsterRun, i) => new RunRecord({ storageId: i + 1, dagsterRun, createTimestamp: new Date(0), updateTimestamp: new Date(0) }),
    );
    return limit === undefined ? records : records.slice(0, limit);
  }
  async hasRun(runId: string): Promise<boolean> {
    return this.runs.has(runId);
  }
  async deleteRun(runId: string): Promise<void> {
    this.calls.push(`deleteRun:${runId}`);
    this.runs.delete(runId);
  }
  async addRunTags(runId: string, newTags: Readonly<Record<string, string>>): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) throw new RunNotFoundError(runId);
    this.runs.set(runId, run.withTags({ ...run.tags, ...newTags }));
  }
  async handleRunEvent(runId: string, event: DagsterEvent): Promise<void> {
    const status = EVENT_TYPE_TO_PIPELINE_RUN_STATUS.get(event.eventType);
    const run = this.runs.get(runId);
    if (run && status) this.runs.set(runId, replaceRecord<DagsterRun>(run, { status }));
  }
  async getRunGroup(runId: string): Promise<[string, DagsterRun[]]> {
    const run = this.runs.get(runId);
    if (!run) throw new RunNotFoundError(runId);
    const root = run.rootRunId ?? run.runId;
    return [root, [...this.runs.values()].filter((r) => r.runId === root || r.rootRunId === root)];
  }
  async hasSnapshot(id: string): Promise<boolean> {
    return this.snapshots.has(id);
  }
  async addSnapshot(snapshot: JobSnapshot | ExecutionPlanSnapshot): Promise<string> {
    const id = snapshot instanceof JobSnapshot ? createJobSnapshotId(snapshot) : createExecutionPlanSnapshotId(snapshot);
    this.calls.push(`addSnapshot:${id}`);
    this.snapshots.set(id, snapshot);
    return id;
  }
  async hasJobSnapshot(id: string): Promise<boolean> {
    return this.snapshots.get(id) instanceof JobSnapshot;
  }
  async addJobSnapshot(snapshot: JobSnapshot, id = createJobSnapshotId(snapshot)): Promise<string> {
    this.calls.push(`addJobSnapshot:${id}`);
    this.snapshots.set(id, snapshot);
    return id;
  }
  async getJobSnapshot(id: string): Promise<JobSnapshot> {
    const snapshot = this.snapshots.get(id);
    if (!(snapshot instanceof JobSnapshot)) throw new SnapshotNotFoundError(id);
    return snapshot;
  }
  async hasExecutionPlanSnapshot(id: string): Promise<boolean> {
    return this.snapshots.get(id) instanceof ExecutionPlanSnapshot;
  }
  async addExecutionPlanSnapshot(snapshot: ExecutionPlanSnapshot, id = createExecutionPlanSnapshotId(snapshot)): Promise<string> {
    this.calls.push(`addExecutionPlanSnapshot:${id}`);
    this.snapshots.set(id, snapshot);
    return id;
  }
  async getExecutionPlanSnapshot(id: string): Promise<ExecutionPlanSnapshot> {
    const snapshot = this.snapshots.get(id);
    if (!(snapshot instanceof ExecutionPlanSnapshot)) throw new SnapshotNotFoundError(id);
    return snapshot;
  }
}

export class FakeEventLogStorage {
  readonly events: EventLogEntry[] = [];
  /** One entry per storeEventBatch call: the batch. */
  readonly batches: EventLogEntry[][] = [];
  supportsPartitionSubsetInAssetMaterializationPlannedEvents = false;

  async storeEvent(event: EventLogEntry): Promise<void> {
    this.events.push(event);
  }
  async storeEventBatch(events: readonly EventLogEntry[]): Promise<void> {
    this.batches.push([...events]);
    this.events.push(...events);
  }
  async deleteEvents(runId: string): Promise<void> {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i]!.runId === runId) this.events.splice(i, 1);
  }
  logsFor(runId: string, ofType?: EventTypeSelection): EventLogEntry[] {
    const types = ofType === undefined ? null : new Set(typeof ofType === 'string' ? [ofType] : ofType);
    return this.events.filter((e) => e.runId === runId && (!types || (e.dagsterEvent && types.has(e.dagsterEvent.eventType))));
  }
}

export interface FakeOps extends RunsInstanceOps {
  readonly runs: FakeRunStorage;
  readonly eventLog: FakeEventLogStorage;
  readonly backfills: Map<string, PartitionBackfill>;
  /** Every reportDagsterEvent call: [event, runId, level]. */
  readonly reported: [DagsterEvent, string, string | number | undefined][];
}

/** A fresh fake ops; `overrides` replace members (as a subclass overriding an instance method would). */
export function fakeOps(overrides: Partial<RunsInstanceOps> = {}): FakeOps {
  const runs = new FakeRunStorage();
  const eventLog = new FakeEventLogStorage();
  const backfills = new Map<string, PartitionBackfill>();
  const reported: FakeOps['reported'] = [];
  const pending = new Map<string, EventLogEntry[]>();
  const ops: FakeOps = {
    runs,
    eventLog,
    backfills,
    reported,
    runStorage: runs as unknown as RunStorage,
    eventLogStorage: eventLog as unknown as EventLogStorage,
    async getRunRecordById(runId) {
      return (await runs.getRunRecords(new RunsFilter({ runIds: [runId] }), 1))[0];
    },
    async getRunById(runId) {
      return (await ops.getRunRecordById(runId))?.dagsterRun;
    },
    hasRun: (runId) => runs.hasRun(runId),
    getExecutionPlanSnapshot: (id) => runs.getExecutionPlanSnapshot(id),
    async allLogs(runId, ofType) {
      return eventLog.logsFor(runId, ofType);
    },
    async reportDagsterEvent(event, runId, logLevel, batchMetadata) {
      reported.push([event, runId, logLevel]);
      const entry = new EventLogEntry({ level: logLevel ?? 20, userMessage: '', runId, timestamp: 1, stepKey: event.stepKey, jobName: event.jobName, dagsterEvent: event });
      // As the instance's handleNewEvent does with DAGSTER_EVENT_BATCH_SIZE > 0: events with batch metadata wait
      // for their batch's end and are stored with one storeEventBatch.
      if (batchMetadata) {
        const buffered = [...(pending.get(batchMetadata.id) ?? []), entry];
        if (!batchMetadata.isEnd) {
          pending.set(batchMetadata.id, buffered);
          return;
        }
        pending.delete(batchMetadata.id);
        await eventLog.storeEventBatch(buffered);
        return;
      }
      await eventLog.storeEvent(entry);
      if (event.isJobEvent) await runs.handleRunEvent(runId, event);
    },
    async getBackfill(backfillId) {
      return backfills.get(backfillId);
    },
    ...overrides,
  };
  return ops;
}

export const JOB = new JobSnapshot({ name: 'etl', description: null, tags: {}, modeDefSnaps: [], lineageSnapshot: null, graphDefName: 'etl' });
export const JOB_ID = createJobSnapshotId(JOB);

/** A step producing assets / checks, reading upstream step outputs. */
export function step(
  key: string,
  options: {
    upstream?: string[];
    assets?: { key: AssetKey; partitioned?: boolean; required?: boolean }[];
    checks?: AssetCheckKey[];
    dynamic?: boolean;
    tags?: Record<string, string>;
  } = {},
): ExecutionStepSnap {
  const outputs: ExecutionStepOutputSnap[] = [];
  for (const asset of options.assets ?? []) {
    outputs.push(
      new ExecutionStepOutputSnap({
        name: asset.key.path.join('__'),
        dagsterTypeKey: 'Any',
        properties: new StepOutputProperties({
          isRequired: asset.required ?? false,
          isDynamic: false,
          isAsset: true,
          shouldMaterialize: true,
          assetKey: asset.key,
          isAssetPartitioned: asset.partitioned ?? false,
          assetCheckKey: null,
          assetExecutionType: null,
        }),
      }),
    );
  }
  for (const check of options.checks ?? []) {
    outputs.push(
      new ExecutionStepOutputSnap({
        name: `${check.name}`,
        dagsterTypeKey: 'Any',
        properties: new StepOutputProperties({ isRequired: false, isDynamic: false, isAsset: false, shouldMaterialize: false, assetKey: null, isAssetPartitioned: false, assetCheckKey: check }),
      }),
    );
  }
  if (outputs.length === 0 || options.dynamic) {
    outputs.push(
      new ExecutionStepOutputSnap({
        name: 'result',
        dagsterTypeKey: 'Any',
        properties: new StepOutputProperties({ isRequired: true, isDynamic: options.dynamic ?? false, isAsset: false, shouldMaterialize: false, assetKey: null, isAssetPartitioned: false, assetCheckKey: null }),
      }),
    );
  }
  return new ExecutionStepSnap({
    key,
    inputs: (options.upstream ?? []).map(
      (up) => new ExecutionStepInputSnap({ name: `in_${up}`, dagsterTypeKey: 'Any', upstreamOutputHandles: [new StepOutputHandle({ stepKey: up, outputName: 'result' })], source: null }),
    ),
    outputs,
    nodeHandleId: key,
    kind: StepKind.COMPUTE,
    metadataItems: [],
    tags: options.tags ?? null,
    stepHandle: null,
  });
}

export function plan(steps: ExecutionStepSnap[], stepKeysToExecute = steps.map((s) => s.key), jobSnapshotId = JOB_ID): ExecutionPlanSnapshot {
  return new ExecutionPlanSnapshot({ steps, artifactsPersisted: true, jobSnapshotId, stepKeysToExecute, initialKnownState: null, snapshotVersion: 1, executorName: null });
}

/** A step event of a run, stored in the fake event log. */
export function stepEvent(ops: FakeOps, runId: string, type: DagsterEventType, stepKey: string, eventSpecificData: object | null = null): void {
  void ops.eventLog.storeEvent(
    new EventLogEntry({
      level: 20,
      userMessage: '',
      runId,
      timestamp: 1,
      stepKey,
      jobName: 'etl',
      dagsterEvent: new DagsterEvent({ eventTypeValue: type, jobName: 'etl', stepKey, stepHandle: stepHandleOf(stepKey), eventSpecificData }),
    }),
  );
}

function stepHandleOf(stepKey: string): StepHandle | ResolvedFromDynamicStepHandle {
  const resolved = /^(.*)\[(.*)\]$/.exec(stepKey);
  if (resolved) return new ResolvedFromDynamicStepHandle({ nodeHandle: NodeHandle.fromString(resolved[1]!), mappingKey: resolved[2]! });
  return new StepHandle({ nodeHandle: NodeHandle.fromString(stepKey) });
}
