/*
 * Asset backfills stored as Dagster's AssetBackfillData, over a real Definitions (two partitioned assets,
 * upstream → downstream) loaded as a code location. The runs the daemon creates are finished here as a run worker
 * would finish them: ASSET_MATERIALIZATION events for what a run materialized, then RUN_SUCCESS / RUN_FAILURE.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance } from '@inst/core';
import { ChildProcessCodeLocation, ChildProcessRunLauncher, inProcessCodeLocation, runWorkerOf } from '@inst/code-location';
import { DefaultPartitionsSubset, Definitions, TimestampWithTimezone, defineAsset, staticPartitions } from '@inst/definitions';
import { deserializeValue, serializeValue } from '@inst/serdes';
import {
  AssetBackfillData,
  AssetGraphSubset,
  AssetKey,
  AssetMaterialization,
  BulkActionStatus,
  DagsterEvent,
  DagsterEventType,
  DagsterRunStatus,
  PartitionBackfill,
  RUN_TAGS,
  RunsFilter,
  StepMaterializationData,
  type DagsterRun,
} from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyAssetBackfillData } from '../src/asset-backfills';
import { executeBackfillIteration } from '../src/backfills';
import { SimulatedCrashError } from '../src/crash';
import { readLegacyAssetBackfillData, writeLegacyAssetBackfillData } from '../src/legacy-asset-backfill-data';
import { pgAvailable } from '@inst/storage-postgres/testing';
import { Clock, contextFor, postgresInstance, tempInstance, workspaceOf } from './fixtures';
import { tempHome, waitFor } from './support';

let instance: Instance | undefined;
let disposePg: (() => Promise<void>) | undefined;
afterEach(async () => {
  if (disposePg) await disposePg();
  else await instance?.dispose();
  instance = undefined;
  disposePg = undefined;
});
const pgUp = await pgAvailable();

const T0 = Date.parse('2024-06-01T00:00:00Z') / 1000;
const REGIONS = ['eu', 'us', 'apac'];
const regions = staticPartitions(REGIONS);
const upstream = defineAsset({ key: 'upstream', partitions: regions }, async () => 1);
const downstream = defineAsset({ key: 'downstream', partitions: regions, ins: { upstream } }, async (_ctx, inputs) => Number(inputs.upstream) + 1);
const defs = new Definitions({ assets: [upstream, downstream] });
const UP = new AssetKey(['upstream']);
const DOWN = new AssetKey(['downstream']);
const ID = 'abfabcde';

function subsetOf(parts: Record<string, readonly string[]>): AssetGraphSubset {
  return new AssetGraphSubset({
    partitionsSubsetsByAssetKey: new Map(Object.entries(parts).map(([key, keys]) => [new AssetKey([key]), new DefaultPartitionsSubset({ subset: new Set(keys) })])),
  });
}

/** Partition keys per asset of a stored subset. */
function partsOf(subset: AssetGraphSubset): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [key, value] of subset.partitionsSubsetsByAssetKey) result[key.toUserString()] = [...(value as DefaultPartitionsSubset).subset].sort();
  return result;
}

/** Stores a REQUESTED asset backfill of both assets over every region, as Dagster's AssetBackfillData.empty does. */
async function addAssetBackfill(inst: Instance, tags: Record<string, string> = {}): Promise<void> {
  const data = emptyAssetBackfillData(subsetOf({ upstream: REGIONS, downstream: REGIONS }), T0);
  await inst.addBackfill(
    new PartitionBackfill({ backfillId: ID, status: BulkActionStatus.REQUESTED, fromFailure: false, tags, backfillTimestamp: T0, assetSelection: [UP, DOWN], assetBackfillData: data }),
  );
}

async function setup(backend: 'sqlite' | 'postgres' = 'sqlite') {
  if (backend === 'postgres') {
    const pg = await postgresInstance();
    instance = pg.instance;
    disposePg = pg.dispose;
  } else instance = await tempInstance();
  const clock = new Clock(T0);
  const ctx = contextFor(instance, workspaceOf(inProcessCodeLocation(defs, 'assets_location')), clock);
  await addAssetBackfill(instance, { team: 'data' });
  return { inst: instance, ctx, clock };
}

