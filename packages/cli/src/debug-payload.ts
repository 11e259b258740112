/*
 * Dagster's debug file (`dagster debug export`, the UI's "Download debug file"): a gzip stream of the UTF-8 text
 * of `serialize_value(DebugRunPayload)`: {"__class__": "DebugRunPayload", "version", "pipeline_run",
 * "event_list", "pipeline_snapshot", "execution_plan_snapshot"} — the storage names of dagster_run and
 * job_snapshot. A file written here imports into Dagster and the other way round.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Instance } from '@inst/core';
import { deserializeValue, initRecord, registerRecord, serializeValue, t } from '@inst/serdes';
import type { ExecutionPlanSnapshot, JobSnapshot } from '@inst/types';
import { DagsterRun, EventLogEntry } from '@inst/types';

/** The version string written into exported files (Dagster writes its `__version__`). */
export const INST_DEBUG_VERSION = 'inst-0.0.0';

/** Dagster's `DebugRunPayload`: a run, its whole event log, and its two snapshots. */
export class DebugRunPayload {
  declare readonly version: string;
  declare readonly dagsterRun: DagsterRun;
  declare readonly eventList: readonly EventLogEntry[];
  declare readonly jobSnapshot: JobSnapshot | null;
  declare readonly executionPlanSnapshot: ExecutionPlanSnapshot | null;

  constructor(init: {
    version: string;
    dagsterRun: DagsterRun;
    eventList: readonly EventLogEntry[];
    jobSnapshot: JobSnapshot | null;
    executionPlanSnapshot: ExecutionPlanSnapshot | null;
  }) {
    initRecord(this, init);
  }
}
registerRecord(DebugRunPayload, {
  name: 'DebugRunPayload',
  fields: {
    version: { type: t.str },
    dagsterRun: { type: t.record(DagsterRun), stored: 'pipeline_run' },
    eventList: { type: t.list(t.record(EventLogEntry)) },
    jobSnapshot: { type: t.any, stored: 'pipeline_snapshot' },
    executionPlanSnapshot: { type: t.any, stored: 'execution_plan_snapshot' },
  },
});

/** Dagster's `DebugRunPayload.build`: the run, `allLogs(runId)` in storage order, and its snapshots. */
export async function buildDebugPayload(instance: Instance, run: DagsterRun): Promise<DebugRunPayload> {
  return new DebugRunPayload({
    version: INST_DEBUG_VERSION,
    dagsterRun: run,
    eventList: await instance.allLogs(run.runId),
    jobSnapshot: run.jobSnapshotId ? ((await instance.getJobSnapshot(run.jobSnapshotId)) ?? null) : null,
    executionPlanSnapshot: run.executionPlanSnapshotId ? ((await instance.getExecutionPlanSnapshot(run.executionPlanSnapshotId)) ?? null) : null,
  });
}

/** Writes the payload as Dagster does: gzip of the serialized JSON. */
export async function writeDebugFile(path: string, payload: DebugRunPayload): Promise<void> {
  await writeFile(path, gzipSync(Buffer.from(serializeValue(payload), 'utf8')));
}

/** Reads a debug file written by inst or Dagster. */
export async function readDebugFile(path: string): Promise<DebugRunPayload> {
  const text = gunzipSync(await readFile(path)).toString('utf8');
  return deserializeValue(text, { as: DebugRunPayload }) as DebugRunPayload;
}

/** Dagster's `debug import` of one payload: the snapshots when missing, then the run and its events unless the run exists. */
export async function importDebugPayload(
  instance: Instance,
  payload: DebugRunPayload,
  onEvent?: (index: number, total: number) => boolean | void,
): Promise<{ runId: string; imported: boolean; events: number }> {
  const run = payload.dagsterRun;
  if (run.executionPlanSnapshotId && payload.executionPlanSnapshot && !(await instance.hasSnapshot(run.executionPlanSnapshotId))) {
    await instance.runStorage.addSnapshot(payload.executionPlanSnapshot, run.executionPlanSnapshotId);
  }
  if (run.jobSnapshotId && payload.jobSnapshot && !(await instance.hasSnapshot(run.jobSnapshotId))) {
    await instance.runStorage.addSnapshot(payload.jobSnapshot, run.jobSnapshotId);
  }
  if (await instance.hasRun(run.runId)) return { runId: run.runId, imported: false, events: 0 };
  await instance.addRun(run);
  let stored = 0;
  for (const [index, event] of payload.eventList.entries()) {
    await instance.storeEvent(event);
    stored++;
    // The caller may stop between events (Ctrl-C): what is stored stays a prefix of the log.
    if (onEvent?.(index + 1, payload.eventList.length) === false) break;
  }
  return { runId: run.runId, imported: true, events: stored };
}
