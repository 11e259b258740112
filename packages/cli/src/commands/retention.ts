import type { TickStatus } from '@inst/types';
import { InstigatorType } from '@inst/types';
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { example, type Act } from '../program';

const DAY = 24 * 60 * 60;

async function purge(ctx: CommandContext, options: { dryRun?: boolean }): Promise<void> {
  await using instance = await ctx.instance();
  const now = Date.now() / 1000;
  const plans: { instigatorType: string; name: string; statuses: string[]; olderThanDays: number; ticks: number }[] = [];
  for (const type of [InstigatorType.SCHEDULE, InstigatorType.SENSOR, InstigatorType.AUTO_MATERIALIZE]) {
    const settings = instance.getTickRetentionSettings(type);
    // Statuses grouped by their day count, as Dagster's daemons purge them; <= 0 keeps forever.
    const byDays = new Map<number, TickStatus[]>();
    for (const [status, days] of Object.entries(settings) as [TickStatus, number][]) {
      if (days > 0) byDays.set(days, [...(byDays.get(days) ?? []), status]);
    }
    if (byDays.size === 0) continue;
    const states = type === InstigatorType.AUTO_MATERIALIZE ? [] : await instance.allInstigatorState(null, null, type);
    for (const state of states) {
      for (const [days, statuses] of byDays) {
        ctx.checkInterrupted('the purge');
        const before = now - days * DAY;
        const ticks = await instance.getTicks(state.instigatorOriginId, state.selectorId, before, null, null, statuses);
        if (ticks.length === 0) continue;
        if (!options.dryRun) await instance.purgeTicks(state.instigatorOriginId, state.selectorId, before, statuses);
        plans.push({ instigatorType: String(type), name: state.name, statuses: statuses.map(String), olderThanDays: days, ticks: ticks.length });
      }
    }
  }
  const total = plans.reduce((n, p) => n + p.ticks, 0);
  ctx.emit({ dryRun: options.dryRun === true, purgedTicks: options.dryRun ? 0 : total, ticksToPurge: total, details: plans }, () => {
    if (plans.length === 0) ctx.out('Nothing to purge under the retention settings.');
    else
      ctx.table(
        ['type', 'name', 'statuses', 'older than', options.dryRun ? 'would purge' : 'purged'],
        plans.map((p) => [p.instigatorType, p.name, p.statuses.join(','), `${p.olderThanDays}d`, p.ticks]),
      );
    ctx.out(options.dryRun ? `Dry run: ${total} tick(s) would be purged.` : `Purged ${total} tick(s).`);
  });
}

export function registerRetentionCommands(program: Command, act: Act): void {
  const group = program.command('retention').description('Retention: apply the retention settings now.');
  example(
    group.command('purge').description('Purge schedule and sensor ticks older than the `retention:` settings allow (what the daemons do after each tick), once, now.').option('--dry-run', 'count what would be purged, delete nothing').action(act(purge)),
    'inst retention purge --dry-run',
  );
}
