import { DagsterRunStatus, FINISHED_STATUSES, RunsFilter, type DagsterRun } from '@inst/types';
import { InstError } from '@inst/errors';
import type { Command } from 'commander';
import { CliFailure, collect, parseTags, positiveInt, shortTime, UsageError, type CommandContext } from '../context';
import { example, type Act } from '../program';
import { addCodeTargetOptions } from '../code';
import { reexecute } from './job';
import { eventJson, eventLine, LEVELS, levelNumber, runJson, type EventJson } from '../records';

const STATUSES = Object.values(DagsterRunStatus) as string[];

function parseStatus(value: string): DagsterRunStatus {
  const upper = value.toUpperCase();
  if (!STATUSES.includes(upper)) throw new UsageError(`unknown run status ${JSON.stringify(value)} (one of ${STATUSES.join(', ')})`);
  return upper as DagsterRunStatus;
}

async function requireRun(ctx: CommandContext, instance: { getRunById(id: string): Promise<DagsterRun | null | undefined> }, runId: string): Promise<DagsterRun> {
  const run = await instance.getRunById(runId);
  if (!run) throw new CliFailure('RUN_NOT_FOUND', `no run found with id ${runId}`);
  return run;
}

async function list(ctx: CommandContext, options: { status?: string[]; job?: string; tag?: string[]; limit?: number }): Promise<void> {
  const statuses = (options.status ?? []).flatMap((s) => s.split(',')).filter(Boolean).map(parseStatus);
  const tags = parseTags(options.tag);
  await using instance = await ctx.instance();
  const filter = new RunsFilter({ ...(statuses.length ? { statuses } : {}), ...(options.job ? { jobName: options.job } : {}), tags });
  const records = await instance.getRunRecords(filter, options.limit ?? 50);
  const runs = records.map((r) => runJson(r.dagsterRun, r));
  ctx.emit({ runs }, () =>
    ctx.table(
      ['run id', 'job', 'status', 'created', 'tags'],
      runs.map((r) => [r.runId, r.jobName, r.status, shortTime(r.createTime), Object.entries(r.tags).filter(([k]) => !k.startsWith('.')).map(([k, v]) => `${k}=${v}`).join(' ')]),
      'No runs.',
    ),
  );
}

async function show(ctx: CommandContext, runId: string): Promise<void> {
  await using instance = await ctx.instance();
  const record = (await instance.getRunRecords(new RunsFilter({ runIds: [runId] }), 1))[0];
  if (!record) throw new CliFailure('RUN_NOT_FOUND', `no run found with id ${runId}`);
  const stats = await instance.getRunStats(runId);
  const steps = await instance.getRunStepStats(runId);
  const doc = {
    ...runJson(record.dagsterRun, record),
    stats: {
      stepsSucceeded: stats.stepsSucceeded,
      stepsFailed: stats.stepsFailed,
      materializations: stats.materializations,
      expectations: stats.expectations,
      enqueuedTime: stats.enqueuedTime,
      launchTime: stats.launchTime,
      startTime: stats.startTime,
      endTime: stats.endTime,
    },
    steps: steps.map((s) => ({ stepKey: s.stepKey, status: s.status === null ? null : String(s.status), startTime: s.startTime, endTime: s.endTime, attempts: s.attempts })),
  };
  ctx.emit(doc, () => {
    ctx.fields([
      ['Run', doc.runId],
      ['Job', doc.jobName],
      ['Status', doc.status],
      ['Created', shortTime(doc.createTime)],
      ['Started', shortTime(doc.stats.startTime ?? doc.startTime)],
      ['Ended', shortTime(doc.stats.endTime ?? doc.endTime)],
      ['Duration', doc.stats.startTime && doc.stats.endTime ? `${(doc.stats.endTime - doc.stats.startTime).toFixed(1)}s` : '-'],
      ['Steps', `${doc.stats.stepsSucceeded} succeeded, ${doc.stats.stepsFailed} failed`],
      ['Materializations', doc.stats.materializations],
      ['Parent run', doc.parentRunId],
      ['Root run', doc.rootRunId],
    ]);
    ctx.out();
    ctx.table(['tag', 'value'], Object.entries(doc.tags), 'No tags.');
    ctx.out();
    ctx.table(['step', 'status', 'start', 'end', 'attempts'], doc.steps.map((s) => [s.stepKey, s.status ?? '-', shortTime(s.startTime), shortTime(s.endTime), s.attempts ?? '-']), 'No steps.');
  });
}

