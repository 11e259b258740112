/*
 * Test support: real instances (SQLite homes and Postgres scratch databases) configured through dagster.yaml,
 * queued runs, a controllable clock, and checks computed from the event log.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Instance } from '@inst/core';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import {
  createJobSnapshotId,
  DagsterEvent,
  DagsterEventType,
  ExecutionPlanSnapshot,
  ExecutionStepOutputSnap,
  ExecutionStepSnap,
  JobSnapshot,
  StepKind,
  StepOutputProperties,
  RegisteredCodeLocationOrigin,
  RemoteJobOrigin,
  RemoteRepositoryOrigin,
  type DagsterRun,
  type EventLogEntry,
} from '@inst/types';
import { stringify } from 'yaml';
import { closeQueueLock } from '../src/index';

export type Backend = 'sqlite' | 'postgres';

export const BACKENDS: Backend[] = ['sqlite', ...((await pgAvailable()) ? (['postgres'] as const) : [])];

/** A controllable clock (epoch seconds). */
export function clock(start = Date.now() / 1000) {
  let t = start;
  const now = () => t;
  return Object.assign(now, { advance: (seconds: number) => void (t += seconds), set: (seconds: number) => void (t = seconds) });
}

export interface TestHome {
  readonly home: string;
  readonly instance: Instance;
  /** Opens another instance on the same home (another "process" view). */
  open(): Promise<Instance>;
  dispose(): Promise<void>;
}

/** A home whose dagster.yaml holds `config`, plus the storage of the backend and the recording no-op launcher. */
export async function testHome(backend: Backend, config: Record<string, unknown> = {}, instanceClass: typeof Instance = Instance): Promise<TestHome> {
  const home = mkdtempSync(join(tmpdir(), 'inst-run-queue-'));
  const scratch = backend === 'postgres' ? await createScratchDatabase('inst_run_queue') : undefined;
  const yaml = {
    run_launcher: { module: '@inst/run-launcher', class: 'NoOpRunLauncher', config: { record_launches: true } },
    ...(scratch ? { storage: { postgres: { postgres_url: scratch.url } } } : {}),
    ...config,
  };
  writeFileSync(join(home, 'dagster.yaml'), stringify(yaml));
  const opened: Instance[] = [];
  const open = async () => {
    const instance = await instanceClass.fromConfig(home);
    opened.push(instance);
    return instance;
  };
  const instance = await open();
  return {
    home,
    instance,
    open,
    dispose: async () => {
      for (const i of opened) {
        await closeQueueLock(i);
        await i.dispose();
      }
      await scratch?.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const ORIGIN = new RemoteJobOrigin({
  repositoryOrigin: new RemoteRepositoryOrigin({
    codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'queue_tests' }),
    repositoryName: '__repository__',
  }),
  jobName: 'job',
});

/** Creates a run (with a remote origin, as queued runs need) and submits it. */
export async function submitRun(instance: Instance, tags: Record<string, string> = {}, jobName = 'job'): Promise<DagsterRun> {
  const run = await instance.createRun({ jobName, tags, remoteJobOrigin: ORIGIN });
  return instance.submitRun(run.runId);
}

/** Writes what a run worker would: RUN_START then the end event. */
export async function finishRun(instance: Instance, runId: string, end: DagsterEventType = DagsterEventType.RUN_SUCCESS): Promise<void> {
  await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_START, jobName: 'job' }), runId);
  await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: end, jobName: 'job' }), runId);
}

/** Every run-lifecycle event of the instance, in storage order. */
export async function lifecycleEvents(instance: Instance): Promise<[number, EventLogEntry][]> {
  const types = [DagsterEventType.RUN_ENQUEUED, DagsterEventType.RUN_STARTING, DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED];
  const entries = await instance.eventLogStorage.getLogsForAllRunsByLogId(0, types, 1_000_000);
  return [...entries].sort((a, b) => a[0] - b[0]);
}

/**
 * From the event log alone: the most runs in flight (a PIPELINE_STARTING not yet followed by the run's end event)
 * at any point, overall and per tag value of `tagKey`, and how many PIPELINE_STARTING each run got.
 */
