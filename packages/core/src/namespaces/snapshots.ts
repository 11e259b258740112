import type { Instance } from '../instance';
import type { P, R } from './support';

/** Job and execution plan snapshots: `instance.snapshots.getJob(snapshotId)` … */
export function snapshotsNamespace(instance: Instance) {
  return {
    add: (snapshot: P<'addSnapshot'>[0]): R<'addSnapshot'> => instance.addSnapshot(snapshot),
    has: (snapshotId: string): R<'hasSnapshot'> => instance.hasSnapshot(snapshotId),
    getJob: (snapshotId: string): R<'getJobSnapshot'> => instance.getJobSnapshot(snapshotId),
    hasJob: (snapshotId: string): R<'hasJobSnapshot'> => instance.hasJobSnapshot(snapshotId),
    getHistoricalJob: (snapshotId: string): R<'getHistoricalJob'> => instance.getHistoricalJob(snapshotId),
    hasHistoricalJob: (snapshotId: string): R<'hasHistoricalJob'> => instance.hasHistoricalJob(snapshotId),
    getExecutionPlan: (snapshotId: string): R<'getExecutionPlanSnapshot'> => instance.getExecutionPlanSnapshot(snapshotId),
  };
}

export type SnapshotsNamespace = ReturnType<typeof snapshotsNamespace>;