interface LogsOptions {
  follow?: boolean;
  level?: string;
  type?: string[];
}

function eventFilter(options: LogsOptions): (e: EventJson, rawLevel: number | string) => boolean {
  let min = 0;
  if (options.level) {
    const named = LEVELS[options.level.toUpperCase()];
    if (named === undefined) throw new UsageError(`unknown level ${JSON.stringify(options.level)} (one of ${Object.keys(LEVELS).join(', ')})`);
    min = named;
  }
  const types = new Set((options.type ?? []).flatMap((t) => t.split(',')).filter(Boolean).map((t) => t.toUpperCase()));
  return (event, rawLevel) => levelNumber(rawLevel) >= min && (types.size === 0 || types.has(event.eventType ?? 'LOG'));
}

/** How often `run logs --follow` checks that the run still exists (a lookup by id). */
const DELETED_PROBE_MS = 1000;

async function logs(ctx: CommandContext, runId: string, options: LogsOptions): Promise<void> {
  const keep = eventFilter(options);
  await using instance = await ctx.instance();
  await requireRun(ctx, instance, runId);
  if (!options.follow) {
    const events: EventJson[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await instance.getRecordsForRun(runId, cursor, undefined, 1000);
      for (const record of page.records) {
        const event = eventJson(record.eventLogEntry, record.storageId);
        if (keep(event, record.eventLogEntry.level)) events.push(event);
      }
      cursor = page.cursor ?? undefined;
      if (!page.hasMore || page.records.length === 0) break;
      ctx.checkInterrupted('reading the logs');
    }
    ctx.emit({ runId, events }, () => {
      for (const event of events) ctx.out(eventLine(event));
      if (events.length === 0) ctx.out('No events.');
    });
    return;
  }
  // Follow: every stored event, then new ones as they are written (by any process), until the run ends.
  // With --json, one JSON document per line (NDJSON), so a script can read events as they come.
  // A run deleted meanwhile (`inst run delete` elsewhere) writes no terminal event: look for it now and then, and
  // end with RUN_NOT_FOUND rather than wait forever.
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  ctx.signal.addEventListener('abort', onInterrupt, { once: true });
  let deleted = false;
  const probe = setInterval(() => {
    void instance.getRunById(runId).then(
      (run) => {
        if (run) return;
        deleted = true;
        stop.abort();
      },
      () => undefined,
    );
  }, DELETED_PROBE_MS);
  try {
    for await (const { record } of instance.watchRunEvents(runId, { untilRunEnds: true, signal: stop.signal })) {
      const event = eventJson(record.eventLogEntry, record.storageId);
      if (!keep(event, record.eventLogEntry.level)) continue;
      if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(event)}\n`);
      else ctx.out(eventLine(event));
    }
  } catch (error) {
    // Deleted between the check above and the watch's own.
    if (InstError.isInstance(error) && error.code === 'RUN_NOT_FOUND') deleted = true;
    else throw error;
  } finally {
    clearInterval(probe);
    ctx.signal.removeEventListener('abort', onInterrupt);
  }
  ctx.checkInterrupted('following the logs');
  if (deleted) throw new CliFailure('RUN_NOT_FOUND', `run ${runId} was deleted while its logs were followed`);
  const run = await instance.getRunById(runId);
  if (!ctx.json) ctx.note(`Run ${runId} ended: ${String(run?.status)}`);
}

async function cancel(ctx: CommandContext, runId: string): Promise<void> {
  await using instance = await ctx.instance();
  const run = await requireRun(ctx, instance, runId);
  if (FINISHED_STATUSES.includes(run.status)) throw new CliFailure('RUN_FINISHED', `run ${runId} has already finished (${run.status})`);
  let how: string;
  if (run.status === DagsterRunStatus.QUEUED || run.status === DagsterRunStatus.NOT_STARTED) {
    // Not launched anywhere: nothing to stop, mark it canceled (what Dagster's queued coordinator does).
    await instance.reportRunCanceled(run);
    how = 'canceled';
  } else {
    let stopped = false;
    try {
      stopped = await instance.runCoordinator.cancelRun(runId);
    } catch {
      stopped = false;
    }
    const now = await instance.getRunById(runId);
    if (!stopped && now && !FINISHED_STATUSES.includes(now.status) && now.status !== DagsterRunStatus.CANCELING) {
      // The run's worker lives in another process: ask it to stop (it watches for CANCELING), and run
      // monitoring finishes the cancelation if the worker is gone.
      await instance.reportRunCanceling(now);
    }
    how = (await instance.getRunById(runId))?.status === DagsterRunStatus.CANCELED ? 'canceled' : 'canceling';
  }
  const after = await instance.getRunById(runId);
  ctx.emit({ runId, status: String(after?.status) }, () => ctx.out(`Run ${runId}: ${how} (${String(after?.status)}).`));
}

async function remove(ctx: CommandContext, runId: string): Promise<void> {
  await using instance = await ctx.instance();
  await requireRun(ctx, instance, runId);
  await instance.deleteRun(runId);
  ctx.emit({ runId, deleted: true }, () => ctx.out(`Deleted run ${runId} and its event log entries.`));
}

async function wipe(ctx: CommandContext, options: { yes?: boolean }): Promise<void> {
  if (!options.yes) throw new UsageError('`inst run wipe` deletes every run and event: pass --yes to confirm');
  await using instance = await ctx.instance();
  const count = await instance.getRunsCount();
  await instance.wipe();
  ctx.emit({ deletedRuns: count }, () => ctx.out(`Deleted all run history and event logs (${count} run(s)).`));
}

export function registerRunCommands(program: Command, act: Act): void {
  const group = program.command('run').description('Runs: list, inspect, follow logs, cancel, delete.');
  example(
    group
      .command('list')
      .description('List runs, newest first.')
      .option('--status <status>', 'only runs in this status (repeatable, or comma-separated)', collect)
      .option('--job <name>', 'only runs of this job')
      .option('--tag <key=value>', 'only runs with this tag (repeatable)', collect)
      .option('--limit <n>', 'at most n runs (default 50)', positiveInt('--limit'))
      .action(act(list)),
    'inst run list --status FAILURE --limit 5',
    'inst run list --job etl --tag team=data --json',
  );
  example(group.command('show').description('Status, tags, timing and step stats of a run.').argument('<run-id>').action(act(show)), 'inst run show 5c1a…');
  example(
    group
      .command('logs')
      .description('Print the event log of a run; --follow keeps printing new events until the run ends (like tail -f).')
      .argument('<run-id>')
      .option('-f, --follow', 'stream new events until the run ends (Ctrl-C stops)')
      .option('--level <level>', 'only events at or above this level (DEBUG, INFO, WARNING, ERROR, CRITICAL)')
      .option('--type <event-type>', 'only these event types, e.g. STEP_FAILURE (repeatable; LOG for plain log messages)', collect)
      .action(act(logs)),
    'inst run logs 5c1a… --level WARNING',
    'inst run logs 5c1a… --follow --json',
  );
  example(
    addCodeTargetOptions(
      group
        .command('reexecute')
        .description("Re-execute a finished run from its code location (the one the run records, or -f/-m/-w): all steps, or with --from-failure those that did not succeed.")
        .argument('<run-id>')
        .option('--from-failure', 'only the steps that did not succeed'),
    ).action(act(reexecute)),
    'inst run reexecute 5c1a… --from-failure',
  );
  example(group.command('cancel').description('Cancel a queued or running run.').argument('<run-id>').action(act(cancel)), 'inst run cancel 5c1a…');
  example(group.command('delete').description('Delete a run and its event log.').argument('<run-id>').action(act(remove)), 'inst run delete 5c1a…');
  example(group.command('wipe').description('Delete every run and every event.').option('--yes', 'confirm').action(act(wipe)), 'inst run wipe --yes');
}
