/**
 * Dagster's `TagConcurrencyLimitsCounter` (`_utils/tags.py`): counts in-progress and just-accepted runs per
 * limited tag and says whether one more run would exceed a `tag_concurrency_limits` entry.
 */

/** One entry of `tag_concurrency_limits`, as dagster.yaml spells it. */
export interface TagConcurrencyLimit {
  readonly key: string;
  readonly value?: string | { readonly applyLimitPerUniqueValue?: boolean } | null;
  readonly limit: number;
}

/** Anything with tags (a run, or a step). */
export interface Tagged {
  readonly tags: Readonly<Record<string, string>>;
}

const pair = (key: string, value: string): string => JSON.stringify([key, value]);

/** Counts runs against tag limits: a key=value limit, a key limit, or a limit per unique value of a key. */
export class TagConcurrencyLimitsCounter {
  readonly #keyLimits = new Map<string, number>();
  readonly #keyValueLimits = new Map<string, number>();
  readonly #uniqueValueLimits = new Map<string, number>();
  readonly #keyCounts = new Map<string, number>();
  readonly #keyValueCounts = new Map<string, number>();
  readonly #uniqueValueCounts = new Map<string, number>();

  constructor(limits: readonly TagConcurrencyLimit[], inProgress: Iterable<Tagged>) {
    for (const { key, value, limit } of limits) {
      // As Dagster: a string value (even "") limits that key=value; no value, or applyLimitPerUniqueValue false,
      // limits the key; applyLimitPerUniqueValue true limits each value of the key apart. Last entry wins.
      if (typeof value === 'string') this.#keyValueLimits.set(pair(key, value), limit);
      else if (!value || !value.applyLimitPerUniqueValue) this.#keyLimits.set(key, limit);
      else this.#uniqueValueLimits.set(key, limit);
    }
    for (const item of inProgress) this.update(item);
  }

  /** Whether any of the item's tags is at its limit. */
  isBlocked(item: Tagged): boolean {
    for (const [key, value] of Object.entries(item.tags)) {
      const keyLimit = this.#keyLimits.get(key);
      if (keyLimit !== undefined && (this.#keyCounts.get(key) ?? 0) >= keyLimit) return true;
      const p = pair(key, value);
      const keyValueLimit = this.#keyValueLimits.get(p);
      if (keyValueLimit !== undefined && (this.#keyValueCounts.get(p) ?? 0) >= keyValueLimit) return true;
      const uniqueLimit = this.#uniqueValueLimits.get(key);
      if (uniqueLimit !== undefined && (this.#uniqueValueCounts.get(p) ?? 0) >= uniqueLimit) return true;
    }
    return false;
  }

  /** Counts one more in-progress item (Dagster's `update_counters_with_launched_item`). */
  update(item: Tagged): void {
    for (const [key, value] of Object.entries(item.tags)) {
      if (this.#keyLimits.has(key)) this.#keyCounts.set(key, (this.#keyCounts.get(key) ?? 0) + 1);
      const p = pair(key, value);
      if (this.#keyValueLimits.has(p)) this.#keyValueCounts.set(p, (this.#keyValueCounts.get(p) ?? 0) + 1);
      if (this.#uniqueValueLimits.has(key)) this.#uniqueValueCounts.set(p, (this.#uniqueValueCounts.get(p) ?? 0) + 1);
    }
  }
}

/** A run's `dagster/priority` as an integer; absent or not an integer → 0 (Dagster's `_get_priority`). */
export function runPriority(run: Tagged): number {
  const raw = run.tags['dagster/priority'];
  if (raw === undefined) return 0;
  const text = raw.trim();
  return /^[-+]?\d+$/.test(text) ? Number.parseInt(text, 10) : 0;
}

/** Higher priority first, in the given (FIFO) order among equal priorities; a stable sort as Python's. */
export function prioritySort<T extends Tagged>(runs: readonly T[]): T[] {
  return runs
    .map((run, index) => ({ run, index, priority: runPriority(run) }))
    .sort((a, b) => b.priority - a.priority || a.index - b.index)
    .map(({ run }) => run);
}
