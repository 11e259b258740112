import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Instance } from '@inst/core';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { CliFailure, InterruptedError, nonNegativeInt, UsageError, type CommandContext } from '../context';
import { createProgress } from '../progress';
import { example, type Act } from '../program';
import { formatPlan, migrationPlan, upgradeSqliteShards } from '../schema-plan';

function configFile(home: string): string | null {
  for (const name of ['inst.yaml', 'dagster.yaml']) if (existsSync(join(home, name))) return join(home, name);
  return null;
}

function componentName(load: () => unknown): string {
  try {
    const component = load() as { constructor: { name: string } };
    return component.constructor.name;
  } catch (error) {
    return `(cannot load: ${error instanceof Error ? error.message : String(error)})`;
  }
}

async function schema(instance: Instance): Promise<Record<string, { current: string | null; latest: string } | null>> {
  const describe = async (storage: { alembicVersion(): Promise<{ current: string | undefined; head: string } | undefined> } | undefined) => {
    const version = await storage?.alembicVersion();
    return version ? { current: version.current ?? null, latest: version.head } : null;
  };
  return {
    runStorage: await describe(instance.runStorage),
    eventLogStorage: await describe(instance.eventLogStorage),
    scheduleStorage: await describe(instance.scheduleStorage),
  };
}

async function info(ctx: CommandContext): Promise<void> {
  const home = ctx.home();
  await using instance = await ctx.instance();
  const doc = {
    home,
    configFile: configFile(home),
    storage: {
      kind: instance.settings.storageConfig.kind,
      runStorage: instance.runStorage.constructor.name,
      eventLogStorage: instance.eventLogStorage.constructor.name,
      scheduleStorage: instance.scheduleStorage?.constructor.name ?? null,
    },
    schema: await schema(instance),
    runCoordinator: componentName(() => instance.runCoordinator),
    runLauncher: componentName(() => instance.runLauncher),
    requiredDaemons: instance.getRequiredDaemonTypes(),
    config: instance.infoDict(),
  };
  ctx.emit(doc, () => {
    ctx.out(`Home: ${home}`);
    ctx.out(`Config: ${doc.configFile ?? '(none: defaults)'}`);
    ctx.out();
    ctx.table(
      ['storage', 'class', 'revision', 'latest'],
      (['runStorage', 'eventLogStorage', 'scheduleStorage'] as const).map((key) => [key, doc.storage[key] ?? '-', doc.schema[key]?.current ?? '-', doc.schema[key]?.latest ?? '-']),
    );
    ctx.out();
    ctx.out(`Run coordinator: ${doc.runCoordinator}`);
    ctx.out(`Run launcher: ${doc.runLauncher}`);
    ctx.out(`Required daemons: ${doc.requiredDaemons.join(', ') || '(none)'}`);
    ctx.out();
    ctx.out('Instance configuration:');
    ctx.out(toYaml(doc.config).trimEnd());
  });
}

async function migrate(ctx: CommandContext, options: { dryRun?: boolean }): Promise<void> {
  const home = ctx.home();
  await using instance = await ctx.instance();
  const before = await migrationPlan(instance, home);
  if (!ctx.json) {
    ctx.out(`Home: ${home}`);
    ctx.out(options.dryRun ? 'Migration plan (dry run, nothing is changed):' : 'Migration plan:');
    for (const line of formatPlan(before)) ctx.out(`  ${line}`);
  }
  if (options.dryRun) {
    if (ctx.json) ctx.printJson({ home, dryRun: true, plan: before });
    return;
  }
  ctx.checkInterrupted('the migration');
  const applied: string[] = [];
  const progress = createProgress(ctx.io, 'migrate', before.totalSteps > 0 ? before.totalSteps : undefined);
  const log = (message: string) => {
    applied.push(message);
    if (/^[0-9a-f]{12}: /.test(message)) progress.tick(message);
    else progress.log(message);
    // Called after each step's transaction commits: stopping here leaves every database at a revision.
    if (ctx.signal.aborted) throw new InterruptedError('interrupted');
  };
  try {
    // SQLite run shards first, one file at a time, giving Ctrl-C a chance between files (the synchronous SQLite
    // driver never lets a signal in during a storage's own upgrade loop); then the storages' own upgrade.
    await upgradeSqliteShards(instance, home, log, ctx.signal);
    await instance.upgrade(log);
  } catch (error) {
    progress.stop();
    if (ctx.signal.aborted) {
      const after = await migrationPlan(instance, home);
      const where = after.databases.map((d) => `${d.database}${d.count > 1 ? ` x${d.count}` : ''} at ${d.revision ?? 'None'}`).join(', ');
      throw new InterruptedError(`migration stopped after ${applied.filter((m) => /^[0-9a-f]{12}: /.test(m)).length} step(s); each database is at a revision (${where}); run \`inst instance migrate\` again to finish`);
    }
    throw error;
  }
  progress.stop();
  const after = await migrationPlan(instance, home);
  if (ctx.json) {
    ctx.printJson({ home, dryRun: false, plan: before, applied, after });
    return;
  }
  ctx.out('Storage schema state after migration:');
  for (const line of formatPlan(after)) ctx.out(`  ${line}`);
  if (!after.upToDate) throw new CliFailure('MIGRATION_INCOMPLETE', 'some databases are not at the head revision after the migration');
}

