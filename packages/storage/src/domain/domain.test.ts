import { InvalidArgumentError } from '@inst/errors';
import { describe, expect, it } from 'vitest';
import type { EventLogStorage } from '../event-log-storage';
import type { RunStorage } from '../run-storage';
import * as domain from './index';

/** A tiny event log with only what the partitions members use. */
function fakeEventLog() {
  const partitions = new Map<string, string[]>();
  const storage = {
    getDynamicPartitions: async (name: string) => [...(partitions.get(name) ?? [])],
    hasDynamicPartition: async (name: string, key: string) => (partitions.get(name) ?? []).includes(key),
    addDynamicPartitions: async (name: string, keys: readonly string[]) => {
      const list = partitions.get(name) ?? [];
      for (const key of keys) if (!list.includes(key)) list.push(key);
      partitions.set(name, list);
    },
    deleteDynamicPartition: async (name: string, key: string) => {
      partitions.set(name, (partitions.get(name) ?? []).filter((k) => k !== key));
    },
  };
  return storage as unknown as EventLogStorage;
}

describe('the storage domain', () => {
  it('adds dynamic partitions once, in order, and deletes them', async () => {
    const ops = { eventLogStorage: fakeEventLog() };
    await domain.addDynamicPartitions(ops, 'regions', ['eu', 'us']);
    await domain.addDynamicPartitions(ops, 'regions', ['us', 'apac']);
    expect(await domain.getDynamicPartitions(ops, 'regions')).toEqual(['eu', 'us', 'apac']);
    expect(await domain.hasDynamicPartition(ops, 'regions', 'apac')).toBe(true);
    await domain.deleteDynamicPartition(ops, 'regions', 'us');
    await domain.deleteDynamicPartition(ops, 'regions', 'us');
    expect(await domain.getDynamicPartitions(ops, 'regions')).toEqual(['eu', 'apac']);
  });

  it("computes the definition id as Dagster does: sha1 of json.dumps(keys)", async () => {
    const ops = { eventLogStorage: fakeEventLog() };
    await domain.addDynamicPartitions(ops, 'regions', ['eu', 'é']);
    // hashlib.sha1(json.dumps(["eu", "é"]).encode("utf-8")).hexdigest()
    expect(await domain.getDynamicPartitionsDefinitionId(ops, 'regions')).toBe('97a2e82e9fd27f3ab0f5dcdd33118e50ee729bef');
    await domain.addDynamicPartitions(ops, 'regions', ['us']);
    expect(await domain.getDynamicPartitionsDefinitionId(ops, 'regions')).not.toBe('97a2e82e9fd27f3ab0f5dcdd33118e50ee729bef');
  });

  it('rejects bad names, keys and limits before writing', async () => {
    const ops = { eventLogStorage: fakeEventLog() };
    expect(() => domain.addDynamicPartitions(ops, '', ['a'])).toThrow(InvalidArgumentError);
    expect(() => domain.addDynamicPartitions(ops, 'p', ['a', ''])).toThrow(InvalidArgumentError);
    expect(() => domain.getPaginatedDynamicPartitions(ops, 'p', 0, true)).toThrow(InvalidArgumentError);
    expect(await domain.getDynamicPartitions(ops, 'p')).toEqual([]);
  });

  it('wipes runs and events, and runs upgrades in order', async () => {
    const calls: string[] = [];
    const record = (name: string) => async () => void calls.push(name);
    const runStorage = { wipe: record('runs.wipe'), upgrade: record('runs.upgrade'), migrate: record('runs.migrate') } as unknown as RunStorage;
    const eventLogStorage = { wipe: record('events.wipe'), upgrade: record('events.upgrade'), reindexAssets: record('events.reindexAssets') } as unknown as EventLogStorage;
    await domain.wipe({ runStorage, eventLogStorage });
    await domain.upgrade({ runStorage, eventLogStorage, scheduleStorage: undefined });
    expect(calls).toEqual(['runs.wipe', 'events.wipe', 'runs.upgrade', 'runs.migrate', 'events.upgrade', 'events.reindexAssets']);
  });

  it('reports each upgrade step and stops between steps when the signal aborts', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    const record = (name: string) => async () => {
      calls.push(name);
      if (name === 'runs.migrate') controller.abort(new Error('stop here'));
    };
    const runStorage = { upgrade: record('runs.upgrade'), migrate: record('runs.migrate') } as unknown as RunStorage;
    const eventLogStorage = { upgrade: record('events.upgrade'), reindexAssets: record('events.reindexAssets') } as unknown as EventLogStorage;
    const progress: string[] = [];
    const printed: string[] = [];
    const upgrading = domain.upgrade({ runStorage, eventLogStorage, scheduleStorage: undefined }, {
      printFn: (line) => void printed.push(line),
      onProgress: (p) => void progress.push(`${p.operation}:${p.step}:${p.completed}/${p.total}`),
      signal: controller.signal,
    });
    await expect(upgrading).rejects.toThrow('stop here');
    // The step that was running finished; the next one never started.
    expect(calls).toEqual(['runs.upgrade', 'runs.migrate']);
    expect(progress).toEqual(['upgrade:run storage schema:0/4', 'upgrade:run storage data migrations:1/4']);
    expect(printed).toEqual(['Updating run storage...']);

    calls.length = 0;
    progress.length = 0;
    await domain.upgrade({ runStorage, eventLogStorage, scheduleStorage: undefined }, { onProgress: (p) => void progress.push(`${p.step}:${p.completed}/${p.total}`) });
    expect(calls).toEqual(['runs.upgrade', 'runs.migrate', 'events.upgrade', 'events.reindexAssets']);
    expect(progress.at(-1)).toBe('done:4/4');
  });

  it('an aborted signal stops reindex before its first step, and wipe before it starts but not half-way', async () => {
    const calls: string[] = [];
    const record = (name: string, after?: () => void) => async () => {
      calls.push(name);
      after?.();
    };
    const runStorage = { wipe: record('runs.wipe'), optimize: record('runs.optimize') } as unknown as RunStorage;
    const eventLogStorage = { wipe: record('events.wipe'), reindexEvents: record('events.reindexEvents'), reindexAssets: record('events.reindexAssets') } as unknown as EventLogStorage;
    await expect(domain.reindex({ runStorage, eventLogStorage, scheduleStorage: undefined }, { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(domain.wipe({ runStorage, eventLogStorage }, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(calls).toEqual([]);
    // Aborted during the run storage wipe: the event storage is wiped too, so no event outlives its run.
    const controller = new AbortController();
    const wiping = { runStorage: { wipe: record('runs.wipe', () => controller.abort()) } as unknown as RunStorage, eventLogStorage };
    await domain.wipe(wiping, { signal: controller.signal });
    expect(calls).toEqual(['runs.wipe', 'events.wipe']);
  });

  it('places artifact directories under the root', () => {
    const ops = { rootDirectory: '/home/inst' };
    expect(domain.storageDirectory(ops)).toBe('/home/inst/storage');
    expect(domain.fileManagerDirectory(ops, 'r1')).toBe('/home/inst/storage/r1/files');
    expect(domain.schedulesDirectory(ops)).toBe('/home/inst/schedules');
  });
});
