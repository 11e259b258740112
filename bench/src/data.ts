/**
 * What the benchmarks write and read: events shaped as inst's run worker and `createRun` build them, Dagster's
 * own job and execution plan snapshots (from the fixture dumps), and row templates for loading large data sets
 * fast — rows serialized once with the real serdes, then filled in per row (byte-identical to serializing each
 * row; the smoke test checks it).
 */
import { randomUUID } from 'node:crypto';
import { loadDump } from '@inst/fixtures';
import { decompressSnapshot, deserializeValue, pyFloatRepr, serializeValue } from '@inst/serdes';
import { eventRow, toSqlTimestamp, type EventRow } from '@inst/storage-sql';
import {
  AssetKey,
  AssetMaterialization,
  AssetMaterializationPlannedData,
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  EventLogEntry,
  EventLogRecord,
  ExecutionPlanSnapshot,
  JobSnapshot,
  NodeHandle,
  StepHandle,
  StepKind,
  StepMaterializationData,
  StepOutputData,
  StepOutputHandle,
  StepSuccessData,
  TypeCheckData,
  createExecutionPlanSnapshotId,
  createJobSnapshotId,
  type EventSpecificData,
} from '@inst/types';

/** An `event_logs` row as inst stores it (storage-sql's `eventRow`, Dagster's `_event_to_row`). */
export { eventRow, type EventRow };

export const BENCH_JOB = 'bench_job';

const DEBUG = 10;
const INFO = 20;

/** A step event as inst's in-process run worker builds it (`EventFactory.step` in @inst/run-launcher). */
export function stepEvent(runId: string, stepKey: string, type: DagsterEventType, message: string, data: EventSpecificData | null = null): DagsterEvent {
  const nodeHandle = new NodeHandle({ name: stepKey });
  return new DagsterEvent({
    eventTypeValue: type,
    jobName: BENCH_JOB,
    stepHandle: new StepHandle({ nodeHandle }),
    nodeHandle,
    stepKindValue: StepKind.COMPUTE,
    loggingTags: { job_name: BENCH_JOB, op_name: stepKey, resource_fn_name: 'None', resource_name: 'None', run_id: runId, step_key: stepKey },
    eventSpecificData: data,
    message,
    pid: 4242,
  });
}

/** An entry of the run; a null event makes a plain log line. */
export function entryOf(runId: string, event: DagsterEvent | null, options: { message?: string; stepKey?: string | null; timestamp?: number; level?: number } = {}): EventLogEntry {
  return new EventLogEntry({
    errorInfo: null,
    level: options.level ?? (event ? DEBUG : INFO),
    userMessage: options.message ?? event?.message ?? '',
    runId,
    timestamp: options.timestamp ?? Date.now() / 1000,
    stepKey: event?.stepKey ?? options.stepKey ?? null,
    jobName: BENCH_JOB,
    dagsterEvent: event,
  });
}

/**
 * The i-th entry of a run's ordinary event stream, five per step: STEP_START, two log lines, STEP_OUTPUT,
 * STEP_SUCCESS — no asset or run-status events, so each is one `event_logs` row.
 */
export function streamEntry(runId: string, i: number, timestamp?: number): EventLogEntry {
  const stepKey = `step_${Math.floor(i / 5) % 200}`;
  const ts = timestamp === undefined ? {} : { timestamp };
  switch (i % 5) {
    case 0:
      return entryOf(runId, stepEvent(runId, stepKey, DagsterEventType.STEP_START, `Started execution of step "${stepKey}".`), ts);
    case 1:
      return entryOf(runId, null, { ...ts, stepKey, message: `${stepKey}: loading partition batch ${i % 1000} from the warehouse` });
    case 2:
      return entryOf(runId, null, { ...ts, stepKey, message: `${stepKey}: wrote ${1000 + (i % 1000)} rows` });
    case 3:
      return entryOf(
        runId,
        stepEvent(
          runId,
          stepKey,
          DagsterEventType.STEP_OUTPUT,
          'Yielded output "result" of type "Any". (Type check passed).',
          new StepOutputData({
            stepOutputHandle: new StepOutputHandle({ stepKey, outputName: 'result' }),
            typeCheckData: new TypeCheckData({ success: true, label: 'result', description: null, metadata: {} }),
            version: null,
            metadata: {},
          }),
        ),
        ts,
      );
    default:
      return entryOf(
        runId,
        stepEvent(runId, stepKey, DagsterEventType.STEP_SUCCESS, `Finished execution of step "${stepKey}" in 12ms.`, new StepSuccessData({ durationMs: 12.5 })),
        ts,
      );
  }
}

export function assetKeyOf(i: number): AssetKey {
  return new AssetKey(['bench', `asset_${String(i).padStart(6, '0')}`]);
}

