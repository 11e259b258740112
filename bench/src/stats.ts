/** Timing and memory helpers. */

/** The q-quantile (0..1) of samples by nearest rank; NaN for none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Latency distribution in milliseconds. */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly n: number;
}

export function latency(samplesMs: readonly number[]): Latency {
  return { p50: quantile(samplesMs, 0.5), p99: quantile(samplesMs, 0.99), max: quantile(samplesMs, 1), n: samplesMs.length };
}

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export function now(): number {
  return performance.now();
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Times `fn` once; returns milliseconds. */
export async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = now();
  await fn();
  return now() - start;
}

/** Times `fn` `n` times (after `warmup` untimed calls); per-call milliseconds. */
export async function sampleCalls(n: number, fn: (i: number) => Promise<unknown> | unknown, warmup = Math.min(5, n)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = now();
    await fn(i);
    samples.push(now() - start);
  }
  return samples;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Samples the resident set size every `intervalMs` (and on demand) and keeps the peak. */
export class RssSampler {
  readonly baseline: number;
  #peak: number;
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 20) {
    this.baseline = process.memoryUsage.rss();
    this.#peak = this.baseline;
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
  }

  /** Stops sampling; peak growth over the baseline in bytes. */
  stop(): number {
    this.sample();
    clearInterval(this.#timer);
    return this.#peak - this.baseline;
  }
}

export const MB = 1024 * 1024;
