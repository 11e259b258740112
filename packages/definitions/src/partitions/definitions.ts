/**
 * Partitions definitions (Dagster's `StaticPartitionsDefinition`, `TimeWindowPartitionsDefinition` and its
 * hourly / daily / weekly / monthly forms, `DynamicPartitionsDefinition`, `MultiPartitionsDefinition`), with
 * Dagster's keys, ids and subset serializations.
 */
import { compareCodePoints, pyFloatRepr, pyJsonString, pyStrRepr, sha1Hex } from '@inst/serdes';
import { InvalidDefinitionError, UnknownPartitionError } from '../errors';
import { checkCronSchedule, cronTicks, nextCronTick, reverseCronTicks } from './cron';
import {
  DefaultPartitionsSubset,
  KeyRangesPartitionsSubset,
  PartitionKeyRange,
  PersistedTimeWindow,
  TimeWindowPartitionsDefinitionRecord,
  TimeWindowPartitionsSubset,
  TimestampWithTimezone,
} from './records';
import { checkTimezone, strftime, strptime } from './time';

/** Where a dynamic partitions definition's keys come from: a function of its name, or keys by name. */
export type DynamicPartitionsLookup = ((partitionsDefName: string) => readonly string[]) | Readonly<Record<string, readonly string[]>>;

/** What partition keys depend on: the current time (time windows) and the stored dynamic partitions. */
export interface PartitionLoadingContext {
  /** Epoch seconds; default now. */
  readonly now?: number;
  /** The dynamic partitions' keys (the instance's `getDynamicPartitions`), needed by dynamic definitions. */
  readonly dynamicPartitions?: DynamicPartitionsLookup;
}

/** The kinds of partitions definitions. */
export type PartitionsKind = 'static' | 'time_window' | 'dynamic' | 'multi';

/** Python's `json.dumps(list_of_str)`. */
function pyJsonList(items: readonly string[]): string {
  return `[${items.map(pyJsonString).join(', ')}]`;
}

/** `DefaultPartitionsSubset.serialize()`: `{"version": 1, "subset": [keys sorted]}`. */
function serializeDefaultSubset(keys: Iterable<string>): string {
  return `{"version": 1, "subset": ${pyJsonList([...new Set(keys)].sort(compareCodePoints))}}`;
}

/** Reads a `DefaultPartitionsSubset` serialization (or its older bare-list form). */
function deserializeDefaultSubset(serialized: string): Set<string> {
  const data: unknown = JSON.parse(serialized);
  if (Array.isArray(data)) return new Set(data.map(String));
  const { version, subset } = (data ?? {}) as { version?: unknown; subset?: unknown };
  if (version !== 1 || !Array.isArray(subset)) {
    throw new InvalidDefinitionError(`Attempted to deserialize partition subset with version ${String(version)}, but only version 1 is supported.`);
  }
  return new Set(subset.map(String));
}

const PARTITIONS_MARKER = Symbol.for('inst.definitions.PartitionsDefinition');

