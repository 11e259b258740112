import type {
  AutoMaterializeAssetEvaluationRecord,
  EntityKey,
  InstigatorState,
  InstigatorStatus,
  InstigatorTick,
  InstigatorType,
  TickData,
  TickStatus,
} from '@inst/types';
import type { MigrationOptions, StorageLifecycle } from './common';

/** Stores schedule and sensor state, their ticks, and auto-materialize evaluations (Dagster's `ScheduleStorage`). */
export interface ScheduleStorage extends StorageLifecycle {
  wipe(): Promise<void>;
  allInstigatorState(
    repositoryOriginId?: string,
    repositorySelectorId?: string,
    instigatorType?: InstigatorType,
    instigatorStatuses?: Iterable<InstigatorStatus>,
  ): Promise<InstigatorState[]>;
  getInstigatorState(originId: string, selectorId: string): Promise<InstigatorState | undefined>;
  /** Throws InvariantViolationError when a state with that origin exists. */
  addInstigatorState(state: InstigatorState): Promise<InstigatorState>;
  /** Throws InvariantViolationError when the state does not exist. */
  updateInstigatorState(state: InstigatorState): Promise<InstigatorState>;
  /** Throws InvariantViolationError when the state does not exist. */
  deleteInstigatorState(originId: string, selectorId: string): Promise<void>;

  /**
   * Whether {@link ScheduleStorage.getBatchTicks} can be used: the `instigators` table exists and the
   * `schedule_ticks_selector_id` data migration is done (Dagster's property, a probe of the database here).
   */
  supportsBatchQueries(): Promise<boolean>;
  /** The newest `limit` ticks of each selector (only selectors with ticks are keys), newest first. */
  getBatchTicks(selectorIds: readonly string[], limit?: number, statuses?: Iterable<TickStatus>): Promise<Map<string, InstigatorTick[]>>;
  /** Throws InvariantViolationError when there is no tick with that id. */
  getTick(tickId: number): Promise<InstigatorTick>;
  /** Ticks newest first; `before` / `after` are strict timestamp bounds (seconds). */
  getTicks(
    originId: string,
    selectorId: string,
    before?: number,
    after?: number,
    limit?: number,
    statuses?: Iterable<TickStatus>,
  ): Promise<InstigatorTick[]>;
  createTick(tickData: TickData): Promise<InstigatorTick>;
  /** Throws InvariantViolationError when there is no tick with that id. */
  updateTick(tick: InstigatorTick): Promise<InstigatorTick>;
  /** Deletes the ticks older than `before` (seconds), of the given statuses when given. */
  purgeTicks(originId: string, selectorId: string, before: number, tickStatuses?: Iterable<TickStatus>): Promise<void>;

  // Auto-materialize (automation condition) evaluations.
  /**
   * Upserts one row per evaluation on (entity key, evaluation id), all or none. The evaluations are serdes
   * values (`AutomationConditionEvaluationWithRunIds`, or the legacy `AutoMaterializeAssetEvaluation`);
   * InvalidArgumentError when one names no asset or check key.
   */
  addAutoMaterializeAssetEvaluations(evaluationId: number, assetEvaluations: readonly unknown[]): Promise<void>;
  /** Newest evaluation first; `cursor` is an evaluation id (exclusive). Stored under the key's `toDbString()`. */
  getAutoMaterializeAssetEvaluations(key: EntityKey, limit: number, cursor?: number): Promise<AutoMaterializeAssetEvaluationRecord[]>;
  /** The evaluations of one evaluation id, in the order they were added. */
  getAutoMaterializeEvaluationsForEvaluationId(evaluationId: number): Promise<AutoMaterializeAssetEvaluationRecord[]>;
  /** Deletes evaluations created before `before` (seconds). */
  purgeAssetEvaluations(before: number): Promise<void>;

  migrate(options?: MigrationOptions): Promise<void>;
  optimize(options?: MigrationOptions): Promise<void>;
  hasBuiltIndex(name: string): Promise<boolean>;
}