async function runsOf(inst: Instance): Promise<DagsterRun[]> {
  return inst.getRuns(new RunsFilter({ tags: { [RUN_TAGS.BACKFILL_ID]: ID } }));
}

/** What a run covers: `asset@partition` for each selected asset. */
const covers = (run: DagsterRun) => [...(run.assetSelection ?? [])].map((k) => `${k.toUserString()}@${run.tags[RUN_TAGS.PARTITION_NAME]}`).sort();

/** Finishes a run as its worker would: materializes its selection (unless it fails), then the run event. */
async function finish(inst: Instance, run: DagsterRun, outcome: 'success' | 'failure' = 'success'): Promise<void> {
  if (outcome === 'success') {
    for (const assetKey of run.assetSelection ?? []) {
      const materialization = new AssetMaterialization({ assetKey, partition: run.tags[RUN_TAGS.PARTITION_NAME] ?? null });
      await inst.reportDagsterEvent(
        new DagsterEvent({
          eventTypeValue: DagsterEventType.ASSET_MATERIALIZATION,
          jobName: run.jobName,
          stepKey: assetKey.toUserString(),
          eventSpecificData: new StepMaterializationData({ materialization, assetLineage: [] }),
        }),
        run.runId,
      );
    }
  }
  const type = outcome === 'success' ? DagsterEventType.RUN_SUCCESS : DagsterEventType.RUN_FAILURE;
  await inst.reportDagsterEvent(new DagsterEvent({ eventTypeValue: type, jobName: run.jobName }), run.runId);
}

async function stored(inst: Instance): Promise<{ backfill: PartitionBackfill; data: AssetBackfillData }> {
  const backfill = (await inst.getBackfill(ID))!;
  return { backfill, data: backfill.assetBackfillData as AssetBackfillData };
}