/** The base of every partitions definition. */
export abstract class PartitionsDefinition {
  /** @internal Marks instances across copies of this package (see {@link PartitionsDefinition.isPartitionsDefinition}). */
  readonly [PARTITIONS_MARKER] = true;
  /** True for a partitions definition, also one built by another copy of this package. */
  static isPartitionsDefinition(value: unknown): value is PartitionsDefinition {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PARTITIONS_MARKER] === true;
  }
  abstract readonly kind: PartitionsKind;
  /** Every partition key, in order. */
  abstract getPartitionKeys(context?: PartitionLoadingContext): string[];
  /** Dagster's `get_serializable_unique_identifier()`: changes when the set of keys (or the definition) changes. */
  abstract serializableUniqueIdentifier(context?: PartitionLoadingContext): string;

  /** Whether the key is one of this definition's. */
  hasPartitionKey(partitionKey: string, context?: PartitionLoadingContext): boolean {
    return this.getPartitionKeys(context).includes(partitionKey);
  }

  /** Throws UnknownPartitionError unless the key is one of this definition's. */
  validatePartitionKey(partitionKey: string, context?: PartitionLoadingContext): void {
    if (!this.hasPartitionKey(partitionKey, context)) {
      throw new UnknownPartitionError(`Could not find a partition with key \`${partitionKey}\`.`, { ids: { partitionKey } });
    }
  }

  /** The keys from `start` to `end`, both included (Dagster's `get_partition_keys_in_range`). */
  getPartitionKeysInRange(start: string, end: string, context?: PartitionLoadingContext): string[] {
    const keys = this.getPartitionKeys(context);
    const i = keys.indexOf(start);
    const j = keys.indexOf(end);
    if (i < 0) throw new UnknownPartitionError(`Partition range start ${start} is not a partition key`, { ids: { partitionKey: start } });
    if (j < 0) throw new UnknownPartitionError(`Partition range end ${end} is not a partition key`, { ids: { partitionKey: end } });
    return keys.slice(i, j + 1);
  }

  /** The stored text of a set of keys (Dagster's `subset_with_partition_keys(keys).serialize()`). */
  serializeSubset(partitionKeys: Iterable<string>, _context?: PartitionLoadingContext): string {
    return serializeDefaultSubset(partitionKeys);
  }

  /** The keys of a stored subset (Dagster's `deserialize_subset(serialized).get_partition_keys()`). */
  deserializeSubset(serialized: string, _context?: PartitionLoadingContext): Set<string> {
    return deserializeDefaultSubset(serialized);
  }

  /** The serdes `PartitionsSubset` of these keys, as planned events carry it. */
  subsetWithPartitionKeys(partitionKeys: Iterable<string>, _context?: PartitionLoadingContext): unknown {
    return new DefaultPartitionsSubset({ subset: new Set(partitionKeys) });
  }

  /** The compact subset a run targeting this range stores (`DagsterRun.partitions_subset`), or null for kinds Dagster does not store. */
  runPartitionsSubset(_start: string, _end: string, _context?: PartitionLoadingContext): unknown {
    return null;
  }
}

// ---------------------------------------------------------------- static

/** A fixed list of keys (Dagster's `StaticPartitionsDefinition`). */
export class StaticPartitionsDefinition extends PartitionsDefinition {
  readonly kind = 'static' as const;
  readonly partitionKeys: readonly string[];
  private readonly keySet: ReadonlySet<string>;
  private readonly id: string;
  constructor(partitionKeys: readonly string[]) {
    super();
    if (!Array.isArray(partitionKeys) || partitionKeys.some((key) => typeof key !== 'string')) {
      throw new InvalidDefinitionError('Static partition keys must be strings');
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const key of partitionKeys) (seen.has(key) ? duplicates : seen).add(key);
    if (duplicates.size > 0) throw new InvalidDefinitionError(`Duplicate instances of partition keys: ${[...duplicates].join(', ')}`);
    for (const key of partitionKeys) checkValidPartitionKey(key);
    this.partitionKeys = Object.freeze([...partitionKeys]);
    this.keySet = seen;
    this.id = sha1Hex(pyJsonList(this.partitionKeys));
  }
  getPartitionKeys(): string[] {
    return [...this.partitionKeys];
  }
  override hasPartitionKey(partitionKey: string): boolean {
    return this.keySet.has(partitionKey);
  }
  serializableUniqueIdentifier(): string {
    return this.id;
  }
}

const INVALID_KEY_CHARS = [',', '[', ']', '*', '...', '\n', '\\'];

function checkValidPartitionKey(key: string): void {
  for (const chars of INVALID_KEY_CHARS) {
    if (key.includes(chars)) throw new InvalidDefinitionError(`Partition key ${JSON.stringify(key)} contains an invalid character: ${JSON.stringify(chars)}`);
  }
}

// ---------------------------------------------------------------- time windows

