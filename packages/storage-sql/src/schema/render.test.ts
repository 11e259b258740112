import { describe, expect, it } from 'vitest';
import { BASELINE_REVISION, HEAD_REVISION, REVISIONS } from '../revisions.js';
import { createIndexSql, createSchemaSql, metadataAtRevision, quoteIdent } from './render.js';
import { ALL_METADATA, EVENT_LOG_METADATA, RUN_STORAGE_METADATA, SCHEDULE_STORAGE_METADATA } from './tables.js';

describe('revisions', () => {
  it('form one chain from the 1.8.12 baseline to the head', () => {
    expect(REVISIONS[0]!.id).toBe(BASELINE_REVISION);
    expect(REVISIONS.at(-1)!.id).toBe(HEAD_REVISION);
    REVISIONS.slice(1).forEach((r, i) => expect(r.parent).toBe(REVISIONS[i]!.id));
  });

  it('every since/until mark in the schema names a known revision', () => {
    const known = new Set(REVISIONS.map((r) => r.id));
    const marks = [
      ...ALL_METADATA.tables.flatMap((t) => [t.since, ...t.columns.map((c) => c.since)]),
      ...ALL_METADATA.indexes.flatMap((i) => [i.since, i.until]),
      ...ALL_METADATA.statistics.map((s) => s.since),
    ].filter((m): m is string => m !== undefined);
    expect(marks.length).toBeGreaterThan(0);
    for (const m of marks) expect(known.has(m), m).toBe(true);
  });
});

describe('createSchemaSql', () => {
  it('renders Postgres types, partial indexes and the run_tags statistics', () => {
    const sql = createSchemaSql(ALL_METADATA, 'postgres').join(';\n');
    expect(sql).toContain('id BIGSERIAL NOT NULL');
    expect(sql).toContain('snapshot_body BYTEA NOT NULL');
    expect(sql).toContain('start_time DOUBLE PRECISION');
    expect(sql).toContain('"timestamp" TIMESTAMP WITHOUT TIME ZONE NOT NULL');
    expect(sql).toContain('using_default_limit BOOLEAN DEFAULT false NOT NULL');
    expect(sql).toContain(
      'CREATE INDEX IF NOT EXISTS idx_events_by_asset_partition ON event_logs (asset_key, dagster_event_type, "partition", id) WHERE asset_key IS NOT NULL AND partition IS NOT NULL',
    );
    expect(sql).toContain('CREATE STATISTICS IF NOT EXISTS run_tags_key_value_stats (dependencies, ndistinct) ON "key", value FROM run_tags');
    expect(sql).toContain('ALTER TABLE run_tags ALTER COLUMN value SET STATISTICS 500');
    expect(sql).toContain('FOREIGN KEY(run_id) REFERENCES runs (run_id) ON DELETE CASCADE');
  });

  it('renders SQLite types, full indexes, and no statistics', () => {
    const sql = createSchemaSql(ALL_METADATA, 'sqlite').join(';\n');
    expect(sql).toContain('id INTEGER NOT NULL');
    expect(sql).toContain('snapshot_body BLOB NOT NULL');
    expect(sql).toContain('start_time FLOAT');
    expect(sql).toContain('create_timestamp DATETIME DEFAULT CURRENT_TIMESTAMP');
    expect(sql).toContain('using_default_limit BOOLEAN DEFAULT 0 NOT NULL');
    expect(sql).not.toMatch(/BIGSERIAL|WHERE|STATISTICS|AUTOINCREMENT/);
  });

  it('creates each table before the tables whose foreign keys point at it', () => {
    for (const metadata of [RUN_STORAGE_METADATA, EVENT_LOG_METADATA, SCHEDULE_STORAGE_METADATA, ALL_METADATA]) {
      const order = metadata.tables.map((t) => t.name);
      for (const table of metadata.tables) {
        for (const c of table.columns) {
          if (c.references) expect(order.indexOf(c.references.table)).toBeLessThan(order.indexOf(table.name));
        }
      }
    }
  });

  it('quotes reserved column names', () => {
    expect(quoteIdent('limit')).toBe('"limit"');
    expect(quoteIdent('run_id')).toBe('run_id');
    expect(createIndexSql({ name: 'i', table: 't', columns: ['key'] }, 'sqlite', { ifNotExists: false })).toBe('CREATE INDEX i ON t ("key")');
  });
});

describe('metadataAtRevision', () => {
  it('gives the 1.8.12 schema: no backfill_id, job_name, backfill_tags or using_default_limit; idx_run_tags', () => {
    const old = metadataAtRevision(ALL_METADATA, BASELINE_REVISION);
    const columns = (t: string) => old.tables.find((x) => x.name === t)!.columns.map((c) => c.name);
    expect(columns('runs')).not.toContain('backfill_id');
    expect(columns('bulk_actions')).not.toContain('job_name');
    expect(columns('concurrency_limits')).not.toContain('using_default_limit');
    expect(old.tables.map((t) => t.name)).not.toContain('backfill_tags');
    const indexes = old.indexes.map((i) => i.name);
    expect(indexes).toContain('idx_run_tags');
    expect(indexes).not.toContain('idx_run_tags_run_id');
    expect(indexes).not.toContain('idx_runs_by_backfill_id');
    expect(old.statistics).toEqual([]);
  });

  it('at head equals the metadata itself (minus dropped indexes)', () => {
    const head = metadataAtRevision(ALL_METADATA, HEAD_REVISION);
    expect(head.tables).toEqual(ALL_METADATA.tables);
    expect(head.indexes.map((i) => i.name)).toEqual(ALL_METADATA.indexes.filter((i) => !i.until).map((i) => i.name));
    expect(() => metadataAtRevision(ALL_METADATA, 'ffffffffffff')).toThrow(RangeError);
  });
});
