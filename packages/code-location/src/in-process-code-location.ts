/**
 * A code location over a `Definitions` object in this process — for unit tests of other packages (the
 * scheduler, sensor and backfill daemons); production code reaches user code through a code server.
 */
import { DisposedError, InvalidArgumentError } from '@inst/errors';
import { InProcessCodeLocationOrigin, LoadableTargetOrigin, type ExecutionPlanSnapshot } from '@inst/types';
import { definitionsHandlers, isDefinitions, type DefinitionsHandlers } from './handlers';
import type { CodeLocation, CodeLocationSnapshot, ExecutionPlanOptions, ScheduleEvaluation, ScheduleEvaluationContext, SensorEvaluation, SensorEvaluationContext } from './types';

class InProcessCodeLocation implements CodeLocation {
  readonly #handlers: DefinitionsHandlers;
  #disposed = false;
  readonly origin: InProcessCodeLocationOrigin;
  constructor(
    readonly definitions: object,
    readonly name: string,
  ) {
    this.#handlers = definitionsHandlers(definitions, name);
    this.origin = new InProcessCodeLocationOrigin({ loadableTargetOrigin: new LoadableTargetOrigin({}), locationName: name });
  }
  #live(): DefinitionsHandlers {
    if (this.#disposed) throw new DisposedError(`Code location ${this.name} is disposed`);
    return this.#handlers;
  }
  async snapshot(): Promise<CodeLocationSnapshot> {
    return this.#live().snapshot();
  }
  async executionPlan(jobName: string, options?: ExecutionPlanOptions): Promise<ExecutionPlanSnapshot> {
    return this.#live().executionPlan(jobName, options);
  }
  async partitionKeys(jobName: string): Promise<string[]> {
    return this.#live().partitionKeys(jobName);
  }
  async evaluateSchedule(name: string, context: ScheduleEvaluationContext): Promise<ScheduleEvaluation> {
    return this.#live().evaluateSchedule(name, context);
  }
  async evaluateSensor(name: string, context: SensorEvaluationContext): Promise<SensorEvaluation> {
    return this.#live().evaluateSensor(name, context);
  }
  async dispose(): Promise<void> {
    this.#disposed = true;
  }
}

/** A {@link CodeLocation} that evaluates `defs` in this process, named `name`. */
export function inProcessCodeLocation(defs: object, name: string): CodeLocation & { readonly definitions: object } {
  if (!isDefinitions(defs)) throw new InvalidArgumentError(`inProcessCodeLocation(${JSON.stringify(name)}) needs a Definitions object`);
  return new InProcessCodeLocation(defs, name);
}
