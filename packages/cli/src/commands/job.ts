import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Instance } from '@inst/core';
import { BulkActionStatus, DagsterEvent, DagsterEventType, DagsterRunStatus, PartitionBackfill, RemoteRepositoryOrigin, type DagsterRun } from '@inst/types';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { addCodeTargetOptions, locationDefining, openWorkspace, type CodeTargetOptions } from '../code';
import { CliFailure, collect, parseTags, UsageError, type CommandContext } from '../context';
import { example, type Act } from '../program';
import { eventJson, eventLine, runJson } from '../records';

interface JobOptions extends CodeTargetOptions {
  job?: string;
  config?: string;
  tag?: string[];
  partition?: string;
}

function runConfigOf(ctx: CommandContext, file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  const path = resolve(ctx.io.cwd, file);
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`${path}: the run config must be a mapping`);
  return parsed as Record<string, unknown>;
}

function requireJob(options: JobOptions): string {
  if (!options.job) throw new UsageError('pass the job with -j JOB');
  return options.job;
}

async function list(ctx: CommandContext, options: CodeTargetOptions): Promise<void> {
  await using workspace = await openWorkspace(ctx, options);
  const jobs: { jobName: string; location: string; repository: string; partitioned: boolean }[] = [];
  for (const location of workspace.locations) {
    if (options.location && location.name !== options.location) continue;
    const snapshot = await location.snapshot();
    for (const job of snapshot.jobs) jobs.push({ jobName: job.name, location: location.name, repository: snapshot.repositoryName, partitioned: job.partitioned });
  }
  ctx.emit({ jobs }, () => ctx.table(['job', 'location', 'partitioned'], jobs.map((j) => [j.jobName, j.location, j.partitioned ? 'yes' : 'no']), 'No jobs.'));
}

/** The instance's @inst/core entry, which a run worker imports to open the instance. */
function coreEntry(): string {
  return import.meta.resolve('@inst/core');
}

/** Runs a run in its own worker process (the child-process launcher) and prints its events until it ends. */
async function executeInWorker(ctx: CommandContext, instance: Instance, run: DagsterRun): Promise<DagsterRun> {
  const { ChildProcessRunLauncher } = await import('@inst/code-location');
  const launcher = new ChildProcessRunLauncher({ instanceModule: coreEntry() });
  launcher.registerInstance(instance);
  try {
    await instance.reportDagsterEvent(new DagsterEvent({ eventTypeValue: DagsterEventType.RUN_STARTING, jobName: run.jobName }), run.runId);
    const starting = (await instance.getRunById(run.runId))!;
    await launcher.launchRun({ dagsterRun: starting });
    const onAbort = () => void launcher.terminate(run.runId);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // No signal here: on Ctrl-C the run is terminated and the stream ends with its RUN_CANCELED.
      for await (const { record } of instance.watchRunEvents(run.runId, { untilRunEnds: true })) {
        const event = eventJson(record.eventLogEntry, record.storageId);
        if (ctx.json) ctx.note(JSON.stringify(event));
        else ctx.out(eventLine(event));
      }
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    await launcher.join?.(30_000);
  } finally {
    await launcher.dispose?.();
  }
  return (await instance.getRunById(run.runId))!;
}

/** Creates a run of the job the options name, from its code location, and hands it over while both are open. */
async function withNewRun(
  ctx: CommandContext,
  options: JobOptions,
  use: (instance: Instance, run: DagsterRun, jobName: string, locationName: string) => Promise<void>,
): Promise<void> {
  const jobName = requireJob(options);
  const tags = parseTags(options.tag);
  const runConfig = runConfigOf(ctx, options.config);
  await using workspace = await openWorkspace(ctx, options);
  const location = await locationDefining(workspace, options, 'jobs', jobName);
  await using instance = await ctx.instance();
  const { createRunForLocationJob } = await import('@inst/code-location');
  const run = await createRunForLocationJob(instance, location, jobName, { runConfig, tags, partitionKey: options.partition ?? null });
  await use(instance, run, jobName, location.name);
}

function execute(ctx: CommandContext, options: JobOptions): Promise<void> {
  return withNewRun(ctx, options, async (instance, run, jobName, locationName) => {
    if (!ctx.json) ctx.note(`Executing run ${run.runId} of ${jobName} (${locationName}) in a run worker process`);
    const finished = await executeInWorker(ctx, instance, run);
    ctx.emit(runJson(finished), () => ctx.out(`Run ${finished.runId}: ${finished.status}`));
    ctx.checkInterrupted(`run ${run.runId} was terminated`);
    if (finished.status !== DagsterRunStatus.SUCCESS) throw new CliFailure('RUN_FAILED', `run ${finished.runId} of ${jobName} ended ${finished.status}`);
  });
}

function launch(ctx: CommandContext, options: JobOptions): Promise<void> {
  return withNewRun(ctx, options, async (instance, run, jobName) => {
    const submitted = await instance.submitRun(run.runId);
    ctx.emit(runJson(submitted), () => ctx.out(`Submitted run ${submitted.runId} of ${jobName}: ${submitted.status}`));
  });
}

