/**
 * Asset health and the feature gates around it. Dagster OSS computes no health states and answers false to every
 * gate but the freshness one; Dagster+ overrides these on its instance class, and an instance subclass here can
 * do the same (the facade's methods are the override points).
 */
import type { AssetKey, AssetRecord } from '@inst/types';
import type { AssetsInstanceOps } from './ops';
import {
  AssetCheckInstanceSupport,
  type AssetCheckHealthState,
  type AssetFreshnessHealthState,
  type AssetMaterializationHealthState,
  type MinimalAssetMaterializationHealthState,
  type StreamlineName,
} from './records';

function noneFor<T>(assetKeys: Iterable<AssetKey>): Map<AssetKey, T | null> {
  return new Map([...assetKeys].map((key) => [key, null]));
}

/** Asset-check health per asset: null for every key in OSS. */
export async function getAssetCheckHealthStateForAssets(_ops: unknown, assetKeys: readonly AssetKey[]): Promise<Map<AssetKey, AssetCheckHealthState | null>> {
  return noneFor(assetKeys);
}

/** Freshness health per asset: null for every key in OSS. */
export async function getAssetFreshnessHealthStateForAssets(_ops: unknown, assetKeys: readonly AssetKey[]): Promise<Map<AssetKey, AssetFreshnessHealthState | null>> {
  return noneFor(assetKeys);
}

/** Materialization health per asset: null for every key in OSS. */
export async function getAssetMaterializationHealthStateForAssets(
  _ops: unknown,
  assetKeys: readonly AssetKey[],
): Promise<Map<AssetKey, AssetMaterializationHealthState | null>> {
  return noneFor(assetKeys);
}

/** Lightweight materialization health per asset: null for every key in OSS. */
export async function getMinimalAssetMaterializationHealthStateForAssets(
  _ops: unknown,
  assetKeys: readonly AssetKey[],
): Promise<Map<AssetKey, MinimalAssetMaterializationHealthState | null>> {
  return noneFor(assetKeys);
}

/** Whether asset health queries are supported: false in OSS. */
export function dagsterAssetHealthQueriesSupported(_ops: unknown): boolean {
  return false;
}

/** Whether failure events of one asset can be read: false in OSS. */
export function canReadFailureEventsForAsset(_ops: unknown, _assetRecord: AssetRecord): boolean {
  return false;
}

/** Whether asset failure events can be read: false in OSS. */
export function canReadAssetFailureEvents(_ops: unknown): boolean {
  return false;
}

/**
 * The freshness-policy feature flag: on unless `DAGSTER_ASSET_FRESHNESS_ENABLED` is `false` (any case) in
 * `ops.env` (`process.env` when absent) — the newest Dagster's default; older versions needed `true`.
 */
export function internalAssetFreshnessEnabled(ops: Pick<AssetsInstanceOps, 'env'>): boolean {
  const env = ops.env ?? process.env;
  return (env.DAGSTER_ASSET_FRESHNESS_ENABLED ?? '').toLowerCase() !== 'false';
}

/** Whether precomputed health of a streamline can be read: false in OSS. */
export function streamlineReadAssetHealthSupported(_ops: unknown, _streamlineName: StreamlineName): boolean {
  return false;
}

/** Whether precomputed health of a streamline must be read: false in OSS. */
export function streamlineReadAssetHealthRequired(_ops: unknown, _streamlineName: StreamlineName): boolean {
  return false;
}

/** SUPPORTED when the event storage supports asset checks (true unless it says otherwise), else NEEDS_MIGRATION. */
export function getAssetCheckSupport(ops: Pick<AssetsInstanceOps, 'eventLogStorage'>): AssetCheckInstanceSupport {
  return (ops.eventLogStorage.supportsAssetChecks ?? true) ? AssetCheckInstanceSupport.SUPPORTED : AssetCheckInstanceSupport.NEEDS_MIGRATION;
}