describe.each([
  ['SQLite', 'sqlite', true],
  ['Postgres', 'postgres', pgUp],
] as const)('asset backfills (AssetBackfillData) on %s', (_name, backend, available) => {
  it.skipIf(!available)('runs upstream partitions first, downstream ones only once their upstream is materialized, then COMPLETED_SUCCESS', async () => {
    const { inst, ctx, clock } = await setup(backend);
    await executeBackfillIteration(ctx);
    let runs = await runsOf(inst);
    expect(runs.map(covers).sort()).toEqual([['upstream@apac'], ['upstream@eu'], ['upstream@us']]);
    const run = runs[0]!;
    expect(run.jobName).toBe('__ASSET_JOB');
    expect(run.tags.team).toBe('data');
    expect(run.status).toBe(DagsterRunStatus.QUEUED);
    let { backfill, data } = await stored(inst);
    expect(backfill.status).toBe(BulkActionStatus.REQUESTED);
    expect(data.requestedRunsForTargetRoots).toBe(true);
    expect(data.latestStorageId).toBe(0); // the event log was empty when the iteration started
    expect(partsOf(data.requestedSubset)).toEqual({ upstream: ['apac', 'eu', 'us'] });

    // Nothing materialized yet: nothing new.
    await executeBackfillIteration(ctx);
    expect(await runsOf(inst)).toHaveLength(3);

    // Upstream eu materializes: only downstream eu becomes ready.
    await finish(inst, runs.find((r) => r.tags[RUN_TAGS.PARTITION_NAME] === 'eu')!);
    await executeBackfillIteration(ctx);
    runs = await runsOf(inst);
    expect(runs.map(covers).sort()).toEqual([['downstream@eu'], ['upstream@apac'], ['upstream@eu'], ['upstream@us']]);
    ({ data } = await stored(inst));
    expect(partsOf(data.materializedSubset)).toEqual({ upstream: ['eu'] });
    expect(data.latestStorageId).toBeGreaterThan(0);

    for (const r of runs) if (r.status === DagsterRunStatus.QUEUED) await finish(inst, r);
    await executeBackfillIteration(ctx);
    runs = await runsOf(inst);
    expect(runs).toHaveLength(6);
    for (const r of runs) if (r.status === DagsterRunStatus.QUEUED) await finish(inst, r);
    clock.t = T0 + 90;
    await executeBackfillIteration(ctx);
    ({ backfill, data } = await stored(inst));
    expect(backfill.status).toBe(BulkActionStatus.COMPLETED_SUCCESS);
    expect(backfill.backfillEndTimestamp).toBe(T0 + 90);
    expect(partsOf(data.materializedSubset)).toEqual({ upstream: REGIONS.slice().sort(), downstream: REGIONS.slice().sort() });
    expect(partsOf(data.failedAndDownstreamSubset)).toEqual({});
    expect(new Set((await runsOf(inst)).map((r) => covers(r).join())).size).toBe(6); // one run per asset partition
  });

  it.skipIf(!available)('a failed upstream partition puts its downstream partition in failed_and_downstream_subset; the backfill ends COMPLETED_FAILED', async () => {
    const { inst, ctx } = await setup(backend);
    await executeBackfillIteration(ctx);
    for (const r of await runsOf(inst)) await finish(inst, r, r.tags[RUN_TAGS.PARTITION_NAME] === 'us' ? 'failure' : 'success');
    await executeBackfillIteration(ctx);
    let { data } = await stored(inst);
    expect(partsOf(data.failedAndDownstreamSubset)).toEqual({ upstream: ['us'], downstream: ['us'] });
    const runs = await runsOf(inst);
    expect(runs.map(covers).filter((c) => c[0]!.startsWith('downstream')).sort()).toEqual([['downstream@apac'], ['downstream@eu']]);
    for (const r of runs) if (r.status === DagsterRunStatus.QUEUED) await finish(inst, r);
    await executeBackfillIteration(ctx);
    let backfill: PartitionBackfill;
    ({ backfill, data } = await stored(inst));
    expect(backfill.status).toBe(BulkActionStatus.COMPLETED_FAILED);
    expect(partsOf(data.materializedSubset)).toEqual({ upstream: ['apac', 'eu'], downstream: ['apac', 'eu'] });
    expect(await runsOf(inst)).toHaveLength(5);
  });

  it.skipIf(!available)('a canceled asset backfill cancels its queued runs, requests nothing more and ends CANCELED', async () => {
    const { inst, ctx, clock } = await setup(backend);
    await executeBackfillIteration(ctx);
    const runs = await runsOf(inst);
    await finish(inst, runs.find((r) => r.tags[RUN_TAGS.PARTITION_NAME] === 'eu')!);
    const { backfill } = await stored(inst);
    await inst.updateBackfill(backfill.withStatus(BulkActionStatus.CANCELING));
    clock.t = T0 + 60;
    const [result] = await executeBackfillIteration(ctx);
    expect(result!.runsCanceled).toBe(2);
    const after = await runsOf(inst);
    expect(after).toHaveLength(3);
    expect(after.filter((r) => r.status === DagsterRunStatus.CANCELED)).toHaveLength(2);
    const { backfill: canceled, data } = await stored(inst);
    expect(canceled.status).toBe(BulkActionStatus.CANCELED);
    expect(canceled.backfillEndTimestamp).toBe(T0 + 60);
    expect(partsOf(data.materializedSubset)).toEqual({ upstream: ['eu'] });
    expect(partsOf(data.failedAndDownstreamSubset)).toEqual({ upstream: ['apac', 'us'] });
    await executeBackfillIteration(ctx);
    expect(await runsOf(inst)).toHaveLength(3);
  });

  it.skipIf(!available)('a daemon that crashes while creating runs continues on restart without creating a run twice', async () => {
    const { inst, ctx } = await setup(backend);
    let created = 0;
    await expect(
      executeBackfillIteration(ctx, {
        chunkSize: 1,
        crashAt: (point) => {
          if (point === 'RUN_CREATED' && ++created === 2) throw new SimulatedCrashError(point);
        },
      }),
    ).rejects.toThrow(SimulatedCrashError);
    expect(await runsOf(inst)).toHaveLength(2);
    // The first chunk's request was stored; the crashed one's run exists but is not in requested_subset yet.
    expect(partsOf((await stored(inst)).data.requestedSubset).upstream).toHaveLength(1);
    await executeBackfillIteration(ctx); // the restarted daemon
    const runs = await runsOf(inst);
    expect(runs.map(covers).sort()).toEqual([['upstream@apac'], ['upstream@eu'], ['upstream@us']]);
    // The run created just before the crash was never submitted: the restarted daemon submitted it.
    expect(runs.map((r) => r.status)).toEqual([DagsterRunStatus.QUEUED, DagsterRunStatus.QUEUED, DagsterRunStatus.QUEUED]);
    expect(partsOf((await stored(inst)).data.requestedSubset)).toEqual({ upstream: ['apac', 'eu', 'us'] });
    for (const r of runs) if (r.status !== DagsterRunStatus.SUCCESS) await finish(inst, r);
    await executeBackfillIteration(ctx);
    expect((await runsOf(inst)).map(covers).filter((c) => c[0]!.startsWith('downstream'))).toHaveLength(3);
  });
});

