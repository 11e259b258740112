/**
 * `@inst/definitions`: what users declare — assets, op jobs, asset jobs, partitions, schedules, sensors and one
 * `Definitions` per code location — and the Dagster job / execution plan snapshots for them. No I/O.
 */
import './snapshots/index';

export * from './errors';
export { toAssetKey, assetKeyPythonIdentifier, assetCheckKeyPythonIdentifier, type AssetKeyLike } from './keys';
export {
  defineOp,
  input,
  output,
  Output,
  type In,
  type Out,
  type InputValues,
  type OutputValues,
  type RetryPolicy,
  type OpLogger,
  type OpContext,
  type AssetCheckResult,
  type InputDefinition,
  type OutputDefinition,
  type OpFn,
  type OpDefinition,
  type OpConfigSchema,
  type OpOptions,
  type DagsterTypeName,
} from './ops';
export {
  defineAsset,
  defineAssetCheck,
  type AssetContext,
  type AssetCheckSpec,
  type AssetCheckInStep,
  type AssetDefinition,
  type AssetCheckDefinition,
  type AssetOptions,
  type AssetCheckOptions,
  type AssetInsValues,
} from './assets';
export {
  defineJob,
  JobDefinition,
  type OutputRef,
  type InvocationRef,
  type InvocationInputs,
  type GraphBuilder,
  type NodeInput,
  type NodeOutput,
  type JobNode,
  type ExecutorOptions,
  type JobDefinitionInit,
  type JobSelection,
  type JobOpSpec,
  type JobOptions,
} from './job';
export { defineAssetJob, buildAssetJob, selectAssets, IMPLICIT_ASSET_JOB_NAME, type AssetSelection, type AssetJobDefinition, type AssetJobOptions, type BuildAssetJobOptions } from './asset-job';
export {
  defineSchedule,
  defineSensor,
  defineRunStatusSensor,
  addDynamicPartitions,
  deleteDynamicPartitions,
  SkipReason,
  type RunRequest,
  type DynamicPartitionsRequest,
  type ScheduleEvaluation,
  type SensorEvaluation,
  type DefaultInstigatorStatus,
  type ScheduleContext,
  type JobTarget,
  type ScheduleFnResult,
  type ScheduleOptions,
  type ScheduleDefinition,
  type SensorContext,
  type SensorResult,
  type SensorFnResult,
  type SensorType,
  type SensorOptions,
  type SensorDefinition,
  type RunStatusSensorContext,
  type RunStatusSensorOptions,
} from './instigators';
export { Definitions, type DefinitionsInit } from './definitions';
export { evaluateSchedule, evaluateSensor, type ScheduleEvaluationOptions, type SensorEvaluationOptions } from './evaluation';
export { RunStatusSensorCursor, type RunStatusSensorInstance } from './run-status-sensor';
export {
  PartitionsDefinition,
  StaticPartitionsDefinition,
  TimeWindowPartitionsDefinition,
  DynamicPartitionsDefinition,
  MultiPartitionsDefinition,
  staticPartitions,
  dailyPartitions,
  hourlyPartitions,
  weeklyPartitions,
  monthlyPartitions,
  timeWindowPartitions,
  dynamicPartitions,
  multiPartitions,
  multiPartitionKey,
  partitionKeys,
  type PartitionLoadingContext,
  type DynamicPartitionsLookup,
  type PartitionsKind,
  type TimeWindow,
  type TimeWindowPartitionsOptions,
  type TimeWindowClassName,
  type CadencePartitionsOptions,
  type PartitionDimension,
} from './partitions/definitions';
export {
  TimestampWithTimezone,
  PersistedTimeWindow,
  TimeWindowPartitionsDefinitionRecord,
  TimeWindowPartitionsSubset,
  DefaultPartitionsSubset,
  PartitionKeyRange,
  KeyRangesPartitionsSubset,
  type RecordInit,
} from './partitions/records';
export { cronTicks, reverseCronTicks, nextCronTick, isValidCronSchedule } from './partitions/cron';
export { strftime, strptime } from './partitions/time';
export { jobSnapshot, jobSnapshotId, executionPlanSnapshot, toposortStepKeys, DEFAULT_EXECUTOR_NAME, computeFieldsHash, shapeKey, selectorKey, type ExecutionPlanOptions, type ConfigField } from './snapshots/index';
export {
  statusPartitionsDefinition,
  statusPartitionsDefinitionFor,
  runPartitionsDefinition,
  runAssetGraph,
  partitionLoadingContext,
  type DynamicPartitionsSource,
  type AdapterOptions,
  type StatusPartitionsAdapter,
  type RunPartitionsAdapter,
  type RunAssetGraphAdapter,
} from './adapters';
