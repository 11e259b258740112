import { InstigatorType } from '@inst/types';
import type { Instance } from '../instance';
import type { P, R } from './support';

/** Sensors: `instance.sensors.start(remoteSensor)`, `.stop({ … })`, `.states()` (the sensor states only) … */
export function sensorsNamespace(instance: Instance) {
  return {
    start: (remoteSensor: P<'startSensor'>[0]): R<'startSensor'> => instance.startSensor(remoteSensor),
    stop: (o: { instigatorOriginId: P<'stopSensor'>[0]; selectorId: P<'stopSensor'>[1]; remoteSensor?: P<'stopSensor'>[2] }): R<'stopSensor'> =>
      instance.stopSensor(o.instigatorOriginId, o.selectorId, o.remoteSensor ?? null),
    reset: (remoteSensor: P<'resetSensor'>[0]): R<'resetSensor'> => instance.resetSensor(remoteSensor),
    /** The stored sensor states (`allInstigatorState` with the SENSOR type). */
    states: (o: { repositoryOriginId?: P<'allInstigatorState'>[0]; repositorySelectorId?: P<'allInstigatorState'>[1]; instigatorStatuses?: P<'allInstigatorState'>[3] } = {}): R<'allInstigatorState'> =>
      instance.allInstigatorState(o.repositoryOriginId, o.repositorySelectorId, InstigatorType.SENSOR, o.instigatorStatuses),
  };
}

export type SensorsNamespace = ReturnType<typeof sensorsNamespace>;
