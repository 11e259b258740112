import { InvalidArgumentError } from '@inst/errors';
import { serializeValue, sha1Hex } from '@inst/serdes';
import type { PaginatedResults } from '../common';
import type { StorageInstanceOps } from './ops';

/** What the dynamic-partitions functions need of an instance. */
export type PartitionsStorageOps = Pick<StorageInstanceOps, 'eventLogStorage'>;

/** The partition keys of a dynamic partitions definition, in the order they were added. */
export function getDynamicPartitions(ops: PartitionsStorageOps, partitionsDefName: string): Promise<string[]> {
  return ops.eventLogStorage.getDynamicPartitions(checkName(partitionsDefName));
}

/** A page of a dynamic partitions definition's keys; `cursor` comes from the previous page. */
export function getPaginatedDynamicPartitions(
  ops: PartitionsStorageOps,
  partitionsDefName: string,
  limit: number,
  ascending: boolean,
  cursor?: string,
): Promise<PaginatedResults<string>> {
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}`);
  return ops.eventLogStorage.getPaginatedDynamicPartitions(checkName(partitionsDefName), limit, ascending, cursor);
}

export function hasDynamicPartition(ops: PartitionsStorageOps, partitionsDefName: string, partitionKey: string): Promise<boolean> {
  return ops.eventLogStorage.hasDynamicPartition(checkName(partitionsDefName), partitionKey);
}

/**
 * Dagster's id of a dynamic partitions definition's current keys: the SHA-1 of `json.dumps(keys)`; it changes
 * whenever a key is added or deleted.
 */
export async function getDynamicPartitionsDefinitionId(ops: PartitionsStorageOps, partitionsDefName: string): Promise<string> {
  const keys = await getDynamicPartitions(ops, partitionsDefName);
  return sha1Hex(serializeValue(keys));
}

/** Adds the keys not present yet, in the given order (adding a key twice stores it once). */
export function addDynamicPartitions(ops: PartitionsStorageOps, partitionsDefName: string, partitionKeys: Iterable<string>): Promise<void> {
  const keys = [...partitionKeys];
  for (const key of keys) {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidArgumentError(`partition keys must be non-empty strings, got ${JSON.stringify(key)}`);
  }
  return ops.eventLogStorage.addDynamicPartitions(checkName(partitionsDefName), keys);
}

/** Deletes a key; deleting a key that is not there does nothing. */
export function deleteDynamicPartition(ops: PartitionsStorageOps, partitionsDefName: string, partitionKey: string): Promise<void> {
  return ops.eventLogStorage.deleteDynamicPartition(checkName(partitionsDefName), partitionKey);
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('partitions_def_name must be a non-empty string');
  return name;
}
