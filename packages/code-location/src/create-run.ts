/**
 * Creating a run of a code location's job (Dagster's `create_run_for_job` over a remote job): the job snapshot
 * and the execution plan snapshot come from the code server, and the run records where its code lives — its
 * remote job origin and job code origin — so any process (a run worker, a resumed worker, another machine) can
 * load the job again.
 */
import { InvalidArgumentError } from '@inst/errors';
import { AssetKey, RUN_TAGS, RemoteRepositoryOrigin, type DagsterRun, type ExecutionPlanSnapshot, type JobPythonOrigin, type JobSnapshot, type RemoteJobOrigin } from '@inst/types';
import { jobCodeOrigin, type CodeLocationTarget } from './target';
import type { CodeLocation } from './types';

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
  const job = snapshot.jobs.find((entry) => entry.name === jobName);
  if (!job) {
    throw new InvalidArgumentError(`Code location ${location.name} has no job named ${JSON.stringify(jobName)} (jobs: ${snapshot.jobs.map((j) => j.name).join(', ') || 'none'})`, {
      ids: { locationName: location.name, jobName },
    });
  }
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
    remoteJobOrigin: new RemoteRepositoryOrigin({ codeLocationOrigin: location.origin, repositoryName: snapshot.repositoryName }).getJobOrigin(jobName),
    jobCodeOrigin: location.target ? jobCodeOrigin(location.target, jobName) : null,
    status: options.status ?? null,
  });
}

/** What {@link createReexecutionForLocation} needs of an instance. */
export interface ReexecutionInstance extends CreateRunInstance {
  getRunStepStats(runId: string): Promise<readonly { readonly stepKey: string; readonly status: unknown }[]>;
}

// The parent's tags a re-execution does not copy (Dagster's TAGS_TO_OMIT_ON_RETRY), besides the hidden ones.
const OMIT_ON_REEXECUTION: ReadonlySet<string> = new Set([RUN_TAGS.PARENT_RUN_ID, RUN_TAGS.ROOT_RUN_ID, 'dagster/failure_reason', 'dagster/will_retry', 'dagster/auto_retry_run_id', 'dagster/retry_number']);

/**
 * Creates (does not submit) a re-execution of a finished `parent` run from `location`, the code location that
 * defines its job: all steps, or with `fromFailure` those that did not succeed. The new run has the parent's
 * run config and tags (less the hidden and retry ones), and its parent and root run ids. Resolves to null when
 * `fromFailure` finds every step succeeded. The caller checks that the parent has finished (and failed).
 */
export async function createReexecutionForLocation(
  instance: ReexecutionInstance,
  location: CodeLocation & { readonly target?: CodeLocationTarget },
  parent: DagsterRun,
  options: { fromFailure?: boolean } = {},
): Promise<{ run: DagsterRun; stepKeysToExecute: string[] | null } | null> {
  let stepKeysToExecute: string[] | null = null;
  if (options.fromFailure) {
    const plan = await location.executionPlan(parent.jobName, { runConfig: { ...parent.runConfig } });
    const succeeded = new Set((await instance.getRunStepStats(parent.runId)).filter((s) => String(s.status) === 'SUCCESS').map((s) => s.stepKey));
    stepKeysToExecute = plan.steps.map((s) => s.key).filter((key) => !succeeded.has(key));
    if (stepKeysToExecute.length === 0) return null;
  }
  const rootRunId = parent.rootRunId ?? parent.runId;
  const inherited = Object.fromEntries(Object.entries(parent.tags).filter(([k]) => !k.startsWith('.') && !OMIT_ON_REEXECUTION.has(k)));
  const run = await createRunForLocationJob(instance, location, parent.jobName, {
    runConfig: { ...parent.runConfig },
    tags: { ...inherited, [RUN_TAGS.PARENT_RUN_ID]: parent.runId, [RUN_TAGS.ROOT_RUN_ID]: rootRunId, ...(options.fromFailure ? { 'dagster/is_resume_retry': 'false' } : {}) },
    parentRunId: parent.runId,
    rootRunId,
    stepKeysToExecute,
  });
  return { run, stepKeysToExecute };
}
