import { AssetKey, type AssetRecord } from '@inst/types';
import type { Command } from 'commander';
import { CliFailure, shortTime, UsageError, type CommandContext } from '../context';
import { example, type Act } from '../program';

/** `a/b` (user string) or `["a", "b"]` (Dagster's db string). */
export function parseAssetKey(value: string): AssetKey {
  const key = value.trim().startsWith('[') ? AssetKey.fromString(value.trim()) : AssetKey.fromUserString(value);
  if (!key || key.path.length === 0 || key.path.some((p) => p === '')) throw new UsageError(`not an asset key: ${JSON.stringify(value)} (use a/b or ["a", "b"])`);
  return key;
}

function recordJson(record: AssetRecord) {
  const entry = record.assetEntry;
  const last = entry.lastMaterializationRecord;
  return {
    assetKey: entry.assetKey.toUserString(),
    path: [...entry.assetKey.path],
    lastMaterialization: last
      ? {
          storageId: last.storageId,
          runId: last.eventLogEntry.runId,
          timestamp: last.eventLogEntry.timestamp,
          partition: last.eventLogEntry.assetMaterialization?.partition ?? null,
        }
      : null,
    lastRunId: entry.lastRunId ?? null,
    wipeTimestamp: entry.assetDetails?.lastWipeTimestamp ?? null,
  };
}

async function list(ctx: CommandContext, options: { prefix?: string }): Promise<void> {
  const prefix = options.prefix ? parseAssetKey(options.prefix).path : [];
  await using instance = await ctx.instance();
  const records = (await instance.getAssetRecords()).filter((r) => r.assetEntry.assetKey.hasPrefix(prefix));
  const assets = records.map(recordJson).sort((a, b) => (a.assetKey < b.assetKey ? -1 : a.assetKey > b.assetKey ? 1 : 0));
  ctx.emit({ assets }, () =>
    ctx.table(
      ['asset key', 'last materialization', 'run'],
      assets.map((a) => [a.assetKey, a.lastMaterialization ? shortTime(a.lastMaterialization.timestamp) : '-', a.lastMaterialization?.runId ?? a.lastRunId ?? '-']),
      'No assets.',
    ),
  );
}

async function show(ctx: CommandContext, keyArg: string): Promise<void> {
  const key = parseAssetKey(keyArg);
  await using instance = await ctx.instance();
  const record = (await instance.getAssetRecords([key]))[0];
  if (!record) throw new CliFailure('ASSET_NOT_FOUND', `no asset ${key.toUserString()} in the event log`);
  const partitions = [...(await instance.getMaterializedPartitions(key))].sort();
  const doc = { ...recordJson(record), materializedPartitions: partitions };
  ctx.emit(doc, () => {
    ctx.fields([
      ['Asset', doc.assetKey],
      ['Last materialization', doc.lastMaterialization ? shortTime(doc.lastMaterialization.timestamp) : '-'],
      ['Run', doc.lastMaterialization?.runId ?? doc.lastRunId],
      ['Partition', doc.lastMaterialization?.partition],
      ['Wiped', doc.wipeTimestamp ? shortTime(doc.wipeTimestamp) : '-'],
      ['Materialized partitions', partitions.length === 0 ? '(none)' : `${partitions.length}: ${partitions.slice(0, 20).join(', ')}${partitions.length > 20 ? ', …' : ''}`],
    ]);
  });
}

async function wipe(ctx: CommandContext, keys: string[], options: { all?: boolean; yes?: boolean }): Promise<void> {
  if (options.all && keys.length > 0) throw new UsageError('pass asset keys or --all, not both');
  if (!options.all && keys.length === 0) throw new UsageError('pass the asset keys to wipe, or --all --yes');
  if (options.all && !options.yes) throw new UsageError('`inst asset wipe --all` removes every asset index: pass --yes to confirm');
  const parsed = keys.map(parseAssetKey);
  await using instance = await ctx.instance();
  const targets = options.all ? await instance.allAssetKeys() : parsed;
  await instance.wipeAssets(targets);
  const wiped = targets.map((k) => k.toUserString());
  ctx.emit({ wiped }, () => ctx.out(`Removed asset indexes from event logs: ${wiped.length === 0 ? '(none)' : wiped.join(', ')}`));
}

async function wipePartitions(ctx: CommandContext, keyArg: string, options: { partitions: string[] }): Promise<void> {
  const key = parseAssetKey(keyArg);
  const partitions = options.partitions.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  if (partitions.length === 0) throw new UsageError('--partitions needs at least one partition key');
  await using instance = await ctx.instance();
  if (!(await instance.hasAssetKey(key))) throw new CliFailure('ASSET_NOT_FOUND', `no asset ${key.toUserString()} in the event log`);
  await instance.wipeAssetPartitions(key, partitions);
  ctx.emit({ assetKey: key.toUserString(), wipedPartitions: partitions }, () => ctx.out(`Wiped ${partitions.length} partition(s) of ${key.toUserString()}: ${partitions.join(', ')}`));
}

export function registerAssetCommands(program: Command, act: Act): void {
  const group = program.command('asset').description('Assets in the event log: list, inspect, wipe.');
  example(group.command('list').description('List asset keys with their latest materialization.').option('--prefix <key>', 'only keys under this prefix (a/b)').action(act(list)), 'inst asset list --prefix warehouse');
  example(group.command('show').description('Latest materialization and materialized partitions of an asset.').argument('<key>', 'a/b or ["a","b"]').action(act(show)), 'inst asset show warehouse/orders');
  example(
    group
      .command('wipe')
      .description("Remove assets' indexes (their materialization history) from the event log.")
      .argument('[keys...]', 'asset keys (a/b)')
      .option('--all', 'every asset')
      .option('--yes', 'confirm --all')
      .action(act(wipe)),
    'inst asset wipe warehouse/orders',
    'inst asset wipe --all --yes',
  );
  example(
    group
      .command('wipe-partitions')
      .description('Remove the materializations of some partitions of an asset.')
      .argument('<key>', 'asset key (a/b)')
      .requiredOption('--partitions <keys...>', 'partition keys (space- or comma-separated)')
      .action(act(wipePartitions)),
    'inst asset wipe-partitions daily_orders --partitions 2024-01-01,2024-01-02',
  );
}
