/**
 * Records and constants of the assets domain that `@inst/types` does not have (yet): the ASSET_WIPED event data,
 * the freshness events and records (`_core/definitions/freshness.py`), and the small enums of `asset_methods.py`,
 * `partition_status_cache.py` and `asset_check_execution_record.py`. The serdes names and fields are Dagster's, so
 * what this package writes reads back in Python. They belong in `@inst/types`; when they move there, this module
 * re-exports them.
 */
import { InvariantViolationError } from '@inst/errors';
import { defineEnum, initRecord, registerRecord, t, type EnumValue } from '@inst/serdes';
import { AssetKey, type EventLogEntry } from '@inst/types';

/** Run id of events recorded outside any run (Dagster's `RUNLESS_RUN_ID`). */
export const RUNLESS_RUN_ID = '';
/** Job name of events recorded outside any run (Dagster's `RUNLESS_JOB_NAME`). */
export const RUNLESS_JOB_NAME = '';

/** Data of ASSET_WIPED events: the asset, and the wiped partitions (null when the whole asset was wiped). */
export class AssetWipedData {
  declare readonly assetKey: AssetKey;
  declare readonly partitionKeys: readonly string[] | null;
  constructor(init: { assetKey: AssetKey; partitionKeys?: readonly string[] | null }) {
    initRecord(this, { assetKey: init.assetKey, partitionKeys: init.partitionKeys ? [...init.partitionKeys] : null });
  }
}
registerRecord(AssetWipedData, {
  name: 'AssetWipedData',
  fields: { assetKey: { type: t.record(AssetKey) }, partitionKeys: { type: t.nullable(t.list(t.str)) } },
});

/** How fresh an asset is under its freshness policy. */
export const FreshnessState = defineEnum('FreshnessState', {
  PASS: 'PASS',
  WARN: 'WARN',
  FAIL: 'FAIL',
  UNKNOWN: 'UNKNOWN',
  NOT_APPLICABLE: 'NOT_APPLICABLE',
});
/** A member value of {@link FreshnessState}. */
export type FreshnessState = EnumValue<typeof FreshnessState>;

/** The freshness state an evaluation found for an asset (data of FRESHNESS_STATE_EVALUATION events). */
export class FreshnessStateEvaluation {
  declare readonly key: AssetKey;
  declare readonly freshnessState: FreshnessState;
  constructor(init: { key: AssetKey; freshnessState: FreshnessState }) {
    initRecord(this, init);
  }
}
registerRecord(FreshnessStateEvaluation, {
  name: 'FreshnessStateEvaluation',
  fields: { key: { type: t.record(AssetKey) }, freshnessState: { type: t.enum(FreshnessState) } },
});

/** The freshness state of an asset changed (data of FRESHNESS_STATE_CHANGE events); the timestamp is Unix seconds. */
export class FreshnessStateChange {
  declare readonly key: AssetKey;
  declare readonly newState: FreshnessState;
  declare readonly previousState: FreshnessState;
  declare readonly stateChangeTimestamp: number;
  constructor(init: { key: AssetKey; newState: FreshnessState; previousState: FreshnessState; stateChangeTimestamp: number }) {
    initRecord(this, init);
  }
}
registerRecord(FreshnessStateChange, {
  name: 'FreshnessStateChange',
  fields: {
    key: { type: t.record(AssetKey) },
    newState: { type: t.enum(FreshnessState) },
    previousState: { type: t.enum(FreshnessState) },
    stateChangeTimestamp: { type: t.float },
  },
});

/** Stored body of a freshness state record (metadata only, for now). */
export class FreshnessStateRecordBody {
  declare readonly metadata: Readonly<Record<string, unknown>> | null;
  constructor(init: { metadata?: Readonly<Record<string, unknown>> | null }) {
    initRecord(this, init);
  }
}
registerRecord(FreshnessStateRecordBody, { name: 'FreshnessStateRecordBody', fields: { metadata: { type: t.nullable(t.dict()) } } });

/** The current freshness state of an asset, as event storage keeps it. Not serdes. */
export class FreshnessStateRecord {
  readonly entityKey: AssetKey;
  readonly freshnessState: FreshnessState;
  readonly updatedAt: Date;
  readonly recordBody: FreshnessStateRecordBody;

  constructor(init: { entityKey: AssetKey; freshnessState: FreshnessState; updatedAt: Date; recordBody: FreshnessStateRecordBody }) {
    this.entityKey = init.entityKey;
    this.freshnessState = init.freshnessState;
    this.updatedAt = init.updatedAt;
    this.recordBody = init.recordBody;
    Object.freeze(this);
  }

  /** The record a FRESHNESS_STATE_CHANGE entry stands for (its metadata is not kept in the event log). */
  static fromEventLogEntry(entry: EventLogEntry): FreshnessStateRecord {
    const data = entry.dagsterEvent?.eventSpecificData;
    if (!(data instanceof FreshnessStateChange)) {
      throw new InvariantViolationError('FreshnessStateRecord.fromEventLogEntry needs a FRESHNESS_STATE_CHANGE entry');
    }
    return new FreshnessStateRecord({
      entityKey: data.key,
      freshnessState: data.newState,
      updatedAt: new Date(data.stateChangeTimestamp * 1000),
      recordBody: new FreshnessStateRecordBody({ metadata: {} }),
    });
  }
}

/** The status of an asset partition (Dagster's `AssetPartitionStatus`). */
export const AssetPartitionStatus = Object.freeze({
  MATERIALIZED: 'MATERIALIZED',
  IN_PROGRESS: 'IN_PROGRESS',
  FAILED: 'FAILED',
} as const);
/** A member value of {@link AssetPartitionStatus}. */
export type AssetPartitionStatus = (typeof AssetPartitionStatus)[keyof typeof AssetPartitionStatus];

/** Whether the instance can run asset checks (Dagster's `AssetCheckInstanceSupport`). */
export const AssetCheckInstanceSupport = Object.freeze({
  SUPPORTED: 'SUPPORTED',
  NEEDS_MIGRATION: 'NEEDS_MIGRATION',
  NEEDS_AGENT_UPGRADE: 'NEEDS_AGENT_UPGRADE',
} as const);
/** A member value of {@link AssetCheckInstanceSupport}. */
export type AssetCheckInstanceSupport = (typeof AssetCheckInstanceSupport)[keyof typeof AssetCheckInstanceSupport];

/** A precomputed asset health stream (Dagster's `StreamlineName`). */
export type StreamlineName = 'asset-materialization-health' | 'asset-check-health' | 'asset-freshness-health';

/**
 * Health states are computed by Dagster+ only; OSS answers null for every asset. These opaque types let an
 * instance subclass that does compute them return its own objects.
 */
export type AssetCheckHealthState = object;
/** See {@link AssetCheckHealthState}. */
export type AssetFreshnessHealthState = object;
/** See {@link AssetCheckHealthState}. */
export type AssetMaterializationHealthState = object;
/** See {@link AssetCheckHealthState}. */
export type MinimalAssetMaterializationHealthState = object;