export async function inFlightHighWater(instance: Instance, runs: readonly DagsterRun[], tagKey?: string) {
  const tagOf = new Map(runs.map((run) => [run.runId, tagKey ? run.tags[tagKey] : undefined]));
  const inFlight = new Set<string>();
  const startings = new Map<string, number>();
  let max = 0;
  const maxPerTag = new Map<string, number>();
  for (const [, entry] of await lifecycleEvents(instance)) {
    const type = entry.dagsterEvent?.eventType;
    if (type === DagsterEventType.RUN_STARTING) {
      inFlight.add(entry.runId);
      startings.set(entry.runId, (startings.get(entry.runId) ?? 0) + 1);
      max = Math.max(max, inFlight.size);
      const tag = tagOf.get(entry.runId);
      if (tag !== undefined) {
        const n = [...inFlight].filter((id) => tagOf.get(id) === tag).length;
        maxPerTag.set(tag, Math.max(maxPerTag.get(tag) ?? 0, n));
      }
    } else if (type === DagsterEventType.RUN_SUCCESS || type === DagsterEventType.RUN_FAILURE || type === DagsterEventType.RUN_CANCELED) {
      inFlight.delete(entry.runId);
    }
  }
  return { max, maxPerTag, startings };
}

/** The recording launcher's ENGINE_EVENTs: run id → pids of the processes that launched it. */
export async function launchRecords(instance: Instance, runIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const runId of runIds) {
    const events = await instance.allLogs(runId, DagsterEventType.ENGINE_EVENT);
    out.set(
      runId,
      events.filter((e) => e.message === 'Launched run (no-op launcher)').map((e) => String((e.dagsterEvent?.eventSpecificData as { metadata?: Record<string, { value?: unknown }> })?.metadata?.pid?.value ?? '')),
    );
  }
  return out;
}

const require = createRequire(import.meta.url);

/** Starts `test/<script>` in a real Node process (tsx, from sources). Resolves with its exit code and output. */
export function runChild(script: string, args: string[], env: Record<string, string> = {}) {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, '--conditions=@inst/source', join(import.meta.dirname, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

/** Polls `check` until it is true, failing only after a generous bound (nothing here asserts durations). */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, boundMs = 90_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const JOB_SNAPSHOT = new JobSnapshot({ name: 'job', description: null, tags: {}, modeDefSnaps: [], lineageSnapshot: null, graphDefName: 'job' });

function planStep(key: string, tags: Record<string, string> | null = null): ExecutionStepSnap {
  return new ExecutionStepSnap({
    key,
    inputs: [],
    outputs: [
      new ExecutionStepOutputSnap({
        name: 'result',
        dagsterTypeKey: 'Any',
        properties: new StepOutputProperties({ isRequired: true, isDynamic: false, isAsset: false, shouldMaterialize: false, assetKey: null, isAssetPartitioned: false, assetCheckKey: null }),
      }),
    ],
    nodeHandleId: key,
    kind: StepKind.COMPUTE,
    metadataItems: [],
    tags,
    stepHandle: null,
  });
}

/** Creates a run with a one-step job and plan snapshot (what a retry re-executes), submits it. */
export async function submitRunWithPlan(instance: Instance, tags: Record<string, string> = {}, stepTags: Record<string, string> | null = null): Promise<DagsterRun> {
  const executionPlanSnapshot = new ExecutionPlanSnapshot({
    steps: [planStep('only_step', stepTags)],
    artifactsPersisted: true,
    jobSnapshotId: createJobSnapshotId(JOB_SNAPSHOT),
    stepKeysToExecute: ['only_step'],
    initialKnownState: null,
    snapshotVersion: 1,
    executorName: null,
  });
  const run = await instance.createRun({ jobName: 'job', tags, remoteJobOrigin: ORIGIN, jobSnapshot: JOB_SNAPSHOT, executionPlanSnapshot });
  return instance.submitRun(run.runId);
}
