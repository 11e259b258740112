/**
 * Backfills (`_core/execution/backfill.py`, `_core/execution/bulk_actions.py`).
 */
import { defineEnum, initRecord, registerRecord, replaceRecord, t, type EnumValue } from '@inst/serdes';
import { AssetKey } from './assets';
import { SerializableErrorInfo } from './event-data';
import { invariant } from './internal';
import { RemotePartitionSetOrigin } from './origins';
import { RUN_TAGS } from './runs';

/** The status of a backfill (`bulk_actions.status`). */
export const BulkActionStatus = defineEnum('BulkActionStatus', {
  REQUESTED: 'REQUESTED',
  /** Deprecated: COMPLETED_SUCCESS or COMPLETED_FAILED. */
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELING: 'CANCELING',
  CANCELED: 'CANCELED',
  COMPLETED_SUCCESS: 'COMPLETED_SUCCESS',
  COMPLETED_FAILED: 'COMPLETED_FAILED',
});
/** A member value of {@link BulkActionStatus}. */
export type BulkActionStatus = EnumValue<typeof BulkActionStatus>;

/** Statuses of backfills that are done. */
export const BULK_ACTION_TERMINAL_STATUSES: readonly BulkActionStatus[] = Object.freeze([
  BulkActionStatus.COMPLETED,
  BulkActionStatus.FAILED,
  BulkActionStatus.CANCELED,
  BulkActionStatus.COMPLETED_SUCCESS,
  BulkActionStatus.COMPLETED_FAILED,
]);

/** Job backfill or asset backfill (`bulk_actions.action_type`). */
export const BulkActionType = defineEnum('BulkActionType', {
  PARTITION_BACKFILL: 'PARTITION_BACKFILL',
  MULTI_RUN_ASSET_ACTION: 'MULTI_RUN_ASSET_ACTION',
});
/** A member value of {@link BulkActionType}. */
export type BulkActionType = EnumValue<typeof BulkActionType>;

/** Which backfills a backfill query returns; all given fields must match. Not serdes. */
export class BulkActionsFilter {
  readonly statuses: readonly BulkActionStatus[] | null;
  readonly createdBefore: Date | null;
  readonly createdAfter: Date | null;
  readonly tags: Readonly<Record<string, string | readonly string[]>> | null;
  readonly jobName: string | null;
  readonly backfillIds: readonly string[] | null;

  constructor(
    init: {
      statuses?: readonly BulkActionStatus[] | null;
      createdBefore?: Date | null;
      createdAfter?: Date | null;
      tags?: Readonly<Record<string, string | readonly string[]>> | null;
      jobName?: string | null;
      backfillIds?: readonly string[] | null;
    } = {},
  ) {
    this.statuses = init.statuses ?? null;
    this.createdBefore = init.createdBefore ?? null;
    this.createdAfter = init.createdAfter ?? null;
    this.tags = init.tags ?? null;
    this.jobName = init.jobName ?? null;
    this.backfillIds = init.backfillIds ?? null;
    Object.freeze(this);
  }
}

/** Init of {@link PartitionBackfill}. */
export interface PartitionBackfillInit {
  backfillId: string;
  status: BulkActionStatus;
  fromFailure: boolean;
  tags?: Readonly<Record<string, string>> | null;
  /** Unix seconds (always written as a float). */
  backfillTimestamp: number;
  error?: SerializableErrorInfo | null;
  assetSelection?: readonly AssetKey[] | null;
  title?: string | null;
  description?: string | null;
  partitionSetOrigin?: RemotePartitionSetOrigin | null;
  partitionNames?: readonly string[] | null;
  lastSubmittedPartitionName?: string | null;
  reexecutionSteps?: readonly string[] | null;
  serializedAssetBackfillData?: string | null;
  /** An AssetBackfillData (kept as read). */
  assetBackfillData?: unknown;
  failureCount?: number;
  /** RunRequests (kept as read). */
  submittingRunRequests?: readonly unknown[];
  reservedRunIds?: readonly string[];
  backfillEndTimestamp?: number | null;
  runConfig?: Readonly<Record<string, unknown>> | null;
}

/** A backfill (`bulk_actions.body`): a job backfill over partition names, or an asset backfill. */
export class PartitionBackfill {
  declare readonly backfillId: string;
  declare readonly status: BulkActionStatus;
  declare readonly fromFailure: boolean;
  declare readonly tags: Readonly<Record<string, string>>;
  declare readonly backfillTimestamp: number;
  declare readonly error: SerializableErrorInfo | null;
  declare readonly assetSelection: readonly AssetKey[] | null;
  declare readonly title: string | null;
  declare readonly description: string | null;
  declare readonly partitionSetOrigin: RemotePartitionSetOrigin | null;
  declare readonly partitionNames: readonly string[] | null;
  declare readonly lastSubmittedPartitionName: string | null;
  declare readonly reexecutionSteps: readonly string[] | null;
  declare readonly serializedAssetBackfillData: string | null;
  declare readonly assetBackfillData: unknown;
  declare readonly failureCount: number;
  declare readonly submittingRunRequests: readonly unknown[];
  declare readonly reservedRunIds: readonly string[];
  declare readonly backfillEndTimestamp: number | null;
  declare readonly runConfig: Readonly<Record<string, unknown>> | null;

