import type { InstanceSpec } from './backends';

/** What the parent asks a child process to do (passed as its one argument, JSON). */
export type ChildRequest =
  | {
      readonly mode: 'watch-writer';
      readonly spec: InstanceSpec;
      readonly runId: string;
      readonly count: number;
      readonly intervalMs: number;
      /** A random extra wait of up to this many milliseconds between writes. */
      readonly jitterMs?: number;
      /** Write through the instance (`handleNewEvent`) or the raw driver (insert, plus a NOTIFY on Postgres). */
      readonly side: 'inst' | 'raw';
    }
  | {
      readonly mode: 'memory';
      readonly spec: InstanceSpec;
      readonly runId: string;
      readonly count: number;
      readonly method: MemoryMethod;
      readonly pageSize: number;
    };

export type MemoryMethod = 'inst-page' | 'inst-watch' | 'raw-page';

export type ChildResponse =
  | { readonly type: 'ready' }
  /** Wall-clock send time (ms) of each event, by sequence number. */
  | { readonly type: 'written'; readonly sendTimes: number[] }
  /** Peak RSS growth while reading; heap still used after a full GC at the end, over the baseline (a leak shows here). */
  | { readonly type: 'memory'; readonly peakGrowthBytes: number; readonly retainedHeapBytes: number; readonly count: number; readonly ms: number }
  | { readonly type: 'error'; readonly error: string };

/** The channel raw writers notify on (the raw side's LISTEN/NOTIFY floor). */
export const RAW_CHANNEL = 'bench_raw';

/** The user message of the seq-th watched event. */
export function watchMessage(seq: number): string {
  return `watch seq=${seq}`;
}

/** The sequence number in a watched event's message (or in its serialized JSON), or -1. */
export function watchSeq(text: string): number {
  const match = /watch seq=(\d+)/.exec(text);
  return match ? Number(match[1]) : -1;
}
