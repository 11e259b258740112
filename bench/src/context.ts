import type { Backend } from './backends';
import type { BenchMode, BenchSizes } from './config';
import type { ReadDataset } from './dataset';
import type { BenchResult } from './report';
import { median, now } from './stats';

/** What a section gets. */
export interface SectionContext {
  readonly mode: BenchMode;
  readonly sizes: BenchSizes;
  readonly backend: Backend;
  readonly log: (line: string) => void;
  readonly record: (result: BenchResult) => void;
  /** The large read data set of this backend, loaded on first use and shared by the reads and memory sections. */
  dataset(): Promise<ReadDataset>;
}

/** One side of a side-by-side throughput measurement: does round `r`'s share of the work, returns items done. */
export interface Side {
  readonly name: string;
  run(round: number): Promise<number>;
}

/**
 * Runs the sides in alternating order for `rounds` rounds (round 0: A then B, round 1: B then A, …) so that
 * neither always runs on a warmer or fuller database; returns each side's median items per second.
 */
export async function alternateRounds(rounds: number, sides: readonly Side[]): Promise<number[]> {
  const rates: number[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides.map((_, i) => i) : sides.map((_, i) => sides.length - 1 - i);
    for (const i of order) {
      const start = now();
      const items = await sides[i]!.run(r);
      const seconds = (now() - start) / 1000;
      rates[i]!.push(items / seconds);
    }
  }
  return rates.map(median);
}

/** Splits `total` into `parts` near-equal shares. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor((total * (i + 1)) / parts) - Math.floor((total * i) / parts));
}
