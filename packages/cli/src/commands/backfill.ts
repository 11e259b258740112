import { BULK_ACTION_TERMINAL_STATUSES, BulkActionStatus, RunsFilter, type PartitionBackfill } from '@inst/types';
import type { Command } from 'commander';
import { CliFailure, positiveInt, shortTime, UsageError, type CommandContext } from '../context';
import { example, type Act } from '../program';

const STATUSES = Object.values(BulkActionStatus) as string[];

export function backfillJson(backfill: PartitionBackfill) {
  return {
    backfillId: backfill.backfillId,
    status: String(backfill.status),
    jobName: backfill.jobName,
    isAssetBackfill: backfill.isAssetBackfill,
    partitionNames: backfill.partitionNames ? [...backfill.partitionNames] : null,
    assetSelection: backfill.assetSelection ? backfill.assetSelection.map((k) => k.toUserString()) : null,
    fromFailure: backfill.fromFailure,
    tags: { ...backfill.tags },
    backfillTimestamp: backfill.backfillTimestamp,
    backfillEndTimestamp: backfill.backfillEndTimestamp,
    error: backfill.error?.message ?? null,
  };
}

async function list(ctx: CommandContext, options: { status?: string; limit?: number }): Promise<void> {
  let status: BulkActionStatus | undefined;
  if (options.status) {
    const upper = options.status.toUpperCase();
    if (!STATUSES.includes(upper)) throw new UsageError(`unknown backfill status ${JSON.stringify(options.status)} (one of ${STATUSES.join(', ')})`);
    status = upper as BulkActionStatus;
  }
  await using instance = await ctx.instance();
  const backfills = (await instance.getBackfills(null, null, options.limit ?? 50, status ?? null)).map(backfillJson);
  ctx.emit({ backfills }, () =>
    ctx.table(
      ['backfill id', 'status', 'target', 'partitions', 'created'],
      backfills.map((b) => [b.backfillId, b.status, b.jobName ?? b.assetSelection?.join(' ') ?? '-', b.partitionNames?.length ?? '-', shortTime(b.backfillTimestamp)]),
      'No backfills.',
    ),
  );
}

async function requireBackfill(instance: { getBackfill(id: string): Promise<PartitionBackfill | undefined> }, id: string): Promise<PartitionBackfill> {
  const backfill = await instance.getBackfill(id);
  if (!backfill) throw new CliFailure('BACKFILL_NOT_FOUND', `no backfill with id ${id}`);
  return backfill;
}

async function show(ctx: CommandContext, id: string): Promise<void> {
  await using instance = await ctx.instance();
  const backfill = await requireBackfill(instance, id);
  const runs = await instance.getRunRecords(RunsFilter.forBackfill(id));
  const doc = { ...backfillJson(backfill), runs: runs.map((r) => ({ runId: r.dagsterRun.runId, status: String(r.dagsterRun.status), partition: r.dagsterRun.tags['dagster/partition'] ?? null })) };
  ctx.emit(doc, () => {
    ctx.fields([
      ['Backfill', doc.backfillId],
      ['Status', doc.status],
      ['Target', doc.jobName ?? doc.assetSelection?.join(', ') ?? '-'],
      ['Partitions', doc.partitionNames ? `${doc.partitionNames.length}: ${doc.partitionNames.slice(0, 20).join(', ')}` : '-'],
      ['Created', shortTime(doc.backfillTimestamp)],
      ['Ended', shortTime(doc.backfillEndTimestamp)],
      ['Error', doc.error],
    ]);
    ctx.out();
    ctx.table(['run id', 'status', 'partition'], doc.runs.map((r) => [r.runId, r.status, r.partition ?? '-']), 'No runs yet.');
  });
}

async function cancel(ctx: CommandContext, id: string): Promise<void> {
  await using instance = await ctx.instance();
  const backfill = await requireBackfill(instance, id);
  if (BULK_ACTION_TERMINAL_STATUSES.includes(backfill.status) || backfill.status === BulkActionStatus.CANCELING) {
    throw new CliFailure('BACKFILL_FINISHED', `backfill ${id} is already ${backfill.status}`);
  }
  // As Dagster's UI does: CANCELING; the backfill daemon cancels its runs and marks it CANCELED.
  await instance.updateBackfill(backfill.withStatus(BulkActionStatus.CANCELING));
  ctx.emit({ backfillId: id, status: BulkActionStatus.CANCELING }, () => ctx.out(`Backfill ${id}: CANCELING (the backfill daemon cancels its runs).`));
}

export function registerBackfillCommands(program: Command, act: Act): void {
  const group = program.command('backfill').description('Backfills: list, show, cancel.');
  example(
    group.command('list').description('List backfills, newest first.').option('--status <status>', 'only backfills in this status').option('--limit <n>', 'at most n (default 50)', positiveInt('--limit')).action(act(list)),
    'inst backfill list --status REQUESTED',
  );
  example(group.command('show').description('A backfill and its runs.').argument('<backfill-id>').action(act(show)), 'inst backfill show abcdefgh');
  example(group.command('cancel').description('Cancel a backfill (CANCELING; the daemon finishes it).').argument('<backfill-id>').action(act(cancel)), 'inst backfill cancel abcdefgh');
}
