import { DUMP_VERSIONS, decodeBytea, loadDump } from '@inst/fixtures';
import { describe, expect, it } from 'vitest';
import { Registry, createSnapshotId, decompressSnapshot, deserializeValue, serializeValue, sha1Hex } from '../src/index';

/** Every column of the Dagster dumps that holds a serdes document. */
export const JSON_COLUMNS: Record<string, string[]> = {
  runs: ['run_body'],
  event_logs: ['event'],
  asset_keys: ['last_materialization', 'asset_details', 'cached_status_data'],
  bulk_actions: ['body'],
  daemon_heartbeats: ['body'],
  jobs: ['job_body'],
  instigators: ['instigator_body'],
  job_ticks: ['tick_body'],
  asset_check_executions: ['evaluation_event'],
  asset_daemon_asset_evaluations: ['asset_evaluation_body'],
};

// With an empty registry every class is unknown: this checks the lossless machinery alone.
const empty = new Registry();

describe.each(DUMP_VERSIONS)('dump %s, read with no classes registered', (version) => {
  const dump = loadDump(version);

  it('re-serializes every stored JSON document to its stored bytes', () => {
    let count = 0;
    for (const [table, columns] of Object.entries(JSON_COLUMNS)) {
      for (const row of dump.table(table).rows) {
        for (const column of columns) {
          const text = row[column];
          if (text === null || text === undefined) continue;
          expect(serializeValue(deserializeValue(text, { registry: empty }), { registry: empty }), `${table}.${column} ${row.id}`).toBe(text);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(20);
  });

  it('recomputes every snapshot id from its decompressed body', () => {
    const snapshots = dump.table('snapshots').rows;
    expect(snapshots.length).toBeGreaterThan(0);
    for (const row of snapshots) {
      const json = decompressSnapshot(decodeBytea(row.snapshot_body!));
      expect(sha1Hex(json)).toBe(row.snapshot_id);
      const value = deserializeValue(json, { registry: empty });
      expect(serializeValue(value, { registry: empty })).toBe(json);
      expect(createSnapshotId(value, { registry: empty })).toBe(row.snapshot_id);
    }
  });
});