/** A half-open window [start, end) in epoch seconds. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Options of {@link TimeWindowPartitionsDefinition}. */
export interface TimeWindowPartitionsOptions {
  /** The first partition starts at the first cron tick at or after this: a key in `fmt`, a Date, or epoch seconds. */
  start: string | Date | number;
  /** Partitions end before this (exclusive), same forms as `start`. */
  end?: string | Date | number | null;
  /** IANA zone; default UTC. */
  timezone?: string;
  /** Extra partitions past the current time (positive) or fewer (negative). Default 0. */
  endOffset?: number;
  /** The key format (Python strftime). */
  fmt: string;
  cronSchedule: string;
}

/** The Python class a time-window definition came from; it names the definition in its id (`repr`). */
export type TimeWindowClassName =
  | 'TimeWindowPartitionsDefinition'
  | 'HourlyPartitionsDefinition'
  | 'DailyPartitionsDefinition'
  | 'WeeklyPartitionsDefinition'
  | 'MonthlyPartitionsDefinition';

/** Partitions that are windows between cron ticks (Dagster's `TimeWindowPartitionsDefinition`). */
export class TimeWindowPartitionsDefinition extends PartitionsDefinition {
  readonly kind = 'time_window' as const;
  /** Epoch seconds of the given start (the first partition starts at the first tick at or after it). */
  readonly startTimestamp: number;
  readonly endTimestamp: number | null;
  readonly timezone: string;
  readonly fmt: string;
  readonly endOffset: number;
  readonly cronSchedule: string;
  readonly className: TimeWindowClassName;

  constructor(options: TimeWindowPartitionsOptions, className: TimeWindowClassName = 'TimeWindowPartitionsDefinition') {
    super();
    const timezone = options.timezone ?? 'UTC';
    checkTimezone(timezone);
    if (typeof options.fmt !== 'string' || options.fmt.length === 0) throw new InvalidDefinitionError('A time-window partitions definition needs a fmt');
    this.timezone = timezone;
    this.fmt = options.fmt;
    this.cronSchedule = checkCronSchedule(options.cronSchedule, 'a TimeWindowPartitionsDefinition');
    this.endOffset = options.endOffset ?? 0;
    if (!Number.isInteger(this.endOffset)) throw new InvalidDefinitionError('endOffset must be an integer');
    this.startTimestamp = this.toTimestamp(options.start, 'start');
    this.endTimestamp = options.end == null || options.end === '' ? null : this.toTimestamp(options.end, 'end');
    this.className = className;
  }

  private toTimestamp(value: string | Date | number, what: string): number {
    if (typeof value === 'number') return value;
    if (value instanceof Date) return value.getTime() / 1000;
    const ts = strptime(value, this.timezone, this.fmt) ?? strptime(value, this.timezone, '%Y-%m-%d');
    if (ts === undefined) throw new InvalidDefinitionError(`Could not parse ${what} ${JSON.stringify(value)} with format ${this.fmt}`);
    return ts;
  }

  /** The key of the window starting at `timestamp`. */
  keyForStart(timestamp: number): string {
    return strftime(timestamp, this.timezone, this.fmt);
  }

  /** The window of a key; throws UnknownPartitionError for text that is not a window start in this format. */
  timeWindowForPartitionKey(partitionKey: string): TimeWindow {
    const start = strptime(partitionKey, this.timezone, this.fmt);
    if (start === undefined) throw new UnknownPartitionError(`Could not parse partition key ${JSON.stringify(partitionKey)} with format ${this.fmt}`, { ids: { partitionKey } });
    const ticks = cronTicks(this.cronSchedule, this.timezone, start);
    const first = ticks.next().value as number;
    const aligned = first === start;
    const end = aligned ? (ticks.next().value as number) : first;
    return { start: aligned ? start : start, end };
  }

  /** Windows from the first tick at or after `from`, forever. */
  *windowsFrom(from: number): Generator<TimeWindow> {
    let prev: number | undefined;
    for (const tick of cronTicks(this.cronSchedule, this.timezone, from)) {
      if (prev !== undefined) yield { start: prev, end: tick };
      prev = tick;
    }
  }

