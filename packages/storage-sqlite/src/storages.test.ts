import { describe, expect, it } from 'vitest';
import { DagsterRun } from '@inst/types';
import { openSqliteStorages, type SqliteStorages } from './storages.js';

describe('openSqliteStorages', () => {
  it('is AsyncDisposable: `await using` disposes the storages and closes the layout, and dispose() again is safe', async () => {
    let kept: SqliteStorages | undefined;
    {
      await using storages = await openSqliteStorages(':memory:');
      kept = storages;
      await storages.runStorage.addRun(new DagsterRun({ runId: 'r', jobName: 'job' }));
      expect(await storages.runStorage.getRuns()).toHaveLength(1);
    }
    await expect(kept.runStorage.getRuns()).rejects.toThrow();
    await kept.dispose();
    await kept[Symbol.asyncDispose]();
  });
});
