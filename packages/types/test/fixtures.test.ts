import { DUMP_VERSIONS, decodeBytea, loadDump, type Dump } from '@inst/fixtures';
import { PyEnumValue, UnknownRecord, createSnapshotId, decompressSnapshot, deserializeValue, serializeValue, sha1Hex } from '@inst/serdes';
import { describe, expect, it } from 'vitest';
import {
  AssetDetails,
  AssetKey,
  AssetStatusCacheValue,
  DaemonHeartbeat,
  DagsterEvent,
  DagsterRun,
  EventLogEntry,
  EventLogRecord,
  ExecutionPlanSnapshot,
  InstigatorState,
  JobSnapshot,
  PartitionBackfill,
  TickData,
} from '../src/index';

/** Every class and enum name that came back unregistered (UnknownRecord) or untyped (PyEnumValue), with a place. */
function untypedValues(value: unknown, where: string, found: Map<string, string>, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof UnknownRecord) {
    if (!found.has(`class ${value.className}`)) found.set(`class ${value.className}`, where);
    for (const item of Object.values(value.fields)) untypedValues(item, where, found, seen);
    return;
  }
  if (value instanceof PyEnumValue) {
    if (!found.has(`enum ${value.enumName}`)) found.set(`enum ${value.enumName}`, where);
    return;
  }
  const items = value instanceof Set || value instanceof Map || Array.isArray(value) ? [...(value as Iterable<unknown>)] : Object.values(value);
  for (const item of items) untypedValues(item, where, found, seen);
}

/** Reads a stored document, checks it is an instance of `cls`, and that writing it gives the stored bytes. */
function readTyped<T extends object>(text: string, cls: abstract new (...args: never[]) => T, where: string, found: Map<string, string>): T {
  const value = deserializeValue(text, { as: cls });
  expect(value, where).toBeInstanceOf(cls);
  expect(serializeValue(value), where).toBe(text);
  untypedValues(value, where, found);
  return value as T;
}

it('notices unregistered classes and untyped enums (so that an empty result means something)', () => {
  const found = new Map<string, string>();
  untypedValues(deserializeValue('{"a": [{"__class__": "NoSuchClass", "x": {"__enum__": "NoSuchEnum.A"}}]}'), 'probe', found);
  expect([...found.keys()].sort()).toEqual(['class NoSuchClass', 'enum NoSuchEnum']);
});

const dumps: [string, Dump][] = DUMP_VERSIONS.map((version) => [version, loadDump(version)]);

describe.each(dumps)('dump %s', (_version, dump) => {
  const found = new Map<string, string>();

  it('reads every run body as a DagsterRun and writes it back byte for byte', () => {
    const rows = dump.table('runs').rows;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const run = readTyped(row.run_body!, DagsterRun, `runs ${row.id}`, found);
      expect(run.runId).toBe(row.run_id);
      expect(run.jobName).toBe(row.pipeline_name);
      expect(run.status).toBe(row.status);
      expect(run.jobSnapshotId).toBe(row.snapshot_id);
      // The run_tags rows are the tags for storage (repository label + the run's tags).
      const storedTags = Object.fromEntries(dump.table('run_tags').rows.filter((tag) => tag.run_id === row.run_id).map((tag) => [tag.key, tag.value]));
      for (const [key, value] of Object.entries(run.tagsForStorage())) expect(storedTags[key], `${row.run_id} tag ${key}`).toBe(value);
    }
  });

  it('reads every event as an EventLogEntry whose event matches the indexed columns', () => {
    const rows = dump.table('event_logs').rows;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const entry = readTyped(row.event!, EventLogEntry, `event_logs ${row.id}`, found);
      expect(entry.runId).toBe(row.run_id);
      expect(entry.stepKey).toBe(row.step_key);
      if (row.dagster_event_type === null) {
        expect(entry.dagsterEvent).toBeNull();
        continue;
      }
      expect(entry.dagsterEvent).toBeInstanceOf(DagsterEvent);
      expect(entry.dagsterEventType).toBe(row.dagster_event_type);
      expect(entry.dagsterEvent!.assetKey?.toString() ?? null).toBe(row.asset_key);
      expect(entry.dagsterEvent!.partition).toBe(row.partition);
      expect(typeof entry.timestamp).toBe('number');
    }
  });

  it('reads the asset_keys documents', () => {
    for (const row of dump.table('asset_keys').rows) {
      if (row.last_materialization) {
        const record = readTyped(row.last_materialization, EventLogRecord, `asset_keys ${row.id}`, found);
        expect(record.assetKey).toBeInstanceOf(AssetKey);
        expect(record.assetKey!.toString()).toBe(row.asset_key);
        expect(record.runId).toBe(row.last_run_id);
        expect(record.eventLogEntry.assetMaterialization?.assetKey.equals(AssetKey.fromString(row.asset_key!))).toBe(true);
      }
      if (row.asset_details) readTyped(row.asset_details, AssetDetails, `asset_details ${row.id}`, found);
      if (row.cached_status_data) readTyped(row.cached_status_data, AssetStatusCacheValue, `cached_status ${row.id}`, found);
    }
  });

  it('reads backfills, heartbeats, instigators and ticks', () => {
    for (const row of dump.table('bulk_actions').rows) {
      const backfill = readTyped(row.body!, PartitionBackfill, `bulk_actions ${row.id}`, found);
      expect(backfill.backfillId).toBe(row.key);
      expect(backfill.status).toBe(row.status);
      expect(backfill.bulkActionType).toBe(row.action_type);
    }
    const heartbeats = dump.table('daemon_heartbeats').rows;
    expect(heartbeats.length).toBeGreaterThan(0);
    for (const row of heartbeats) {
      const heartbeat = readTyped(row.body!, DaemonHeartbeat, `daemon_heartbeats ${row.id}`, found);
      expect(heartbeat.daemonType).toBe(row.daemon_type);
      expect(heartbeat.daemonId).toBe(row.daemon_id);
    }
    for (const row of dump.table('instigators').rows) {
      const state = readTyped(row.instigator_body!, InstigatorState, `instigators ${row.id}`, found);
      expect(state.selectorId).toBe(row.selector_id);
      expect(state.repositorySelectorId).toBe(row.repository_selector_id);
    }
    for (const row of dump.table('jobs').rows) {
      const state = readTyped(row.job_body!, InstigatorState, `jobs ${row.id}`, found);
      expect(state.instigatorOriginId).toBe(row.job_origin_id);
    }
    for (const row of dump.table('job_ticks').rows) {
      const tick = readTyped(row.tick_body!, TickData, `job_ticks ${row.id}`, found);
      expect(tick.instigatorOriginId).toBe(row.job_origin_id);
    }
    for (const row of dump.table('asset_check_executions').rows) {
      if (row.evaluation_event) readTyped(row.evaluation_event, EventLogEntry, `asset_check_executions ${row.id}`, found);
    }
  });

  it('reads every snapshot as a typed snapshot whose id recomputes to the stored id', () => {
    const rows = dump.table('snapshots').rows;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const json = decompressSnapshot(decodeBytea(row.snapshot_body!));
      expect(sha1Hex(json)).toBe(row.snapshot_id);
      const cls: abstract new (...args: never[]) => object = row.snapshot_type === 'PIPELINE' ? JobSnapshot : ExecutionPlanSnapshot;
      const snapshot = readTyped(json, cls, `snapshots ${row.id}`, found);
      expect(createSnapshotId(snapshot)).toBe(row.snapshot_id);
    }
  });

  it('met no unregistered class and no untyped enum', () => {
    expect(Object.fromEntries(found)).toEqual({});
  });
});
