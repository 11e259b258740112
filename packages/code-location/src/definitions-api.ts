/**
 * The one module that reaches into `@inst/definitions`: listing, snapshots, plans, partitions and evaluation.
 */
import { NotSupportedError } from '@inst/errors';
import type { ExecutableJobLike } from '@inst/execution';
import type { ExecutionPlanSnapshot } from '@inst/types';
import type { CodeLocationSnapshot, ExecutionPlanOptions, ScheduleEvaluation, ScheduleEvaluationContext, SensorEvaluation, SensorEvaluationContext } from './types';

/** A `Definitions` object. */
export type AnyDefinitions = object;

/** Whether a value is a `Definitions`. */
export function isDefinitions(value: unknown): value is AnyDefinitions {
  return typeof value === 'object' && value !== null && value.constructor?.name === 'Definitions';
}

/** Jobs, schedules, sensors and assets of a `Definitions`. */
export function describe(_defs: AnyDefinitions): Omit<CodeLocationSnapshot, 'locationName' | 'repositoryName'> {
  return { jobs: [], schedules: [], sensors: [], assetNodes: [] };
}

export function executionPlan(_defs: AnyDefinitions, _jobName: string, _options: ExecutionPlanOptions): ExecutionPlanSnapshot {
  throw new NotSupportedError('executionPlan: @inst/definitions not wired yet');
}

export function partitionKeysOfJob(_defs: AnyDefinitions, _jobName: string): string[] {
  throw new NotSupportedError('partitionKeys: @inst/definitions not wired yet');
}

export async function evaluateSchedule(_defs: AnyDefinitions, _name: string, _context: ScheduleEvaluationContext): Promise<ScheduleEvaluation> {
  throw new NotSupportedError('evaluateSchedule: @inst/definitions not wired yet');
}

export async function evaluateSensor(_defs: AnyDefinitions, _name: string, _context: SensorEvaluationContext): Promise<SensorEvaluation> {
  throw new NotSupportedError('evaluateSensor: @inst/definitions not wired yet');
}

/** The executable job a run names (its `jobName`), for the run worker. */
export function loadJob(_defs: unknown, run: { jobName: string }): ExecutableJobLike {
  throw new NotSupportedError(`loadJob(${run.jobName}): @inst/definitions not wired yet`);
}
