import { describeRunStorage } from '@inst/storage/testing';
import { describe } from 'vitest';
import { usePostgresBackend } from './test-support/conformance.js';

/*
 * The run storage conformance suite of @inst/storage on the real backend (openPostgresStorages, one
 * pool per test, a scratch database per suite; see test-support/conformance.ts).
 */

describe('run storage on Postgres', () => {
  const open = usePostgresBackend('inst_conf_runs');
  describeRunStorage('postgres', { create: async () => (await open()).runStorage });
});
