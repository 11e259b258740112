/**
 * Creating a run of a code location's job (Dagster's `create_run_for_job` over a remote job): the job snapshot
 * and the execution plan snapshot come from the code server, and the run records where its code lives — its
 * remote job origin and job code origin — so any process (a run worker, a resumed worker, another machine) can
 * load the job again.
 */
import { InvalidArgumentError } from '@inst/errors';
import { AssetKey, RUN_TAGS, RemoteRepositoryOrigin, type DagsterRun, type ExecutionPlanSnapshot, type JobPythonOrigin, type JobSnapshot, type RemoteJobOrigin } from '@inst/types';
import { InvalidSubsetError, ReexecutionStrategy, type CreateReexecutedRunOptions, type ReexecutionCodeLocation, type ReexecutionRemoteJob } from '@inst/runs';
import { jobCodeOrigin, type CodeLocationTarget } from './target';
import type { CodeLocation, CodeLocationSnapshot, JobEntry } from './types';

/** The `createRun` options this module passes (a subset of `@inst/core`'s `Instance.createRun`). */
export interface CreateRunForLocationJobRunOptions {
  jobName: string;
  runId?: string | null;
  runConfig?: Readonly<Record<string, unknown>> | null;
  tags?: Readonly<Record<string, string>> | null;
  rootRunId?: string | null;
  parentRunId?: string | null;
  stepKeysToExecute?: readonly string[] | null;
  jobSnapshot?: JobSnapshot | null;
  executionPlanSnapshot?: ExecutionPlanSnapshot | null;
  assetSelection?: Iterable<AssetKey> | null;
  remoteJobOrigin?: RemoteJobOrigin | null;
  jobCodeOrigin?: JobPythonOrigin | null;
  status?: string | null;
}

/** What {@link createRunForLocationJob} needs of an instance. */
export interface CreateRunInstance {
  createRun(options: CreateRunForLocationJobRunOptions): Promise<DagsterRun>;
}

/** Options of {@link createRunForLocationJob}. */
export interface CreateRunForLocationJobOptions {
  /** A run id reserved beforehand (sensors reserve them in the tick); a new UUID otherwise. */
  runId?: string | null;
  runConfig?: Record<string, unknown>;
  tags?: Readonly<Record<string, string>>;
  /** Adds the `dagster/partition` tag. */
  partitionKey?: string | null;
  stepKeysToExecute?: readonly string[] | null;
  /** Asset key paths (or AssetKeys) to materialize. */
  assetSelection?: Iterable<readonly string[] | AssetKey> | null;
  parentRunId?: string | null;
  rootRunId?: string | null;
  /** Default NOT_STARTED. */
  status?: string | null;
}

/** The job named `jobName` in the location's snapshot; InvalidArgumentError naming the jobs there when it has none. */
function jobOfLocation(location: CodeLocation, snapshot: CodeLocationSnapshot, jobName: string): JobEntry {
  const job = snapshot.jobs.find((entry) => entry.name === jobName);
  if (job) return job;
  throw new InvalidArgumentError(`Code location ${location.name} has no job named ${JSON.stringify(jobName)} (jobs: ${snapshot.jobs.map((j) => j.name).join(', ') || 'none'})`, {
    ids: { locationName: location.name, jobName },
  });
}

function remoteJobOriginOf(location: CodeLocation, snapshot: CodeLocationSnapshot, jobName: string): RemoteJobOrigin {
  return new RemoteRepositoryOrigin({ codeLocationOrigin: location.origin, repositoryName: snapshot.repositoryName }).getJobOrigin(jobName);
}

/**
 * Creates a run of `jobName` in `location` with both snapshots (asked of the code server) and Dagster-shaped
 * origins: `remoteJobOrigin` from the location's origin, and — for a location loaded from a file or module —
 * `jobCodeOrigin`, which the run worker loads the job from. Throws InvalidArgumentError for an unknown job.
 */
