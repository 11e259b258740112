import { InvariantViolationError } from '@inst/errors';
import {
  AssetCheckEvaluation,
  AssetMaterialization,
  AssetObservation,
  AssetObservationData,
  DagsterEvent,
  DagsterEventType,
  StepMaterializationData,
} from '@inst/types';
import type { AssetsInstanceOps, RunlessAssetEvent } from './ops';
import { FreshnessStateChange, FreshnessStateEvaluation, RUNLESS_JOB_NAME, RUNLESS_RUN_ID } from './records';

function unexpected(assetEvent: unknown): InvariantViolationError {
  const name = typeof assetEvent === 'object' && assetEvent !== null ? (assetEvent.constructor?.name ?? 'object') : typeof assetEvent;
  return new InvariantViolationError(
    `Received unexpected asset event type ${name}, expected AssetMaterialization, AssetObservation, AssetCheckEvaluation, FreshnessStateEvaluation or FreshnessStateChange`,
  );
}

/** The DagsterEvent a runless asset event is recorded as, or null for anything else. */
function runlessDagsterEvent(assetEvent: unknown): DagsterEvent | null {
  let eventTypeValue: string;
  let eventSpecificData: object;
  if (assetEvent instanceof AssetMaterialization) {
    eventTypeValue = DagsterEventType.ASSET_MATERIALIZATION;
    eventSpecificData = new StepMaterializationData({ materialization: assetEvent });
  } else if (assetEvent instanceof AssetCheckEvaluation) {
    eventTypeValue = DagsterEventType.ASSET_CHECK_EVALUATION;
    eventSpecificData = assetEvent;
  } else if (assetEvent instanceof AssetObservation) {
    eventTypeValue = DagsterEventType.ASSET_OBSERVATION;
    eventSpecificData = new AssetObservationData({ assetObservation: assetEvent });
  } else if (assetEvent instanceof FreshnessStateEvaluation) {
    eventTypeValue = DagsterEventType.FRESHNESS_STATE_EVALUATION;
    eventSpecificData = assetEvent;
  } else if (assetEvent instanceof FreshnessStateChange) {
    eventTypeValue = DagsterEventType.FRESHNESS_STATE_CHANGE;
    eventSpecificData = assetEvent;
  } else {
    return null;
  }
  return new DagsterEvent({ eventTypeValue, eventSpecificData, jobName: RUNLESS_JOB_NAME });
}

/**
 * Records an asset event that belongs to no run (Dagster's `report_runless_asset_event`): checks the event's type
 * (InvariantViolationError, writing nothing, for anything but AssetMaterialization, AssetObservation,
 * AssetCheckEvaluation, FreshnessStateEvaluation or FreshnessStateChange), then hands it to
 * `ops._reportRunlessAssetEvent`.
 */
export async function reportRunlessAssetEvent(ops: Pick<AssetsInstanceOps, '_reportRunlessAssetEvent'>, assetEvent: RunlessAssetEvent): Promise<void> {
  if (runlessDagsterEvent(assetEvent) === null) throw unexpected(assetEvent);
  await ops._reportRunlessAssetEvent(assetEvent);
}

/**
 * The internal form of {@link reportRunlessAssetEvent} (Dagster's `_report_runless_asset_event`, used to emit
 * system asset events): wraps the event in a DagsterEvent with run id and job name `''` — ASSET_MATERIALIZATION
 * (StepMaterializationData), ASSET_OBSERVATION (AssetObservationData), ASSET_CHECK_EVALUATION,
 * FRESHNESS_STATE_EVALUATION or FRESHNESS_STATE_CHANGE (the event itself) — and writes it through
 * `ops.reportDagsterEvent` at INFO. Throws InvariantViolationError, writing nothing, for another type.
 */
export async function _reportRunlessAssetEvent(ops: Pick<AssetsInstanceOps, 'reportDagsterEvent'>, assetEvent: RunlessAssetEvent): Promise<void> {
  const dagsterEvent = runlessDagsterEvent(assetEvent);
  if (dagsterEvent === null) throw unexpected(assetEvent);
  await ops.reportDagsterEvent(dagsterEvent, RUNLESS_RUN_ID);
}
