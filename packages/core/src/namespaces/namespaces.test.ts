import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunNotFoundError } from '@inst/errors';
import { createScratchDatabase, pgAvailable } from '@inst/storage-postgres/testing';
import {
  AssetKey,
  AssetMaterialization,
  BulkActionStatus,
  DaemonHeartbeat,
  DagsterEventType,
  DagsterRun,
  DagsterRunStatus,
  InstigatorState,
  InstigatorStatus,
  InstigatorType,
  PartitionBackfill,
  RegisteredCodeLocationOrigin,
  RemoteRepositoryOrigin,
  TickData,
  TickStatus,
} from '@inst/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '../instance';
import type { Progress } from './support';

const PG = await pgAvailable();
const repository = new RemoteRepositoryOrigin({ codeLocationOrigin: new RegisteredCodeLocationOrigin({ locationName: 'loc' }), repositoryName: '__repository__' });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** A product subclass: overrides of flat members must be what the namespaces call. */
class ProductInstance extends Instance {
  readonly calls: string[] = [];

  override async getRunById(runId: string): Promise<DagsterRun | undefined> {
    this.calls.push(`getRunById:${runId}`);
    return super.getRunById(runId);
  }

  override getRuns(...args: Parameters<Instance['getRuns']>): ReturnType<Instance['getRuns']> {
    this.calls.push('getRuns');
    return super.getRuns(...args);
  }

  override async addDynamicPartitions(...args: Parameters<Instance['addDynamicPartitions']>): Promise<void> {
    this.calls.push(`addDynamicPartitions:${args[0]}`);
    return super.addDynamicPartitions(...args);
  }

  override get telemetryEnabled(): boolean {
    return !super.telemetryEnabled;
  }
}

