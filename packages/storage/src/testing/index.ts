/**
 * Conformance suites: one per storage contract. A backend runs them with a factory of fresh storages,
 * e.g. `describeRunStorage('sqlite memory', { create: () => …, capabilities: {…} })`.
 */
export { describeScheduleStorage, type ScheduleStorageCapabilities, type ScheduleStorageSuiteOptions } from './schedule-storage-suite';
export { describeRunStorage, type RunStorageCapabilities, type RunStorageSuiteOptions } from './run-storage-suite';
export { describeEventLogStorage, type EventLogStorageCapabilities, type EventLogStorageSuiteOptions, type RawSql } from './event-log-storage-suite';
/** Event builders the suites use, for backends' own tests (crash and repair tests, child writer processes). */
export { engineEvent, materialization, newRunId, observation, runEvent, TestClock } from './event-log-fixtures';
