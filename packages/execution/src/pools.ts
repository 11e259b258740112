/**
 * Op-concurrency pools for one run (Dagster's `InstanceConcurrencyContext`): claims a slot of a step's pool
 * through the event log storage before the step starts, backs off while blocked, frees the slot when the step
 * ends, and frees pending claims when the run's execution ends.
 */
import type { ConcurrencySlotStorage, ExecutionConcurrencyConfig } from './ops';

const INITIAL_INTERVAL_VALUE = 1;
const STEP_UP_BASE = 1.1;
const MAX_CONCURRENCY_CLAIM_BLOCKED_INTERVAL = 15;
const MAX_ALLOWED_PRIORITY = 2 ** 31 - 1;

/** Dagster's `_calculate_timeout_interval`: the storage's sleep interval, else 1 s stepping up to 15 s. */
export function claimRetryInterval(sleepInterval: number | null, pendingClaimCount: number): number {
  if (sleepInterval !== null) return sleepInterval;
  if (pendingClaimCount > 30) return MAX_CONCURRENCY_CLAIM_BLOCKED_INTERVAL;
  return Math.min(MAX_CONCURRENCY_CLAIM_BLOCKED_INTERVAL, INITIAL_INTERVAL_VALUE + (STEP_UP_BASE ** pendingClaimCount - 1));
}

export class PoolClaims {
  readonly #pendingTimeouts = new Map<string, number>();
  readonly #pendingClaimCounts = new Map<string, number>();
  readonly #pendingClaims = new Set<string>();
  readonly #claims = new Set<string>();
  #pools: Map<string, { limit: number; fromDefault: boolean }> | null = null;

  constructor(
    private readonly storage: ConcurrencySlotStorage | undefined,
    private readonly config: ExecutionConcurrencyConfig | undefined,
    private readonly runId: string,
    private readonly runPriority: number,
    private readonly now: () => number,
  ) {}

  get enforced(): boolean {
    return Boolean(this.storage?.supportsGlobalConcurrencyLimits) && this.config?.poolConfig.poolGranularity !== 'run';
  }

  async #syncPools(): Promise<void> {
    const limits = await this.storage!.getPoolLimits();
    this.#pools = new Map(limits.map((pool) => [pool.name, { limit: pool.limit, fromDefault: pool.fromDefault }]));
  }

  async #poolInfo(pool: string): Promise<{ limit: number; fromDefault: boolean } | undefined> {
    if (this.#pools === null) await this.#syncPools();
    return this.#pools!.get(pool);
  }

  /** Tries to claim a slot; false while the step must wait. */
  async claim(pool: string, stepKey: string, stepPriority: number): Promise<boolean> {
    if (!this.enforced) return true;
    const storage = this.storage!;
    if (this.#pendingClaims.has(stepKey)) {
      if (this.now() > (this.#pendingTimeouts.get(stepKey) ?? 0)) {
        this.#pendingTimeouts.delete(stepKey);
        await this.#syncPools();
      } else {
        return false;
      }
    } else {
      this.#pendingClaims.add(stepKey);
    }

    const defaultLimit = this.config?.poolConfig.defaultPoolLimit;
    let info = await this.#poolInfo(pool);
    if ((info === undefined && defaultLimit != null) || (info !== undefined && info.fromDefault && info.limit !== defaultLimit)) {
      await storage.initializeConcurrencyLimitToDefault(pool);
      await this.#syncPools();
      info = await this.#poolInfo(pool);
    }
    if (info === undefined) {
      this.#pendingClaims.delete(stepKey);
      return true;
    }

    const priority = this.runPriority + stepPriority;
    if (Math.abs(priority) > MAX_ALLOWED_PRIORITY) {
      throw new Error(`Tried to claim a concurrency slot with a priority ${priority} that was not in the allowed range of a 32-bit signed integer.`);
    }
    const status = await storage.claimConcurrencySlot(pool, this.runId, stepKey, priority);
    if (!status.isClaimed) {
      const count = this.#pendingClaimCounts.get(stepKey) ?? 0;
      this.#pendingTimeouts.set(stepKey, this.now() + claimRetryInterval(status.sleepInterval, count));
      this.#pendingClaimCounts.set(stepKey, count + 1);
      return false;
    }
    this.#pendingClaims.delete(stepKey);
    this.#pendingTimeouts.delete(stepKey);
    this.#claims.add(stepKey);
    return true;
  }

  /** Frees the step's slot, if it holds one; waiting steps of this run may claim at once. */
  async free(stepKey: string): Promise<void> {
    if (!this.#claims.has(stepKey)) return;
    this.#claims.delete(stepKey);
    await this.storage!.freeConcurrencySlotForStep(this.runId, stepKey);
    // A slot this run held is free: let its waiting steps try again now rather than after their back-off.
    for (const key of this.#pendingTimeouts.keys()) this.#pendingTimeouts.set(key, 0);
  }

  /** Frees the pending claims (not the held slots) when execution ends. */
  async releasePending(): Promise<void> {
    for (const stepKey of [...this.#pendingClaims]) {
      await this.storage?.freeConcurrencySlotForStep(this.runId, stepKey);
      this.#pendingClaims.delete(stepKey);
      this.#pendingTimeouts.delete(stepKey);
      this.#pendingClaimCounts.delete(stepKey);
    }
  }

  pendingClaimSteps(): string[] {
    return [...this.#pendingClaims];
  }

  /** When each waiting step should try again. */
  nextCheckTimes(): number[] {
    return [...this.#pendingClaims].map((key) => this.#pendingTimeouts.get(key) ?? 0);
  }
}
