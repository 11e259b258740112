import type { Instance } from '../instance';

/*
 * What the namespaces share. A namespaced method takes one options object with camelCase names (or, when the
 * flat member has one parameter, that value itself) and calls the instance's flat member: the flat member is
 * the implementation, so its argument checks and any subclass override apply to both forms.
 */

/** The parameters of a flat member. */
export type P<K extends keyof Instance> = Instance[K] extends (...args: infer A) => unknown ? A : never;

/** What a flat member returns. */
export type R<K extends keyof Instance> = Instance[K] extends (...args: never[]) => infer T ? T : never;

/** The positional form of a flat member, which the namespaces of 0.x took and still take. */
export type Positional<K extends keyof Instance> = (...args: P<K>) => R<K>;

/**
 * True when a call uses the positional form these namespaces had before the options form: more than one
 * argument, or one that is not a plain object, or a plain object with none of the option names (a filter).
 */
export function isPositional(args: readonly unknown[], optionKeys: readonly string[]): boolean {
  if (args.length !== 1) return args.length > 1;
  const [first] = args;
  if (first === undefined || first === null) return false;
  if (typeof first !== 'object' || Array.isArray(first)) return true;
  const proto: unknown = Object.getPrototypeOf(first);
  if (proto !== Object.prototype && proto !== null) return true;
  const keys = Object.keys(first);
  return keys.length > 0 && !keys.some((key) => optionKeys.includes(key));
}

/**
 * A method that takes its options object and, for the namespaces' earlier positional calls, the flat member's
 * own arguments (passed through unchanged).
 */
export function compatible<K extends keyof Instance, M extends (options: never) => unknown>(
  instance: Instance,
  flat: K,
  optionKeys: readonly string[],
  modern: M,
): M & Positional<K> {
  const call = (...args: unknown[]): unknown =>
    isPositional(args, optionKeys)
      ? (instance[flat] as (...a: unknown[]) => unknown).apply(instance, args)
      : (modern as unknown as (options: unknown) => unknown)(args[0] ?? {});
  return call as unknown as M & Positional<K>;
}

/** Options of every paging iterator (`runs.iterate`, `events.iterate`, …). */
export interface PageOptions {
  /** How many records each query reads (default 100). */
  pageSize?: number;
  /** Ends the iteration quietly, between records. */
  signal?: AbortSignal;
}

/** One page: its items, the cursor after it, whether there may be more. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor: string | null | undefined;
  readonly hasMore: boolean;
}

export const DEFAULT_PAGE_SIZE = 100;

/** Every item of every page, fetched one page at a time; ends quietly when the signal aborts. */
export async function* pages<T>(signal: AbortSignal | undefined, fetch: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    if (signal?.aborted) return;
    const page = await fetch(cursor);
    for (const item of page.items) {
      if (signal?.aborted) return;
      yield item;
    }
    if (!page.hasMore || page.items.length === 0 || page.cursor === null || page.cursor === undefined) return;
    cursor = page.cursor;
  }
}

/** Progress of a long operation (upgrade, reindex, wipes): the step just started, out of how many. */
export interface Progress {
  readonly operation: string;
  /** What is being done now (`'run storage schema'`, an asset key …); `'done'` at the end. */
  readonly step: string;
  /** Steps finished so far. */
  readonly completed: number;
  readonly total: number;
}

/** Options of a long operation. */
export interface LongOperationOptions {
  /** Called as each step starts, and once more when all are done. */
  onProgress?: (progress: Progress) => void;
  /**
   * Stops the operation between steps (each step is a whole unit: nothing is left half-done); the promise then
   * rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/**
 * Runs `step` for each item in order, reporting progress and stopping between items when the signal aborts
 * (rejecting with its reason): what was done stays done, what was not is untouched.
 */
export async function chunked<T>(
  operation: string,
  items: readonly T[],
  label: (item: T) => string,
  step: (item: T) => Promise<unknown>,
  { onProgress, signal }: LongOperationOptions = {},
): Promise<void> {
  for (const [index, item] of items.entries()) {
    signal?.throwIfAborted();
    onProgress?.({ operation, step: label(item), completed: index, total: items.length });
    await step(item);
  }
  onProgress?.({ operation, step: 'done', completed: items.length, total: items.length });
}