  /** Every partition window (Dagster's `get_partition_keys` walk), in order. */
  getPartitionWindows(context?: PartitionLoadingContext): TimeWindow[] {
    const now = context?.now ?? Date.now() / 1000;
    const windows: TimeWindow[] = [];
    let pastNow = 0;
    for (const window of this.windowsFrom(this.startTimestamp)) {
      if (this.endTimestamp !== null && window.end > this.endTimestamp) break;
      if (window.end <= now || pastNow < this.endOffset) {
        windows.push(window);
        if (window.end > now) pastNow += 1;
      } else break;
    }
    return this.endOffset < 0 ? windows.slice(0, this.endOffset) : windows;
  }

  getPartitionKeys(context?: PartitionLoadingContext): string[] {
    return this.getPartitionWindows(context).map((window) => this.keyForStart(window.start));
  }

  /** The first and last windows, or null when there is no partition yet. */
  private bounds(context?: PartitionLoadingContext): { first: TimeWindow; last: TimeWindow } | null {
    const now = context?.now ?? Date.now() / 1000;
    const first = this.windowsFrom(this.startTimestamp).next().value as TimeWindow;
    if (this.endOffset === 0) {
      if (first.end > now) return null;
      const cap = this.endTimestamp !== null && this.endTimestamp < now ? this.endTimestamp : now;
      const reverse = reverseCronTicks(this.cronSchedule, this.timezone, cap);
      const end = reverse.next().value as number;
      const start = reverse.next().value as number;
      if (start < first.start) return null;
      return { first, last: { start, end } };
    }
    const windows = this.getPartitionWindows(context);
    if (windows.length === 0) return null;
    return { first: windows[0]!, last: windows[windows.length - 1]! };
  }

  override hasPartitionKey(partitionKey: string, context?: PartitionLoadingContext): boolean {
    const start = strptime(partitionKey, this.timezone, this.fmt);
    if (start === undefined) return false;
    if (this.keyForStart(start) !== partitionKey) return false;
    if (nextCronTick(this.cronSchedule, this.timezone, start) !== start) return false;
    const bounds = this.bounds(context);
    return bounds !== null && start >= bounds.first.start && start <= bounds.last.start;
  }

  override getPartitionKeysInRange(start: string, end: string): string[] {
    const from = this.timeWindowForPartitionKey(start).start;
    const to = this.timeWindowForPartitionKey(end).end;
    if (from < this.startTimestamp) throw new UnknownPartitionError(`Partition key range start ${start} is before the partitions definition start`, { ids: { partitionKey: start } });
    if (this.endTimestamp !== null && to > this.endTimestamp) throw new UnknownPartitionError(`Partition key range end ${end} is after the partitions definition end`, { ids: { partitionKey: end } });
    return this.keysInWindow({ start: from, end: to });
  }

  /** The keys of the partitions that start inside a window. */
  keysInWindow(window: TimeWindow): string[] {
    const keys: string[] = [];
    for (const w of this.windowsFrom(window.start)) {
      if (w.start >= window.end) break;
      keys.push(this.keyForStart(w.start));
    }
    return keys;
  }

  /** Dagster's `get_serializable_unique_identifier()`: the SHA-1 of the definition's Python `repr`. */
  serializableUniqueIdentifier(): string {
    return sha1Hex(this.pyRepr());
  }

  /** The Python `repr` of the definition (a `@record`): `DailyPartitionsDefinition(start_ts=…, timezone='UTC', …)`. */
  pyRepr(): string {
    const ts = (value: number): string => `TimestampWithTimezone(timestamp=${pyFloatRepr(value)}, timezone=${pyStrRepr(this.timezone)})`;
    return (
      `${this.className}(start_ts=${ts(this.startTimestamp)}, timezone=${pyStrRepr(this.timezone)}, ` +
      `end_ts=${this.endTimestamp === null ? 'None' : ts(this.endTimestamp)}, fmt=${pyStrRepr(this.fmt)}, ` +
      `end_offset=${this.endOffset}, cron_schedule=${pyStrRepr(this.cronSchedule)})`
    );
  }