async function reindex(ctx: CommandContext): Promise<void> {
  const home = ctx.home();
  await using instance = await ctx.instance();
  const messages: string[] = [];
  const progress = createProgress(ctx.io, 'reindex', undefined, { quiet: false });
  await instance.reindex((message: string) => {
    messages.push(message);
    progress.tick(message);
    if (ctx.signal.aborted) throw new InterruptedError('interrupted: reindex stopped (each secondary index is either built or not)');
  });
  progress.stop();
  ctx.emit({ home, messages }, () => {
    ctx.out(`Home: ${home}`);
    ctx.out('Reindexed.');
  });
}

async function concurrencyGet(ctx: CommandContext, key: string | undefined, options: { all?: boolean }): Promise<void> {
  if (!key && !options.all) throw new UsageError('pass a concurrency KEY or --all');
  if (key && options.all) throw new UsageError('pass either a concurrency KEY or --all, not both');
  await using instance = await ctx.instance();
  const storage = instance.eventLogStorage;
  if (!storage.supportsGlobalConcurrencyLimits) throw new CliFailure('NOT_SUPPORTED', 'this storage does not support concurrency limits; you may need to run `inst instance migrate`');
  const keys = key ? [key] : [...(await storage.getConcurrencyKeys())].sort();
  const limits: { concurrencyKey: string; slotCount: number; claimedSlots: number; pendingSteps: number; limit: number | null; usingDefaultLimit: boolean | null }[] = [];
  for (const k of keys) {
    const info = await storage.getConcurrencyInfo(k);
    limits.push({ concurrencyKey: k, slotCount: info.slotCount, claimedSlots: info.claimedSlots.length, pendingSteps: info.pendingSteps.length, limit: info.limit, usingDefaultLimit: info.usingDefaultLimit });
  }
  ctx.emit({ limits }, () => {
    if (limits.length === 0) {
      ctx.out('No concurrency limits set. Run `inst instance concurrency set <key> <limit>` to set limits.');
      return;
    }
    ctx.table(['key', 'slots', 'claimed', 'pending'], limits.map((l) => [l.concurrencyKey, l.slotCount, l.claimedSlots, l.pendingSteps]));
  });
}

async function concurrencySet(ctx: CommandContext, key: string, limit: number): Promise<void> {
  await using instance = await ctx.instance();
  const storage = instance.eventLogStorage;
  if (!storage.supportsGlobalConcurrencyLimits) throw new CliFailure('NOT_SUPPORTED', 'this storage does not support concurrency limits; you may need to run `inst instance migrate`');
  await storage.setConcurrencySlots(key, limit);
  const info = await storage.getConcurrencyInfo(key);
  ctx.emit({ concurrencyKey: key, slotCount: info.slotCount }, () => ctx.out(`Set concurrency limit for ${key} to ${limit}.`));
}

export function registerInstanceCommands(program: Command, act: Act): void {
  const group = program.command('instance').description('The instance home: configuration, schema migrations, indexes, concurrency limits.');
  example(
    group.command('info').description('Show the home, its storages and schema revisions, the run coordinator and launcher, and the required daemons.').action(act(info)),
    'inst --home ./home instance info',
    'inst instance info --json',
  );
  example(
    group
      .command('migrate')
      .description('Bring every database of the instance to the head schema: prints the plan, then applies it step by step (Ctrl-C stops between steps).')
      .option('--dry-run', 'print the plan and change nothing')
      .action(act(migrate)),
    'inst instance migrate --dry-run',
    'inst instance migrate',
  );
  example(group.command('reindex').description('Build the secondary indexes and run the optional data migrations.').action(act(reindex)), 'inst instance reindex');
  const concurrency = group.command('concurrency').description('Global concurrency limits (pools).');
  example(
    concurrency
      .command('get')
      .description('Show one concurrency key, or all with --all.')
      .argument('[key]', 'the concurrency key (pool)')
      .option('--all', 'every key')
      .action(act(concurrencyGet)),
    'inst instance concurrency get --all',
    'inst instance concurrency get database --json',
  );
  example(
    concurrency
      .command('set')
      .description('Set the number of slots of a concurrency key.')
      .argument('<key>', 'the concurrency key (pool)')
      .argument('<limit>', 'number of slots', nonNegativeInt('limit'))
      .action(act(concurrencySet)),
    'inst instance concurrency set database 2',
  );
}
