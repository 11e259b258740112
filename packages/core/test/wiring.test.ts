import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FreshnessState, FreshnessStateChange } from '@inst/assets';
import {
  AssetCheckEvaluation,
  AssetCheckKey,
  AssetKey,
  BulkActionStatus,
  DagsterEventType,
  DagsterRunStatus,
  PartitionBackfill,
  RUN_TAGS,
  type DagsterEvent,
  type EventLogEntry,
} from '@inst/types';
import { afterEach, describe, expect, it } from 'vitest';
import { JOB, plan, step } from '../../runs/test/fake-ops';
import { Instance } from '../src/index';

/*
 * Wiring tests: each ops member a domain uses, provided by Instance's adapter on a real SQLite home and behaving
 * as the domain's fake assumes (issue #11, "wiring tests, not fakes").
 */

const dirs: string[] = [];
const opened: Instance[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inst-wiring-'));
  dirs.push(dir);
  return dir;
}
async function open<T extends Instance>(make: Promise<T>): Promise<T> {
  const instance = await make;
  opened.push(instance);
  return instance;
}

afterEach(async () => {
  for (const instance of opened.splice(0)) await instance.dispose();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const A = new AssetKey(['wiring', 'a']);
const B = new AssetKey('b');

describe('the facade wires its domains as their fakes assume (SQLite home)', () => {
  it('concurrency.pools.default_limit reaches the event storage (a new pool gets the default limit)', async () => {
    const instance = await open(Instance.localTemp(tempDir(), { concurrency: { pools: { default_limit: 3 } } }));
    expect(instance.globalOpConcurrencyDefaultLimit).toBe(3);
    expect(await instance.eventLogStorage.initializeConcurrencyLimitToDefault('pool_a')).toBe(true);
    expect((await instance.eventLogStorage.getConcurrencyInfo('pool_a')).slotCount).toBe(3);
    // The executor initializes an unknown pool to the default before claiming (Dagster's concurrency context).
    const claim = await instance.eventLogStorage.claimConcurrencySlot('pool_a', 'run-1', 'step-1');
    expect(claim.slotStatus).toBe('CLAIMED');
  });

  it("the default limit is read through the instance, so a subclass's globalOpConcurrencyDefaultLimit is seen", async () => {
    class SevenSlots extends Instance {
      override get globalOpConcurrencyDefaultLimit(): number {
        return 7;
      }
    }
    const instance = await open(SevenSlots.localTemp(tempDir()));
    expect(await instance.eventLogStorage.initializeConcurrencyLimitToDefault('pool_c')).toBe(true);
    expect((await instance.eventLogStorage.getConcurrencyInfo('pool_c')).slotCount).toBe(7);
  });

  it('re-execution with useParentRunTags keeps the backfill tags while the backfill is REQUESTED (ops.getBackfill is provided)', async () => {
    const instance = await open(Instance.localTemp(tempDir()));
    await instance.addBackfill(new PartitionBackfill({ backfillId: 'bf1', status: BulkActionStatus.REQUESTED, fromFailure: false, backfillTimestamp: 1_700_000_000 }));
    const p = plan([step('a')]);
    const parent = await instance.createRun({
      jobName: 'etl',
      jobSnapshot: JOB,
      executionPlanSnapshot: p,
      status: DagsterRunStatus.FAILURE,
      tags: { [RUN_TAGS.BACKFILL_ID]: 'bf1', keep: 'me' },
    });
    const location = {
      getExecutionPlan: () => p,
      getJobSubset: (job: unknown) => job,
    };
    const child = await instance.createReexecutedRun({
      parentRun: parent,
      codeLocation: location as never,
      remoteJob: { jobSnapshot: JOB, tags: {} } as never,
      strategy: 'ALL_STEPS',
      useParentRunTags: true,
    });
    expect(child.tags[RUN_TAGS.BACKFILL_ID]).toBe('bf1');
    expect(child.tags.keep).toBe('me');

    // Once the backfill is done, its tags are dropped (Dagster's rule; the fake's assumption too).
    const stored = (await instance.getBackfill('bf1'))!;
    await instance.updateBackfill(stored.withStatus(BulkActionStatus.COMPLETED_SUCCESS));
    const again = await instance.createReexecutedRun({ parentRun: parent, codeLocation: location as never, remoteJob: { jobSnapshot: JOB, tags: {} } as never, strategy: 'ALL_STEPS', useParentRunTags: true });
    expect(again.tags[RUN_TAGS.BACKFILL_ID]).toBeUndefined();
  });

  it('getFreshnessStateRecords returns the stored FRESHNESS_STATE_CHANGE state, the newest per key', async () => {
    const instance = await open(Instance.localTemp(tempDir()));
    expect((await instance.getFreshnessStateRecords([A])).size).toBe(0);
    await instance.reportRunlessAssetEvent(new FreshnessStateChange({ key: A, newState: FreshnessState.WARN, previousState: FreshnessState.PASS, stateChangeTimestamp: 1_700_000_000 }));
    await instance.reportRunlessAssetEvent(new FreshnessStateChange({ key: A, newState: FreshnessState.FAIL, previousState: FreshnessState.WARN, stateChangeTimestamp: 1_700_000_100 }));
    await instance.reportRunlessAssetEvent(new FreshnessStateChange({ key: B, newState: FreshnessState.PASS, previousState: FreshnessState.UNKNOWN, stateChangeTimestamp: 1_700_000_050 }));
    const records = await instance.getFreshnessStateRecords([A, B, new AssetKey('never')]);
    expect(Object.fromEntries([...records].map(([key, record]) => [key.toUserString(), [record.freshnessState, record.updatedAt.getTime() / 1000]]))).toEqual({
      'wiring/a': ['FAIL', 1_700_000_100],
      b: ['PASS', 1_700_000_050],
    });
    expect([...records.keys()].every((key) => key === A || key === B)).toBe(true);
  });

  it("planned events go through reportDagsterEvent / handleNewEvent: a subclass's override and listeners see them", async () => {
    const seen: string[] = [];
    class Recording extends Instance {
      override reportDagsterEvent(...args: Parameters<Instance['reportDagsterEvent']>): ReturnType<Instance['reportDagsterEvent']> {
        seen.push(`report:${(args[0] as DagsterEvent).eventTypeValue}`);
        return super.reportDagsterEvent(...args);
      }
      override handleNewEvent(...args: Parameters<Instance['handleNewEvent']>): ReturnType<Instance['handleNewEvent']> {
        seen.push(`handle:${(args[0] as EventLogEntry).dagsterEventType}`);
        return super.handleNewEvent(...args);
      }
    }
    const instance = await open(Recording.localTemp(tempDir()));
    const check = new AssetCheckKey({ assetKey: B, name: 'fresh' });
    const run = await instance.createRun({ jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: plan([step('s', { assets: [{ key: A }, { key: B }], checks: [check] })]) });
    expect(seen).toEqual([
      `report:${DagsterEventType.ASSET_MATERIALIZATION_PLANNED}`,
      `handle:${DagsterEventType.ASSET_MATERIALIZATION_PLANNED}`,
      `report:${DagsterEventType.ASSET_MATERIALIZATION_PLANNED}`,
      `handle:${DagsterEventType.ASSET_MATERIALIZATION_PLANNED}`,
      `report:${DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED}`,
      `handle:${DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED}`,
    ]);
    const logged = await instance.allLogs(run.runId);
    expect(logged.map((e) => [e.dagsterEventType, e.level])).toEqual([
      [DagsterEventType.ASSET_MATERIALIZATION_PLANNED, 10],
      [DagsterEventType.ASSET_MATERIALIZATION_PLANNED, 10],
      [DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, 10],
    ]);
    expect((await instance.getLatestPlannedMaterializationInfo(A))?.runId).toBe(run.runId);
  });

  it('with DAGSTER_EVENT_BATCH_SIZE set, the planned events of a run are stored as one batch', async () => {
    process.env.DAGSTER_EVENT_BATCH_SIZE = '100';
    let instance: Instance;
    try {
      instance = await open(Instance.localTemp(tempDir()));
    } finally {
      delete process.env.DAGSTER_EVENT_BATCH_SIZE;
    }
    const storage = instance.eventLogStorage;
    const batches: number[] = [];
    const original = storage.storeEventBatch.bind(storage);
    (storage as { storeEventBatch: typeof storage.storeEventBatch }).storeEventBatch = async (events) => {
      batches.push(events.length);
      return original(events);
    };
    const run = await instance.createRun({ jobName: 'etl', jobSnapshot: JOB, executionPlanSnapshot: plan([step('s', { assets: [{ key: A }, { key: B }] })]) });
    expect(batches).toEqual([2]);
    expect((await instance.allLogs(run.runId)).length).toBe(2);
  });

  it('wipeAssets keeps the asset’s check executions, as Dagster does', async () => {
    const instance = await open(Instance.localTemp(tempDir()));
    const check = new AssetCheckKey({ assetKey: A, name: 'not_empty' });
    await instance.reportRunlessAssetEvent(new AssetCheckEvaluation({ assetKey: A, checkName: 'not_empty', passed: true }));
    expect(await instance.getLatestAssetCheckEvaluationRecord(check)).not.toBeNull();
    await instance.wipeAssets([A]);
    const kept = await instance.getLatestAssetCheckEvaluationRecord(check);
    expect(kept).not.toBeNull();
    expect(kept).not.toBeUndefined();
  });

  it('supportsBatchTickQueries is a plain boolean, as Dagster’s property', async () => {
    const persistent = await open(Instance.localTemp(tempDir()));
    expect(persistent.supportsBatchTickQueries).toBe(true);
    const ephemeral = await open(Instance.ephemeral());
    expect(ephemeral.supportsBatchTickQueries).toBe(false);
  });

  it('infoDict, getRequiredDaemonTypes and getConcurrencyConfig describe the coordinator that actually runs', async () => {
    const queued = await open(Instance.localTemp(tempDir()));
    expect(queued.runCoordinator.constructor.name).toBe('QueuedRunCoordinator');
    expect(queued.getRequiredDaemonTypes()).toContain('QUEUED_RUN_COORDINATOR');
    expect(queued.getConcurrencyConfig().runQueueConfig).toBeDefined();
    expect((queued.infoDict().run_coordinator as { class: string }).class).toBe('QueuedRunCoordinator');

    const immediate = await open(Instance.localTemp(tempDir(), { run_coordinator: { module: 'dagster', class: 'DefaultRunCoordinator' } }));
    expect(immediate.getRequiredDaemonTypes()).not.toContain('QUEUED_RUN_COORDINATOR');
    expect(immediate.getConcurrencyConfig().runQueueConfig).toBeUndefined();
    expect((immediate.infoDict().run_coordinator as { class: string }).class).toBe('DefaultRunCoordinator');

    // An ephemeral instance runs a DefaultRunCoordinator although Dagster's default config names the queued one.
    const ephemeral = await open(Instance.ephemeral());
    expect(ephemeral.runCoordinator.constructor.name).toBe('DefaultRunCoordinator');
    expect((ephemeral.infoDict().run_coordinator as { class: string }).class).toBe('DefaultRunCoordinator');
    expect(ephemeral.getConcurrencyConfig().runQueueConfig).toBeUndefined();
    expect(ephemeral.getRequiredDaemonTypes()).toEqual([]);
  });
});
