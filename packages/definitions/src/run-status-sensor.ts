/** Evaluation of run status sensors (filled in below). */
import type { Definitions } from './definitions';
import type { SensorDefinition, SensorEvaluation } from './instigators';
import type { SensorEvaluationOptions } from './evaluation';

/** @internal */
export async function evaluateRunStatusSensor(_defs: Definitions, sensor: SensorDefinition, options: SensorEvaluationOptions): Promise<SensorEvaluation> {
  return { runRequests: [], skipMessage: `Run status sensor ${sensor.name} needs the instance`, cursor: options.cursor, dynamicPartitionsRequests: [], error: null };
}
