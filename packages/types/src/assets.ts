/**
 * Asset keys and the asset records storage reads and writes (`_core/definitions/asset_key.py`,
 * `_core/storage/event_log/base.py`, `_core/storage/asset_check_execution_record.py`,
 * `_core/storage/partition_status_cache.py`, `_utils/concurrency.py`).
 */
import { InvalidArgumentError } from '@inst/errors';
import { defineEnum, initRecord, pyJsonString, pyStrRepr, registerRecord, t, type EnumValue } from '@inst/serdes';
import type { AssetCheckEvaluation } from './event-data';
import type { EventLogEntry, EventLogRecord } from './events';
import { initPlain } from './internal';

const ASSET_KEY_SPLIT = /[^a-zA-Z0-9_]/;
const ASSET_KEY_DELIMITER = '/';

/** Something `AssetKey.fromCoercible` accepts: a key, one path component, or a path. */
export type CoercibleToAssetKey = AssetKey | string | readonly string[];

/** Dagster's `parse_asset_key_string`: splits on every character that is not a letter, digit or `_`. */
export function parseAssetKeyString(text: string): string[] {
  return text.split(ASSET_KEY_SPLIT).filter((part) => part.length > 0);
}

/** Dagster's `check.sequence_param(path, "path", of_type=str)`: a string, or a sequence of strings (not a lone string's letters). */
function assetKeyPath(path: unknown): string[] {
  if (typeof path === 'string') return [path];
  if (typeof path !== 'object' || path === null || typeof (path as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError(`AssetKey(path): expected a string or a list of strings, got ${path === null ? 'null' : typeof path} ${String(path)}`);
  }
  const parts = [...(path as Iterable<unknown>)];
  const bad = parts.findIndex((part) => typeof part !== 'string');
  if (bad >= 0) throw new InvalidArgumentError(`AssetKey(path[${bad}]): expected a string, got ${typeof parts[bad]} ${String(parts[bad])}`);
  return parts as string[];
}

/** The key of an asset: a path of strings (`AssetKey(["prefix", "name"])`). */
export class AssetKey {
  declare readonly path: readonly string[];

  constructor(path: string | readonly string[]) {
    initRecord(this, { path: assetKeyPath(path) });
  }

  /** The string stored in the `asset_key` columns: Python's `json.dumps(path)`, e.g. `["a", "b"]`. */
  toString(): string {
    return `[${this.path.map(pyJsonString).join(', ')}]`;
  }

  /** Dagster's `to_db_string` (the same as `toString`). */
  toDbString(): string {
    return this.toString();
  }

  /** The path joined with `/`. */
  toUserString(): string {
    return this.path.join(ASSET_KEY_DELIMITER);
  }

  /** The path joined with `/`, with `/` inside components escaped as `\/`. */
  toEscapedUserString(): string {
    return this.path.map((part) => part.replaceAll('/', '\\/')).join(ASSET_KEY_DELIMITER);
  }

  /** A Python identifier built from the path (`a__b`). */
  toPythonIdentifier(suffix?: string): string {
    const parts = suffix === undefined ? [...this.path] : [...this.path, suffix];
    return parts.join('__').replaceAll('-', '_').replaceAll('.', '_');
  }

  /** Python's `str(asset_key)`: `AssetKey(['a', 'b'])`. Sets of keys are ordered by it. */
  get pyStr(): string {
    return `AssetKey([${this.path.map(pyStrRepr).join(', ')}])`;
  }

  /** Whether both keys have the same path. */
  equals(other: unknown): boolean {
    return other instanceof AssetKey && other.path.length === this.path.length && other.path.every((part, i) => part === this.path[i]);
  }

  hasPrefix(prefix: readonly string[]): boolean {
    return this.path.length >= prefix.length && prefix.every((part, i) => this.path[i] === part);
  }

  withPrefix(prefix: string | readonly string[]): AssetKey {
    return new AssetKey([...(typeof prefix === 'string' ? [prefix] : prefix), ...this.path]);
  }

  /** Reads a stored `asset_key` column value (JSON list, or a legacy dotted string); null for an empty value. */
  static fromString(dbString: string | null | undefined): AssetKey | null {
    if (!dbString) return null;
    if (dbString.startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(dbString);
      } catch {
        return new AssetKey(parseAssetKeyString(dbString));
      }
      if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
        throw new InvalidArgumentError(`asset key string ${JSON.stringify(dbString)} is not a list of strings`);
      }
      return new AssetKey(parsed as string[]);
    }
    return new AssetKey(parseAssetKeyString(dbString));
  }

  /** `a/b` → `AssetKey(["a", "b"])`. */
  static fromUserString(userString: string): AssetKey {
    return new AssetKey(userString.split(ASSET_KEY_DELIMITER));
  }

  /** A key from a key, a single component, or a path. */
  static fromCoercible(value: CoercibleToAssetKey): AssetKey {
    return value instanceof AssetKey ? value : new AssetKey(value);
  }

  /** The prefix of the stored strings of keys under `path`, for `LIKE 'prefix%'` queries. */
  static getDbPrefix(path: readonly string[]): string {
    return new AssetKey(path).toString().slice(0, -2);
  }
}
registerRecord(AssetKey, {
  name: 'AssetKey',
  fields: { path: { type: t.list(t.str) } },
  pyStr: (key: AssetKey) => key.pyStr,
});

