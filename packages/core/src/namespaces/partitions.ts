import type { Instance } from '../instance';
import { DEFAULT_PAGE_SIZE, type P, type PageOptions, type R, pages } from './support';

/** Options of `partitions.iterate`: every key of a dynamic partitions definition, a page at a time. */
export interface PartitionsIterateOptions extends PageOptions {
  partitionsDefName: string;
  ascending?: boolean;
}

/** Dynamic partitions: `instance.partitions.add({ partitionsDefName, partitionKeys })`, `.list(name)` … */
export function partitionsNamespace(instance: Instance) {
  return {
    list: (partitionsDefName: string): R<'getDynamicPartitions'> => instance.getDynamicPartitions(partitionsDefName),
    page: (o: { partitionsDefName: string; limit: P<'getPaginatedDynamicPartitions'>[1]; ascending: P<'getPaginatedDynamicPartitions'>[2]; cursor?: P<'getPaginatedDynamicPartitions'>[3] }): R<'getPaginatedDynamicPartitions'> =>
      instance.getPaginatedDynamicPartitions(o.partitionsDefName, o.limit, o.ascending, o.cursor),
    /** Every key of the definition, read a page at a time; ends on the signal. */
    iterate: ({ partitionsDefName, ascending = true, pageSize = DEFAULT_PAGE_SIZE, signal }: PartitionsIterateOptions): AsyncGenerator<string, void, undefined> =>
      pages(signal, async (cursor) => {
        const page = await instance.getPaginatedDynamicPartitions(partitionsDefName, pageSize, ascending, cursor);
        return { items: page.results, cursor: page.cursor, hasMore: page.hasMore };
      }),
    has: (o: { partitionsDefName: string; partitionKey: string }): R<'hasDynamicPartition'> => instance.hasDynamicPartition(o.partitionsDefName, o.partitionKey),
    definitionId: (partitionsDefName: string): R<'getDynamicPartitionsDefinitionId'> => instance.getDynamicPartitionsDefinitionId(partitionsDefName),
    add: (o: { partitionsDefName: string; partitionKeys: P<'addDynamicPartitions'>[1] }): R<'addDynamicPartitions'> => instance.addDynamicPartitions(o.partitionsDefName, o.partitionKeys),
    delete: (o: { partitionsDefName: string; partitionKey: string }): R<'deleteDynamicPartition'> => instance.deleteDynamicPartition(o.partitionsDefName, o.partitionKey),
  };
}

export type PartitionsNamespace = ReturnType<typeof partitionsNamespace>;