describe.each([['SQLite', false], ...(PG ? [['Postgres', true] as const] : [])] as const)('the namespaced API (%s)', (_backend, postgres) => {
  let home: string;
  let instance: ProductInstance;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'inst-namespaces-'));
    let overrides: Record<string, unknown> = {};
    if (postgres) {
      const scratch = await createScratchDatabase('inst_api_namespaces');
      drop = () => scratch.drop();
      overrides = { storage: { postgres: { postgres_url: scratch.url } } };
    }
    instance = await ProductInstance.localTemp(home, { ...overrides, telemetry: { enabled: false } });
  });

  afterAll(async () => {
    await instance.dispose();
    await drop?.();
    rmSync(home, { recursive: true, force: true });
  });

  it('runs: create, get, list with options, iterate in pages, count, tags, delete', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await instance.runs.create({ jobName: i % 2 ? 'odd' : 'even', tags: { n: String(i) } }));
    const [first] = created;
    expect((await instance.runs.get(first!.runId))?.jobName).toBe('even');
    expect(await instance.runs.has(first!.runId)).toBe(true);
    expect((await instance.runs.list({ filters: { jobName: 'odd' } })).map((r) => r.tags.n)).toEqual(['3', '1']);
    expect((await instance.runs.list({ filters: { tags: { n: '2' } }, limit: 5 })).map((r) => r.tags.n)).toEqual(['2']);
    expect((await instance.runs.list({ ascending: true, limit: 2 })).map((r) => r.tags.n)).toEqual(['0', '1']);
    const all = await collect(instance.runs.iterate({ pageSize: 2 }));
    expect(all.map((r) => r.tags.n)).toEqual(['4', '3', '2', '1', '0']);
    expect(await instance.runs.count({ filters: { statuses: [DagsterRunStatus.NOT_STARTED] } })).toBe(5);
    expect((await instance.runs.ids({ filters: { jobName: 'even' } })).length).toBe(3);
    expect((await instance.runs.records({ filters: { jobName: 'odd' }, limit: 1 }))[0]?.dagsterRun.tags.n).toBe('3');
    await instance.runs.addTags({ runId: first!.runId, newTags: { team: 'data' } });
    expect((await instance.runs.tags({ tagKeys: ['team'] }))[0]?.[0]).toBe('team');
    expect(await instance.runs.tagKeys()).toContain('team');
    await instance.runs.delete(created[4]!.runId);
    expect(await instance.runs.get(created[4]!.runId)).toBeUndefined();
  });

  it('runs: an iteration ends on the signal, between pages', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const run of instance.runs.iterate({ pageSize: 1, signal: controller.signal })) {
      seen.push(run.runId);
      controller.abort();
    }
    expect(seen).toHaveLength(1);
  });

  it('runs: the positional form of the 0.x namespace still works', async () => {
    const run = await instance.runs.create({ jobName: 'legacy' });
    expect((await instance.runs.list({ jobName: 'legacy' } as never)).map((r) => r.runId)).toEqual([run.runId]);
    expect((await instance.runs.list(undefined, undefined, 1)).length).toBe(1);
    await instance.runs.addTags(run.runId, { old: 'form' });
    expect((await instance.runs.get(run.runId))?.tags.old).toBe('form');
    expect(await instance.runs.count({ jobName: 'legacy' } as never)).toBe(1);
  });

  it('a subclass override of a flat member is what the namespace calls', async () => {
    const run = await instance.runs.create({ jobName: 'seen' });
    instance.calls.length = 0;
    await instance.runs.get(run.runId);
    await instance.runs.list({ limit: 1 });
    await collect(instance.runs.iterate({ pageSize: 50 }));
    await instance.partitions.add({ partitionsDefName: 'seen_def', partitionKeys: ['a'] });
    expect(instance.calls).toEqual([`getRunById:${run.runId}`, 'getRuns', 'getRuns', 'addDynamicPartitions:seen_def']);
    // The settings namespace reads the flat getter too, so the override shows in both; the config is unchanged.
    expect(instance.telemetryEnabled).toBe(true);
    expect(instance.settings.telemetryEnabled).toBe(true);
    expect(instance.settings.getSettings('telemetry')).toEqual({ enabled: false });
    expect(instance.settings.config.telemetry).toEqual({ enabled: false });
  });

  it('events: forRun, iterate, all, after, watch (RunNotFoundError for an unknown run, waitForRun to wait)', async () => {
    const run = await instance.runs.create({ jobName: 'events' });
    for (const message of ['one', 'two', 'three']) await instance.events.reportEngineEvent({ message, run });
    expect(JSON.stringify(await instance.events.all({ runId: run.runId }))).toContain('three');
    const page = await instance.events.forRun({ runId: run.runId, limit: 2, ascending: true });
    expect(page.records).toHaveLength(2);
    const records = await collect(instance.events.iterate({ runId: run.runId, pageSize: 1 }));
    expect(records.map((r) => r.storageId)).toEqual([...records.map((r) => r.storageId)].sort((a, b) => a - b));
    expect(records).toHaveLength(3);
    expect((await instance.events.after({ runId: run.runId, cursor: 0 })).length).toBeLessThan(records.length);

    const controller = new AbortController();
    const watched = instance.events.watch({ runId: run.runId, signal: controller.signal })[Symbol.asyncIterator]();
    expect((await watched.next()).value?.record.storageId).toBe(records[0]!.storageId);
    controller.abort();

    await expect(instance.events.watch({ runId: 'no-such-run' })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(instance.watchRunEvents('no-such-run', { untilRunEnds: true })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', runId: 'no-such-run' });

    const waiting = new AbortController();
    const later = new DagsterRun({ jobName: 'later', runId: crypto.randomUUID(), status: DagsterRunStatus.STARTED });
    const iterator = instance.events.watch({ runId: later.runId, waitForRun: true, signal: waiting.signal })[Symbol.asyncIterator]();
    const next = iterator.next();
    await instance.runs.add(later);
    await instance.events.reportEngineEvent({ message: 'arrived', run: later });
    expect(JSON.stringify((await next).value?.record.eventLogEntry)).toContain('arrived');
    waiting.abort();
    expect((await iterator.next()).done).toBe(true);

    // The all-runs log, in storage-id order, as an iterable and with a callback. It holds every event on Postgres;
    // a SQLite home's is index.db, with the asset and run-status events (as in Dagster), so this uses those.
    const all = new AbortController();
    const everything = instance.events.watchAll({ signal: all.signal })[Symbol.asyncIterator]();
    const firstNext = everything.next();
    const keys = ['first', 'second', 'third'].map((name) => new AssetKey(['watch_all', name]));
    for (const assetKey of keys) await instance.assets.reportRunlessEvent(new AssetMaterialization({ assetKey }));
    expect((await firstNext).value?.record.storageId).toBeGreaterThan(0);
    const seen: { key: string; storageId: number }[] = [];
    await instance.events.watchAllWith({
      eventTypes: [DagsterEventType.ASSET_MATERIALIZATION],
      signal: all.signal,
      cb: (watched) => {
        const key = watched.record.eventLogEntry.dagsterEvent?.assetKey?.toUserString() ?? '';
        if (key.startsWith('watch_all/')) seen.push({ key, storageId: watched.record.storageId });
        if (key === 'watch_all/third') all.abort();
      },
    });
    expect(seen.map((s) => s.key)).toEqual(keys.map((k) => k.toUserString()));
    expect(seen.map((s) => s.storageId)).toEqual([...seen.map((s) => s.storageId)].sort((a, b) => a - b));
    expect((await everything.next()).done).toBe(true);
  });

  it('assets: runless materializations, paged and iterated, keys, records, wipe key by key with progress and abort', async () => {
    const keys = ['a', 'b', 'c'].map((name) => new AssetKey(['ns', name]));
    for (const assetKey of keys) {
      for (let i = 0; i < 3; i++) await instance.assets.reportRunlessEvent(new AssetMaterialization({ assetKey, partition: `p${i}` }));
    }
    const page = await instance.assets.materializations({ filter: keys[0]!, limit: 2 });
    expect(page.records).toHaveLength(2);
    expect(page.hasMore).toBe(true);
    expect(await collect(instance.assets.iterateMaterializations({ filter: keys[0]!, pageSize: 2 }))).toHaveLength(3);
    expect((await instance.assets.allKeys()).map((k) => k.toUserString())).toEqual(expect.arrayContaining(['ns/a', 'ns/b', 'ns/c']));
    expect(await instance.assets.has(keys[1]!)).toBe(true);
    expect((await instance.assets.records([keys[1]!])).length).toBe(1);
    expect((await instance.assets.materializedPartitions({ assetKey: keys[2]! })).size).toBe(3);
    expect((await instance.assets.latestMaterialization(keys[2]!))?.assetMaterialization?.partition).toBe('p2');

    // Aborted after the first key: that key is wiped whole, the others are untouched.
    const controller = new AbortController();
    const progress: Progress[] = [];
    const wiping = instance.assets.wipe({
      assetKeys: keys,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p.completed === 1) controller.abort(new Error('enough'));
      },
    });
    await expect(wiping).rejects.toThrow('enough');
    expect(progress.map((p) => [p.step, p.completed, p.total])).toEqual([['ns/a', 0, 3], ['ns/b', 1, 3]]);
    expect(await instance.assets.has(keys[0]!)).toBe(false);
    // ns/b's step had started when the abort came from its progress callback: it is whole too, either way.
    expect((await instance.assets.materializedPartitions({ assetKey: keys[2]! })).size).toBe(3);
    await instance.assets.wipe({ assetKeys: keys.slice(1) });
    expect(await instance.assets.has(keys[2]!)).toBe(false);
  });

  it('partitions: add, list, page, iterate, has, delete', async () => {
    await instance.partitions.add({ partitionsDefName: 'regions', partitionKeys: ['eu', 'us', 'ap'] });
    expect(await instance.partitions.list('regions')).toEqual(['eu', 'us', 'ap']);
    const page = await instance.partitions.page({ partitionsDefName: 'regions', limit: 2, ascending: true });
    expect(page.results).toEqual(['eu', 'us']);
    expect(await collect(instance.partitions.iterate({ partitionsDefName: 'regions', pageSize: 1 }))).toEqual(['eu', 'us', 'ap']);
    expect(await instance.partitions.has({ partitionsDefName: 'regions', partitionKey: 'us' })).toBe(true);
    await instance.partitions.delete({ partitionsDefName: 'regions', partitionKey: 'us' });
    expect(await instance.partitions.list('regions')).toEqual(['eu', 'ap']);
  });

  it('schedules and sensors: states, ticks, start and stop', async () => {
    const origin = repository.getInstigatorOrigin('ns_sensor');
    const started = await instance.sensors.start({ origin, minIntervalSeconds: 30 });
    expect(started.status).toBe(InstigatorStatus.RUNNING);
    const ids = { originId: started.instigatorOriginId, selectorId: started.selectorId };
    expect((await instance.schedules.state(ids))?.status).toBe(InstigatorStatus.RUNNING);
    expect((await instance.sensors.states()).map((s) => s.origin.instigatorName)).toContain('ns_sensor');
    expect((await instance.schedules.states({ instigatorType: InstigatorType.SCHEDULE })).map((s) => s.origin.instigatorName)).not.toContain('ns_sensor');
    const timestamp = Date.now() / 1000;
    const tick = await instance.schedules.createTick(
      new TickData({ instigatorOriginId: ids.originId, selectorId: ids.selectorId, instigatorName: 'ns_sensor', instigatorType: InstigatorType.SENSOR, status: TickStatus.STARTED, timestamp }),
    );
    await instance.schedules.updateTick(tick.withStatus(TickStatus.SKIPPED));
    expect((await instance.schedules.ticks({ ...ids, limit: 5 })).map((t) => t.status)).toEqual([TickStatus.SKIPPED]);
    expect((await instance.schedules.tick({ ...ids, timestamp }))?.tickId).toBe(tick.tickId);
    await instance.schedules.purgeTicks({ ...ids, before: timestamp + 10 });
    expect(await instance.schedules.ticks(ids)).toEqual([]);
    expect((await instance.sensors.stop({ instigatorOriginId: ids.originId, selectorId: ids.selectorId })).status).toBe(InstigatorStatus.STOPPED);
    const other = new InstigatorState({ origin: repository.getInstigatorOrigin('ns_other'), instigatorType: InstigatorType.SENSOR, status: InstigatorStatus.STOPPED });
    await instance.schedules.addState(other);
    await instance.schedules.deleteState({ originId: other.instigatorOriginId, selectorId: other.selectorId });
    expect(await instance.schedules.state({ originId: other.instigatorOriginId, selectorId: other.selectorId })).toBeUndefined();
    expect(instance.schedules.tickRetentionSettings(InstigatorType.SENSOR)).toEqual(instance.getTickRetentionSettings(InstigatorType.SENSOR));
  });

  it('backfills: add, get, list, iterate, count, update', async () => {
    const now = Date.now() / 1000;
    const backfill = (backfillId: string, offset: number) =>
      new PartitionBackfill({ backfillId, status: BulkActionStatus.REQUESTED, fromFailure: false, tags: {}, backfillTimestamp: now + offset, partitionSetOrigin: repository.getPartitionSetOrigin('job_partition_set'), partitionNames: ['a'] });
    for (const [id, offset] of [['bf1', 1], ['bf2', 2], ['bf3', 3]] as const) await instance.backfills.add(backfill(id, offset));
    expect((await instance.backfills.get('bf2'))?.backfillId).toBe('bf2');
    expect((await instance.backfills.list({ limit: 2 })).map((b) => b.backfillId)).toEqual(['bf3', 'bf2']);
    expect((await collect(instance.backfills.iterate({ pageSize: 1 }))).map((b) => b.backfillId)).toEqual(['bf3', 'bf2', 'bf1']);
    await instance.backfills.update((await instance.backfills.get('bf1'))!.withStatus(BulkActionStatus.CANCELED));
    expect((await instance.backfills.list({ status: BulkActionStatus.CANCELED })).map((b) => b.backfillId)).toEqual(['bf1']);
    expect(await instance.backfills.count()).toBe(3);
  });

  it('daemons: heartbeats, statuses, wipe', async () => {
    await instance.daemons.addHeartbeat(new DaemonHeartbeat({ timestamp: 1_700_000_000, daemonType: 'SENSOR', daemonId: 'd1' }));
    expect((await instance.daemons.heartbeats()).get('SENSOR')?.daemonId).toBe('d1');
    expect((await instance.daemons.statuses({ daemonTypes: ['SENSOR'] })).get('SENSOR')?.required).toBe(true);
    await expect(instance.daemons.wipeHeartbeats({ signal: AbortSignal.abort() })).rejects.toThrow();
    expect((await instance.daemons.heartbeats()).size).toBe(1);
    await instance.daemons.wipeHeartbeats();
    expect((await instance.daemons.heartbeats()).size).toBe(0);
  });

  it('snapshots and settings read through the flat members', async () => {
    expect(await instance.snapshots.has('no-such-snapshot')).toBe(false);
    expect(instance.settings.runMonitoringEnabled).toBe(instance.runMonitoringEnabled);
    expect(instance.settings.storageConfig.kind === 'postgres').toBe(postgres);
  });

  it('storage: upgrade and reindex report their steps; an aborted signal stops before a step and leaves a working store', async () => {
    const progress: Progress[] = [];
    await instance.storage.upgrade({ onProgress: (p) => void progress.push(p) });
    expect(progress.at(0)).toMatchObject({ operation: 'upgrade', step: 'run storage schema', completed: 0 });
    expect(progress.at(-1)).toMatchObject({ step: 'done' });
    expect(progress.at(-1)!.completed).toBe(progress.at(-1)!.total);

    const controller = new AbortController();
    const steps: string[] = [];
    const reindexing = instance.storage.reindex({
      signal: controller.signal,
      onProgress: (p) => {
        steps.push(p.step);
        if (steps.length === 2) controller.abort(new Error('stop reindexing'));
      },
    });
    await expect(reindexing).rejects.toThrow('stop reindexing');
    expect(steps).toHaveLength(2);
    // The store still works, and the operation can simply be run again to the end.
    expect(await instance.storage.schema()).toContain('run_storage');
    await instance.storage.reindex();
    expect((await instance.runs.list({ limit: 1 })).length).toBe(1);
  });

  it('storage: wipe with an aborted signal wipes nothing; without one it wipes runs and events', async () => {
    const before = await instance.runs.count();
    expect(before).toBeGreaterThan(0);
    await expect(instance.storage.wipe({ signal: AbortSignal.abort() })).rejects.toThrow();
    expect(await instance.runs.count()).toBe(before);
    const progress: string[] = [];
    await instance.storage.wipe({ onProgress: (p) => void progress.push(p.step) });
    expect(progress).toEqual(['run storage', 'event storage', 'done']);
    expect(await instance.runs.count()).toBe(0);
  });
});
