/*
 * The database drivers, imported when a queue on that database is first used (they are optional peer
 * dependencies: a Postgres-only install has no better-sqlite3, a SQLite-only one no pg).
 */
import { importDriver } from '@inst/errors';
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/** `pg`, for a queue on Postgres. @throws DriverNotInstalledError naming `pg` when it is not installed. */
export function loadPg(): Promise<typeof pg> {
  return importDriver(async () => (await import('pg')).default, ['pg'], 'The run queue on Postgres');
}

/** `better-sqlite3`, for the queue lock of a SQLite home. @throws DriverNotInstalledError naming it when missing. */
export function loadBetterSqlite3(): Promise<typeof BetterSqlite3> {
  return importDriver(async () => (await import('better-sqlite3')).default, ['better-sqlite3'], 'The run queue lock of a SQLite home');
}
