/**
 * Dagster's `GlobalOpConcurrencyLimitsCounter` (`_core/op_concurrency_limits_counter.py`): keeps in the queue a run
 * whose work would only wait for pool slots (`block_op_concurrency_limited_runs`, on by default). With `op`
 * granularity a run is blocked only when every pool of its root steps is out of slots (and it has no root step
 * without a pool); with `run` granularity it is blocked when any pool it uses is out of slots. Slots in use count
 * the pool's pending steps of runs not in progress, the runs accepted this pass, and the in-progress runs (with `op`
 * granularity only while STARTING, or STARTED less than 5 s ago — afterwards their steps hold real slots);
 * `op_concurrency_slot_buffer` lets that many more through.
 */
import { DagsterRunStatus, type ConcurrencyKeyInfo, type DagsterRun, type RunRecord } from '@inst/types';

/** The event log reads the counter makes. */
export interface PoolConcurrencyStorage {
  getConcurrencyKeys(): Promise<Set<string>>;
  initializeConcurrencyLimitToDefault(concurrencyKey: string): Promise<boolean>;
  getConcurrencyInfo(concurrencyKey: string): Promise<ConcurrencyKeyInfo>;
}

export type PoolGranularity = 'op' | 'run';

/** Seconds a STARTED run's root pools still count as taken by it (`DAGSTER_OP_CONCURRENCY_KEYS_ALLOTTED_FOR_STARTED_RUN_SECONDS`). */
export function startedRunAllottedSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = Number.parseInt(env.DAGSTER_OP_CONCURRENCY_KEYS_ALLOTTED_FOR_STARTED_RUN_SECONDS ?? '5', 10);
  return Number.isFinite(raw) ? raw : 5;
}

export class PoolConcurrencyCounter {
  readonly #info = new Map<string, ConcurrencyKeyInfo>();
  readonly #launched = new Map<string, number>();
  readonly #inProgress = new Map<string, number>();
  readonly #inProgressRunIds: Set<string>;
  readonly #granularity: PoolGranularity;
  readonly #offset: number;

  private constructor(granularity: PoolGranularity, offset: number, inProgressRunIds: Set<string>) {
    this.#granularity = granularity;
    this.#offset = offset;
    this.#inProgressRunIds = inProgressRunIds;
  }

  /** Reads the slot information of every configured pool the queued runs use (once), and counts the in-progress runs. */
  static async create(
    storage: PoolConcurrencyStorage,
    queued: readonly DagsterRun[],
    inProgress: readonly RunRecord[],
    options: { granularity?: PoolGranularity | undefined; slotBuffer?: number; now: number; allottedSeconds?: number },
  ): Promise<PoolConcurrencyCounter> {
    const granularity = options.granularity ?? 'op';
    const counter = new PoolConcurrencyCounter(granularity, options.slotBuffer ?? 0, new Set(inProgress.map((r) => r.dagsterRun.runId)));
    const pools = new Set<string>();
    for (const run of queued) for (const pool of counter.#poolsOf(run)) pools.add(pool);
    if (pools.size > 0) {
      let configured = await storage.getConcurrencyKeys();
      const missing = [...pools].filter((pool) => !configured.has(pool));
      if (missing.length > 0) {
        let created = false;
        for (const pool of missing) created = (await storage.initializeConcurrencyLimitToDefault(pool)) || created;
        if (created) configured = await storage.getConcurrencyKeys();
      }
      for (const pool of pools) if (configured.has(pool)) counter.#info.set(pool, await storage.getConcurrencyInfo(pool));
    }
    const allotted = options.allottedSeconds ?? startedRunAllottedSeconds();
    for (const record of inProgress) {
      const run = record.dagsterRun;
      if (!run.runOpConcurrency) continue;
      const counts =
        granularity === 'run' ||
        run.status === DagsterRunStatus.STARTING ||
        (run.status === DagsterRunStatus.STARTED && record.startTime != null && options.now - record.startTime < allotted);
      if (!counts) continue;
      for (const [pool, n] of counter.#slotCounts(run)) counter.#inProgress.set(pool, (counter.#inProgress.get(pool) ?? 0) + n);
    }
    return counter;
  }

  #poolsOf(run: DagsterRun): string[] {
    const concurrency = run.runOpConcurrency;
    if (!concurrency) return [];
    return this.#granularity === 'op' ? Object.keys(concurrency.rootKeyCounts) : [...(concurrency.allPools ?? [])];
  }

  #slotCounts(run: DagsterRun): [string, number][] {
    const concurrency = run.runOpConcurrency;
    if (!concurrency) return [];
    if (this.#granularity === 'op') return Object.entries(concurrency.rootKeyCounts);
    return [...(concurrency.allPools ?? [])].map((pool) => [pool, 1]);
  }

  /** Whether the run would only wait for pool slots now. */
  isBlocked(run: DagsterRun): boolean {
    const concurrency = run.runOpConcurrency;
    if (!concurrency) return false;
    if (this.#granularity === 'op') {
      if (concurrency.hasUnconstrainedRootNodes) return false;
      for (const pool of Object.keys(concurrency.rootKeyCounts)) {
        const info = this.#info.get(pool);
        if (!info) return false;
        const pendingElsewhere = info.pendingSteps.filter((step) => !this.#inProgressRunIds.has(step.runId)).length;
        const available = info.slotCount - pendingElsewhere - (this.#launched.get(pool) ?? 0) - (this.#inProgress.get(pool) ?? 0);
        if (available + this.#offset > 0) return false;
      }
      return true;
    }
    for (const pool of concurrency.allPools ?? []) {
      const info = this.#info.get(pool);
      if (!info) continue;
      const available = info.slotCount - (this.#launched.get(pool) ?? 0) - (this.#inProgress.get(pool) ?? 0);
      if (available + this.#offset <= 0) return true;
    }
    return false;
  }

  /** Counts an accepted run's slots. */
  update(run: DagsterRun): void {
    for (const [pool, n] of this.#slotCounts(run)) this.#launched.set(pool, (this.#launched.get(pool) ?? 0) + n);
  }

  /** What Dagster logs for a blocked run. */
  debugInfo(run: DagsterRun): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pool of Object.keys(run.runOpConcurrency?.rootKeyCounts ?? {})) {
      const info = this.#info.get(pool);
      if (!info) continue;
      out[pool] = {
        granularity: this.#granularity,
        slot_count: info.slotCount,
        pending_step_count: info.pendingSteps.length,
        pending_step_run_ids: [...new Set(info.pendingSteps.map((step) => step.runId))],
        launched_count: this.#launched.get(pool) ?? 0,
        in_progress_count: this.#inProgress.get(pool) ?? 0,
      };
    }
    return out;
  }
}