  /** Sorted, merged windows of a set of keys; throws UnknownPartitionError for a key that is not a window start. */
  timeWindowsForPartitionKeys(partitionKeys: Iterable<string>): TimeWindow[] {
    const windows = [...new Set(partitionKeys)].map((key) => {
      const start = strptime(key, this.timezone, this.fmt);
      if (start === undefined || this.keyForStart(start) !== key || nextCronTick(this.cronSchedule, this.timezone, start) !== start) {
        throw new UnknownPartitionError(`Could not find a partition with key \`${key}\`.`, { ids: { partitionKey: key } });
      }
      return this.timeWindowForPartitionKey(key);
    });
    windows.sort((a, b) => a.start - b.start);
    const merged: TimeWindow[] = [];
    for (const window of windows) {
      const last = merged[merged.length - 1];
      if (last && window.start <= last.end) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, window.end) };
      else merged.push(window);
    }
    return merged;
  }

  /** `TimeWindowPartitionsSubset.serialize()`: `{"version": 1, "time_windows": [[start, end], …], "num_partitions": n}`. */
  override serializeSubset(partitionKeys: Iterable<string>): string {
    const keys = new Set(partitionKeys);
    const windows = this.timeWindowsForPartitionKeys(keys);
    const tw = windows.map((w) => `[${pyFloatRepr(w.start)}, ${pyFloatRepr(w.end)}]`).join(', ');
    return `{"version": 1, "time_windows": [${tw}], "num_partitions": ${keys.size}}`;
  }

  override deserializeSubset(serialized: string): Set<string> {
    const data: unknown = JSON.parse(serialized);
    let windows: unknown;
    if (Array.isArray(data)) windows = data;
    else if (data && typeof data === 'object' && (!('version' in data) || (data as { version: unknown }).version === 1)) windows = (data as { time_windows?: unknown }).time_windows;
    else {
      throw new InvalidDefinitionError(`Attempted to deserialize partition subset with version ${String((data as { version?: unknown })?.version)}, but only version 1 is supported.`);
    }
    const keys = new Set<string>();
    for (const pair of (windows ?? []) as [number, number][]) for (const key of this.keysInWindow({ start: pair[0], end: pair[1] })) keys.add(key);
    return keys;
  }

  /** The stored record of this definition (Dagster serializes every subclass as a raw `TimeWindowPartitionsDefinition`). */
  toRecord(): TimeWindowPartitionsDefinitionRecord {
    return new TimeWindowPartitionsDefinitionRecord({
      start: new TimestampWithTimezone({ timestamp: this.startTimestamp, timezone: this.timezone }),
      timezone: this.timezone,
      end: this.endTimestamp === null ? null : new TimestampWithTimezone({ timestamp: this.endTimestamp, timezone: this.timezone }),
      fmt: this.fmt,
      endOffset: this.endOffset,
      cronSchedule: this.cronSchedule,
    });
  }

  private subsetOfWindows(windows: readonly TimeWindow[], numPartitions: number): TimeWindowPartitionsSubset {
    const tz = (timestamp: number): TimestampWithTimezone => new TimestampWithTimezone({ timestamp, timezone: this.timezone });
    return new TimeWindowPartitionsSubset({
      partitionsDef: this.toRecord(),
      numPartitions,
      includedTimeWindows: windows.map((w) => new PersistedTimeWindow({ start: tz(w.start), end: tz(w.end) })),
    });
  }

  override subsetWithPartitionKeys(partitionKeys: Iterable<string>): TimeWindowPartitionsSubset {
    const keys = new Set(partitionKeys);
    return this.subsetOfWindows(this.timeWindowsForPartitionKeys(keys), keys.size);
  }

  override runPartitionsSubset(start: string, end: string): TimeWindowPartitionsSubset {
    const keys = this.getPartitionKeysInRange(start, end);
    return this.subsetOfWindows([{ start: this.timeWindowForPartitionKey(start).start, end: this.timeWindowForPartitionKey(end).end }], keys.length);
  }
}

/** Options shared by the hourly / daily / weekly / monthly helpers. */
export interface CadencePartitionsOptions {
  /** The first partition's start (a key in `fmt` or `%Y-%m-%d`, a Date, or epoch seconds). */
  start: string | Date | number;
  end?: string | Date | number | null;
  timezone?: string;
  endOffset?: number;
  fmt?: string;
  minuteOffset?: number;
  hourOffset?: number;
}

