import type { InstanceSettings } from '@inst/settings';
import type { Instance } from '../instance';
import { NAMESPACED_FORMS } from './map';

/** Every member of InstanceSettings (getters stay read-only properties); see {@link settingsNamespace}. */
export type SettingsNamespace = { readonly [K in keyof InstanceSettings]: InstanceSettings[K] };

/** Namespace member → the flat member it stands for (`telemetryEnabled` → `instance.telemetryEnabled`). */
const FLAT_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(NAMESPACED_FORMS)
    .filter(([, form]) => form.startsWith('settings.'))
    .map(([flat, form]) => [form.slice('settings.'.length), flat]),
);

/**
 * `instance.settings`: every member of the instance's InstanceSettings. A member that is also a flat member of the
 * instance (`telemetryEnabled`, `getSettings`, …) reads the flat one, so a subclass's override is seen here as in
 * every other namespace; the rest (`config`, `storageConfig`, …) read the InstanceSettings.
 */
export function settingsNamespace(instance: Instance, settings: InstanceSettings): SettingsNamespace {
  const namespace = {};
  for (const [key, isMethod] of settingsMembers(settings)) {
    const flat = FLAT_OF.get(key);
    const source = (flat === undefined ? settings : instance) as unknown as Record<string, unknown>;
    const name = flat ?? key;
    Object.defineProperty(
      namespace,
      key,
      isMethod
        ? { enumerable: true, value: (...args: unknown[]) => (source[name] as (...a: unknown[]) => unknown).apply(source, args) }
        : { enumerable: true, get: () => source[name] },
    );
  }
  return namespace as SettingsNamespace;
}

/**
 * The public members of a settings object (its own fields, its class chain's getters and methods), each with
 * whether it is a method — read from the descriptors, so no getter runs here.
 */
function settingsMembers(settings: InstanceSettings): Map<string, boolean> {
  const members = new Map<string, boolean>(Object.keys(settings).map((name) => [name, false]));
  for (let proto = Object.getPrototypeOf(settings) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name !== 'constructor' && !members.has(name)) members.set(name, typeof descriptor.value === 'function');
    }
  }
  return members;
}
