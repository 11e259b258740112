import { describeScheduleStorage } from '@inst/storage/testing';
import { describe } from 'vitest';
import { usePostgresBackend } from './test-support/conformance.js';

/*
 * The schedule storage conformance suite of @inst/storage on the real backend (openPostgresStorages, one
 * pool per test, a scratch database per suite; see test-support/conformance.ts).
 */

describe('schedule storage on Postgres', () => {
  const open = usePostgresBackend('inst_conf_schedules');
  describeScheduleStorage('postgres', { create: async () => (await open()).scheduleStorage });
});
