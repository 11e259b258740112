import { existsSync, linkSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EVENT_LOG_METADATA, initializeSchema } from '@inst/storage-sql';
import { SqliteDriver } from './driver.js';
import { processAlive } from './process-alive.js';

/*
 * A new run shard is a copy of a prebuilt file instead of the event-log DDL run again: Dagster's
 * schema, WAL mode in the header, the head alembic stamp and the secondary-index rows — the very
 * bytes `initializeSchema` produced once in this process. Its WAL sidecar holds one committed
 * no-op transaction (the stamp rewritten to itself), so the shard's first real write appends to a
 * WAL that already has frames: SQLite syncs a WAL header only when it starts a WAL, which would
 * otherwise cost an fsync on every new run. The database file alone is complete: the WAL frame
 * changes nothing, so a reader that opens the file before the WAL is in place sees the same data.
 */

/** The bytes of a new shard: the database file and its WAL sidecar. */
export interface ShardTemplate {
  readonly db: Buffer;
  readonly wal: Buffer;
}

let template: Promise<ShardTemplate> | undefined;

async function buildTemplate(): Promise<ShardTemplate> {
  const dir = mkdtempSync(join(tmpdir(), 'inst-shard-template-'));
  try {
    const path = join(dir, 'template.db');
    const driver = await SqliteDriver.open(path);
    try {
      await initializeSchema(driver, EVENT_LOG_METADATA);
      // Everything into the database file (an empty file next to a WAL would make SQLite drop the WAL) …
      await driver.get('PRAGMA wal_checkpoint(TRUNCATE)');
      // … then one transaction that changes nothing, so the WAL has a header and frames.
      await driver.transaction(async (tx) => {
        await tx.run('UPDATE alembic_version SET version_num = version_num');
      });
      // Read while the connection is open: closing it would checkpoint and delete the WAL.
      return { db: readFileSync(path), wal: readFileSync(`${path}-wal`) };
    } finally {
      await driver.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The process's shard template, built on first use. */
export function shardTemplate(): Promise<ShardTemplate> {
  template ??= buildTemplate().catch((error: unknown) => {
    template = undefined;
    throw error;
  });
  return template;
}

let tmpCounter = 0;

/** Creates `path` with `bytes` only if it does not exist: written aside, then hard-linked (atomic, fails on EEXIST). */
function linkNew(path: string, bytes: Buffer): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  writeFileSync(tmp, bytes, { flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

/** Takes `lock` (a file naming this process); a lock left by a process that is gone is taken over. */
function tryLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  }
  let owner = Number.NaN;
  try {
    owner = Number.parseInt(readFileSync(lock, 'utf8'), 10);
  } catch {
    return false; // Released meanwhile: the caller tries again.
  }
  // An empty file is a lock being written right now; only a named owner that is gone is stale.
  if (Number.isSafeInteger(owner) && !processAlive(owner)) rmSync(lock, { force: true });
  return false;
}

/** How long to wait for another process's creation of the same shard before creating it with the DDL instead. */
const CREATION_WAIT_MS = 2_000;

/**
 * Creates the shard file `path` from the template unless it exists. Creation is one synchronous
 * step under a per-shard lock file (`.<name>.creating`), shared with other processes: a WAL or
 * shared-memory file found without its database file is left from a deleted shard and is removed
 * first — SQLite would apply that WAL to the new file. Returns whether this call created the file;
 * `false` when it exists, or when another process held the lock too long (the caller then opens
 * the path as before, and the DDL creates what is missing).
 */
export async function createShardFromTemplate(path: string): Promise<boolean> {
  const { db, wal } = await shardTemplate();
  const lock = join(dirname(path), `.${basename(path)}.creating`);
  const deadline = Date.now() + CREATION_WAIT_MS;
  while (!tryLock(lock)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  try {
    if (existsSync(path)) return false;
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
    if (!linkNew(path, db)) return false;
    linkNew(`${path}-wal`, wal);
    return true;
  } finally {
    rmSync(lock, { force: true });
  }
}
