import type { PrintFn } from '../common';
import type { EventLogStorage } from '../event-log-storage';
import type { RunStorage } from '../run-storage';
import type { ScheduleStorage } from '../schedule-storage';

/**
 * What the storage domain needs of an instance (Dagster's `StorageInstanceOps`): its three storages and
 * where its local artifacts live.
 */
export interface StorageInstanceOps {
  readonly runStorage: RunStorage;
  readonly eventLogStorage: EventLogStorage;
  readonly scheduleStorage: ScheduleStorage | undefined;
  /** Base directory of the local artifact storage. */
  readonly rootDirectory: string;
}

export type { PrintFn };
