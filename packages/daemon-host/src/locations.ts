/**
 * Schedules and sensors of the loaded code locations, with the origins their states are stored under, and the
 * creation of runs for run requests.
 */
import { createRunForLocationJob, type CodeLocation, type CreateRunInstance } from '@inst/code-location';
import type { Instance } from '@inst/core';
import {
  AssetKey,
  type DagsterRun,
  RegisteredCodeLocationOrigin,
  RemoteRepositoryOrigin,
  RUN_TAGS,
  type CodeLocationOrigin,
  type JobSnapshot,
  type RemoteInstigatorOrigin,
} from '@inst/types';
import type { CodeLocationLike, CodeLocationSnapshotLike, RunRequestLike, ScheduleSnapshotLike, SensorSnapshotLike, WorkspaceLike } from './workspace';

/** Dagster's repository name for a `Definitions`. */
export const SINGLETON_REPOSITORY_NAME = '__repository__';

/** A location with its snapshot and repository origin. */
export interface LoadedLocation {
  readonly location: CodeLocationLike;
  readonly snapshot: CodeLocationSnapshotLike;
  readonly repositoryOrigin: RemoteRepositoryOrigin;
}

/** The repository origin of a location: its own origin, or one registered by name. */
export function repositoryOriginOf(location: CodeLocationLike, snapshot: CodeLocationSnapshotLike): RemoteRepositoryOrigin {
  const codeLocationOrigin = (location.origin as CodeLocationOrigin | undefined) ?? new RegisteredCodeLocationOrigin({ locationName: location.name });
  return new RemoteRepositoryOrigin({ codeLocationOrigin, repositoryName: snapshot.repositoryName ?? SINGLETON_REPOSITORY_NAME });
}

/** Snapshots every location; a location that fails to load is reported through `onError` and left out. */
export async function loadLocations(workspace: WorkspaceLike | null, onError: (location: CodeLocationLike, error: unknown) => void): Promise<LoadedLocation[]> {
  if (!workspace) return [];
  const loaded: LoadedLocation[] = [];
  for (const location of workspace.locations) {
    try {
      const snapshot = await location.snapshot();
      loaded.push({ location, snapshot, repositoryOrigin: repositoryOriginOf(location, snapshot) });
    } catch (error) {
      onError(location, error);
    }
  }
  return loaded;
}

/** A schedule of a loaded location, shaped as `@inst/scheduling`'s RemoteScheduleLike. */
export interface RemoteSchedule {
  readonly name: string;
  readonly origin: RemoteInstigatorOrigin;
  readonly selectorId: string;
  readonly cronSchedule: string | readonly string[];
  readonly executionTimezone: string | null;
  readonly defaultStatus: 'RUNNING' | 'STOPPED' | null;
  readonly jobName: string;
  readonly hasPartitions: boolean;
  readonly loaded: LoadedLocation;
}

/** A sensor of a loaded location, shaped as `@inst/scheduling`'s RemoteSensorLike. */
export interface RemoteSensor {
  readonly name: string;
  readonly origin: RemoteInstigatorOrigin;
  readonly selectorId: string;
  readonly minIntervalSeconds: number | null;
  readonly defaultStatus: 'RUNNING' | 'STOPPED' | null;
  readonly sensorType: string | null;
  readonly jobNames: readonly string[];
  readonly loaded: LoadedLocation;
}

function statusOf(value: string | null | undefined): 'RUNNING' | 'STOPPED' | null {
  return value === 'RUNNING' || value === 'STOPPED' ? value : null;
}

export function remoteSchedules(loaded: LoadedLocation): RemoteSchedule[] {
  return (loaded.snapshot.schedules ?? []).map((s: ScheduleSnapshotLike) => {
    const origin = loaded.repositoryOrigin.getInstigatorOrigin(s.name);
    const job = loaded.snapshot.jobs?.find((j) => j.name === s.jobName);
    return {
      name: s.name,
      origin,
      selectorId: origin.getSelector().selectorId,
      cronSchedule: s.cronSchedule,
      executionTimezone: s.executionTimezone ?? null,
      defaultStatus: statusOf(s.defaultStatus),
      jobName: s.jobName,
      hasPartitions: s.hasPartitions ?? job?.partitioned ?? false,
      loaded,
    };
  });
}

