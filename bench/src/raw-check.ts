/**
 * `tsx --conditions=@inst/source src/raw-check.ts [sqlite|postgres]`: the raw driver alone, to compare this
 * machine with the reference figures (`ecosystem-and-performance.md` §4.2): single-row autocommit inserts and
 * 1,000-row transactions, on the reference's table shape (~450 B payload, 3 secondary indexes) and on
 * Dagster's `event_logs` (5 indexes) with the bench's ~1 KB step events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createScratchDatabase } from '@inst/storage-postgres/testing';
import { createSchemaSql, EVENT_LOG_METADATA } from '@inst/storage-sql';
import { eventRow, newRunId, streamEntry } from './data';

const COLS = 'run_id, event, dagster_event_type, "timestamp", step_key, asset_key, "partition"';
const REFERENCE_TABLE = [
  'CREATE TABLE event_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id VARCHAR(255), event TEXT NOT NULL, dagster_event_type TEXT, "timestamp" TIMESTAMP, step_key TEXT, asset_key TEXT, "partition" TEXT)',
  'CREATE INDEX idx_run ON event_logs (run_id, id)',
  'CREATE INDEX idx_type ON event_logs (dagster_event_type, id)',
  'CREATE INDEX idx_asset ON event_logs (asset_key, dagster_event_type, id)',
];
const PG_REFERENCE_TABLE = REFERENCE_TABLE.map((sql) => sql.replace('INTEGER PRIMARY KEY AUTOINCREMENT', 'BIGSERIAL PRIMARY KEY'));

const runId = newRunId();
const dagsterRows = Array.from({ length: 20_000 }, (_, i) => eventRow(streamEntry(runId, i)));
// The reference's ~450-byte payload: the same columns, a shorter event body.
const smallRows = dagsterRows.map((row) => [row[0], row[1].slice(0, 450), row[2], row[3], row[4], row[5], row[6]] as const);

const rate = (n: number, start: number) => Math.round(n / ((performance.now() - start) / 1000));

async function sqlite(): Promise<void> {
  const dir = mkdtempSync(join(process.env.INST_BENCH_DIR || tmpdir(), 'inst-raw-check-'));
  try {
    for (const [label, ddl, rows] of [
      ['reference table, ~450 B', REFERENCE_TABLE, smallRows],
      ['Dagster event_logs, ~1 KB', createSchemaSql(EVENT_LOG_METADATA, 'sqlite'), dagsterRows],
    ] as const) {
      const open = (name: string) => {
        const db = new Database(join(dir, name));
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        for (const sql of ddl) db.exec(sql);
        return db;
      };
      const single = open(`${label}-single.db`);
      const insert1 = single.prepare(`INSERT INTO event_logs (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      let start = performance.now();
      for (const row of rows.slice(0, 10_000)) insert1.run(...row);
      const singleRate = rate(10_000, start);
      single.close();
      const batch = open(`${label}-batch.db`);
      const insert2 = batch.prepare(`INSERT INTO event_logs (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      const tx = batch.transaction((chunk: typeof rows) => {
        for (const row of chunk) insert2.run(...row);
      });
      start = performance.now();
      for (let i = 0; i < rows.length; i += 1000) tx(rows.slice(i, i + 1000));
      const batchRate = rate(rows.length, start);
      batch.close();
      console.log(`sqlite, ${label}: single-row autocommit ${singleRate} rows/s, 1,000-row transactions ${batchRate} rows/s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(): Promise<void> {
  for (const [label, ddl, rows] of [
    ['reference table, ~450 B', PG_REFERENCE_TABLE, smallRows],
    ['Dagster event_logs, ~1 KB', createSchemaSql(EVENT_LOG_METADATA, 'postgres'), dagsterRows],
  ] as const) {
    const db = await createScratchDatabase('inst_bench_rawcheck');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const sql of ddl) await client.query(sql);
      let start = performance.now();
      for (const row of rows.slice(0, 2000)) await client.query({ name: 'one', text: `INSERT INTO event_logs (${COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, values: [...row] });
      const singleRate = rate(2000, start);
      const values = Array.from({ length: 1000 }, (_, r) => `(${Array.from({ length: 7 }, (_, c) => `$${r * 7 + c + 1}`).join(', ')})`).join(', ');
      start = performance.now();
      for (let i = 0; i < rows.length; i += 1000) {
        await client.query({ name: 'many', text: `INSERT INTO event_logs (${COLS}) VALUES ${values}`, values: rows.slice(i, i + 1000).flat() });
      }
      const batchRate = rate(rows.length, start);
      console.log(`postgres, ${label}: single-row INSERT … RETURNING ${singleRate} rows/s, 1,000-row INSERT … VALUES ${batchRate} rows/s`);
    } finally {
      await client.end();
      await db.drop();
    }
  }
}

const which = process.argv[2];
console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
if (which !== 'postgres') await sqlite();
if (which !== 'sqlite') await postgres();