/** Identifies an asset check: the asset it checks and the check's name. */
export class AssetCheckKey {
  declare readonly assetKey: AssetKey;
  declare readonly name: string;

  constructor(init: { assetKey: AssetKey; name: string }) {
    initRecord(this, init);
  }

  /** `a/b:check_name`. */
  toUserString(): string {
    return `${this.assetKey.toUserString()}:${this.name}`;
  }

  /** Python's `json.dumps({"asset_key": key.to_string(), "check_name": name})`. */
  toDbString(): string {
    return `{"asset_key": ${pyJsonString(this.assetKey.toString())}, "check_name": ${pyJsonString(this.name)}}`;
  }

  equals(other: unknown): boolean {
    return other instanceof AssetCheckKey && other.name === this.name && other.assetKey.equals(this.assetKey);
  }

  static fromUserString(userString: string): AssetCheckKey {
    const [assetKey, name, ...rest] = userString.split(':');
    if (assetKey === undefined || name === undefined || rest.length > 0) {
      throw new InvalidArgumentError(`${JSON.stringify(userString)} is not an asset check key string (asset/key:check_name)`);
    }
    return new AssetCheckKey({ assetKey: AssetKey.fromUserString(assetKey), name });
  }

  /** Reads `toDbString()` output; null when the text is not one. */
  static fromDbString(dbString: string): AssetCheckKey | null {
    let value: unknown;
    try {
      value = JSON.parse(dbString);
    } catch {
      return null;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const keys = Object.keys(value).sort();
    const { asset_key: assetKey, check_name: name } = value as Record<string, unknown>;
    if (keys.join() !== 'asset_key,check_name' || typeof assetKey !== 'string' || typeof name !== 'string') return null;
    const key = AssetKey.fromString(assetKey);
    return key ? new AssetCheckKey({ assetKey: key, name }) : null;
  }
}
registerRecord(AssetCheckKey, {
  name: 'AssetCheckKey',
  oldStorageNames: ['AssetCheckHandle'],
  fields: { assetKey: { type: t.record(AssetKey) }, name: { type: t.str } },
});

/** An asset key or an asset check key. */
export type EntityKey = AssetKey | AssetCheckKey;

/** Dagster's `entity_key_from_db_string`: an asset check key when the text is one, else an asset key. */
export function entityKeyFromDbString(dbString: string): EntityKey {
  const checkKey = AssetCheckKey.fromDbString(dbString);
  if (checkKey) return checkKey;
  const key = AssetKey.fromString(dbString);
  if (!key) throw new InvalidArgumentError(`empty entity key string`);
  return key;
}

/** Stored in `asset_keys.asset_details`: when the asset was last wiped. */
export class AssetDetails {
  declare readonly lastWipeTimestamp: number | null;
  constructor(init: { lastWipeTimestamp?: number | null } = {}) {
    initRecord(this, init);
  }
}
registerRecord(AssetDetails, { name: 'AssetDetails', fields: { lastWipeTimestamp: { type: t.nullable(t.float) } } });

/** Init of {@link AssetStatusCacheValue}. */
export interface AssetStatusCacheValueInit {
  latestStorageId: number;
  partitionsDefId?: string | null;
  serializedMaterializedPartitionSubset?: string | null;
  serializedFailedPartitionSubset?: string | null;
  serializedInProgressPartitionSubset?: string | null;
  earliestInProgressMaterializationEventId?: number | null;
}

/** Stored in `asset_keys.cached_status_data`: the partition status cache of an asset. */
export class AssetStatusCacheValue {
  declare readonly latestStorageId: number;
  declare readonly partitionsDefId: string | null;
  declare readonly serializedMaterializedPartitionSubset: string | null;
  declare readonly serializedFailedPartitionSubset: string | null;
  declare readonly serializedInProgressPartitionSubset: string | null;
  declare readonly earliestInProgressMaterializationEventId: number | null;
  constructor(init: AssetStatusCacheValueInit) {
    initRecord(this, init);
  }
}
registerRecord(AssetStatusCacheValue, {
  name: 'AssetStatusCacheValue',
  fields: {
    latestStorageId: { type: t.int },
    partitionsDefId: { type: t.nullable(t.str) },
    serializedMaterializedPartitionSubset: { type: t.nullable(t.str) },
    serializedFailedPartitionSubset: { type: t.nullable(t.str) },
    serializedInProgressPartitionSubset: { type: t.nullable(t.str) },
    earliestInProgressMaterializationEventId: { type: t.nullable(t.int) },
  },
});

/** Init of {@link AssetEntry}. */
export interface AssetEntryInit {
  assetKey: AssetKey;
  lastMaterializationRecord?: EventLogRecord | null;
  lastRunId?: string | null;
  assetDetails?: AssetDetails | null;
  cachedStatus?: AssetStatusCacheValue | null;
  lastObservationRecord?: EventLogRecord | null;
  lastPlannedMaterializationStorageId?: number | null;
  lastPlannedMaterializationRunId?: string | null;
  lastFailedToMaterializeRecord?: EventLogRecord | null;
  isWritingFailures?: boolean;
}

/** What storage knows of one asset (a row of `asset_keys` and what it points to). Not serdes. */
export class AssetEntry {
  declare readonly assetKey: AssetKey;
  declare readonly lastMaterializationRecord: EventLogRecord | null;
  declare readonly lastRunId: string | null;
  declare readonly assetDetails: AssetDetails | null;
  declare readonly cachedStatus: AssetStatusCacheValue | null;
  declare readonly lastObservationRecord: EventLogRecord | null;
  declare readonly lastPlannedMaterializationStorageId: number | null;
  declare readonly lastPlannedMaterializationRunId: string | null;
  declare readonly lastFailedToMaterializeRecord: EventLogRecord | null;
  declare readonly isWritingFailures: boolean;