describe('an asset backfill with an unpartitioned asset', () => {
  const summary = defineAsset({ key: 'summary', deps: [upstream] }, async () => 'all regions');
  const mixed = new Definitions({ assets: [upstream, summary] });

  it('requests the unpartitioned child once every targeted partition of its parent is materialized', async () => {
    instance = await tempInstance();
    const inst = instance;
    const ctx = contextFor(inst, workspaceOf(inProcessCodeLocation(mixed, 'mixed_location')), new Clock(T0));
    const target = new AssetGraphSubset({
      partitionsSubsetsByAssetKey: subsetOf({ upstream: REGIONS }).partitionsSubsetsByAssetKey,
      nonPartitionedAssetKeys: new Set([new AssetKey(['summary'])]),
    });
    await inst.addBackfill(
      new PartitionBackfill({
        backfillId: ID,
        status: BulkActionStatus.REQUESTED,
        fromFailure: false,
        backfillTimestamp: T0,
        assetBackfillData: emptyAssetBackfillData(target, T0),
      }),
    );
    await executeBackfillIteration(ctx);
    const runs = await runsOf(inst);
    expect(runs.map(covers).sort()).toEqual([['upstream@apac'], ['upstream@eu'], ['upstream@us']]);
    await finish(inst, runs[0]!);
    await finish(inst, runs[1]!);
    await executeBackfillIteration(ctx);
    expect(await runsOf(inst)).toHaveLength(3); // one partition of the parent is still missing
    await finish(inst, runs[2]!);
    await executeBackfillIteration(ctx);
    const summaryRun = (await runsOf(inst)).find((r) => [...(r.assetSelection ?? [])].some((k) => k.toUserString() === 'summary'));
    expect(summaryRun?.tags[RUN_TAGS.PARTITION_NAME]).toBeUndefined();
    await finish(inst, summaryRun!);
    await executeBackfillIteration(ctx);
    const { backfill, data } = await stored(inst);
    expect(backfill.status).toBe(BulkActionStatus.COMPLETED_SUCCESS);
    expect([...data.materializedSubset.nonPartitionedAssetKeys].map((k) => k.toUserString())).toEqual(['summary']);
  });
});

