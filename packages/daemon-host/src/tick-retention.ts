/**
 * Tick retention as Dagster's launch contexts apply it after every tick: for one schedule or sensor, delete its
 * ticks older than the `retention` setting of their status (`-1` / `<= 0` keeps them).
 */
import type { Instance } from '@inst/core';
import { TickStatus, type InstigatorType } from '@inst/types';

/** What one purge deleted the ticks of: statuses older than `before`. */
export interface InstigatorTickPurge {
  readonly before: number;
  readonly tickStatuses: readonly TickStatus[];
}

const STATUSES = [TickStatus.STARTED, TickStatus.SKIPPED, TickStatus.SUCCESS, TickStatus.FAILURE] as const;

/** Purges one instigator's old ticks per the instance's retention settings; returns the purges made. */
export async function purgeInstigatorTicks(
  instance: Pick<Instance, 'getTickRetentionSettings' | 'purgeTicks'>,
  instigatorType: InstigatorType,
  originId: string,
  selectorId: string,
  now: number,
): Promise<InstigatorTickPurge[]> {
  const settings = instance.getTickRetentionSettings(instigatorType);
  const byDays = new Map<number, TickStatus[]>();
  for (const status of STATUSES) {
    const days = settings[status];
    if (typeof days === 'number' && days > 0) byDays.set(days, [...(byDays.get(days) ?? []), status]);
  }
  const purges: InstigatorTickPurge[] = [];
  for (const [days, tickStatuses] of byDays) {
    const before = now - days * 86_400;
    await instance.purgeTicks(originId, selectorId, before, tickStatuses);
    purges.push({ before, tickStatuses });
  }
  return purges;
}