/** Hourly partitions, keys `%Y-%m-%d-%H:%M` (Dagster's `HourlyPartitionsDefinition`). */
export function hourlyPartitions(options: Omit<CadencePartitionsOptions, 'hourOffset'>): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitionsDefinition(
    { ...options, fmt: options.fmt ?? '%Y-%m-%d-%H:%M', cronSchedule: `${options.minuteOffset ?? 0} * * * *` },
    'HourlyPartitionsDefinition',
  );
}

/** Daily partitions, keys `%Y-%m-%d` (Dagster's `DailyPartitionsDefinition`). */
export function dailyPartitions(options: CadencePartitionsOptions): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitionsDefinition(
    { ...options, fmt: options.fmt ?? '%Y-%m-%d', cronSchedule: `${options.minuteOffset ?? 0} ${options.hourOffset ?? 0} * * *` },
    'DailyPartitionsDefinition',
  );
}

/** Weekly partitions starting on `dayOffset` (0 = Sunday), keys `%Y-%m-%d` (Dagster's `WeeklyPartitionsDefinition`). */
export function weeklyPartitions(options: CadencePartitionsOptions & { dayOffset?: number }): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitionsDefinition(
    { ...options, fmt: options.fmt ?? '%Y-%m-%d', cronSchedule: `${options.minuteOffset ?? 0} ${options.hourOffset ?? 0} * * ${options.dayOffset ?? 0}` },
    'WeeklyPartitionsDefinition',
  );
}

/** Monthly partitions starting on day `dayOffset` (default 1), keys `%Y-%m-%d` (Dagster's `MonthlyPartitionsDefinition`). */
export function monthlyPartitions(options: CadencePartitionsOptions & { dayOffset?: number }): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitionsDefinition(
    { ...options, fmt: options.fmt ?? '%Y-%m-%d', cronSchedule: `${options.minuteOffset ?? 0} ${options.hourOffset ?? 0} ${options.dayOffset ?? 1} * *` },
    'MonthlyPartitionsDefinition',
  );
}

/** Partitions between the ticks of any cron schedule. */
export function timeWindowPartitions(options: TimeWindowPartitionsOptions): TimeWindowPartitionsDefinition {
  return new TimeWindowPartitionsDefinition(options);
}

// ---------------------------------------------------------------- dynamic

/** Keys added and removed at runtime under a name (Dagster's `DynamicPartitionsDefinition(name=…)`). */
export class DynamicPartitionsDefinition extends PartitionsDefinition {
  readonly kind = 'dynamic' as const;
  readonly name: string;
  constructor(name: string) {
    super();
    if (typeof name !== 'string' || name.length === 0) throw new InvalidDefinitionError('A dynamic partitions definition needs a name');
    this.name = name;
  }
  getPartitionKeys(context?: PartitionLoadingContext): string[] {
    const lookup = context?.dynamicPartitions;
    if (!lookup) {
      throw new InvalidDefinitionError(
        `The instance is not available to load partitions of dynamic partitions definition ${this.name}: pass dynamicPartitions`,
        { ids: { partitionsDefName: this.name } },
      );
    }
    return [...(typeof lookup === 'function' ? lookup(this.name) : (lookup[this.name] ?? []))];
  }
  /** The instance's `get_dynamic_partitions_definition_id`: the SHA-1 of `json.dumps(keys)`. */
  serializableUniqueIdentifier(context?: PartitionLoadingContext): string {
    return sha1Hex(pyJsonList(this.getPartitionKeys(context)));
  }
  override runPartitionsSubset(start: string, end: string): KeyRangesPartitionsSubset {
    return new KeyRangesPartitionsSubset({ keyRanges: [new PartitionKeyRange({ start, end })], partitionsDefName: this.name });
  }
}

// ---------------------------------------------------------------- multi

/** One dimension of a multi-partitions definition. */
export interface PartitionDimension {
  readonly name: string;
  readonly partitionsDef: PartitionsDefinition;
}

