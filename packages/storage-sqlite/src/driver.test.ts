import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstError } from '@inst/errors';
import { isUniqueViolation, tryRun } from '@inst/storage-sql';
import { SqliteDriver } from './driver.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SqliteDriver', () => {
  let driver: SqliteDriver;

  beforeEach(async () => {
    driver = await SqliteDriver.open(':memory:');
    await driver.run('CREATE TABLE t (id INTEGER NOT NULL, name VARCHAR(32) UNIQUE, flag BOOLEAN, at DATETIME, PRIMARY KEY (id))');
  });
  afterEach(async () => {
    await driver.close();
  });

  it('binds values and converts booleans and Dates the way Dagster stores them', async () => {
    const result = await driver.run('INSERT INTO t (name, flag, at) VALUES (?, ?, ?)', ['a', true, new Date(Date.UTC(2024, 10, 15, 10, 0, 51, 966))]);
    expect(result).toEqual({ changes: 1, lastInsertId: 1 });
    expect(await driver.get('SELECT name, flag, at FROM t')).toEqual({ name: 'a', flag: 1, at: '2024-11-15 10:00:51.966000' });
    expect(await driver.all('SELECT name FROM t WHERE name = ?', ["a'; DROP TABLE t; --"])).toEqual([]);
  });

  it('reports lastInsertId from INSERT … RETURNING id too', async () => {
    await driver.run('INSERT INTO t (name) VALUES (?)', ['a']);
    expect(await driver.run('INSERT INTO t (name) VALUES (?) RETURNING id', ['b'])).toEqual({ changes: 1, lastInsertId: 2 });
  });

  it('commits a transaction that resolves and undoes one that throws', async () => {
    await driver.transaction(async (tx) => {
      await tx.run('INSERT INTO t (name) VALUES (?)', ['kept']);
    });
    await expect(
      driver.transaction(async (tx) => {
        await tx.run('INSERT INTO t (name) VALUES (?)', ['lost-1']);
        await sleep(1);
        await tx.run('INSERT INTO t (name) VALUES (?)', ['lost-2']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await driver.all('SELECT name FROM t ORDER BY id')).toEqual([{ name: 'kept' }]);
  });

  it('makes other callers wait while a transaction awaits, so they never see its uncommitted rows', async () => {
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const tx = driver.transaction(async (t) => {
      await t.run('INSERT INTO t (name) VALUES (?)', ['uncommitted']);
      inside();
      await sleep(20);
      throw new Error('rolled back');
    });
    await entered;
    const count = driver.get<{ n: number }>('SELECT COUNT(*) AS n FROM t');
    await expect(tx).rejects.toThrow('rolled back');
    expect(await count).toEqual({ n: 0 });
  });

  it('runs nested transactions as savepoints: an inner failure leaves the outer transaction alive', async () => {
    await driver.transaction(async (tx) => {
      await tx.run('INSERT INTO t (name) VALUES (?)', ['outer']);
      await expect(
        tx.transaction(async (inner) => {
          await inner.run('INSERT INTO t (name) VALUES (?)', ['inner']);
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await tx.transaction(async (inner) => {
        await inner.run('INSERT INTO t (name) VALUES (?)', ['inner-ok']);
      });
    });
    expect(await driver.all('SELECT name FROM t ORDER BY id')).toEqual([{ name: 'outer' }, { name: 'inner-ok' }]);
  });

  it('tryRun turns a unique violation into null under a savepoint', async () => {
    await driver.run('INSERT INTO t (name) VALUES (?)', ['dup']);
    await driver.transaction(async (tx) => {
      expect(await tryRun(tx, 'INSERT INTO t (name) VALUES (?)', ['dup'])).toBeNull();
      expect(await tryRun(tx, 'INSERT INTO t (name) VALUES (?)', ['fresh'])).toMatchObject({ changes: 1 });
    });
    expect(await driver.all('SELECT name FROM t ORDER BY id')).toEqual([{ name: 'dup' }, { name: 'fresh' }]);
    const error = await driver.run('INSERT INTO t (name) VALUES (?)', ['dup']).catch((e: unknown) => e);
    expect(InstError.isInstance(error) && error.code).toBe('STORAGE_ERROR');
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('refuses (instead of deadlocking) a call on the driver from inside its own transaction', async () => {
    await expect(
      driver.transaction(async () => {
        await driver.get('SELECT 1');
      }),
    ).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
    await expect(driver.get('SELECT 1 AS one')).resolves.toEqual({ one: 1 });
  });

  it('rejects a transaction executor used after its transaction ended', async () => {
    let leaked: { run(sql: string): Promise<unknown> } | undefined;
    await driver.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.run('SELECT 1')).rejects.toMatchObject({ code: 'INVARIANT_VIOLATION' });
  });

  it('close is idempotent and later calls fail with DisposedError', async () => {
    await driver.close();
    await driver.close();
    await expect(driver.get('SELECT 1')).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});

describe('SqliteDriver on a file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inst-sqlite-driver-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens with WAL, a busy timeout, synchronous=NORMAL and foreign keys off', async () => {
    await using driver = await SqliteDriver.open(join(dir, 'a.db'));
    expect(await driver.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await driver.get('PRAGMA busy_timeout')).toEqual({ timeout: 10_000 });
    expect(await driver.get('PRAGMA synchronous')).toEqual({ synchronous: 1 });
    expect(await driver.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 0 });
  });

  it('suspends an idle connection and reopens it on the next call', async () => {
    let opens = 0;
    await using driver = await SqliteDriver.open(join(dir, 'b.db'), { onOpen: () => opens++ });
    await driver.run('CREATE TABLE x (v INTEGER)');
    await driver.run('INSERT INTO x (v) VALUES (?)', [7]);
    expect(driver.suspend()).toBe(true);
    expect(driver.isOpen).toBe(false);
    expect(await driver.all('SELECT v FROM x')).toEqual([{ v: 7 }]);
    expect(driver.isOpen).toBe(true);
    expect(opens).toBe(2);
    // Not while a transaction holds the connection.
    await driver.transaction(async () => {
      expect(driver.suspend()).toBe(false);
    });
  });
});
