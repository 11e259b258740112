import { loadInstanceConfig, resolveInstanceHome } from './load';
import { InstanceSettings, type InstanceSettingsOptions } from './settings';

/**
 * The settings of an instance home, for using a domain package without an instance: the home's `inst.yaml`, else
 * its `dagster.yaml`, else Dagster's defaults. The home defaults to `INST_HOME`, else `DAGSTER_HOME`, else none (the
 * defaults). Each `…OpsFromStorages` helper takes the result as its `settings`:
 *
 * ```ts
 * const ops = eventsOpsFromStorages({ ...storages, settings: settingsFromHome(home) });
 * ```
 *
 * @throws ConfigError listing every problem of an invalid config (see {@link loadInstanceConfig}).
 */
export function settingsFromHome(home: string | undefined = resolveInstanceHome(), options: InstanceSettingsOptions = {}): InstanceSettings {
  const { config } = home === undefined ? { config: {} } : loadInstanceConfig(home, options.env ?? process.env);
  return new InstanceSettings(config, options);
}
