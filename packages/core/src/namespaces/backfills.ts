import type { PartitionBackfill } from '@inst/types';
import type { Instance } from '../instance';
import { DEFAULT_PAGE_SIZE, type P, type PageOptions, type R, pages } from './support';

/** Options of `backfills.list` (the flat `getBackfills`). */
export interface BackfillsListOptions {
  filters?: P<'getBackfills'>[0];
  /** The backfill id after which to start. */
  cursor?: P<'getBackfills'>[1];
  limit?: P<'getBackfills'>[2];
  status?: P<'getBackfills'>[3];
}

/** Backfills: `instance.backfills.list({ status })`, `.get(backfillId)`, `.iterate({ signal })` … */
export function backfillsNamespace(instance: Instance) {
  return {
    list: (o: BackfillsListOptions = {}): R<'getBackfills'> => instance.getBackfills(o.filters, o.cursor, o.limit, o.status),
    /** Every matching backfill (newest first), a page at a time; ends on the signal. */
    iterate: ({ filters, status, pageSize = DEFAULT_PAGE_SIZE, signal }: Omit<BackfillsListOptions, 'cursor' | 'limit'> & PageOptions = {}): AsyncGenerator<PartitionBackfill, void, undefined> =>
      pages(signal, async (cursor) => {
        const items = await instance.getBackfills(filters, cursor, pageSize, status);
        return { items, cursor: items.at(-1)?.backfillId, hasMore: items.length === pageSize };
      }),
    count: (o: Pick<BackfillsListOptions, 'filters'> = {}): R<'getBackfillsCount'> => instance.getBackfillsCount(o.filters),
    get: (backfillId: string): R<'getBackfill'> => instance.getBackfill(backfillId),
    add: (backfill: P<'addBackfill'>[0]): R<'addBackfill'> => instance.addBackfill(backfill),
    update: (backfill: P<'updateBackfill'>[0]): R<'updateBackfill'> => instance.updateBackfill(backfill),
    logStorageEnabled: (): R<'backfillLogStorageEnabled'> => instance.backfillLogStorageEnabled(),
    daRequestBackfills: (): R<'daRequestBackfills'> => instance.daRequestBackfills(),
  };
}

export type BackfillsNamespace = ReturnType<typeof backfillsNamespace>;
