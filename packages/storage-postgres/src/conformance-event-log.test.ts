import { describeEventLogStorage } from '@inst/storage/testing';
import type { SqlEventLogStorage } from '@inst/storage-sql';
import { describe } from 'vitest';
import { usePostgresBackend } from './test-support/conformance.js';

/*
 * The event log storage conformance suite of @inst/storage on the real backend (openPostgresStorages, one
 * pool per test, a scratch database per suite; see test-support/conformance.ts).
 */

describe('event log storage on Postgres', () => {
  const open = usePostgresBackend('inst_conf_events');
  const limits = new WeakMap<object, { limit: number | null }>();
  describeEventLogStorage('postgres', {
    create: async () => {
      const setting = { limit: null as number | null };
      const { eventLogStorage } = await open({ defaultPoolLimit: () => setting.limit });
      limits.set(eventLogStorage, setting);
      return eventLogStorage;
    },
    capabilities: { canSetConcurrencyDefaults: true },
    setDefaultPoolLimit: (storage, limit) => {
      limits.get(storage)!.limit = limit;
    },
    rawSql: {
      forRun: (storage, runId) => (storage as SqlEventLogStorage).connections.forRun(runId),
      index: (storage) => Promise.resolve((storage as SqlEventLogStorage).connections.index),
    },
  });
});
