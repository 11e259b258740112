import { setSnapshotBuilders } from '../job';
import { executionPlanSnapshot } from './execution-plan';
import { jobSnapshot } from './job-snapshot';

setSnapshotBuilders({ jobSnapshot, executionPlanSnapshot: (job, options) => executionPlanSnapshot(job, options ?? {}) });

export { jobSnapshot, jobSnapshotId } from './job-snapshot';
export { executionPlanSnapshot, toposortStepKeys, DEFAULT_EXECUTOR_NAME, type ExecutionPlanOptions } from './execution-plan';
export { computeFieldsHash, shapeKey, selectorKey, jobConfigSchema, type ConfigField } from './config-schema';
