import { describe, expect, it } from 'vitest';
import { loadDump, type DumpVersion } from '@inst/fixtures';
import { metadataAtRevision } from './render.js';
import { ALL_METADATA } from './tables.js';
import type { ColumnDef, SchemaMetadata } from './types.js';
import { parseDumpSchema, type DumpColumn, type DumpSchema } from '../test-support/pg-dump-schema.js';

/*
 * Our schema data against the three real Dagster Postgres dumps, each at its own revision.
 * 1.8.12 was created fresh (create_all), so it must match exactly, column order included.
 * 1.9.3 and 1.12.3 are one database created long ago and migrated since; they differ from a
 * fresh create only in the documented ways (facts §1.0, §3.1) listed in MIGRATED_DIFFERENCES.
 */

const DUMPS: { version: DumpVersion; revision: string; fresh: boolean }[] = [
  { version: '1_8_12', revision: '284a732df317', fresh: true },
  { version: '1_9_3', revision: '16e3655b4d9b', fresh: false },
  { version: '1_12_3', revision: '7e2f3204cf8e', fresh: false },
];

/** How pg_dump prints a column of ours. */
function dumpColumn(c: ColumnDef): DumpColumn {
  const type = {
    id: 'bigint',
    bigint: 'bigint',
    integer: 'integer',
    varchar: `character varying(${c.length})`,
    text: 'text',
    datetime: 'timestamp without time zone',
    timestamp: 'timestamp without time zone',
    float: 'double precision',
    blob: 'bytea',
    boolean: 'boolean',
  }[c.type];
  const dflt = c.default === 'current_timestamp' ? 'CURRENT_TIMESTAMP' : c.default === 'false' ? 'false' : null;
  return { name: c.name, type, notNull: c.nullable === false || c.type === 'id', default: dflt };
}

/** Fresh-vs-migrated differences of old databases (not schema drift). */
const MIGRATED_DIFFERENCES = {
  /** Old tables keep `integer` ids (the bigint migration is optional); asset_event_tags.event_id too. */
  integerColumns: ['event_logs.id', 'runs.id', 'run_tags.id', 'asset_keys.id', 'secondary_indexes.id', 'snapshots.id', 'asset_event_tags.event_id'],
  /** The 0.10 migration that created bulk_actions made a UNIQUE idx_bulk_actions_key; schema.py has idx_bulk_actions. */
  renamedIndexes: { idx_bulk_actions: { name: 'idx_bulk_actions_key', unique: true } } as Record<string, { name: string; unique: boolean }>,
  /** An old migration added this foreign key; schema.py no longer declares it. */
  extraConstraints: ['asset_event_tags_event_id_fkey'],
};

function expectedColumns(metadata: SchemaMetadata, table: string, fresh: boolean): DumpColumn[] {
  return metadata.tables
    .find((t) => t.name === table)!
    .columns.map(dumpColumn)
    .map((c) => (!fresh && MIGRATED_DIFFERENCES.integerColumns.includes(`${table}.${c.name}`) ? { ...c, type: 'integer' } : c));
}

function expectedConstraints(metadata: SchemaMetadata): string[] {
  const out: string[] = [];
  for (const table of metadata.tables) {
    if (table.primaryKey) out.push(`${table.name}: ${table.primaryKey.name} PRIMARY KEY (${table.primaryKey.columns.join(', ')})`);
    for (const c of table.columns) {
      if (c.type === 'id') out.push(`${table.name}: ${table.name}_pkey PRIMARY KEY (${c.name})`);
      if (c.unique) out.push(`${table.name}: ${table.name}_${c.name}_key UNIQUE (${c.name})`);
      if (c.references) {
        const name = c.references.name ?? `${table.name}_${c.name}_fkey`;
        const onDelete = c.references.onDelete ? ` ON DELETE ${c.references.onDelete}` : '';
        out.push(`${table.name}: ${name} FOREIGN KEY (${c.name}) REFERENCES ${c.references.table}(${c.references.column})${onDelete}`);
      }
    }
  }
  return out.sort();
}

describe.each(DUMPS)('the Dagster $version dump (revision $revision)', ({ version, revision, fresh }) => {
  const dump: DumpSchema = parseDumpSchema(loadDump(version).sql);
  const metadata = metadataAtRevision(ALL_METADATA, revision);

  it('has exactly our tables', () => {
    expect([...dump.tables.keys()].sort()).toEqual(metadata.tables.map((t) => t.name).sort());
  });

  it(`has our columns with our types, nullability and defaults${fresh ? ', in our order' : ''}`, () => {
    for (const [table, columns] of dump.tables) {
      const expected = expectedColumns(metadata, table, fresh);
      if (fresh) expect(columns, table).toEqual(expected);
      else expect([...columns].sort((a, b) => a.name.localeCompare(b.name)), table).toEqual(expected.sort((a, b) => a.name.localeCompare(b.name)));
    }
  });

  it('has our indexes (partial predicates included)', () => {
    const expected = metadata.indexes.map((i) => {
      const renamed = fresh ? undefined : MIGRATED_DIFFERENCES.renamedIndexes[i.name];
      return {
        name: renamed?.name ?? i.name,
        table: i.table,
        columns: [...i.columns],
        unique: renamed?.unique ?? i.unique === true,
        where: i.postgresWhere ?? null,
      };
    });
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect([...dump.indexes].sort(byName)).toEqual(expected.sort(byName));
  });

  it('has our primary keys, unique constraints and foreign keys', () => {
    const actual = dump.constraints
      .filter((c) => fresh || !MIGRATED_DIFFERENCES.extraConstraints.includes(c.name))
      .map((c) => `${c.table}: ${c.name} ${c.definition}`)
      .sort();
    expect(actual).toEqual(expectedConstraints(metadata));
  });
});
