/**
 * The run monitoring daemon's slot-freeing pass (Dagster's `execute_concurrency_slots_iteration`,
 * `_daemon/monitoring/concurrency.py`): concurrency (pool) slots still held by runs that ended more than
 * `run_monitoring.free_slots_after_run_end_seconds` ago are freed, so a worker that died without releasing its
 * slots does not block the pool forever. Off unless that setting is given (as in Dagster).
 */
import { FINISHED_STATUSES, RunsFilter, type RunRecord } from '@inst/types';
import type { QueueLogger } from './run-queue';

/** Dagster's `RUN_BATCH_SIZE`: run records read per pass. */
export const FREE_SLOTS_RUN_BATCH_SIZE = 1000;

/** What the slot-freeing pass reaches of an instance. */
export interface ConcurrencySlotsInstance {
  readonly eventLogStorage: {
    readonly supportsGlobalConcurrencyLimits: boolean;
    getConcurrencyRunIds(): Promise<Set<string>>;
    freeConcurrencySlotsForRun(runId: string): Promise<void>;
  };
  readonly runMonitoringSettings?: { readonly free_slots_after_run_end_seconds?: number | null };
  getRunRecords(filters?: RunsFilter, limit?: number): Promise<RunRecord[]>;
}

/** Options of {@link concurrencySlotsIteration}. */
export interface ConcurrencySlotsIterationOptions {
  /** Epoch seconds; default `Date.now() / 1000`. */
  readonly now?: () => number;
  /** Default `run_monitoring.free_slots_after_run_end_seconds`; unset (or negative) turns the pass off. */
  readonly freeSlotsAfterRunEndSeconds?: number | null;
  readonly logger?: QueueLogger;
}

/**
 * One pass: the runs holding slots (`getConcurrencyRunIds`) that are finished, updated before `now - timeout`, and
 * whose end time is more than `timeout` seconds ago get their slots freed. Returns the run ids freed.
 */
export async function concurrencySlotsIteration(instance: ConcurrencySlotsInstance, options: ConcurrencySlotsIterationOptions = {}): Promise<string[]> {
  const timeout = options.freeSlotsAfterRunEndSeconds !== undefined ? options.freeSlotsAfterRunEndSeconds : instance.runMonitoringSettings?.free_slots_after_run_end_seconds;
  if (timeout === undefined || timeout === null || !(timeout >= 0)) return [];
  const storage = instance.eventLogStorage;
  if (!storage.supportsGlobalConcurrencyLimits) return [];
  const runIds = await storage.getConcurrencyRunIds();
  if (runIds.size === 0) return [];
  const now = (options.now ?? (() => Date.now() / 1000))();
  const records = await instance.getRunRecords(
    new RunsFilter({ runIds: [...runIds], statuses: [...FINISHED_STATUSES], updatedBefore: new Date((now - timeout) * 1000) }),
    FREE_SLOTS_RUN_BATCH_SIZE,
  );
  const freed: string[] = [];
  for (const record of records) {
    if (record.endTime == null || record.endTime + timeout >= now) continue;
    await storage.freeConcurrencySlotsForRun(record.dagsterRun.runId);
    freed.push(record.dagsterRun.runId);
    options.logger?.info?.(`Freed slots for run ${record.dagsterRun.runId} with status ${record.dagsterRun.status}`);
  }
  return freed;
}