describe('a legacy asset backfill (serialized_asset_backfill_data)', () => {
  // As Dagster's AssetBackfillData.serialize() writes it: json.dumps of storage dicts with JSON-string subsets.
  const sub = (keys: string) => JSON.stringify(`{"version": 1, "subset": [${keys}]}`);
  const storage = (parts: [string, string][]) =>
    `{"partitions_subsets_by_asset_key": {${parts.map(([k, keys]) => `"${k}": ${sub(keys)}`).join(', ')}}, ` +
    `"serializable_partitions_def_ids_by_asset_key": {${parts.map(([k]) => `"${k}": "5e1f0c3a"`).join(', ')}}, ` +
    `"partitions_def_class_names_by_asset_key": {${parts.map(([k]) => `"${k}": "StaticPartitionsDefinition"`).join(', ')}}, ` +
    '"non_partitioned_asset_keys": []}';
  const all = '"eu", "us", "apac"';
  const LEGACY =
    `{"requested_runs_for_target_roots": false, "serialized_target_subset": ${storage([['upstream', all], ['downstream', all]])}, ` +
    `"latest_storage_id": null, "serialized_requested_subset": ${storage([])}, "serialized_materialized_subset": ${storage([])}, ` +
    `"serialized_failed_subset": ${storage([])}}`;

  it('reads and writes the legacy string byte for byte', () => {
    const { data, defs } = readLegacyAssetBackfillData(LEGACY, T0);
    expect(partsOf(data.targetSubset)).toEqual({ upstream: ['apac', 'eu', 'us'], downstream: ['apac', 'eu', 'us'] });
    expect(writeLegacyAssetBackfillData(data, defs)).toBe(LEGACY);
  });

  it('runs to COMPLETED_SUCCESS and keeps the backfill in the legacy form', async () => {
    instance = await tempInstance();
    const inst = instance;
    const ctx = contextFor(inst, workspaceOf(inProcessCodeLocation(defs, 'assets_location')), new Clock(T0));
    await inst.addBackfill(
      new PartitionBackfill({ backfillId: ID, status: BulkActionStatus.REQUESTED, fromFailure: false, backfillTimestamp: T0, serializedAssetBackfillData: LEGACY }),
    );
    for (let i = 0; i < 3; i++) {
      await executeBackfillIteration(ctx);
      for (const r of await runsOf(inst)) if (r.status === DagsterRunStatus.QUEUED) await finish(inst, r);
    }
    await executeBackfillIteration(ctx);
    const backfill = (await inst.getBackfill(ID))!;
    expect(backfill.status).toBe(BulkActionStatus.COMPLETED_SUCCESS);
    expect(backfill.assetBackfillData).toBeNull();
    const stored = JSON.parse(backfill.serializedAssetBackfillData!) as { serialized_materialized_subset: { partitions_subsets_by_asset_key: Record<string, string> } };
    const materialized = stored.serialized_materialized_subset.partitions_subsets_by_asset_key;
    expect(Object.keys(materialized).sort()).toEqual(['downstream', 'upstream']);
    expect((JSON.parse(materialized.downstream!) as { subset: string[] }).subset.sort()).toEqual(['apac', 'eu', 'us']);
    expect(await runsOf(inst)).toHaveLength(6);
  });
});

describe('AssetBackfillData serdes', () => {
  // Written from Dagster's source: AssetBackfillData / AssetGraphSubset are NamedTuples (keys sorted on write), the
  // AssetKey-keyed subsets mapping goes out as __mapping_items__ (SerializableNonScalarKeyMapping), sets sorted.
  const subset = (parts: string) =>
    `{"__class__": "AssetGraphSubset", "non_partitioned_asset_keys": {"__set__": []}, "partitions_subsets_by_asset_key": {"__mapping_items__": [${parts}]}}`;
  const up = (keys: string) => `[{"__class__": "AssetKey", "path": ["upstream"]}, {"__class__": "DefaultPartitionsSubset", "subset": {"__set__": [${keys}]}}]`;
  const down = (keys: string) => `[{"__class__": "AssetKey", "path": ["downstream"]}, {"__class__": "DefaultPartitionsSubset", "subset": {"__set__": [${keys}]}}]`;
  const DOC =
    '{"__class__": "AssetBackfillData", ' +
    '"backfill_start_time": {"__class__": "TimestampWithTimezone", "timestamp": 1717200000.0, "timezone": "UTC"}, ' +
    `"failed_and_downstream_subset": ${subset(`${up('"us"')}, ${down('"us"')}`)}, ` +
    '"latest_storage_id": 42, ' +
    `"materialized_subset": ${subset(up('"apac", "eu"'))}, ` +
    '"requested_runs_for_target_roots": true, ' +
    `"requested_subset": ${subset(up('"apac", "eu", "us"'))}, ` +
    `"target_subset": ${subset(`${up('"apac", "eu", "us"')}, ${down('"apac", "eu", "us"')}`)}}`;

  it('reads a Dagster-shaped AssetBackfillData and writes it back byte for byte, also when built in code', () => {
    const data = deserializeValue(DOC) as AssetBackfillData;
    expect(data).toBeInstanceOf(AssetBackfillData);
    expect(data.latestStorageId).toBe(42);
    expect(data.backfillStartTimestamp).toBe(T0);
    expect(partsOf(data.failedAndDownstreamSubset)).toEqual({ upstream: ['us'], downstream: ['us'] });
    expect(serializeValue(data)).toBe(DOC);
    const built = new AssetBackfillData({
      targetSubset: subsetOf({ upstream: ['us', 'eu', 'apac'], downstream: ['eu', 'apac', 'us'] }),
      requestedRunsForTargetRoots: true,
      latestStorageId: 42,
      materializedSubset: subsetOf({ upstream: ['eu', 'apac'] }),
      requestedSubset: subsetOf({ upstream: ['us', 'apac', 'eu'] }),
      failedAndDownstreamSubset: subsetOf({ upstream: ['us'], downstream: ['us'] }),
      backfillStartTime: new TimestampWithTimezone({ timestamp: T0, timezone: 'UTC' }),
    });
    expect(serializeValue(built)).toBe(DOC);
  });

  it('round-trips through backfill storage unchanged', async () => {
    instance = await tempInstance();
    const data = deserializeValue(DOC) as AssetBackfillData;
    await instance.addBackfill(
      new PartitionBackfill({ backfillId: ID, status: BulkActionStatus.REQUESTED, fromFailure: false, backfillTimestamp: T0, assetBackfillData: data }),
    );
    const back = (await instance.getBackfill(ID))!;
    expect(back.isAssetBackfill).toBe(true);
    expect(serializeValue(back.assetBackfillData)).toBe(DOC);
  });
});

