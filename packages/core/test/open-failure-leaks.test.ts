import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@inst/errors';
import { createPgDriver, type PgDriver } from '@inst/storage-postgres';
import { createScratchDatabase, pgAvailable, testPgUrl, type ScratchDatabase } from '@inst/storage-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '../src/index';

/*
 * Issue #10 "nothing left open": an Instance.fromConfig that fails after it opened its storages (here
 * because DAGSTER_EVENT_BATCH_SIZE is not an integer, read when the instance is built) closes what it
 * opened before it throws, and dispose() ends the Postgres pool at once rather than at its idle timeout.
 */

const available = await pgAvailable();

/** File descriptors this process has open now (Linux). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The open descriptor count once it is back to `expected` (or after a generous bound, whatever it is then). */
async function settledFds(expected: number): Promise<number> {
  let n = openFds();
  for (let i = 0; i < 200 && n !== expected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    n = openFds();
  }
  return n;
}

async function withBadBatchSize<T>(fn: () => Promise<T>): Promise<T> {
  const previous = process.env.DAGSTER_EVENT_BATCH_SIZE;
  process.env.DAGSTER_EVENT_BATCH_SIZE = 'not-a-number';
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.DAGSTER_EVENT_BATCH_SIZE;
    else process.env.DAGSTER_EVENT_BATCH_SIZE = previous;
  }
}

describe('failed opens on SQLite', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'inst-open-leak-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('20 failed Instance.fromConfig leak no file descriptor', { timeout: 120_000 }, async () => {
    // Warm up: modules loaded, a first open and close, so that only what an open holds is counted.
    await (await Instance.fromConfig(home)).dispose();
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      await expect(withBadBatchSize(() => Instance.fromConfig(home))).rejects.toBeInstanceOf(ConfigError);
    }
    expect(openFds()).toBe(before);
    // and the home still opens
    const instance = await Instance.fromConfig(home);
    expect(openFds()).toBeGreaterThan(before);
    await instance.dispose();
    expect(openFds()).toBe(before);
  });
});

describe.skipIf(!available)('failed opens and dispose on Postgres', () => {
  let scratch: ScratchDatabase;
  let home: string;
  let admin: PgDriver;

  beforeAll(async () => {
    scratch = await createScratchDatabase('inst_open_leak');
    home = mkdtempSync(join(tmpdir(), 'inst-open-leak-pg-'));
    writeFileSync(join(home, 'dagster.yaml'), `storage:\n  postgres:\n    postgres_url: ${JSON.stringify(scratch.url)}\n`);
    admin = createPgDriver({ url: testPgUrl() }, { poolSize: 1 });
  });
  afterAll(async () => {
    await admin?.close();
    await scratch?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Backends connected to the scratch database (besides none of ours: admin is on another database). */
  async function connections(): Promise<number> {
    const row = await admin.get<{ n: number }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = ?', [scratch.name]);
    return Number(row?.n);
  }

  /** A backend leaves pg_stat_activity a moment after its socket closed: poll, with a generous bound. */
  async function settle(expected: number): Promise<number> {
    let n = await connections();
    for (let i = 0; i < 200 && n !== expected; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      n = await connections();
    }
    return n;
  }

  it('20 failed Instance.fromConfig leave no connection and no descriptor', { timeout: 120_000 }, async () => {
    await (await Instance.fromConfig(home)).dispose(); // creates the schema
    expect(await settle(0)).toBe(0);
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      await expect(withBadBatchSize(() => Instance.fromConfig(home))).rejects.toBeInstanceOf(ConfigError);
    }
    // Right after the failures: none of their pools is waiting for an idle timeout (10 s).
    expect(await settle(0)).toBe(0);
    // A pooled socket the server has closed (CLOSE-WAIT) is released a moment after pool.end(): poll, with a bound.
    expect(await settledFds(before)).toBe(before);
  });

  it('dispose() ends the pool at once', { timeout: 120_000 }, async () => {
    const instance = await Instance.fromConfig(home);
    await instance.getRunsCount();
    await Promise.all([instance.getRunsCount(), instance.getRunsCount(), instance.getRunsCount()]);
    expect(await connections()).toBeGreaterThan(0);
    await instance.dispose();
    expect(await settle(0)).toBe(0);
  });
});