export async function createRunForLocationJob(
  instance: CreateRunInstance,
  location: CodeLocation & { readonly target?: CodeLocationTarget },
  jobName: string,
  options: CreateRunForLocationJobOptions = {},
): Promise<DagsterRun> {
  const snapshot = await location.snapshot();
  const job = jobOfLocation(location, snapshot, jobName);
  const runConfig = options.runConfig ?? {};
  const plan = await location.executionPlan(jobName, { stepKeysToExecute: options.stepKeysToExecute ?? null, runConfig });
  const tags: Record<string, string> = { ...(options.tags ?? {}) };
  if (options.partitionKey != null) tags[RUN_TAGS.PARTITION_NAME] = options.partitionKey;
  const assetSelection = options.assetSelection == null ? null : [...options.assetSelection].map((key) => (key instanceof AssetKey ? key : new AssetKey(key)));
  return instance.createRun({
    jobName,
    runId: options.runId ?? null,
    runConfig,
    tags,
    rootRunId: options.rootRunId ?? (options.parentRunId ? options.parentRunId : null),
    parentRunId: options.parentRunId ?? null,
    stepKeysToExecute: options.stepKeysToExecute ?? null,
    jobSnapshot: job.jobSnapshot,
    executionPlanSnapshot: plan,
    assetSelection,
    remoteJobOrigin: remoteJobOriginOf(location, snapshot, jobName),
    jobCodeOrigin: location.target ? jobCodeOrigin(location.target, jobName) : null,
    status: options.status ?? null,
  });
}

/** What {@link createReexecutionForLocation} needs of an instance (`@inst/core`'s `Instance` has it). */
export interface ReexecutionInstance {
  createReexecutedRun(options: CreateReexecutedRunOptions): Promise<DagsterRun>;
}

/**
 * Creates (does not submit) a re-execution of a finished `parent` run from `location`, the code location that
 * defines its job, with `@inst/runs`' `createReexecutedRun` — Dagster's semantics: all steps, or with `fromFailure`
 * the steps the parent's events show did not succeed (tag `dagster/is_resume_retry`, outputs of earlier runs as the
 * plan's known state); the parent's tags less the retry bookkeeping; its parent and root run ids. The job and its
 * plans come from the location now, not from the parent's snapshots. Resolves to null when `fromFailure` finds
 * nothing to retry. The caller checks that the parent has finished (and failed).
 */
export async function createReexecutionForLocation(
  instance: ReexecutionInstance,
  location: CodeLocation & { readonly target?: CodeLocationTarget },
  parent: DagsterRun,
  options: { fromFailure?: boolean } = {},
): Promise<{ run: DagsterRun; stepKeysToExecute: string[] | null } | null> {
  const snapshot = await location.snapshot();
  const job = jobOfLocation(location, snapshot, parent.jobName);
  const remoteJob: ReexecutionRemoteJob = {
    jobSnapshot: job.jobSnapshot,
    // The job's own tags are the base of the new run's, as in Dagster (`remote_job.tags`).
    tags: Object.fromEntries(Object.entries(job.jobSnapshot.tags ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    assetSelection: parent.assetSelection,
    assetCheckSelection: parent.assetCheckSelection,
    remoteOrigin: remoteJobOriginOf(location, snapshot, parent.jobName),
    pythonOrigin: location.target ? jobCodeOrigin(location.target, parent.jobName) : null,
  };
  const codeLocation: ReexecutionCodeLocation = {
    getExecutionPlan: (_job, runConfig, plan) =>
      location.executionPlan(parent.jobName, { runConfig: { ...runConfig }, stepKeysToExecute: plan.stepKeysToExecute, knownState: plan.knownState }),
  };
  try {
    const run = await instance.createReexecutedRun({
      parentRun: parent,
      codeLocation,
      remoteJob,
      strategy: options.fromFailure ? ReexecutionStrategy.FROM_FAILURE : ReexecutionStrategy.ALL_STEPS,
      useParentRunTags: true,
    });
    return { run, stepKeysToExecute: run.stepKeysToExecute ? [...run.stepKeysToExecute] : null };
  } catch (error) {
    if (error instanceof InvalidSubsetError) return null;
    throw error;
  }
}