  constructor(init: AssetEntryInit) {
    initPlain(this, init, {
      lastMaterializationRecord: null,
      lastRunId: null,
      assetDetails: null,
      cachedStatus: null,
      lastObservationRecord: null,
      lastPlannedMaterializationStorageId: null,
      lastPlannedMaterializationRunId: null,
      lastFailedToMaterializeRecord: null,
      isWritingFailures: false,
    });
  }

  get lastMaterialization(): EventLogEntry | null {
    return this.lastMaterializationRecord?.eventLogEntry ?? null;
  }
  get lastMaterializationStorageId(): number | null {
    return this.lastMaterializationRecord?.storageId ?? null;
  }
  get lastObservation(): EventLogEntry | null {
    return this.lastObservationRecord?.eventLogEntry ?? null;
  }
  get lastObservationStorageId(): number | null {
    return this.lastObservationRecord?.storageId ?? null;
  }
  get lastFailedToMaterializeEntry(): EventLogEntry | null {
    return this.lastFailedToMaterializeRecord?.eventLogEntry ?? null;
  }
  get lastFailedToMaterializeStorageId(): number | null {
    return this.lastFailedToMaterializeRecord?.storageId ?? null;
  }
  /** The storage id of the latest event of this asset of any kind. */
  get lastEventStorageId(): number | null {
    const ids = [
      this.lastMaterializationStorageId,
      this.lastObservationStorageId,
      this.lastFailedToMaterializeStorageId,
      this.lastPlannedMaterializationStorageId,
    ].filter((id): id is number => id !== null);
    return ids.length > 0 ? Math.max(...ids) : null;
  }
}

/** An asset entry with its `asset_keys.id`. Not serdes. */
export class AssetRecord {
  declare readonly storageId: number;
  declare readonly assetEntry: AssetEntry;
  constructor(init: { storageId: number; assetEntry: AssetEntry }) {
    initPlain(this, init);
  }
}

/** The status column of `asset_check_executions`. */
export const AssetCheckExecutionRecordStatus = defineEnum('AssetCheckExecutionRecordStatus', {
  PLANNED: 'PLANNED',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
});
/** A member value of {@link AssetCheckExecutionRecordStatus}. */
export type AssetCheckExecutionRecordStatus = EnumValue<typeof AssetCheckExecutionRecordStatus>;

/** The stored statuses of a check execution that has finished. */
export const COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES: ReadonlySet<AssetCheckExecutionRecordStatus> = new Set([
  AssetCheckExecutionRecordStatus.SUCCEEDED,
  AssetCheckExecutionRecordStatus.FAILED,
]);

/** The status of a check execution once the status of its run is taken into account. */
export const AssetCheckExecutionResolvedStatus = defineEnum('AssetCheckExecutionResolvedStatus', {
  IN_PROGRESS: 'IN_PROGRESS',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  EXECUTION_FAILED: 'EXECUTION_FAILED',
  SKIPPED: 'SKIPPED',
});
/** A member value of {@link AssetCheckExecutionResolvedStatus}. */
export type AssetCheckExecutionResolvedStatus = EnumValue<typeof AssetCheckExecutionResolvedStatus>;

/** Init of {@link AssetCheckExecutionRecord}. */
export interface AssetCheckExecutionRecordInit {
  key: AssetCheckKey;
  id: number;
  runId: string;
  status: AssetCheckExecutionRecordStatus;
  /** The ASSET_CHECK_EVALUATION_PLANNED or ASSET_CHECK_EVALUATION entry (absent on old PLANNED rows). */
  event?: EventLogEntry | null;
  createTimestamp: number;
  partition?: string | null;
}

/** A row of `asset_check_executions`. Not serdes. */
export class AssetCheckExecutionRecord {
  declare readonly key: AssetCheckKey;
  declare readonly id: number;
  declare readonly runId: string;
  declare readonly status: AssetCheckExecutionRecordStatus;
  declare readonly event: EventLogEntry | null;
  declare readonly createTimestamp: number;
  declare readonly partition: string | null;

