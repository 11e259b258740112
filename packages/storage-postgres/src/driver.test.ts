import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, InvariantViolationError, StorageError } from '@inst/errors';
import { fromSqlTimestamp, isUniqueViolation, tryRun, type SqlExecutor } from '@inst/storage-sql';
import { PREPARE_MIN_PARAMS, createPgDriver, type PgDriver } from './driver.js';
import { pgErrorCode } from './errors.js';
import { createScratchDatabase, type ScratchDatabase } from './testing/index.js';

let scratch: ScratchDatabase;
let driver: PgDriver;

/** A plain pg client without inst's session setup: what the server's defaults give. */
async function rawQuery<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  scratch = await createScratchDatabase('inst_pg_driver');
  // Every new session of this database defaults to UTC+8, as the server behind Dagster's 2024 fixture rows did.
  await rawQuery(`ALTER DATABASE ${pg.escapeIdentifier(scratch.name)} SET TimeZone = 'Asia/Singapore'`);
  driver = createPgDriver({ url: scratch.url }, { poolSize: 4 });
  await driver.run('CREATE TABLE items (id BIGSERIAL PRIMARY KEY, key VARCHAR(64) NOT NULL UNIQUE, n INTEGER)');
});

afterAll(async () => {
  await driver?.close();
  await scratch?.drop();
});

const keys = async (): Promise<string[]> => (await driver.all<{ key: string }>('SELECT key FROM items ORDER BY id')).map((r) => r.key);