/** The key of a multi-partition: dimension keys joined by `|` in dimension-name order (Dagster's `MultiPartitionKey`). */
export function multiPartitionKey(keysByDimension: Readonly<Record<string, string>>): string {
  return Object.keys(keysByDimension)
    .sort(compareCodePoints)
    .map((name) => keysByDimension[name]!)
    .join('|');
}

/** The cross product of two partitions definitions (Dagster's `MultiPartitionsDefinition`). */
export class MultiPartitionsDefinition extends PartitionsDefinition {
  readonly kind = 'multi' as const;
  /** The dimensions, sorted by name. */
  readonly dimensions: readonly PartitionDimension[];
  constructor(partitionsDefs: Readonly<Record<string, PartitionsDefinition>>) {
    super();
    const names = Object.keys(partitionsDefs);
    if (names.length !== 2) {
      throw new InvalidDefinitionError(`Dagster currently only supports multi-partitions definitions with 2 partitions definitions. Your multi-partitions definition has ${names.length} partitions definitions.`);
    }
    for (const name of names) {
      const def = partitionsDefs[name]!;
      if (!(def instanceof PartitionsDefinition) || def instanceof MultiPartitionsDefinition) {
        throw new InvalidDefinitionError(`Dimension ${name} of a multi-partitions definition must be a single-dimension partitions definition`);
      }
      if (def instanceof DynamicPartitionsDefinition && !def.name) throw new InvalidDefinitionError('Dynamic dimensions need a name');
    }
    this.dimensions = Object.freeze(names.sort(compareCodePoints).map((name) => Object.freeze({ name, partitionsDef: partitionsDefs[name]! })));
  }
  getPartitionKeys(context?: PartitionLoadingContext): string[] {
    const [a, b] = this.dimensions as [PartitionDimension, PartitionDimension];
    const bKeys = b.partitionsDef.getPartitionKeys(context);
    const keys: string[] = [];
    for (const ka of a.partitionsDef.getPartitionKeys(context)) for (const kb of bKeys) keys.push(`${ka}|${kb}`);
    return keys;
  }
  override hasPartitionKey(partitionKey: string, context?: PartitionLoadingContext): boolean {
    const parts = partitionKey.split('|');
    if (parts.length !== this.dimensions.length) return false;
    return this.dimensions.every((dim, i) => dim.partitionsDef.hasPartitionKey(parts[i]!, context));
  }
  /** The dimension keys of a multi-partition key. */
  keysByDimension(partitionKey: string): Record<string, string> {
    const parts = partitionKey.split('|');
    if (parts.length !== this.dimensions.length) throw new UnknownPartitionError(`Invalid multi-partition key ${partitionKey}`, { ids: { partitionKey } });
    return Object.fromEntries(this.dimensions.map((dim, i) => [dim.name, parts[i]!]));
  }
  /** SHA-1 of Python's `str({name: dimension id, …})`. */
  serializableUniqueIdentifier(context?: PartitionLoadingContext): string {
    const inner = this.dimensions.map((dim) => `${pyStrRepr(dim.name)}: ${pyStrRepr(dim.partitionsDef.serializableUniqueIdentifier(context))}`).join(', ');
    return sha1Hex(`{${inner}}`);
  }
}

// ---------------------------------------------------------------- helpers

/** A static partitions definition. */
export function staticPartitions(partitionKeys: readonly string[]): StaticPartitionsDefinition {
  return new StaticPartitionsDefinition(partitionKeys);
}

/** A dynamic partitions definition named `name` (its keys live in the instance). */
export function dynamicPartitions(name: string): DynamicPartitionsDefinition {
  return new DynamicPartitionsDefinition(name);
}

/** A two-dimensional multi-partitions definition. */
export function multiPartitions(partitionsDefs: Readonly<Record<string, PartitionsDefinition>>): MultiPartitionsDefinition {
  return new MultiPartitionsDefinition(partitionsDefs);
}

/** Every key of a partitions definition (with the current time and the dynamic partitions). */
export function partitionKeys(partitionsDef: PartitionsDefinition, context: PartitionLoadingContext = {}): string[] {
  return partitionsDef.getPartitionKeys(context);
}
