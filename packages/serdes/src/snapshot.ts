import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { deflate } from 'pako';
import { DeserializationError } from '@inst/errors';
import { serializeValue, type SerializeOptions } from './serdes';

/** Ids of frozen values (records are frozen by `initRecord`): a large job snapshot takes a few hundred µs to hash. */
const snapshotIds = new WeakMap<object, string>();

/** Dagster's `create_snapshot_id`: the SHA-1 hex digest of the value's serialized bytes. */
export function createSnapshotId(value: unknown, options?: SerializeOptions): string {
  const cacheable = typeof value === 'object' && value !== null && Object.isFrozen(value) && !options?.registry;
  if (cacheable) {
    const known = snapshotIds.get(value);
    if (known !== undefined) return known;
  }
  const id = sha1Hex(serializeValue(value, options));
  if (cacheable) snapshotIds.set(value, id);
  return id;
}

/** SHA-1 hex digest of a string's UTF-8 bytes. */
export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/**
 * A snapshot body as Dagster stores it: UTF-8 JSON through `zlib.compress` at its default level. pako follows the
 * reference zlib byte for byte, so the body is identical to Python's (Node's bundled zlib compresses differently).
 */
export function compressSnapshot(json: string): Buffer {
  const bytes = deflate(Buffer.from(json, 'utf8'), { level: 6 });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The JSON inside a stored snapshot body. */
export function decompressSnapshot(body: Uint8Array): string {
  try {
    return inflateSync(body).toString('utf8');
  } catch (cause) {
    throw new DeserializationError('snapshot body is not zlib-compressed', '$', { cause });
  }
}