  constructor(init: PartitionBackfillInit) {
    invariant(!(init.assetSelection?.length && init.reexecutionSteps?.length), "Can't supply both an asset_selection and reexecution_steps to a PartitionBackfill.");
    if (init.serializedAssetBackfillData != null) {
      invariant(
        init.partitionSetOrigin == null && init.partitionNames == null && init.lastSubmittedPartitionName == null && init.reexecutionSteps == null,
        'an asset backfill has no partition set origin, partition names, checkpoint or reexecution steps',
      );
    }
    initRecord(this, { ...init, tags: init.tags ?? {} });
  }

  /** The selector id of a job backfill's partition set. */
  get selectorId(): string | null {
    return this.partitionSetOrigin?.getSelectorId() ?? null;
  }
  get isAssetBackfill(): boolean {
    return this.serializedAssetBackfillData !== null || (this.assetBackfillData !== null && this.assetBackfillData !== undefined);
  }
  get bulkActionType(): BulkActionType {
    return this.isAssetBackfill ? BulkActionType.MULTI_RUN_ASSET_ACTION : BulkActionType.PARTITION_BACKFILL;
  }
  get partitionSetName(): string | null {
    return this.partitionSetOrigin?.partitionSetName ?? null;
  }
  /** The job of a job backfill (its partition set is named `<job>_partition_set`). */
  get jobName(): string | null {
    if (this.isAssetBackfill || !this.partitionSetName) return null;
    return this.partitionSetName.endsWith('_partition_set') ? this.partitionSetName.slice(0, -'_partition_set'.length) : this.partitionSetName;
  }
  get logStoragePrefix(): readonly string[] {
    return ['backfill', this.backfillId];
  }
  /** The `user` tag. */
  get user(): string | null {
    return this.tags[RUN_TAGS.USER] ?? null;
  }
  /** For job backfills: how many partitions have not been requested yet. */
  get numCancelable(): number {
    if (this.isAssetBackfill || this.status !== BulkActionStatus.REQUESTED || !this.partitionNames) return 0;
    const checkpoint = this.lastSubmittedPartitionName;
    const index = checkpoint !== null ? this.partitionNames.indexOf(checkpoint) : -1;
    return Math.max(0, this.partitionNames.length - (index + 1));
  }

  withStatus(status: BulkActionStatus): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { status });
  }
  withPartitionCheckpoint(lastSubmittedPartitionName: string | null): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { lastSubmittedPartitionName });
  }
  withSubmittingRunRequests(submittingRunRequests: readonly unknown[], reservedRunIds: readonly string[]): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { submittingRunRequests, reservedRunIds });
  }
  withFailureCount(failureCount: number): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { failureCount });
  }
  withError(error: SerializableErrorInfo | null): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { error });
  }
  withEndTimestamp(backfillEndTimestamp: number): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { backfillEndTimestamp });
  }
  withAssetBackfillData(serializedAssetBackfillData: string | null, assetBackfillData: unknown = null): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { serializedAssetBackfillData, assetBackfillData });
  }
  withTitle(title: string | null): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { title });
  }
  withDescription(description: string | null): PartitionBackfill {
    return replaceRecord<PartitionBackfill>(this, { description });
  }
}
registerRecord(PartitionBackfill, {
  name: 'PartitionBackfill',
  fields: {
    backfillId: { type: t.str },
    status: { type: t.enum(BulkActionStatus) },
    fromFailure: { type: t.bool },
    tags: { type: t.dict(t.str), default: () => ({}) },
    backfillTimestamp: { type: t.float },
    error: { type: t.nullable(t.record(SerializableErrorInfo)) },
    assetSelection: { type: t.nullable(t.list(t.record(AssetKey))) },
    title: { type: t.nullable(t.str) },
    description: { type: t.nullable(t.str) },
    partitionSetOrigin: { type: t.nullable(t.record(RemotePartitionSetOrigin)) },
    partitionNames: { type: t.nullable(t.list(t.str)) },
    lastSubmittedPartitionName: { type: t.nullable(t.str) },
    reexecutionSteps: { type: t.nullable(t.list(t.str)) },
    serializedAssetBackfillData: { type: t.nullable(t.str) },
    assetBackfillData: { type: t.any },
    failureCount: { type: t.int, default: 0 },
    submittingRunRequests: { type: t.list(), default: () => [] },
    reservedRunIds: { type: t.list(t.str), default: () => [] },
    backfillEndTimestamp: { type: t.nullable(t.float) },
    runConfig: { type: t.nullable(t.dict()), default: () => ({}) },
  },
});
