import { BackfillNotFoundError } from '@inst/errors';
import { BulkActionsFilter, BulkActionStatus, PartitionBackfill } from '@inst/types';
import { describe, expect, it } from 'vitest';
import {
  addBackfill,
  backfillLogStorageEnabled,
  daRequestBackfills,
  getBackfill,
  getBackfills,
  getBackfillsCount,
  updateBackfill,
} from './backfills';
import { createFakeOps } from './fake-ops.test-support';

function backfill(backfillId: string, backfillTimestamp: number, status: BulkActionStatus = BulkActionStatus.REQUESTED): PartitionBackfill {
  return new PartitionBackfill({ backfillId, status, fromFailure: false, backfillTimestamp, partitionNames: ['2024-01-01', '2024-01-02'] });
}

describe('backfills', () => {
  it('adds, reads, pages, counts and updates backfills in run storage (no schedule storage needed)', async () => {
    const ops = createFakeOps({ scheduleStorage: false, scheduler: undefined });
    await addBackfill(ops, backfill('b1', 100));
    await addBackfill(ops, backfill('b2', 200));
    await addBackfill(ops, backfill('b3', 300, BulkActionStatus.COMPLETED_SUCCESS));

    expect((await getBackfill(ops, 'b2'))?.backfillTimestamp).toBe(200);
    expect(await getBackfill(ops, 'nope')).toBeUndefined();
    expect((await getBackfills(ops)).map((b) => b.backfillId)).toEqual(['b3', 'b2', 'b1']);
    expect((await getBackfills(ops, null, 'b3', 1)).map((b) => b.backfillId)).toEqual(['b2']);
    expect((await getBackfills(ops, undefined, undefined, undefined, BulkActionStatus.REQUESTED)).map((b) => b.backfillId)).toEqual(['b2', 'b1']);
    expect(await getBackfillsCount(ops, new BulkActionsFilter({ statuses: [BulkActionStatus.COMPLETED_SUCCESS] }))).toBe(1);
    expect(await getBackfillsCount(ops)).toBe(3);

    await updateBackfill(ops, (await getBackfill(ops, 'b1'))!.withStatus(BulkActionStatus.CANCELING).withPartitionCheckpoint('2024-01-01'));
    expect(await getBackfill(ops, 'b1')).toMatchObject({ status: 'CANCELING', lastSubmittedPartitionName: '2024-01-01', numCancelable: 0 });
  });

  it('lets the run storage refuse an update of an unknown backfill', async () => {
    const ops = createFakeOps();
    await expect(updateBackfill(ops, backfill('ghost', 1))).rejects.toMatchObject({ constructor: BackfillNotFoundError, ids: { backfillId: 'ghost' } });
    expect(await getBackfillsCount(ops)).toBe(0);
  });

  it('keeps the Dagster+ backfill gates off', () => {
    expect(backfillLogStorageEnabled(createFakeOps())).toBe(false);
    expect(daRequestBackfills(createFakeOps())).toBe(false);
  });
});
