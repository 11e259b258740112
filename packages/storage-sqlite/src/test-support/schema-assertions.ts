import { expect } from 'vitest';
import { columnTypeSql, listColumns, listIndexes, listTables, type SchemaMetadata, type SqlExecutor } from '@inst/storage-sql';

/** What the database must report for a metadata at head: columns with types, nullability, defaults; indexes. */
export async function expectSchemaMatches(
  db: SqlExecutor,
  metadata: SchemaMetadata,
  options: { columnOrder?: 'exact' | 'any' } = {},
): Promise<void> {
  const order = <T extends unknown[]>(rows: T[]): T[] =>
    options.columnOrder === 'any' ? [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0]))) : rows;
  expect(await listTables(db)).toEqual(metadata.tables.map((t) => t.name).sort());
  for (const table of metadata.tables) {
    const columns = await listColumns(db, table.name);
    expect(
      order(columns.map((c) => [c.name, c.type, c.nullable, c.default])),
      table.name,
    ).toEqual(
      order(
        table.columns.map((c) => [
        c.name,
        columnTypeSql(c, 'sqlite'),
        c.nullable !== false && c.type !== 'id',
        c.default === 'current_timestamp' ? 'CURRENT_TIMESTAMP' : c.default === 'false' ? '0' : null,
        ]),
      ),
    );
    const indexes = await listIndexes(db, table.name);
    expect(
      indexes.map((i) => [i.name, i.columns, i.unique]),
      table.name,
    ).toEqual(
      metadata.indexes
        .filter((i) => i.table === table.name && i.until === undefined)
        .map((i) => [i.name, i.columns, i.unique === true])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  }
}

