/**
 * The code location contract (CONTRACTS.md, `@inst/code-location`): what the instance, the daemons and the CLI
 * may ask of user code, without running it in their own process.
 */
import type { CodeLocationOrigin, ExecutionPlanSnapshot, JobSnapshot } from '@inst/types';

// The evaluation shapes are @inst/definitions' own: the code server returns what its evaluate functions give.
import type { ScheduleEvaluation, SensorEvaluation } from '@inst/definitions';
export type { RunRequest, ScheduleEvaluation, SensorEvaluation } from '@inst/definitions';

/** The tick a schedule is evaluated for. */
export interface ScheduleEvaluationContext {
  /** Epoch seconds. */
  scheduledExecutionTime: number;
  timezone?: string;
}

/** The state a sensor is evaluated from. `instance` is never sent to a code server. */
export interface SensorEvaluationContext {
  cursor: string | null;
  lastTickCompletionTime: number | null;
  lastRunKey: string | null;
  lastSensorStartTime: number | null;
  instance?: unknown;
}

/** Which part of a job to plan. */
export interface ExecutionPlanOptions {
  stepKeysToExecute?: readonly string[] | null;
  runConfig?: Record<string, unknown>;
  knownState?: unknown;
}

/** A job of a code location. */
export interface JobEntry {
  readonly name: string;
  readonly jobSnapshot: JobSnapshot;
  /** Whether the job is partitioned, and its partitions definition's kind (`static`, `daily`, …) when it is. */
  readonly partitioned: boolean;
}

/** A schedule of a code location. */
export interface ScheduleEntry {
  readonly name: string;
  readonly jobName: string;
  readonly cronSchedule: string;
  readonly executionTimezone: string | null;
  /** `RUNNING` or `STOPPED` (Dagster's DefaultScheduleStatus). */
  readonly defaultStatus: string;
}

/** A sensor of a code location. */
export interface SensorEntry {
  readonly name: string;
  readonly jobNames: readonly string[];
  readonly minIntervalSeconds: number;
  /** `RUNNING` or `STOPPED` (Dagster's DefaultSensorStatus). */
  readonly defaultStatus: string;
  /** Dagster's SensorType value: `STANDARD`, `RUN_STATUS`, … */
  readonly sensorType: string;
}

/** An asset of a code location. */
export interface AssetNodeEntry {
  /** The asset key's path. */
  readonly assetKey: readonly string[];
  readonly dependencyKeys: readonly (readonly string[])[];
  readonly groupName: string | null;
  readonly jobNames: readonly string[];
  readonly partitioned: boolean;
}

/** Everything a code location defines, as data. */
export interface CodeLocationSnapshot {
  readonly locationName: string;
  readonly repositoryName: string;
  readonly jobs: readonly JobEntry[];
  readonly schedules: readonly ScheduleEntry[];
  readonly sensors: readonly SensorEntry[];
  readonly assetNodes: readonly AssetNodeEntry[];
}

/**
 * A code location: one `Definitions` module. The child-process implementation runs the user code in a code
 * server; {@link inProcessCodeLocation} runs it in this process (unit tests of other packages).
 */
export interface CodeLocation {
  /** Location name (workspace entry name or file basename). */
  readonly name: string;
  /** Dagster's origin of the location (what schedule/sensor origins and runs record). */
  readonly origin: CodeLocationOrigin;
  snapshot(): Promise<CodeLocationSnapshot>;
  executionPlan(jobName: string, options?: ExecutionPlanOptions): Promise<ExecutionPlanSnapshot>;
  partitionKeys(jobName: string): Promise<string[]>;
  evaluateSchedule(name: string, context: ScheduleEvaluationContext): Promise<ScheduleEvaluation>;
  evaluateSensor(name: string, context: SensorEvaluationContext): Promise<SensorEvaluation>;
  dispose(): Promise<void>;
}