  constructor(init: AssetCheckExecutionRecordInit) {
    initPlain(this, init, { event: null, partition: null });
  }

  /** The evaluation carried by the event, when there is one. */
  get evaluation(): AssetCheckEvaluation | null {
    return (this.event?.dagsterEvent?.eventSpecificData as AssetCheckEvaluation | null | undefined) ?? null;
  }
}

/** The latest executions of one asset check. Not serdes. */
export class AssetCheckSummaryRecord {
  declare readonly assetCheckKey: AssetCheckKey;
  declare readonly lastCheckExecutionRecord: AssetCheckExecutionRecord | null;
  declare readonly lastRunId: string | null;
  declare readonly lastCompletedCheckExecutionRecord: AssetCheckExecutionRecord | null;

  constructor(init: {
    assetCheckKey: AssetCheckKey;
    lastCheckExecutionRecord?: AssetCheckExecutionRecord | null;
    lastRunId?: string | null;
    lastCompletedCheckExecutionRecord?: AssetCheckExecutionRecord | null;
  }) {
    initPlain(this, init, { lastCheckExecutionRecord: null, lastRunId: null, lastCompletedCheckExecutionRecord: null });
  }

  get lastCompletedRunId(): string | null {
    return this.lastCompletedCheckExecutionRecord?.runId ?? null;
  }
}

/** Storage id and run id of the latest ASSET_MATERIALIZATION_PLANNED event of an asset. Not serdes. */
export class PlannedMaterializationInfo {
  declare readonly storageId: number;
  declare readonly runId: string;
  constructor(init: { storageId: number; runId: string }) {
    initPlain(this, init);
  }
}

/** Whether a step got a concurrency slot. */
export const ConcurrencySlotStatus = defineEnum('ConcurrencySlotStatus', { BLOCKED: 'BLOCKED', CLAIMED: 'CLAIMED' });
/** A member value of {@link ConcurrencySlotStatus}. */
export type ConcurrencySlotStatus = EnumValue<typeof ConcurrencySlotStatus>;

/** Init of {@link ConcurrencyClaimStatus}. */
export interface ConcurrencyClaimStatusInit {
  concurrencyKey: string;
  slotStatus: ConcurrencySlotStatus;
  priority?: number | null;
  assignedTimestamp?: Date | null;
  enqueuedTimestamp?: Date | null;
  sleepInterval?: number | null;
}

/** The answer to a concurrency slot claim. Not serdes. */
export class ConcurrencyClaimStatus {
  declare readonly concurrencyKey: string;
  declare readonly slotStatus: ConcurrencySlotStatus;
  declare readonly priority: number | null;
  declare readonly assignedTimestamp: Date | null;
  declare readonly enqueuedTimestamp: Date | null;
  declare readonly sleepInterval: number | null;