describe('an asset backfill run by real run workers', () => {
  const locationDir = fileURLToPath(new URL('./asset-location/', import.meta.url));
  let home: string | undefined;
  let location: ChildProcessCodeLocation | undefined;
  afterEach(async () => {
    const launcher = instance?.runLauncher as ChildProcessRunLauncher | undefined;
    // A failed test may leave a worker running: stop it rather than wait.
    for (const pid of launcher?.activeWorkers.values() ?? []) if (pid > 0) process.kill(pid, 'SIGKILL');
    await launcher?.join(30_000);
    await location?.dispose();
    location = undefined;
    if (home) rmSync(home, { recursive: true, force: true });
    home = undefined;
  }, 60_000);

  it('materializes upstream then downstream partitions in worker processes; the failed partition ends it COMPLETED_FAILED', async () => {
    home = tempHome(
      ['run_coordinator:', '  module: dagster.core.run_coordinator', '  class: DefaultRunCoordinator', 'run_launcher:', '  module: dagster.core.launcher', '  class: DefaultRunLauncher', ''].join('\n'),
    );
    instance = await Instance.fromConfig(home);
    location = new ChildProcessCodeLocation({ locationName: 'assets', file: join(locationDir, 'defs.ts'), workingDirectory: locationDir }, { output: 'ignore' });
    const inst = instance;
    const ctx = contextFor(inst, workspaceOf(location), new Clock(T0));
    await addAssetBackfill(inst);
    // Daemon iterations, each after the runs of the previous one have finished (at most one per asset level + 1).
    for (let i = 0; i < 4; i++) {
      await executeBackfillIteration(ctx);
      await waitFor(async () => (await runsOf(inst)).every((r) => r.isFinished), 'the backfill runs to finish');
    }
    const { backfill, data } = await stored(inst);
    expect(backfill.status).toBe(BulkActionStatus.COMPLETED_FAILED);
    expect(partsOf(data.materializedSubset)).toEqual({ upstream: ['apac', 'eu'], downstream: ['apac', 'eu'] });
    expect(partsOf(data.failedAndDownstreamSubset)).toEqual({ upstream: ['us'], downstream: ['us'] });
    const runs = await runsOf(inst);
    expect(runs.map(covers).sort()).toEqual([['downstream@apac'], ['downstream@eu'], ['upstream@apac'], ['upstream@eu'], ['upstream@us']]);
    expect(runs.find((r) => r.tags[RUN_TAGS.PARTITION_NAME] === 'us')!.status).toBe(DagsterRunStatus.FAILURE);
    for (const run of runs) expect(runWorkerOf(run.tags)?.pid).not.toBe(process.pid);
    // As Dagster's: the asset selection alone subsets the job (no step keys).
    expect(runs.every((r) => r.stepKeysToExecute === null)).toBe(true);
  }, 180_000);
});