describe('PgDriver', () => {
  it('uses the configured pool size', () => {
    expect(driver.pool.options.max).toBe(4);
    expect(driver.dialect).toBe('postgres');
  });

  it('binds ? placeholders but not ? inside literals, identifiers or $-quotes', async () => {
    const row = await driver.get(
      `SELECT ?::text AS a, '?' AS b, 'it''s ?' AS c, $$ ? $$ AS d, x."col?" AS e, ?::int AS f FROM (SELECT 7 AS "col?") x`,
      ['p', 5],
    );
    expect(row).toEqual({ a: 'p', b: '?', c: "it's ?", d: ' ? ', e: 7, f: 5 });
  });

  it('parses int8 and numeric as numbers, bytea as Buffer', async () => {
    const row = await driver.get(
      `SELECT 42::bigint AS big, count(*) AS cnt, 1.5::numeric AS num, '\\x0102ff'::bytea AS bin, true AS flag,
              ARRAY[1, 2]::bigint[] AS bigs, NULL::bigint AS nothing, 9007199254740993::bigint AS huge`,
    );
    expect(row).toEqual({ big: 42, cnt: 1, num: 1.5, bin: Buffer.from([1, 2, 255]), flag: true, bigs: [1, 2], nothing: null, huge: 9007199254740993n });
    // Buffers and undefined bind as bytea and NULL.
    expect(await driver.get('SELECT ?::bytea AS b, ?::text AS u', [Buffer.from('hi'), undefined])).toEqual({ b: Buffer.from('hi'), u: null });
  });

  it('reports changes and the RETURNING id', async () => {
    const inserted = await driver.run('INSERT INTO items (key, n) VALUES (?, ?) RETURNING id', ['r1', 1]);
    expect(inserted.changes).toBe(1);
    expect(inserted.lastInsertId).toEqual(expect.any(Number));
    const plain = await driver.run('INSERT INTO items (key, n) VALUES (?, ?), (?, ?)', ['r2', 1, 'r3', 1]);
    expect(plain).toEqual({ changes: 2 });
    expect(await driver.run('UPDATE items SET n = n + 1 WHERE n = ?', [1])).toEqual({ changes: 3 });
    expect(await driver.run('INSERT INTO items (key) VALUES (?) ON CONFLICT (key) DO NOTHING', ['r1'])).toEqual({ changes: 0 });
    await driver.run('DELETE FROM items');
  });

  it('runs statements of PREPARE_MIN_PARAMS parameters or more as named prepared statements, reused across calls', async () => {
    const rows = Array.from({ length: PREPARE_MIN_PARAMS / 2 }, (_, i) => [`prep_${i}`, i]);
    const insert = `INSERT INTO items (key, n) VALUES ${rows.map(() => '(?, ?)').join(', ')}`;
    await driver.run(insert, rows.flat());
    // The same shape again, in transactions (one fails after it, on a unique key): the statement stays usable.
    await expect(driver.transaction((tx) => tx.run(insert, rows.flat()))).rejects.toThrow(StorageError);
    const prepared = await driver.transaction(async (tx) => {
      await tx.run(insert, rows.map(([key, n]) => [`${key}_again`, n]).flat());
      return tx.all<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'inst\\_%'");
    });
    // A read of as many parameters is not prepared (a cached plan of a SELECT could outlive a migration).
    const keysIn = `SELECT count(*)::int AS n FROM items WHERE key IN (${rows.map(() => '?').join(', ')}) OR n IN (${rows.map(() => '?').join(', ')})`;
    const statements = await driver.transaction(async (tx) => {
      await tx.all(keysIn, [...rows.map(([key]) => key), ...rows.map(([, n]) => n)]);
      return tx.all<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
    });
    expect(statements.filter((p) => p.statement.startsWith('SELECT count(*)::int AS n FROM items'))).toEqual([]);
    expect(prepared.map((p) => p.statement)).toContain(insert.replace(/\?/g, () => '$x').replace(/\$x/g, ((n) => () => `$${++n}`)(0)));
    const stored = await driver.all<{ n: number; total: number }>("SELECT count(*)::int AS n, sum(n)::int AS total FROM items WHERE key LIKE 'prep_%'");
    expect(stored[0]).toEqual({ n: rows.length * 2, total: 2 * rows.reduce((sum, [, n]) => sum + (n as number), 0) });
    await driver.run("DELETE FROM items WHERE key LIKE 'prep_%'");
  });

  it('rolls back everything when the transaction throws', async () => {
    await expect(
      driver.transaction(async (tx) => {
        await tx.run('INSERT INTO items (key) VALUES (?)', ['t1']);
        await tx.run('INSERT INTO items (key) VALUES (?)', ['t2']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await keys()).toEqual([]);
  });

  it('commits and sees its own writes on one connection', async () => {
    const result = await driver.transaction(async (tx) => {
      await tx.run('INSERT INTO items (key) VALUES (?)', ['c1']);
      return tx.get<{ n: number }>('SELECT count(*) AS n FROM items');
    });
    expect(result).toEqual({ n: 1 });
    expect(await keys()).toEqual(['c1']);
    await driver.run('DELETE FROM items');
  });

  it('keeps the outer transaction when a savepoint hits a unique violation (tryRun)', async () => {
    await driver.run('INSERT INTO items (key) VALUES (?)', ['dup']);
    await driver.transaction(async (tx) => {
      await tx.run('INSERT INTO items (key) VALUES (?)', ['s1']);
      expect(await tryRun(tx, 'INSERT INTO items (key) VALUES (?)', ['dup'])).toBeNull();
      expect((await tryRun(tx, 'INSERT INTO items (key) VALUES (?) RETURNING id', ['s2']))?.lastInsertId).toEqual(expect.any(Number));
      // Concurrent savepoints on one transaction take turns.
      const results = await Promise.all(['dup', 's3', 's1'].map((key) => tryRun(tx, 'INSERT INTO items (key) VALUES (?)', [key])));
      expect(results.map((r) => r?.changes ?? null)).toEqual([null, 1, null]);
    });
    expect(await keys()).toEqual(['dup', 's1', 's2', 's3']);
    await driver.run('DELETE FROM items');
  });

  it('undoes only a failed savepoint', async () => {
    await driver.transaction(async (tx) => {
      await tx.run('INSERT INTO items (key) VALUES (?)', ['outer']);
      await expect(
        tx.transaction(async (sp) => {
          await sp.run('INSERT INTO items (key) VALUES (?)', ['inner']);
          await sp.transaction(async (sp2) => sp2.run('INSERT INTO items (key) VALUES (?)', ['inner2']));
          throw new Error('undo inner');
        }),
      ).rejects.toThrow('undo inner');
      await tx.transaction(async (sp) => sp.run('INSERT INTO items (key) VALUES (?)', ['kept']));
    });
    expect(await keys()).toEqual(['outer', 'kept']);
    await driver.run('DELETE FROM items');
  });

  it('wraps driver errors in StorageError with the pg error as cause', async () => {
    await driver.run('INSERT INTO items (key) VALUES (?)', ['u']);
    const error = await driver.run('INSERT INTO items (key) VALUES (?)', ['u']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(isUniqueViolation(error)).toBe(true);
    expect(pgErrorCode(error)).toBe('23505');
    expect((error as Error).message).toMatch(/^Postgres 23505: duplicate key .*\[INSERT INTO items/);
    await expect(driver.all('SELEC 1')).rejects.toSatisfy((e) => e instanceof StorageError && pgErrorCode(e) === '42601');
    await driver.run('DELETE FROM items');
  });

  it('refuses a COMMIT that Postgres turned into a rollback', async () => {
    await expect(
      driver.transaction(async (tx) => {
        await tx.run('INSERT INTO items (key) VALUES (?)', ['lost']);
        await tx.run('SELECT 1/0').catch(() => undefined); // swallowed: the transaction is aborted now
      }),
    ).rejects.toThrow(/aborted by an earlier error/);
    expect(await keys()).toEqual([]);
  });

  it('opens read-only transactions with BEGIN READ ONLY', async () => {
    const error = await driver
      .transaction((tx) => tx.run('INSERT INTO items (key) VALUES (?)', ['ro']), { readOnly: true })
      .catch((e: unknown) => e);
    expect(pgErrorCode(error)).toBe('25006');
    expect(await driver.transaction((tx) => tx.get('SELECT 1 AS one'), { readOnly: true })).toEqual({ one: 1 });
  });

  it('rejects a parent executor used inside its savepoint, and executors used after their end', async () => {
    let leaked: SqlExecutor | undefined;
    await driver.transaction(async (tx) => {
      leaked = tx;
      await expect(tx.transaction(() => tx.get('SELECT 1'))).rejects.toThrow(InvariantViolationError);
    });
    await expect(leaked!.get('SELECT 1')).rejects.toThrow(InvariantViolationError);
  });

  it('writes and reads timestamps as naive UTC whatever the database TimeZone', async () => {
    // The database default really is UTC+8 for a client without inst's session setup …
    const [raw] = await rawQuery<{ tz: string; offset: number }>(
      "SELECT current_setting('TimeZone') AS tz, extract(epoch FROM localtimestamp - (now() AT TIME ZONE 'UTC'))::int AS offset",
    );
    expect(raw).toEqual({ tz: 'Asia/Singapore', offset: 28800 });
    // … while every pooled session runs in UTC.
    expect(await driver.get('SHOW TimeZone')).toEqual({ TimeZone: 'UTC' });

    await driver.run('CREATE TABLE stamps (id SERIAL PRIMARY KEY, ts TIMESTAMP, created TIMESTAMP DEFAULT CURRENT_TIMESTAMP)');
    const before = Date.now() / 1000;
    await driver.run('INSERT INTO stamps (ts) VALUES (?), (?), (?)', [
      new Date(Date.UTC(2024, 10, 15, 10, 0, 51, 966)),
      '2024-11-15 10:00:51.966126', // Dagster's text form keeps microseconds
      '2024-11-15 10:00:51',
    ]);
    const rows = await driver.all<{ ts: string; created: string }>('SELECT ts, created FROM stamps ORDER BY id');
    expect(rows.map((r) => r.ts)).toEqual(['2024-11-15 10:00:51.966000', '2024-11-15 10:00:51.966126', '2024-11-15 10:00:51.000000']);
    expect(fromSqlTimestamp(rows[1]!.ts)).toBe(1731664851.966126);
    // CURRENT_TIMESTAMP defaults land in UTC too (Dagster's 2024 fixture rows are 8 h off for lack of this).
    const created = fromSqlTimestamp(rows[0]!.created);
    expect(created).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(created).toBeLessThan(Date.now() / 1000 + 1);
    // What the server stored is the UTC wall time, as a raw client sees it.
    const [stored] = await rawQuery<{ text: string }>('SELECT ts::text AS text FROM stamps WHERE id = 2');
    expect(stored!.text).toBe('2024-11-15 10:00:51.966126');
  });

  it('fails fast with a StorageError when the server is unreachable', async () => {
    const bad = createPgDriver({ url: 'postgresql://postgres@127.0.0.1:1/postgres' }, { connectionTimeoutMs: 2000 });
    try {
      await expect(bad.get('SELECT 1')).rejects.toThrow(StorageError);
    } finally {
      await bad.close();
    }
  });

  it('closes once, and refuses work after close', async () => {
    const other = createPgDriver({ url: scratch.url });
    expect(await other.get('SELECT 1 AS one')).toEqual({ one: 1 });
    await Promise.all([other.close(), other.close()]);
    await other.close();
    expect(other.isClosed).toBe(true);
    await expect(other.get('SELECT 1')).rejects.toThrow(DisposedError);
    await expect(other.transaction(async () => 1)).rejects.toThrow(DisposedError);
  });
});
