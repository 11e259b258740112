/**
 * What a code server answers, over a loaded `Definitions` — the same functions serve the child-process code
 * location (in the code server) and {@link inProcessCodeLocation}.
 */
import type { ExecutionPlanSnapshot } from '@inst/types';
import * as defsApi from './definitions-api';
import { SINGLETON_REPOSITORY_NAME } from './target';
import type {
  CodeLocationSnapshot,
  ExecutionPlanOptions,
  ScheduleEvaluation,
  ScheduleEvaluationContext,
  SensorEvaluation,
  SensorEvaluationContext,
} from './types';

/** Whether a value is a `Definitions` object (also one from another copy of `@inst/definitions`). */
export const isDefinitions = defsApi.isDefinitions;

/** The requests a code server answers for one `Definitions`. */
export interface DefinitionsHandlers {
  ping(): Promise<number>;
  snapshot(): Promise<CodeLocationSnapshot>;
  executionPlan(jobName: string, options?: ExecutionPlanOptions): Promise<ExecutionPlanSnapshot>;
  partitionKeys(jobName: string): Promise<string[]>;
  evaluateSchedule(name: string, context: ScheduleEvaluationContext): Promise<ScheduleEvaluation>;
  evaluateSensor(name: string, context: SensorEvaluationContext): Promise<SensorEvaluation>;
}

/** The handlers of a loaded `Definitions`, answering as location `locationName`. */
export function definitionsHandlers(defs: unknown, locationName: string): DefinitionsHandlers {
  const definitions = defs as defsApi.AnyDefinitions;
  return {
    async ping() {
      return process.pid;
    },
    async snapshot() {
      return { locationName, repositoryName: SINGLETON_REPOSITORY_NAME, ...defsApi.describe(definitions) };
    },
    async executionPlan(jobName, options = {}) {
      return defsApi.executionPlan(definitions, jobName, options);
    },
    async partitionKeys(jobName) {
      return defsApi.partitionKeysOfJob(definitions, jobName);
    },
    async evaluateSchedule(name, context) {
      return defsApi.evaluateSchedule(definitions, name, context);
    },
    async evaluateSensor(name, context) {
      return defsApi.evaluateSensor(definitions, name, context);
    },
  };
}