/** Dagster's `make_new_backfill_id`: eight random lowercase letters. */
function newBackfillId(): string {
  return [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
}

async function backfill(ctx: CommandContext, options: JobOptions & { partitions?: string[]; all?: boolean }): Promise<void> {
  const jobName = requireJob(options);
  const named = (options.partitions ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  if (options.all === (named.length > 0)) throw new UsageError('pass --partitions a,b,c or --all');
  const tags = parseTags(options.tag);
  await using workspace = await openWorkspace(ctx, options);
  const location = await locationDefining(workspace, options, 'jobs', jobName);
  const snapshot = await location.snapshot();
  const job = snapshot.jobs.find((j) => j.name === jobName);
  if (!job) throw new CliFailure('JOB_NOT_FOUND', `code location ${location.name} has no job ${jobName}`);
  if (!job.partitioned) throw new CliFailure('NOT_PARTITIONED', `job ${jobName} is not partitioned`);
  const keys = await location.partitionKeys(jobName);
  const unknown = named.filter((k) => !keys.includes(k));
  if (unknown.length) throw new UsageError(`unknown partition(s) of ${jobName}: ${unknown.join(', ')}`);
  const partitionNames = options.all ? keys : named;
  await using instance = await ctx.instance();
  const repository = new RemoteRepositoryOrigin({ codeLocationOrigin: location.origin, repositoryName: snapshot.repositoryName });
  const backfillId = newBackfillId();
  await instance.addBackfill(
    new PartitionBackfill({
      backfillId,
      status: BulkActionStatus.REQUESTED,
      fromFailure: false,
      tags,
      backfillTimestamp: Date.now() / 1000,
      partitionSetOrigin: repository.getPartitionSetOrigin(`${jobName}_partition_set`),
      partitionNames,
      runConfig: options.config ? runConfigOf(ctx, options.config) : null,
    }),
  );
  ctx.emit({ backfillId, jobName, partitionNames, status: BulkActionStatus.REQUESTED }, () =>
    ctx.out(`Created backfill ${backfillId} of ${jobName} for ${partitionNames.length} partition(s); the backfill daemon (inst daemon run) launches its runs.`),
  );
}

/** `run reexecute`: a new run of the parent's job from its code location, all steps or those that did not succeed. */
export async function reexecute(ctx: CommandContext, runId: string, options: CodeTargetOptions & { fromFailure?: boolean }): Promise<void> {
  await using instance = await ctx.instance();
  const parent = await instance.getRunById(runId);
  if (!parent) throw new CliFailure('RUN_NOT_FOUND', `no run found with id ${runId}`);
  if (!parent.isFinished) throw new CliFailure('RUN_NOT_FINISHED', `run ${runId} is ${parent.status}: re-execute it once it has finished`);
  if (options.fromFailure && parent.status !== DagsterRunStatus.FAILURE) throw new CliFailure('RUN_NOT_FAILED', `run ${runId} did not fail (${parent.status}): --from-failure needs a failed run`);
  const { createReexecutionForLocation } = await import('@inst/code-location');
  const workspace = options.file?.length || options.module?.length || options.workspace ? await openWorkspace(ctx, options) : await workspaceOfRun(parent);
  try {
    const location = await locationDefining(workspace, options, 'jobs', parent.jobName);
    const created = await createReexecutionForLocation(instance, location, parent, options);
    if (!created) throw new CliFailure('NOTHING_TO_REEXECUTE', `every step of run ${runId} succeeded`);
    const { run, stepKeysToExecute } = created;
    const submitted = await instance.submitRun(run.runId);
    ctx.emit({ ...runJson(submitted), stepKeysToExecute }, () =>
      ctx.out(`Submitted run ${submitted.runId} re-executing ${runId}${stepKeysToExecute ? ` from failure (${stepKeysToExecute.join(', ')})` : ''}: ${submitted.status}`),
    );
  } finally {
    await workspace.dispose();
  }
}

/** The workspace of the one code location a run records (its job code origin). */
async function workspaceOfRun(run: DagsterRun) {
  const { ChildProcessCodeLocation, targetOfRun, workspaceOf } = await import('@inst/code-location');
  return workspaceOf([new ChildProcessCodeLocation(targetOfRun(run))]);
}

export function registerJobCommands(program: Command, act: Act): void {
  const group = program.command('job').description('Jobs of code locations: list, execute, launch, backfill.');
  example(addCodeTargetOptions(group.command('list').description('List the jobs of the code locations.')).action(act(list)), 'inst job list -f defs.ts', 'inst job list -w workspace.yaml --json');
  const withJobOptions = (command: Command) =>
    addCodeTargetOptions(command)
      .option('-j, --job <name>', 'the job')
      .option('-c, --config <file>', 'run config (YAML or JSON)')
      .option('--tag <key=value>', 'a run tag (repeatable)', collect)
      .option('--partition <key>', 'the partition to run');
  example(
    withJobOptions(group.command('execute').description('Create a run and execute it now in a run worker process, printing its events; exits 1 if it fails.')).action(act(execute)),
    'inst job execute -f defs.ts -j etl --tag team=data',
  );
  example(
    withJobOptions(group.command('launch').description('Create a run and submit it through the run coordinator (queued: the daemon launches it).')).action(act(launch)),
    'inst job launch -f defs.ts -j etl',
  );
  example(
    withJobOptions(group.command('backfill').description('Create a backfill of a partitioned job; the backfill daemon launches a run per partition.'))
      .option('--partitions <keys...>', 'partition keys (space- or comma-separated)')
      .option('--all', 'every partition')
      .action(act(backfill)),
    'inst job backfill -f defs.ts -j daily_etl --partitions 2024-01-01,2024-01-02',
    'inst job backfill -f defs.ts -j daily_etl --all',
  );
}
