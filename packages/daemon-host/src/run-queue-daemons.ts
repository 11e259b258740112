/**
 * The run queue, run monitoring and run retries daemons, over `@inst/run-queue`'s iteration functions (each takes
 * its own cross-process lock, so these are safe with several hosts even without the host's leases).
 */
import type { Instance } from '@inst/core';
import { closeQueueLock, QueueWaker, runMonitoringIteration, runQueueIteration, runRetriesIteration } from '@inst/run-queue';
import type { DaemonContext, DaemonDefinition } from './host';
import type { Logger } from './logger';

function queueLogger(log: Logger) {
  return { info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) };
}

/** QUEUED_RUN_COORDINATOR: launches queued runs every `dequeue_interval_seconds`, and early when a run is enqueued or ends. */
export function runQueueDaemon(instance: Instance): DaemonDefinition {
  const interval = instance.getConcurrencyConfig().runQueueConfig?.dequeueIntervalSeconds ?? 5;
  let waker: QueueWaker | null = null;
  return {
    daemonType: 'QUEUED_RUN_COORDINATOR',
    intervalSeconds: interval > 0 ? interval : 5,
    async runIteration(ctx: DaemonContext) {
      // Batched claims: on Postgres one transaction claims every chosen run (the figures in the run-queue bench).
      await runQueueIteration(ctx.instance, { now: ctx.now, signal: ctx.signal, workspace: ctx.workspace ?? undefined, logger: queueLogger(ctx.log), batchClaims: true });
    },
    async waitForWork(ctx, seconds) {
      waker ??= new QueueWaker(ctx.instance);
      return waker.wait(seconds * 1000, ctx.signal);
    },
    async close() {
      await waker?.close();
      waker = null;
      await closeQueueLock(instance);
    },
  };
}

/** MONITORING: run monitoring every `run_monitoring.poll_interval_seconds` (Dagster: 120). */
export function runMonitoringDaemon(instance: Instance): DaemonDefinition {
  const interval = instance.runMonitoringPollIntervalSeconds ?? 120;
  return {
    daemonType: 'MONITORING',
    intervalSeconds: interval > 0 ? interval : 120,
    async runIteration(ctx) {
      await runMonitoringIteration(ctx.instance, { now: ctx.now, signal: ctx.signal });
    },
  };
}

/** EVENT_LOG_CONSUMER: automatic run retries every 5 s. */
export function runRetriesDaemon(): DaemonDefinition {
  return {
    daemonType: 'EVENT_LOG_CONSUMER',
    intervalSeconds: 5,
    async runIteration(ctx) {
      await runRetriesIteration(ctx.instance, { now: ctx.now, signal: ctx.signal });
    },
  };
}
