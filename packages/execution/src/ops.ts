/**
 * What the executor may reach of an instance. `@inst/core`'s `Instance` satisfies it as it is (its public
 * members of the same names), so a subclass's overrides are seen. The optional members turn features on:
 * without `eventLogStorage` pools are not enforced, without `storageDirectory` outputs are kept in memory,
 * without `computeLogManager` nothing is captured.
 */
import type { ConcurrencyClaimStatus, DagsterEventType, DagsterRun, EventLogEntry, PoolLimit } from '@inst/types';
import type { ComputeLogManager } from './compute-logs/manager';

/** The part of an event log storage the executor uses for op-concurrency pools. */
export interface ConcurrencySlotStorage {
  readonly supportsGlobalConcurrencyLimits: boolean;
  getPoolLimits(): Promise<PoolLimit[]>;
  initializeConcurrencyLimitToDefault(concurrencyKey: string): Promise<boolean>;
  claimConcurrencySlot(concurrencyKey: string, runId: string, stepKey: string, priority?: number): Promise<ConcurrencyClaimStatus>;
  freeConcurrencySlotForStep(runId: string, stepKey: string): Promise<void>;
}

/** Dagster's pool settings (`concurrency.pools`), as `Instance.getConcurrencyConfig()` returns them. */
export interface ExecutionConcurrencyConfig {
  readonly poolConfig: {
    readonly poolGranularity?: 'op' | 'run' | undefined;
    readonly defaultPoolLimit?: number | undefined;
  };
}

/** Everything the executor needs of an instance (Dagster's execution reaches the instance for the same things). */
export interface ExecutionInstanceOps {
  /** The run with that id, if any. */
  getRunById(runId: string): Promise<DagsterRun | null | undefined>;
  /** The event write path: stores an entry, moves the run's status on run events. */
  handleNewEvent(event: EventLogEntry): Promise<unknown>;
  /** Every event log entry of a run, optionally of some event types only (resume, parent outputs). */
  allLogs(runId: string, ofType?: DagsterEventType | Iterable<DagsterEventType> | null): Promise<readonly EventLogEntry[]>;
  /** The event log storage, for op-concurrency slots. */
  readonly eventLogStorage?: ConcurrencySlotStorage;
  /** Pool granularity and default pool limit. */
  getConcurrencyConfig?(): ExecutionConcurrencyConfig;
  /** `<base_dir>/storage`: the filesystem IO manager's default base directory. */
  storageDirectory?(): string;
  /** Where step stdout/stderr is captured. */
  readonly computeLogManager?: ComputeLogManager | null | undefined;
}