/** An ASSET_MATERIALIZATION_PLANNED entry as `createRun` writes it (DEBUG, empty user message). */
export function plannedEntry(runId: string, assetKey: AssetKey, timestamp = Date.now() / 1000): EventLogEntry {
  const event = new DagsterEvent({
    eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    jobName: BENCH_JOB,
    message: `${BENCH_JOB} intends to materialize asset ${assetKey.toString()}`,
    eventSpecificData: new AssetMaterializationPlannedData({ assetKey, partition: null, partitionsSubset: null }),
    stepKey: `step_${assetKey.path.at(-1)}`,
  });
  return entryOf(runId, event, { message: '', timestamp });
}

/** An ASSET_MATERIALIZATION entry with metadata and a data version, as a step reports it. */
export function materializationEntry(runId: string, assetKey: AssetKey, timestamp: number, rows: number, dataVersion: string): EventLogEntry {
  const stepKey = `step_${assetKey.path.at(-1)}`;
  const materialization = new AssetMaterialization({ assetKey, metadata: { rows }, tags: { 'dagster/data_version': dataVersion } });
  return entryOf(
    runId,
    stepEvent(runId, stepKey, DagsterEventType.ASSET_MATERIALIZATION, `Materialized value ${assetKey.path.join(' ')}.`, new StepMaterializationData({ materialization })),
    { timestamp },
  );
}

// ------------------------------------------------------------------------------------------------ snapshots

export interface JobSnapshots {
  readonly jobName: string;
  readonly jobSnapshot: JobSnapshot;
  readonly executionPlanSnapshot: ExecutionPlanSnapshot;
  readonly jobSnapshotId: string;
  readonly executionPlanSnapshotId: string;
  /** The `snapshots.snapshot_body` values as Dagster stored them (zlib-compressed JSON). */
  readonly jobSnapshotBody: Buffer;
  readonly executionPlanSnapshotBody: Buffer;
}

let snapshots: { opJob: JobSnapshots; assetJob: JobSnapshots } | undefined;

/**
 * Two real jobs from Dagster 1.12.3's fixture dump: `foo` (ops, no assets) and `basic_assets_job` (assets, so
 * creating a run of it writes planned events), with their execution plans.
 */
export function dagsterJobs(): { opJob: JobSnapshots; assetJob: JobSnapshots } {
  if (snapshots) return snapshots;
  const rows = loadDump('1_12_3').table('snapshots').rows;
  const byId = new Map(rows.map((row) => [row.snapshot_id!, Buffer.from(row.snapshot_body!.slice(2), 'hex')]));
  const load = (planId: string): JobSnapshots => {
    const planBody = byId.get(planId)!;
    const plan = deserializeValue(decompressSnapshot(planBody), { as: ExecutionPlanSnapshot }) as ExecutionPlanSnapshot;
    const jobBody = byId.get(plan.jobSnapshotId)!;
    const job = deserializeValue(decompressSnapshot(jobBody), { as: JobSnapshot }) as JobSnapshot;
    return {
      jobName: job.name,
      jobSnapshot: job,
      executionPlanSnapshot: plan,
      jobSnapshotId: createJobSnapshotId(job),
      executionPlanSnapshotId: createExecutionPlanSnapshotId(plan),
      jobSnapshotBody: jobBody,
      executionPlanSnapshotBody: planBody,
    };
  };
  snapshots = { opJob: load('53f52f323e0e20f0b8ec27a3d698335b3e0918fb'), assetJob: load('03002c9d8db5df9d5ce603d57fa7fdda258054b1') };
  return snapshots;
}

