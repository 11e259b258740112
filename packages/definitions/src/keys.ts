/** Asset keys as users write them, and Dagster's Python identifiers for them. */
import { AssetKey, type AssetCheckKey } from '@inst/types';
import { InvalidDefinitionError } from './errors';

/** An asset key: an AssetKey, a path array, or a string (`a/b` is the path `['a', 'b']`). */
export type AssetKeyLike = AssetKey | readonly string[] | string;

/** The AssetKey of a key-like value. */
export function toAssetKey(key: AssetKeyLike): AssetKey {
  if (key instanceof AssetKey) return key;
  if (typeof key === 'string') {
    if (key.length === 0) throw new InvalidDefinitionError('An asset key must not be empty');
    return new AssetKey(key.split('/'));
  }
  if (Array.isArray(key) && key.length > 0 && key.every((part) => typeof part === 'string' && part.length > 0)) return new AssetKey([...key]);
  throw new InvalidDefinitionError(`Not an asset key: ${JSON.stringify(key)}`);
}

/** The key's db string (`["a", "b"]`), usable in Maps and Sets. */
export function assetKeyId(key: AssetKey): string {
  return key.toDbString();
}

/** Dagster's `AssetKey.to_python_identifier()`: the path joined by `__`, with non-identifier characters as `_`. */
export function assetKeyPythonIdentifier(key: AssetKey, suffix?: string): string {
  const path = suffix === undefined ? key.path : [...key.path, suffix];
  return path.join('__').replace(/[^A-Za-z0-9_]/g, '_');
}

/** Dagster's `AssetCheckKey.to_python_identifier()`: `<asset identifier>_<check name>`. */
export function assetCheckKeyPythonIdentifier(key: AssetCheckKey): string {
  return `${assetKeyPythonIdentifier(key.assetKey)}_${key.name}`.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Dagster's name rule for ops, jobs, schedules and sensors: `^[A-Za-z0-9_]+$`. */
export function checkValidName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_]+$/.test(name)) {
    throw new InvalidDefinitionError(`${what} name ${JSON.stringify(name)} is not valid: names may only contain letters, digits and underscores`, {
      ids: { name: String(name) },
    });
  }
  return name;
}