  constructor(init: ConcurrencyClaimStatusInit) {
    initPlain(this, init, { priority: null, assignedTimestamp: null, enqueuedTimestamp: null, sleepInterval: null });
  }

  get isClaimed(): boolean {
    return this.slotStatus === ConcurrencySlotStatus.CLAIMED;
  }
  get isAssigned(): boolean {
    return this.assignedTimestamp !== null;
  }
  withSlotStatus(slotStatus: ConcurrencySlotStatus): ConcurrencyClaimStatus {
    return new ConcurrencyClaimStatus({ ...this, slotStatus });
  }
  withSleepInterval(sleepInterval: number): ConcurrencyClaimStatus {
    return new ConcurrencyClaimStatus({ ...this, sleepInterval });
  }
}

/** A step waiting for (or assigned) a concurrency slot. Not serdes. */
export class PendingStepInfo {
  declare readonly runId: string;
  declare readonly stepKey: string;
  declare readonly enqueuedTimestamp: Date;
  declare readonly assignedTimestamp: Date | null;
  declare readonly priority: number | null;
  constructor(init: { runId: string; stepKey: string; enqueuedTimestamp: Date; assignedTimestamp?: Date | null; priority?: number | null }) {
    initPlain(this, init, { assignedTimestamp: null, priority: null });
  }
}

/** A step holding a concurrency slot. Not serdes. */
export class ClaimedSlotInfo {
  declare readonly runId: string;
  declare readonly stepKey: string;
  constructor(init: { runId: string; stepKey: string }) {
    initPlain(this, init);
  }
}

/** The state of one concurrency key (pool). Not serdes. */
export class ConcurrencyKeyInfo {
  declare readonly concurrencyKey: string;
  declare readonly slotCount: number;
  declare readonly claimedSlots: readonly ClaimedSlotInfo[];
  declare readonly pendingSteps: readonly PendingStepInfo[];
  declare readonly limit: number | null;
  declare readonly usingDefaultLimit: boolean | null;

  constructor(init: {
    concurrencyKey: string;
    slotCount: number;
    claimedSlots: readonly ClaimedSlotInfo[];
    pendingSteps: readonly PendingStepInfo[];
    limit?: number | null;
    usingDefaultLimit?: boolean | null;
  }) {
    initPlain(this, init, { limit: null, usingDefaultLimit: null });
  }

  get activeSlotCount(): number {
    return this.claimedSlots.length;
  }
  get activeRunIds(): Set<string> {
    return new Set(this.claimedSlots.map((slot) => slot.runId));
  }
  get pendingStepCount(): number {
    return this.pendingSteps.filter((step) => step.assignedTimestamp === null).length;
  }
  get pendingRunIds(): Set<string> {
    return new Set(this.pendingSteps.filter((step) => step.assignedTimestamp === null).map((step) => step.runId));
  }
  get assignedStepCount(): number {
    return this.pendingSteps.filter((step) => step.assignedTimestamp !== null).length;
  }
  get assignedRunIds(): Set<string> {
    return new Set(this.pendingSteps.filter((step) => step.assignedTimestamp !== null).map((step) => step.runId));
  }
}

/** The limit of a pool, and whether it comes from the default. Not serdes. */
export class PoolLimit {
  declare readonly name: string;
  declare readonly limit: number;
  declare readonly fromDefault: boolean;
  constructor(init: { name: string; limit: number; fromDefault: boolean }) {
    initPlain(this, init);
  }
}