/** The tags every benchmark run gets (five, like a scheduled partitioned run). */
export function runTags(i: number): Record<string, string> {
  return {
    'dagster/backfill': `bf_${String(i % 100).padStart(3, '0')}`,
    'dagster/partition': `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    'dagster/partition_set': 'bench_partition_set',
    team: `team_${i % 20}`,
    'bench/index': String(i),
  };
}

export function newRunId(): string {
  return randomUUID();
}

// ------------------------------------------------------------------------------------------------ templates

/**
 * A serialized value with holes: built once from a real object whose fields hold sentinels, then filled per
 * row by concatenation. Strings fill quoted holes (they must need no JSON escaping), numbers fill number holes.
 */
export class Template<K extends string> {
  readonly #parts: string[];
  readonly #order: K[];

  constructor(serialized: string, sentinels: Readonly<Record<K, string>>) {
    const found: { key: K; at: number; text: string }[] = [];
    for (const key of Object.keys(sentinels) as K[]) {
      const text = sentinels[key];
      let at = serialized.indexOf(text);
      while (at >= 0) {
        found.push({ key, at, text });
        at = serialized.indexOf(text, at + text.length);
      }
    }
    found.sort((a, b) => a.at - b.at);
    this.#parts = [];
    this.#order = [];
    let last = 0;
    for (const hole of found) {
      this.#parts.push(serialized.slice(last, hole.at));
      this.#order.push(hole.key);
      last = hole.at + hole.text.length;
    }
    this.#parts.push(serialized.slice(last));
  }

  fill(values: Readonly<Record<K, string>>): string {
    let out = this.#parts[0]!;
    for (let i = 0; i < this.#order.length; i++) out += values[this.#order[i]!] + this.#parts[i + 1]!;
    return out;
  }
}

const S_RUN = 'zzrunidzz';
const S_KEY = 'zzassetzz';
const S_DV = 'zzdvzz';
const S_TS = 1111111111.5;
const S_ID = 987654321;
const S_ROWS = 55555;

/** A timestamp's two forms: the float in the JSON (Python repr) and the naive-UTC column text. */
export function timestampForms(ts: number): { json: string; column: string } {
  return { json: pyFloatRepr(ts), column: toSqlTimestamp(ts) };
}

/** Row makers for the large read data set. */
export class RowTemplates {
  readonly #stream: Template<'run' | 'ts'>[];
  readonly #materialization: Template<'run' | 'asset' | 'dv' | 'ts' | 'rows'>;
  readonly #record: Template<'run' | 'asset' | 'dv' | 'ts' | 'rows' | 'id'>;
  readonly #run: Template<'run' | 'backfill' | 'partition' | 'team' | 'index'>;
  readonly #streamRows: EventRow[];

  constructor() {
    this.#streamRows = [];
    this.#stream = [];
    for (let k = 0; k < 1000; k++) {
      // Step keys repeat every 200 steps (1,000 events): one template per position in that cycle.
      const entry = streamEntry(S_RUN, k, S_TS);
      this.#stream.push(new Template(serializeValue(entry), { run: S_RUN, ts: pyFloatRepr(S_TS) }));
      this.#streamRows.push(eventRow(entry));
    }
    const mat = materializationEntry(S_RUN, new AssetKey(['bench', S_KEY]), S_TS, S_ROWS, S_DV);
    const matSentinels = { run: S_RUN, asset: S_KEY, dv: S_DV, ts: pyFloatRepr(S_TS), rows: String(S_ROWS) };
    this.#materialization = new Template(serializeValue(mat), matSentinels);
    this.#record = new Template(serializeValue(new EventLogRecord({ storageId: S_ID, eventLogEntry: mat })), { ...matSentinels, id: String(S_ID) });
    const run = new DagsterRun({
      jobName: BENCH_JOB,
      runId: S_RUN,
      runConfig: {},
      status: DagsterRunStatus.SUCCESS,
      tags: { 'dagster/backfill': 'zzbackfillzz', 'dagster/partition': 'zzpartitionzz', 'dagster/partition_set': 'bench_partition_set', team: 'zzteamzz', 'bench/index': 'zzindexzz' },
    });
    this.#run = new Template(serializeValue(run), { run: S_RUN, backfill: 'zzbackfillzz', partition: 'zzpartitionzz', team: 'zzteamzz', index: 'zzindexzz' });
  }

  /** The i-th event of a run's ordinary stream (see {@link streamEntry}) at `ts`. */
  streamRow(runId: string, i: number, ts: number): EventRow {
    const k = i % 1000;
    const base = this.#streamRows[k]!;
    const t = timestampForms(ts);
    return [runId, this.#stream[k]!.fill({ run: runId, ts: t.json }), base[2], t.column, base[4], base[5], base[6]];
  }

  #matValues(runId: string, asset: number, ts: number, version: number) {
    const key = assetKeyOf(asset).path.at(-1)!;
    return { run: runId, asset: key, dv: `v${version}`, ts: pyFloatRepr(ts), rows: String(1000 + version) };
  }

  /** An ASSET_MATERIALIZATION row of asset `asset` (see {@link materializationEntry}). */
  materializationRow(runId: string, asset: number, ts: number, version: number): EventRow {
    const key = assetKeyOf(asset);
    return [
      runId,
      this.#materialization.fill(this.#matValues(runId, asset, ts, version)),
      DagsterEventType.ASSET_MATERIALIZATION,
      toSqlTimestamp(ts),
      `step_${key.path.at(-1)}`,
      key.toString(),
      null,
    ];
  }

  /** `asset_keys.last_materialization`: the EventLogRecord of the materialization with storage id `id`. */
  lastMaterialization(runId: string, asset: number, ts: number, version: number, id: number): string {
    return this.#record.fill({ ...this.#matValues(runId, asset, ts, version), id: String(id) });
  }

  /** `runs.run_body` of the i-th run (status SUCCESS, {@link runTags}). */
  runBody(runId: string, i: number): string {
    const tags = runTags(i);
    return this.#run.fill({ run: runId, backfill: tags['dagster/backfill']!, partition: tags['dagster/partition']!, team: tags.team!, index: tags['bench/index']! });
  }
}

/** The objects the templates stand for, to check them against the real serdes. */
export const TEMPLATE_OBJECTS = {
  streamEntry,
  materialization: (runId: string, asset: number, ts: number, version: number) =>
    materializationEntry(runId, assetKeyOf(asset), ts, 1000 + version, `v${version}`),
  run: (runId: string, i: number) =>
    new DagsterRun({ jobName: BENCH_JOB, runId, runConfig: {}, status: DagsterRunStatus.SUCCESS, tags: runTags(i) }),
};
