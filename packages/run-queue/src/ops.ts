/**
 * What the run queue, run monitoring and run retries reach of an instance. `@inst/core`'s `Instance` satisfies
 * it as it is (each member is one of its public members), so a subclass's overrides are seen here.
 */
import type { RunCoordinator, RunLauncher } from '@inst/run-launcher';
import type { ConcurrencyConfig } from '@inst/settings';
import type {
  DagsterEvent,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatsSnapshot,
  EngineEventData,
  EventLogEntry,
  JobFailureData,
  RunRecord,
  RunsFilter,
} from '@inst/types';
import type { PoolConcurrencyStorage } from './pool-concurrency';
import type { LockableInstance } from './queue-lock';

/** The event log reads the retry daemon makes (Dagster's `EventLogStorage`). */
export interface RunQueueEventLogStorage {
  storeEventBatch(events: readonly EventLogEntry[]): Promise<void>;
  getLogsForAllRunsByLogId(afterCursor?: number, dagsterEventType?: DagsterEventType | Iterable<DagsterEventType>, limit?: number): Promise<Map<number, EventLogEntry>>;
  getMaximumRecordId(): Promise<number | null>;
}

/** Where daemons keep cursors (Dagster's `daemon_cursor_storage`: the run storage's `kvs` table). */
export interface DaemonCursorStorage {
  getCursorValues(keys: Iterable<string>): Promise<Map<string, string>>;
  setCursorValues(pairs: Readonly<Record<string, string>>): Promise<void>;
}

/** Everything the queue needs of an instance. */
export interface RunQueueInstance extends LockableInstance {
  /** Pool slots (for `block_op_concurrency_limited_runs`) and, for retries, the event log reads. */
  readonly eventLogStorage: RunQueueEventLogStorage & PoolConcurrencyStorage;
  /** The run storage, for `batchClaims`. */
  readonly runStorage?: { handleRunEvent(runId: string, event: DagsterEvent, updateTimestamp?: Date): Promise<void> };
  readonly runCoordinator: RunCoordinator;
  readonly runLauncher: RunLauncher;
  getConcurrencyConfig(): ConcurrencyConfig;
  getRunById(runId: string): Promise<DagsterRun | null | undefined>;
  getRuns(filters?: RunsFilter, cursor?: string, limit?: number, bucketBy?: undefined, ascending?: boolean): Promise<DagsterRun[]>;
  getRunRecords(filters?: RunsFilter, limit?: number, orderBy?: string, ascending?: boolean, cursor?: string): Promise<RunRecord[]>;
  reportDagsterEvent(dagsterEvent: DagsterEvent, runId: string, logLevel?: string | number, batchMetadata?: undefined, timestamp?: number): Promise<unknown>;
  reportEngineEvent(message: string, dagsterRun?: DagsterRun | null, engineEventData?: EngineEventData | null): Promise<unknown>;
  reportRunFailed(dagsterRun: DagsterRun, message?: string, jobFailureData?: JobFailureData): Promise<unknown>;
  allLogs(runId: string, ofType?: DagsterEventType | Iterable<DagsterEventType>): Promise<readonly EventLogEntry[]>;
}

/** Everything run monitoring needs of an instance. */
export interface RunMonitoringInstance extends RunQueueInstance {
  readonly runMonitoringStartTimeoutSeconds: number;
  readonly runMonitoringCancelTimeoutSeconds: number;
  readonly runMonitoringMaxRuntimeSeconds: number;
  readonly runMonitoringMaxResumeRunAttempts: number;
  getRunStats(runId: string): Promise<DagsterRunStatsSnapshot>;
  reportRunCanceling(run: DagsterRun, message?: string): Promise<unknown>;
  reportRunCanceled(run: DagsterRun, message?: string): Promise<unknown>;
  countResumeRunAttempts(runId: string): Promise<number>;
  resumeRun(runId: string, workspace: unknown, attemptNumber: number): Promise<DagsterRun>;
}

/** Everything automatic retries need of an instance. */
export interface RunRetriesInstance extends RunQueueInstance {
  readonly runRetriesEnabled: boolean;
  readonly runRetriesMaxRetries: number;
  readonly runRetriesRetryOnAssetOrOpFailure: boolean;
  readonly daemonCursorStorage: DaemonCursorStorage;
  getRunGroup(runId: string): Promise<[string, DagsterRun[]] | null | undefined>;
  addRunTags(runId: string, newTags: Readonly<Record<string, string>>): Promise<unknown>;
  submitRun(runId: string, workspace?: unknown): Promise<DagsterRun>;
  createReexecutedRun(options: {
    parentRun: DagsterRun;
    codeLocation: unknown;
    remoteJob: unknown;
    strategy: 'ALL_STEPS' | 'FROM_FAILURE' | 'FROM_ASSET_FAILURE';
    extraTags?: Readonly<Record<string, unknown>> | null;
    useParentRunTags?: boolean;
  }): Promise<DagsterRun>;
  getJobSnapshot?(snapshotId: string): Promise<unknown>;
  getExecutionPlanSnapshot?(snapshotId: string): Promise<unknown>;
}
