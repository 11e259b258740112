import type { Instance } from '../instance';
import { type LongOperationOptions, type P, type R, chunked } from './support';

/**
 * Schedules and what schedule storage holds for schedules and sensors alike (instigator states, ticks):
 * `instance.schedules.start(remoteSchedule)`, `.states({ instigatorType })`, `.ticks({ originId, selectorId })` …
 */
export function schedulesNamespace(instance: Instance) {
  return {
    /** The scheduler component (none for ephemeral instances). */
    get scheduler(): Instance['scheduler'] {
      return instance.scheduler;
    },
    get schedulerClass(): Instance['schedulerClass'] {
      return instance.schedulerClass;
    },
    /** Whether schedule storage answers batch tick queries. */
    get supportsBatchTickQueries(): boolean {
      return instance.supportsBatchTickQueries;
    },
    start: (remoteSchedule: P<'startSchedule'>[0]): R<'startSchedule'> => instance.startSchedule(remoteSchedule),
    stop: (o: { scheduleOriginId: P<'stopSchedule'>[0]; scheduleSelectorId: P<'stopSchedule'>[1]; remoteSchedule?: P<'stopSchedule'>[2] }): R<'stopSchedule'> =>
      instance.stopSchedule(o.scheduleOriginId, o.scheduleSelectorId, o.remoteSchedule),
    reset: (remoteSchedule: P<'resetSchedule'>[0]): R<'resetSchedule'> => instance.resetSchedule(remoteSchedule),
    /** Wipes every schedule and sensor state and tick (one step; the signal is checked before it starts). */
    wipeAll: (options: LongOperationOptions = {}): Promise<void> =>
      chunked('wipeAllSchedules', ['schedule storage'], (step) => step, () => instance.wipeAllSchedules(), options),
    logsPath: (scheduleOriginId: P<'logsPathForSchedule'>[0]): R<'logsPathForSchedule'> => instance.logsPathForSchedule(scheduleOriginId),
    debugInfo: (): R<'schedulerDebugInfo'> => instance.schedulerDebugInfo(),
    states: (o: {
      repositoryOriginId?: P<'allInstigatorState'>[0];
      repositorySelectorId?: P<'allInstigatorState'>[1];
      instigatorType?: P<'allInstigatorState'>[2];
      instigatorStatuses?: P<'allInstigatorState'>[3];
    } = {}): R<'allInstigatorState'> => instance.allInstigatorState(o.repositoryOriginId, o.repositorySelectorId, o.instigatorType, o.instigatorStatuses),
    state: (o: { originId: string; selectorId: string }): R<'getInstigatorState'> => instance.getInstigatorState(o.originId, o.selectorId),
    addState: (state: P<'addInstigatorState'>[0]): R<'addInstigatorState'> => instance.addInstigatorState(state),
    updateState: (state: P<'updateInstigatorState'>[0]): R<'updateInstigatorState'> => instance.updateInstigatorState(state),
    deleteState: (o: { originId: string; selectorId: string }): R<'deleteInstigatorState'> => instance.deleteInstigatorState(o.originId, o.selectorId),
    tickRetentionSettings: (instigatorType: P<'getTickRetentionSettings'>[0]): R<'getTickRetentionSettings'> => instance.getTickRetentionSettings(instigatorType),
    batchTicks: (o: { selectorIds: P<'getBatchTicks'>[0]; limit?: P<'getBatchTicks'>[1]; statuses?: P<'getBatchTicks'>[2] }): R<'getBatchTicks'> =>
      instance.getBatchTicks(o.selectorIds, o.limit, o.statuses),
    tick: (o: { originId: string; selectorId: string; timestamp: P<'getTick'>[2] }): R<'getTick'> => instance.getTick(o.originId, o.selectorId, o.timestamp),
    ticks: (o: { originId: string; selectorId: string; before?: P<'getTicks'>[2]; after?: P<'getTicks'>[3]; limit?: P<'getTicks'>[4]; statuses?: P<'getTicks'>[5] }): R<'getTicks'> =>
      instance.getTicks(o.originId, o.selectorId, o.before, o.after, o.limit, o.statuses),
    createTick: (tickData: P<'createTick'>[0]): R<'createTick'> => instance.createTick(tickData),
    updateTick: (tick: P<'updateTick'>[0]): R<'updateTick'> => instance.updateTick(tick),
    purgeTicks: (o: { originId: string; selectorId: string; before: P<'purgeTicks'>[2]; tickStatuses?: P<'purgeTicks'>[3] }): R<'purgeTicks'> =>
      instance.purgeTicks(o.originId, o.selectorId, o.before, o.tickStatuses),
    tickTerminationCheckInterval: (): R<'getTickTerminationCheckInterval'> => instance.getTickTerminationCheckInterval(),
  };
}

export type SchedulesNamespace = ReturnType<typeof schedulesNamespace>;