export function remoteSensors(loaded: LoadedLocation): RemoteSensor[] {
  return (loaded.snapshot.sensors ?? []).map((s: SensorSnapshotLike) => {
    const origin = loaded.repositoryOrigin.getInstigatorOrigin(s.name);
    return {
      name: s.name,
      origin,
      selectorId: origin.getSelector().selectorId,
      minIntervalSeconds: s.minIntervalSeconds ?? null,
      defaultStatus: statusOf(s.defaultStatus),
      sensorType: s.sensorType ?? null,
      jobNames: s.jobNames ?? [],
      loaded,
    };
  });
}

/** Options of {@link createRunForRequest}. */
export interface RunForRequestOptions {
  readonly jobName: string;
  readonly runId?: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly runConfig?: Record<string, unknown> | null;
  readonly assetSelection?: readonly (readonly string[])[] | null;
}

/**
 * Creates a NOT_STARTED run of a location's job (Dagster's `_create_scheduler_run` / `_create_sensor_run` /
 * `create_backfill_run`): the job snapshot the location reports, its remote job origin (so a run worker can load it
 * and the queue can launch it), and the given tags.
 */
export type RunCreator = (instance: Instance, loaded: LoadedLocation, options: RunForRequestOptions) => Promise<DagsterRun>;

export const createRunForRequest: RunCreator = async (instance, loaded, options) => {
  const { location } = loaded;
  if (typeof location.executionPlan === 'function') {
    // A full code location: both snapshots and the code origin, through @inst/code-location.
    return createRunForLocationJob(instance as unknown as CreateRunInstance, plannedLocation(loaded), options.jobName, {
      runId: options.runId ?? null,
      runConfig: options.runConfig ?? {},
      tags: options.tags,
      assetSelection: options.assetSelection ?? null,
      status: 'NOT_STARTED',
    });
  }
  const job = loaded.snapshot.jobs?.find((j) => j.name === options.jobName);
  const remoteJobOrigin = loaded.repositoryOrigin.getJobOrigin(options.jobName);
  return instance.createRun({
    jobName: options.jobName,
    runId: options.runId ?? null,
    runConfig: options.runConfig ?? {},
    status: 'NOT_STARTED',
    tags: options.tags,
    jobSnapshot: (job?.jobSnapshot as JobSnapshot | undefined) ?? null,
    assetSelection: options.assetSelection ? options.assetSelection.map((path) => new AssetKey([...path])) : null,
    remoteJobOrigin,
  });
};

const planned = new WeakMap<LoadedLocation, CodeLocation>();

/**
 * The loaded location as a CodeLocation whose snapshot is the one already loaded and whose execution plans are
 * asked once per job and run config (a backfill of 10,000 partitions asks the code server once, not 10,000 times).
 */
function plannedLocation(loaded: LoadedLocation): CodeLocation {
  let wrapped = planned.get(loaded);
  if (!wrapped) {
    const plans = new Map<string, Promise<unknown>>();
    const location = loaded.location as unknown as CodeLocation;
    wrapped = Object.assign(Object.create(location) as CodeLocation, {
      snapshot: async () => loaded.snapshot as unknown as Awaited<ReturnType<CodeLocation['snapshot']>>,
      executionPlan: (jobName: string, opts?: { stepKeysToExecute?: readonly string[] | null; runConfig?: Record<string, unknown> }) => {
        if (opts?.stepKeysToExecute?.length) return location.executionPlan(jobName, opts);
        const key = `${jobName}\u0000${JSON.stringify(opts?.runConfig ?? {})}`;
        let plan = plans.get(key);
        if (!plan) {
          plan = location.executionPlan(jobName, opts);
          plan.catch(() => plans.delete(key));
          plans.set(key, plan);
        }
        return plan as ReturnType<CodeLocation['executionPlan']>;
      },
    });
    planned.set(loaded, wrapped);
  }
  return wrapped;
}

/** The tags of a run request (plus its partition tag). */
export function requestTags(request: RunRequestLike): Record<string, string> {
  const tags: Record<string, string> = { ...request.tags };
  if (request.partitionKey) tags[RUN_TAGS.PARTITION_NAME] = request.partitionKey;
  return tags;
}

/** Dagster's `datetime.isoformat()` of a UTC time: `2024-01-01T00:00:00+00:00` (microseconds when not whole). */
export function pythonUtcIsoformat(seconds: number): string {
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${base}${micros ? `.${String(micros).padStart(6, '0')}` : ''}+00:00`;
}
