import { InvalidArgumentError } from '@inst/errors';
import { AssetKey } from '@inst/types';

/**
 * The value of a map keyed by AssetKey (or AssetCheckKey) objects. Storages key their answers by the instances
 * passed in, but an overriding instance method may build its own keys, so an equal key is looked up too.
 */
export function getByKey<K extends { equals(other: unknown): boolean }, V>(map: ReadonlyMap<K, V>, key: K): V | undefined {
  if (map.has(key)) return map.get(key);
  for (const [candidate, value] of map) if (candidate.equals(key)) return value;
  return undefined;
}

/** Dagster's `check.list_param(value, name, of_type=AssetKey)`: an array of AssetKeys, else InvalidArgumentError. */
export function checkAssetKeyList(value: unknown, name: string): readonly AssetKey[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${name} must be a list of AssetKey, got ${typeof value}`);
  value.forEach((key, i) => checkAssetKey(key, `${name}[${i}]`));
  return value as readonly AssetKey[];
}

/** Dagster's `check.inst_param(value, name, AssetKey)`. */
export function checkAssetKey(value: unknown, name: string): AssetKey {
  if (!(value instanceof AssetKey)) throw new InvalidArgumentError(`${name} must be an AssetKey, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
