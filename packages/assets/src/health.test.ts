import { AssetEntry, AssetKey, AssetRecord } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { createFakeOps } from './fake-ops.test-support';
import {
  canReadAssetFailureEvents,
  canReadFailureEventsForAsset,
  dagsterAssetHealthQueriesSupported,
  getAssetCheckHealthStateForAssets,
  getAssetCheckSupport,
  getAssetFreshnessHealthStateForAssets,
  getAssetMaterializationHealthStateForAssets,
  getMinimalAssetMaterializationHealthStateForAssets,
  internalAssetFreshnessEnabled,
  streamlineReadAssetHealthRequired,
  streamlineReadAssetHealthSupported,
} from './health';

const A = new AssetKey(['a']);
const B = new AssetKey(['b']);

describe('asset health (OSS)', () => {
  it('has no health state for any asset, keyed by the keys passed in', async () => {
    const ops = createFakeOps();
    for (const read of [
      getAssetCheckHealthStateForAssets,
      getAssetFreshnessHealthStateForAssets,
      getAssetMaterializationHealthStateForAssets,
      getMinimalAssetMaterializationHealthStateForAssets,
    ]) {
      const states = await read(ops, [A, B]);
      expect([...states.entries()]).toEqual([
        [A, null],
        [B, null],
      ]);
    }
  });

  it("answers Dagster OSS's gates", () => {
    const ops = createFakeOps();
    const record = new AssetRecord({ storageId: 1, assetEntry: new AssetEntry({ assetKey: A }) });
    expect([
      dagsterAssetHealthQueriesSupported(ops),
      canReadFailureEventsForAsset(ops, record),
      canReadAssetFailureEvents(ops),
      streamlineReadAssetHealthSupported(ops, 'asset-check-health'),
      streamlineReadAssetHealthRequired(ops, 'asset-materialization-health'),
    ]).toEqual([false, false, false, false, false]);
  });

  it('turns freshness on unless DAGSTER_ASSET_FRESHNESS_ENABLED is false', () => {
    const enabled = (value?: string) => internalAssetFreshnessEnabled(createFakeOps({ env: value === undefined ? {} : { DAGSTER_ASSET_FRESHNESS_ENABLED: value } }));
    expect([enabled(), enabled('true'), enabled('1'), enabled('false'), enabled('FALSE'), enabled('')]).toEqual([true, true, true, false, false, true]);
  });

  it('supports asset checks unless the storage says it needs a migration', () => {
    expect(getAssetCheckSupport(createFakeOps())).toBe('SUPPORTED');
    expect(getAssetCheckSupport(createFakeOps({ storage: { supportsAssetChecks: false } }))).toBe('NEEDS_MIGRATION');
    expect(getAssetCheckSupport(createFakeOps({ storage: { supportsAssetChecks: true } }))).toBe('SUPPORTED');
  });
});
